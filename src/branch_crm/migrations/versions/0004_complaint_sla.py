"""complaint SLA: local-only warning/check instants, indexes for the queue, stats and sweep

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_warn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("resolution_warn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sla_check_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sla_basis", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_complaint_received_at", ["received_at"], unique=False)
        batch_op.create_index("ix_complaint_sla_check_at", ["sla_check_at"], unique=False)
    from branch_crm.sync.capture import install_capture

    install_capture(op.get_bind(), revision)


def downgrade() -> None:
    from branch_crm.sync.capture import install_capture

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_sla_check_at")
        batch_op.drop_index("ix_complaint_received_at")
        batch_op.drop_column("sla_basis")
        batch_op.drop_column("sla_check_at")
        batch_op.drop_column("resolution_warn_at")
        batch_op.drop_column("response_warn_at")
    install_capture(op.get_bind(), down_revision or "")
