"""the dashboard: head-office accounts (``hq_web_user``), their sessions (``hq_web_session``)
and the indexes its period queries read through

Revision ID: hq0008
Revises: hq0007
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from branch_crm.models.base import UtcDateTime

revision: str = "hq0008"
down_revision: str | None = "hq0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hq_web_user",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("branches", sa.String(length=2000), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_login_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_web_user")),
        sa.UniqueConstraint("username", name=op.f("uq_hq_web_user_username")),
    )
    op.create_table(
        "hq_web_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_hq_web_session")),
    )
    op.create_index("ix_hq_web_session_user_id", "hq_web_session", ["user_id"])
    op.create_index("ix_dash_complaint_branch_received", "complaint", ["branch_id", "received_at"])
    op.create_index("ix_dash_survey_response_answered", "survey_response", ["answered_on"])
    op.create_index("ix_dash_training_session_starts", "training_session", ["starts_at"])
    op.create_index(
        "ix_dash_monthly_volume_month", "monthly_volume", ["month", "customer_id", "parcels"]
    )


def downgrade() -> None:
    op.drop_index("ix_dash_monthly_volume_month", table_name="monthly_volume")
    op.drop_index("ix_dash_training_session_starts", table_name="training_session")
    op.drop_index("ix_dash_survey_response_answered", table_name="survey_response")
    op.drop_index("ix_dash_complaint_branch_received", table_name="complaint")
    op.drop_index("ix_hq_web_session_user_id", table_name="hq_web_session")
    op.drop_table("hq_web_session")
    op.drop_table("hq_web_user")
