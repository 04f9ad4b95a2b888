"""find anything: indexes on the last 4 characters of complaint numbers, waybills and survey
serials, so "the last digits" of a code is an index probe, not a scan; follow-ups by the
record that opened them; survey responses newest first; the audit log by record, newest first (issue 19)

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
    # branch-only indexes (models.base.BRANCH_ONLY_INDEX: head office has no such search)
    # indexes only (no table rebuild): the capture triggers stay as they are
    for name, table, column in TAILS:
        op.execute(f"CREATE INDEX {name} ON {table} (substr({column}, -4))")
    op.create_index("ix_care_task_source_id", "care_task", ["source_id"])
    op.create_index("ix_survey_response_answered_on", "survey_response", ["answered_on", "id"])
    op.create_index("ix_audit_entry_record", "audit_entry", ["entity", "entity_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entry_record", table_name="audit_entry")
    op.drop_index("ix_care_task_source_id", table_name="care_task")
    op.drop_index("ix_survey_response_answered_on", table_name="survey_response")
    for name, _table, _column in TAILS:
        op.execute(f"DROP INDEX {name}")
