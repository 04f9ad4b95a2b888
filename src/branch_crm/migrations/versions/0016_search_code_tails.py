"""find anything: indexes on the last 4 characters of complaint numbers, waybills and survey
serials, so "the last digits" of a code is an index probe, not a scan (issue 19)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TAILS = (
    ("ix_complaint_number_tail", "complaint", "number"),
    ("ix_complaint_waybill_tail", "complaint", "waybill_no"),
    ("ix_survey_form_serial_tail", "survey_form", "serial"),
)


def upgrade() -> None:
    # indexes only (no table rebuild): the capture triggers stay as they are
    for name, table, column in TAILS:
        op.execute(f"CREATE INDEX {name} ON {table} (substr({column}, -4))")


def downgrade() -> None:
    for name, _table, _column in TAILS:
        op.execute(f"DROP INDEX {name}")
