"""counter lookup: search_doc (what is indexed per customer) and list indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_doc",
        sa.Column("local_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name_key", sa.String(length=50), nullable=False),
        sa.Column("company_key", sa.String(length=100), nullable=False),
        sa.Column("pinyin", sa.String(length=200), nullable=False),
        sa.Column("initials", sa.String(length=50), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_no", name=op.f("pk_search_doc")),
    )


def downgrade() -> None:
    op.drop_table("search_doc")
