"""Training attendance: one row per person invited to a session of the period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.excel.writer import DATETIME, Column
from branch_crm.i18n import _
from branch_crm.models import Staff, TrainingAttendee, TrainingSession
from branch_crm.services.context import Actor
from branch_crm.services.exports.common import (
    CHUNK,
    ExportFilters,
    Table,
    local,
    notes,
    period_text,
    unknown_status,
)
from branch_crm.services.training.inputs import STATUS_LABELS, status_label
from branch_crm.services.training.sessions import day_start, reference_of


def _query(filters: ExportFilters) -> Any:
    if filters.status is not None and filters.status not in STATUS_LABELS:
        raise unknown_status(filters.status)
    query = (
        select(TrainingSession, TrainingAttendee, Staff.username)
        .join(TrainingAttendee, TrainingAttendee.session_id == TrainingSession.id)
        .outerjoin(Staff, Staff.id == TrainingAttendee.staff_id)
        .order_by(TrainingSession.starts_at, TrainingSession.id, TrainingAttendee.position)
    )
    if filters.status is not None:
        query = query.where(TrainingAttendee.status == filters.status)
    if filters.since is not None:
        query = query.where(TrainingSession.starts_at >= day_start(filters.since))
    if filters.until is not None:
        end = day_start(filters.until + timedelta(days=1))
        query = query.where(TrainingSession.starts_at < end)
    return query.execution_options(yield_per=CHUNK)


def _rows(session: Session, query: Any) -> Iterator[tuple[object, ...]]:
    for training, person, username in session.execute(query).tuples():
        yield (
            local(training.starts_at),
            reference_of(training.id),
            training.title,
            training.trainer or "",
            person.name,
            username or "",
            person.contact or "",
            status_label(person.status),
            person.remarks or "",
        )


def table(session: Session, actor: Actor, filters: ExportFilters) -> Table:
    """Attendance of every session of the period, oldest session first."""
    used = [
        (_("Period"), period_text(filters.since, filters.until)),
        (_("Status"), status_label(filters.status) if filters.status else None),
    ]
    columns = [
        Column(_("Session starts"), DATETIME),
        Column(_("Session")),
        Column(_("Title")),
        Column(_("Trainer")),
        Column(_("Name")),
        Column(_("Staff account")),
        Column(_("Contact")),
        Column(_("Attendance")),
        Column(_("Remarks")),
    ]
    return Table(
        title=_("Training attendance"),
        columns=columns,
        rows=_rows(session, _query(filters)),
        notes=notes(used, actor.display_name),
    )
