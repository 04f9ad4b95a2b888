"""sync conflicts and the log of losing updates (synced tables; triggers regenerated)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _synced_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "sync_conflict",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("other_row_id", sa.String(length=36), nullable=False),
        sa.Column("other_branch_id", sa.String(length=16), nullable=False),
        sa.Column("columns", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("other_customer_id", sa.String(length=36), nullable=True),
        sa.Column("other_customer_name", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflict_branch_id"), ["branch_id"], unique=False)
    op.create_table(
        "sync_rejected_change",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("node_id", sa.String(length=32), nullable=True),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_rejected_change")),
    )
    with op.batch_alter_table("sync_rejected_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_rejected_change_branch_id"), ["branch_id"], unique=False
        )
    from branch_crm.sync.capture import install_capture

    install_capture(op.get_bind(), revision)


def downgrade() -> None:
    from branch_crm.sync.capture import install_capture

    with op.batch_alter_table("sync_rejected_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_rejected_change_branch_id"))
    op.drop_table("sync_rejected_change")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflict_branch_id"))
    op.drop_table("sync_conflict")
    install_capture(op.get_bind(), down_revision or "")
