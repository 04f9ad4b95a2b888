"""customer list: local customer_list table with covering indexes, kept by triggers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTS = {
    "ix_customer_list_name": "sort_name",
    "ix_customer_list_tier": "tier",
    "ix_customer_list_parcels": "parcels",
    "ix_customer_list_lifecycle": "lifecycle",
    "ix_customer_list_visit": "visit",
    "ix_customer_list_created": "created",
}
FILTERS = ("tier", "lifecycle", "churn", "visit", "tags")


def upgrade() -> None:
    from branch_crm.services.customers.listing import install_list_triggers, rebuild_list

    op.create_table(
        "customer_list",
        sa.Column("local_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sort_name", sa.String(length=260), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("lifecycle", sa.Integer(), nullable=False),
        sa.Column("churn", sa.Integer(), nullable=False),
        sa.Column("visit", sa.Integer(), nullable=False),
        sa.Column("tags", sa.Integer(), nullable=False),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("created", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("local_no", name=op.f("pk_customer_list")),
    )
    bind = op.get_bind()
    rebuild_list(bind.connection.driver_connection)  # existing customers, before indexing
    for name, sort in SORTS.items():
        op.create_index(
            name, "customer_list", [sort, "local_no", *(f for f in FILTERS if f != sort)]
        )
    install_list_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in (
        "trg_list_customer_ins",
        "trg_list_customer_upd",
        "trg_list_stats_ins",
        "trg_list_stats_upd",
    ):
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for name in SORTS:
        op.drop_index(name, table_name="customer_list")
    op.drop_table("customer_list")
