"""text kept language-neutral: ``complaint.description_message``,
``care_task.title_message`` / ``outcome_message``, ``sync_state.last_error_message`` and
``sync_rejected_change.detail_message`` (a message id and its values, rendered in the
reader's language); capture triggers regenerated

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("complaint", "description_message"),
    ("care_task", "title_message"),
    ("care_task", "outcome_message"),
    ("sync_state", "last_error_message"),
    ("sync_rejected_change", "detail_message"),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, sa.JSON(), nullable=True))
    from branch_crm.sync.capture import install_capture

    install_capture(op.get_bind(), revision)


def downgrade() -> None:
    from branch_crm.sync.capture import drop_capture, install_capture

    drop_capture(op.get_bind())  # the triggers read sync_state, which is rebuilt below
    for table in dict(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column in COLUMNS:
                if name == table:
                    batch_op.drop_column(column)
    install_capture(op.get_bind(), down_revision or "")
