"""the dashboard's summaries: complaints and survey answers per branch and day, customers per
branch and reference month (maintained by every push, see hq.summary), and the partial
indexes of the figures that depend on the moment they are read

Revision ID: hq0011
Revises: hq0010
Create Date: 2026-12-07 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from branch_crm.models.base import UtcDateTime

revision: str = "hq0011"
down_revision: str | None = "hq0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hq_dash_complaint_day",
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("breached", sa.Integer(), nullable=False),
        sa.Column("settled", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "branch_id", "day", "category", name=op.f("pk_hq_dash_complaint_day")
        ),
    )
    op.create_table(
        "hq_dash_survey_day",
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("ge4", sa.Integer(), nullable=False),
        sa.Column("ge9", sa.Integer(), nullable=False),
        sa.Column("le6", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("branch_id", "day", "code", name=op.f("pk_hq_dash_survey_day")),
    )
    op.create_table(
        "hq_dash_survey_month",
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("ge4", sa.Integer(), nullable=False),
        sa.Column("ge9", sa.Integer(), nullable=False),
        sa.Column("le6", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("branch_id", "month", "code", name=op.f("pk_hq_dash_survey_month")),
    )
    op.create_table(
        "hq_dash_customer_month",
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("churn", sa.Boolean(), nullable=False),
        sa.Column("shipped", sa.Boolean(), nullable=False),
        sa.Column("shipped_next", sa.Boolean(), nullable=False),
        sa.Column("first_known", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "branch_id", "tier", "churn", "shipped", "shipped_next", "first_known",
            "start_date",
            "start_at", "created_on", name=op.f("pk_hq_dash_customer_month"),
        ),
    )  # fmt: skip
    op.create_table(
        "hq_dash_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("first_month", sa.String(length=7), nullable=False),
        sa.Column("last_month", sa.String(length=7), nullable=False),
        sa.Column("built_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_dash_summary")),
    )
    op.create_index("ix_dash_monthly_volume_customer", "monthly_volume", ["customer_id", "month"])
    unresolved = sa.text("resolved_at IS NULL AND deleted_at IS NULL")
    op.create_index(
        "ix_dash_complaint_unresolved",
        "complaint",
        ["received_at"],
        postgresql_where=unresolved,
        sqlite_where=unresolved,
    )
    still_open = sa.text("status <> 'closed' AND deleted_at IS NULL")
    op.create_index(
        "ix_dash_complaint_open",
        "complaint",
        ["branch_id", "resolution_due_at"],
        postgresql_where=still_open,
        sqlite_where=still_open,
        postgresql_include=["paused_since", "response_breached", "resolution_breached"],
    )


def downgrade() -> None:
    op.drop_index("ix_dash_complaint_open", table_name="complaint")
    op.drop_index("ix_dash_complaint_unresolved", table_name="complaint")
    op.drop_index("ix_dash_monthly_volume_customer", table_name="monthly_volume")
    op.drop_table("hq_dash_summary")
    op.drop_table("hq_dash_customer_month")
    op.drop_table("hq_dash_survey_month")
    op.drop_table("hq_dash_survey_day")
    op.drop_table("hq_dash_complaint_day")
