"""text kept language-neutral, as on the branch: ``complaint.description_message``,
``care_task.title_message`` / ``outcome_message`` and ``sync_rejected_change.detail_message``
(a message id and its values)

Revision ID: hq0006
Revises: hq0005
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hq0006"
down_revision: str | None = "hq0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("complaint", "description_message"),
    ("care_task", "title_message"),
    ("care_task", "outcome_message"),
    ("sync_rejected_change", "detail_message"),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in dict(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column in COLUMNS:
                if name == table:
                    batch_op.drop_column(column)
