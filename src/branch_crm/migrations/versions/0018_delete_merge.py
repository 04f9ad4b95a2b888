"""delete and merge safely: ``customer.merged_into`` (the survivor of a merge), the reason of
a delete and the time of a restore on customers, complaints and pickup preferences, and
``customer_merge`` (a merge, synced as one insert-only row)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("customer", "complaint", "pickup_preference")


def upgrade() -> None:
    from branch_crm.sync.capture import install_capture

    op.add_column("customer", sa.Column("merged_into", sa.String(length=36), nullable=True))
    op.create_index("ix_customer_merged_into", "customer", ["merged_into"])
    for table in TABLES:
        op.add_column(table, sa.Column("delete_reason", sa.String(length=200), nullable=True))
        op.add_column(table, sa.Column("restored_at", sa.DateTime(), nullable=True))
    op.create_table(
        "customer_merge",
        sa.Column("survivor_id", sa.String(length=36), nullable=False),
        sa.Column("absorbed_id", sa.String(length=36), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("merged_by", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merge")),
    )
    for column in ("branch_id", "survivor_id", "absorbed_id"):
        op.create_index(f"ix_customer_merge_{column}", "customer_merge", [column])
    install_capture(op.get_bind(), revision)


def downgrade() -> None:
    from branch_crm.sync.capture import drop_capture, install_capture

    bind = op.get_bind()
    drop_capture(bind)  # the capture triggers name the columns dropped below
    op.drop_table("customer_merge")
    op.drop_index("ix_customer_merged_into", table_name="customer")
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of these tables would drop
    # the list and search triggers other revisions installed on them
    bind.exec_driver_sql("ALTER TABLE customer DROP COLUMN merged_into")
    for table in TABLES:
        bind.exec_driver_sql(f'ALTER TABLE "{table}" DROP COLUMN delete_reason')
        bind.exec_driver_sql(f'ALTER TABLE "{table}" DROP COLUMN restored_at')
    install_capture(bind, down_revision or "")
