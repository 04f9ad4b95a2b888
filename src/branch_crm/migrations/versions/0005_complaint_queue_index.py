"""complaint queue: covering partial index of the open complaints

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "status", "received_at", "id", "number", "customer_id", "category", "grade", "assignee_id",
    "responded_at", "resolved_at", "response_due_at", "resolution_due_at", "response_warn_at",
    "resolution_warn_at", "paused_since", "paused_seconds", "response_breached",
    "resolution_breached", "escalation_level", "sla_policy_id", "sla_check_at", "sla_basis",
    "deleted_at",
]  # fmt: skip
WHERE = "status != 'closed' AND deleted_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_open_queue",
            COLUMNS,
            unique=False,
            sqlite_where=sa.text(WHERE),
            postgresql_where=sa.text(WHERE),
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_open_queue")
