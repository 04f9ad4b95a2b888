"""customer care plan: ``care_task.period`` (which occurrence a generated task is for) and an
index for the plan's look-ups; visits record the next step, the next visit agreed and the
task they closed; ``festival_date`` (head-office reference data: the greeting festivals'
dates); capture triggers regenerated

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
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
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_festival_date")),
    )
    op.create_index("ix_festival_date_branch_id", "festival_date", ["branch_id"])
    op.create_index("ix_festival_date_day", "festival_date", ["day"])
    op.create_index("ix_festival_date_festival", "festival_date", ["festival"])
    from branch_crm.sync.capture import install_capture

    install_capture(op.get_bind(), revision)


def downgrade() -> None:
    from branch_crm.sync.capture import drop_capture, install_capture

    drop_capture(op.get_bind())
    op.drop_table("festival_date")
    op.drop_index("ix_visit_at", table_name="visit")
    op.drop_index("ix_care_task_customer_kind_status", table_name="care_task")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("task_id")
        batch_op.drop_column("next_visit_on")
        batch_op.drop_column("next_step")
    with op.batch_alter_table("care_task", schema=None) as batch_op:
        batch_op.drop_column("period")
    install_capture(op.get_bind(), down_revision or "")
