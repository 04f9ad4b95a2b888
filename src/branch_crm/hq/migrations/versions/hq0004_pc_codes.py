"""PC codes and idempotent registration

``hq_node.pc_code``: the PC's code in the numbers it makes, unique within its branch. PCs
registered before have none (they number with their provisional code until registered again,
see ``branch_crm.sync.pc_codes``). ``hq_registration.token_id`` / ``node_id``: which token and
node redeemed a code, so the same PC asking again after a lost answer gets its token.

Revision ID: hq0004
Revises: hq0003
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hq0004"
down_revision: str | None = "hq0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hq_node", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pc_code", sa.String(length=4), nullable=True))
        batch_op.create_index("uq_hq_node_branch_pc_code", ["branch_code", "pc_code"], unique=True)
    with op.batch_alter_table("hq_registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("node_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hq_node", schema=None) as batch_op:
        batch_op.drop_index("uq_hq_node_branch_pc_code")
        batch_op.drop_column("pc_code")
    with op.batch_alter_table("hq_registration", schema=None) as batch_op:
        batch_op.drop_column("node_id")
        batch_op.drop_column("token_id")
