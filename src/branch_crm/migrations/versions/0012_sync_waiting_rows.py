"""pulled rows waiting for a parent: sync_parked says why a row waits, and for which row

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_parked", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=16), server_default="unique", nullable=False)
        )
        batch_op.add_column(sa.Column("parent_table", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("parent_pk", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_sync_parked_parent_table"), ["parent_table", "parent_pk"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_parked", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_parked_parent_table"))
        batch_op.drop_column("parent_pk")
        batch_op.drop_column("parent_table")
        batch_op.drop_column("reason")
