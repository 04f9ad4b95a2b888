"""quarantined changes (``hq_quarantine``), rejected changes say why (``detail``), and the
persisted high-water mark of head office's clock (``hq_state``)

Revision ID: hq0005
Revises: hq0004
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from branch_crm.models.base import UtcDateTime

revision: str = "hq0005"
down_revision: str | None = "hq0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hq_quarantine",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_code", sa.String(length=16), nullable=False),
        sa.Column("node_id", sa.String(length=32), nullable=True),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_quarantine")),
    )
    op.create_index("ix_hq_quarantine_branch_code_at", "hq_quarantine", ["branch_code", "at"])
    op.create_table(
        "hq_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_ms", sa.BigInteger(), nullable=False),
        sa.Column("clock_counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_state")),
    )
    op.add_column("sync_rejected_change", sa.Column("detail", sa.String(length=200)))


def downgrade() -> None:
    with op.batch_alter_table("sync_rejected_change", schema=None) as batch_op:
        batch_op.drop_column("detail")
    op.drop_table("hq_state")
    op.drop_index("ix_hq_quarantine_branch_code_at", table_name="hq_quarantine")
    op.drop_table("hq_quarantine")
