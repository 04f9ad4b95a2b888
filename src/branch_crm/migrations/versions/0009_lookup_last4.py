"""lookup: covering index for the last-4-digits query, search_doc by customer

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # an index only (no table rebuild): the capture triggers stay as they are
    op.execute(
        "CREATE INDEX ix_customer_phone_last4_live ON customer_phone "
        "(substr(phone, -4), customer_id) WHERE deleted_at IS NULL"
    )
    op.create_index("ix_search_doc_customer", "search_doc", ["customer_id", "rank", "local_no"])


def downgrade() -> None:
    op.drop_index("ix_search_doc_customer", table_name="search_doc")
    op.execute("DROP INDEX ix_customer_phone_last4_live")
