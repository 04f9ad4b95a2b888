"""delete and merge safely, as on the branch: ``customer.merged_into``, the reason of a delete
and the time of a restore (customers, complaints, pickup preferences), and ``customer_merge``

Revision ID: hq0009
Revises: hq0008
Create Date: 2026-12-13 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from branch_crm.models.base import UtcDateTime

revision: str = "hq0009"
down_revision: str | None = "hq0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("customer", "complaint", "pickup_preference")


def upgrade() -> None:
    op.add_column("customer", sa.Column("merged_into", sa.String(length=36), nullable=True))
    op.create_index("ix_customer_merged_into", "customer", ["merged_into"])
    for table in TABLES:
        op.add_column(table, sa.Column("delete_reason", sa.String(length=200), nullable=True))
        op.add_column(table, sa.Column("restored_at", UtcDateTime(), nullable=True))
    op.create_table(
        "customer_merge",
        sa.Column("survivor_id", sa.String(length=36), nullable=False),
        sa.Column("absorbed_id", sa.String(length=36), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("merged_at", UtcDateTime(), nullable=False),
        sa.Column("merged_by", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merge")),
    )
    for column in ("branch_id", "survivor_id", "absorbed_id"):
        op.create_index(f"ix_customer_merge_{column}", "customer_merge", [column])


def downgrade() -> None:
    op.drop_table("customer_merge")
    op.drop_index("ix_customer_merged_into", table_name="customer")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("restored_at")
            batch_op.drop_column("delete_reason")
