"""rejected changes say why: ``sync_rejected_change.detail`` (head office's words for a
change it quarantined); capture triggers regenerated

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_rejected_change", sa.Column("detail", sa.String(length=200)))
    from branch_crm.sync.capture import install_capture

    install_capture(op.get_bind(), revision)


def downgrade() -> None:
    from branch_crm.sync.capture import install_capture

    with op.batch_alter_table("sync_rejected_change", schema=None) as batch_op:
        batch_op.drop_column("detail")
    install_capture(op.get_bind(), down_revision or "")
