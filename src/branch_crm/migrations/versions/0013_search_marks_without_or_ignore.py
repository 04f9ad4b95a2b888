"""search marks written without OR IGNORE (a statement with an UPSERT overrides it)

The triggers that mark a customer for re-indexing used ``INSERT OR IGNORE INTO search_dirty``.
SQLite lets the conflict clause of the outer statement override the one of a trigger's
statements, so the classification's stats UPSERT (``INSERT ... ON CONFLICT DO UPDATE``) made
the mark of a customer already waiting fail with a UNIQUE error: one save changing a
customer's name and first-shipment date raised it. The marks now skip a waiting customer
with ``WHERE NOT EXISTS``, which no outer statement can override.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _mark(who: str, form: str) -> str:
    if form == "ignore":
        return f"INSERT OR IGNORE INTO search_dirty (customer_id) VALUES ({who});"
    return (
        f"INSERT INTO search_dirty (customer_id) SELECT {who} "
        f"WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE customer_id = {who});"
    )


def _triggers(form: str) -> dict[str, str]:
    # the same events as revisions 0001 and 0008; only the way the mark is written differs
    return {
        "trg_search_customer_ins": "AFTER INSERT ON customer BEGIN " + _mark("NEW.id", form),
        "trg_search_customer_upd": (
            "AFTER UPDATE OF name, name_pinyin, name_initials, company, deleted_at ON customer "
            "BEGIN " + _mark("NEW.id", form)
        ),
        "trg_search_stats_ins": "AFTER INSERT ON customer_stats BEGIN "
        + _mark("NEW.customer_id", form),
        "trg_search_stats_upd": (
            "AFTER UPDATE OF search_rank ON customer_stats "
            "WHEN OLD.search_rank IS NOT NEW.search_rank BEGIN " + _mark("NEW.customer_id", form)
        ),
        "trg_search_phone_ins": "AFTER INSERT ON customer_phone BEGIN "
        + _mark("NEW.customer_id", form),
        "trg_search_phone_upd": (
            "AFTER UPDATE OF phone, position, deleted_at, customer_id ON customer_phone BEGIN "
            + _mark("NEW.customer_id", form)
            + " "
            + _mark("OLD.customer_id", form)
        ),
        "trg_search_phone_del": "AFTER DELETE ON customer_phone BEGIN "
        + _mark("OLD.customer_id", form),
    }


def _install(form: str) -> None:
    for name, body in _triggers(form).items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {body} END")


def upgrade() -> None:
    _install("not_exists")


def downgrade() -> None:
    _install("ignore")
