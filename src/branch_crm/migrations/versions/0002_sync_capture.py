"""sync capture: state, outbox, clocks, parked rows and the capture triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=32), nullable=False),
        sa.Column("hlc_ms", sa.Integer(), nullable=False),
        sa.Column("hlc_counter", sa.Integer(), nullable=False),
        sa.Column("clock_offset_ms", sa.Integer(), nullable=False),
        sa.Column("tx_epoch", sa.Integer(), nullable=False),
        sa.Column("suppress", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("hq_url", sa.String(length=300), nullable=True),
        sa.Column("branch_code", sa.String(length=16), nullable=True),
        sa.Column("registered_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("tx_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("schema_version", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_sync_outbox_row", ["table_name", "pk"], unique=False)
        batch_op.create_index("ix_sync_outbox_tx", ["tx_id"], unique=False)
    op.create_table(
        "sync_clock",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("clocks", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "pk", name=op.f("pk_sync_clock")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sync_parked",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("clocks", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "pk", name=op.f("pk_sync_parked")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO sync_state (id, node_id, hlc_ms, hlc_counter, clock_offset_ms, tx_epoch,"
        f" suppress, cursor, failures) VALUES (1, '{secrets.token_hex(8)}', 0, 0, 0, 1, 0, 0, 0)"
    )
    from branch_crm.sync.capture import install_capture

    install_capture(op.get_bind(), revision)


def downgrade() -> None:
    from branch_crm.sync.capture import drop_capture

    drop_capture(op.get_bind())
    op.drop_table("sync_parked")
    op.drop_table("sync_clock")
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_outbox_tx")
        batch_op.drop_index("ix_sync_outbox_row")
    op.drop_table("sync_outbox")
    op.drop_table("sync_state")
