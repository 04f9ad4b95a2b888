"""PC codes in numbers people read out, idempotent registration

``sync_state.pc_code`` (this PC's code, assigned by head office at registration) and
``sync_state.registration_key`` (the secret of a registration under way). ``sync_state`` is
local-only, so the capture triggers stay as they are.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_state", sa.Column("pc_code", sa.String(length=4), nullable=True))
    op.add_column("sync_state", sa.Column("registration_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # SQLite's own DROP COLUMN (3.35+): no table rebuild under the capture triggers
    op.execute("ALTER TABLE sync_state DROP COLUMN registration_key")
    op.execute("ALTER TABLE sync_state DROP COLUMN pc_code")
