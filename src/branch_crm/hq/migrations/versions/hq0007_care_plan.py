"""customer care plan, as on the branch: ``care_task.period``, the visit's next step, next
visit date and closed task, and ``festival_date`` (the greeting festivals' dates head office
publishes)

Revision ID: hq0007
Revises: hq0006
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from branch_crm.models.base import UtcDateTime

revision: str = "hq0007"
down_revision: str | None = "hq0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("care_task", sa.Column("period", sa.String(length=30), nullable=True))
    op.create_index(
        "ix_care_task_customer_kind_status", "care_task", ["customer_id", "kind", "status"]
    )
    op.add_column("visit", sa.Column("next_step", sa.Text(), nullable=True))
    op.add_column("visit", sa.Column("next_visit_on", sa.Date(), nullable=True))
    op.add_column("visit", sa.Column("task_id", sa.String(length=36), nullable=True))
    op.create_index("ix_visit_at", "visit", ["at"])
    op.create_table(
        "festival_date",
        sa.Column("festival", sa.String(length=30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_festival_date")),
    )
    op.create_index("ix_festival_date_branch_id", "festival_date", ["branch_id"])
    op.create_index("ix_festival_date_day", "festival_date", ["day"])
    op.create_index("ix_festival_date_festival", "festival_date", ["festival"])


def downgrade() -> None:
    op.drop_table("festival_date")
    op.drop_index("ix_visit_at", table_name="visit")
    op.drop_index("ix_care_task_customer_kind_status", table_name="care_task")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("task_id")
        batch_op.drop_column("next_visit_on")
        batch_op.drop_column("next_step")
    with op.batch_alter_table("care_task", schema=None) as batch_op:
        batch_op.drop_column("period")
