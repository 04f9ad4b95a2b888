"""PC codes and idempotent registration (placeholder)

Revision ID: hq0004
Revises: hq0003
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "hq0004"
down_revision: str | None = "hq0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
