"""quarantined changes, persisted clock (placeholder)

Revision ID: hq0005
Revises: hq0004
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "hq0005"
down_revision: str | None = "hq0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
