"""lookup hits: search_doc carries what a result shows; phone writes mark customers dirty

The lookup then reads one compact row per hit instead of joining customer, phone and stats
rows (about six random page reads per hit on a million customers). Existing index rows are
dropped and every live customer is marked dirty: the first lookup rebuilds the index (in
bulk when there are many).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 01:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PHONE_TRIGGERS = {
    "trg_search_phone_ins": """CREATE TRIGGER trg_search_phone_ins AFTER INSERT ON customer_phone
        BEGIN INSERT OR IGNORE INTO search_dirty (customer_id) VALUES (NEW.customer_id); END""",
    "trg_search_phone_upd": """CREATE TRIGGER trg_search_phone_upd
        AFTER UPDATE OF phone, position, deleted_at, customer_id ON customer_phone BEGIN
        INSERT OR IGNORE INTO search_dirty (customer_id) VALUES (NEW.customer_id);
        INSERT OR IGNORE INTO search_dirty (customer_id) VALUES (OLD.customer_id); END""",
    "trg_search_phone_del": """CREATE TRIGGER trg_search_phone_del AFTER DELETE ON customer_phone
        BEGIN INSERT OR IGNORE INTO search_dirty (customer_id) VALUES (OLD.customer_id); END""",
}
BASE_COLUMNS = (
    ("name_key", 50),
    ("company_key", 100),
    ("pinyin", 200),
    ("initials", 50),
)
HIT_COLUMNS = (
    ("customer_id", 36, False),
    ("name", 50, False),
    ("phone", 20, False),
    ("other_phones", 70, False),
    ("company", 100, True),
    ("tier", 16, False),
)


def _create_doc_table(with_hits: bool) -> None:
    """search_doc is derived: recreated empty, every live customer marked for re-indexing."""
    op.execute("DELETE FROM search_term")
    op.drop_table("search_doc")
    op.create_table(
        "search_doc",
        sa.Column("local_no", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.String(length=n), nullable=False) for name, n in BASE_COLUMNS),
        sa.Column("rank", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.String(length=n), nullable=null)
            for name, n, null in (HIT_COLUMNS if with_hits else ())
        ),
        sa.PrimaryKeyConstraint("local_no", name=op.f("pk_search_doc")),
    )
    op.execute(
        "INSERT OR IGNORE INTO search_dirty (customer_id) "
        "SELECT id FROM customer WHERE deleted_at IS NULL"
    )


def upgrade() -> None:
    _create_doc_table(with_hits=True)
    for statement in PHONE_TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    for name in PHONE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    _create_doc_table(with_hits=False)
