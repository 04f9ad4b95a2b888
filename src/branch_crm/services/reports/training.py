"""The training report: the sessions of the period with their attendance, the attendance
rate, and who missed (per person, and each absence with its remarks).

Counts are :mod:`branch_crm.services.training`'s: a session's ``Counts`` (the session list's)
and :func:`~branch_crm.services.training.attendance.attendance_by_person` (the attendance
export's); the rate is attended (present or late) of those whose attendance is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.models import TrainingAttendee, TrainingSession
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.reports.model import (
    Better,
    Chart,
    ChartKind,
    Column,
    Kpi,
    Period,
    Report,
    Section,
    Series,
    Table,
    ValueKind,
)
from branch_crm.services.reports.parts import TOP_ROWS, bounded_note, make_report, share
from branch_crm.services.training.attendance import PersonAttendance, attendance_by_person
from branch_crm.services.training.inputs import status_label
from branch_crm.services.training.sessions import SessionSummary, day_start, list_sessions
from branch_crm.timeutil import to_local

__all__ = [
    "MISSED_ROWS",
    "SESSION_ROWS",
    "TITLE",
    "TrainingFigures",
    "TrainingTotals",
    "attendance_kpi",
    "training_figures_of",
    "training_report",
]

TITLE = N_("Training report")
SESSION_ROWS = 500
"""Sessions listed at most (as the training page's list)."""
MISSED_ROWS = 200
"""Absences listed at most."""
CHART_SESSIONS = 31
"""Sessions drawn in the chart at most (the last ones of the period)."""
MISSED = ("absent", "excused")


@dataclass(frozen=True)
class TrainingTotals:
    """Sessions of a period and their attendance, added up."""

    sessions: int
    invited: int
    attended: int
    absent: int
    excused: int
    unrecorded: int

    @property
    def rate(self) -> float | None:
        """Attended among those whose attendance is recorded."""
        return share(self.attended, self.invited - self.unrecorded)


@dataclass(frozen=True)
class Absence:
    """One person who missed one session."""

    starts_at: datetime
    session: str
    name: str
    contact: str
    status: str
    remarks: str


@dataclass(frozen=True)
class TrainingFigures:
    """Everything the report draws, gathered once."""

    current: TrainingTotals
    previous: TrainingTotals
    sessions: tuple[SessionSummary, ...]
    sessions_total: int
    people: tuple[PersonAttendance, ...]
    missed_people: int
    absences: tuple[Absence, ...]
    absences_total: int


def _totals(sessions: list[SessionSummary]) -> TrainingTotals:
    return TrainingTotals(
        sessions=len(sessions),
        invited=sum(s.counts.total for s in sessions),
        attended=sum(s.counts.attended for s in sessions),
        absent=sum(s.counts.absent for s in sessions),
        excused=sum(s.counts.excused for s in sessions),
        unrecorded=sum(s.counts.expected for s in sessions),
    )


def _sessions(session: Session, period: Period) -> list[SessionSummary]:
    rows = list_sessions(session=session, since=period.start, until=period.end, limit=SESSION_ROWS)
    return sorted(rows, key=lambda s: (s.starts_at, s.id))


def _in_period(period: Period) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (
        TrainingSession.starts_at >= day_start(period.start),
        TrainingSession.starts_at < day_start(period.end + timedelta(days=1)),
    )


def _session_count(session: Session, period: Period) -> int:
    return int(
        session.scalar(select(func.count(TrainingSession.id)).where(*_in_period(period))) or 0
    )


def _absences(session: Session, period: Period) -> tuple[int, tuple[Absence, ...]]:
    where = (*_in_period(period), TrainingAttendee.status.in_(MISSED))
    joined = select(TrainingAttendee.id).join(
        TrainingSession, TrainingSession.id == TrainingAttendee.session_id
    )
    total = session.scalar(select(func.count()).select_from(joined.where(*where).subquery()))
    rows = session.execute(
        select(
            TrainingSession.starts_at,
            TrainingSession.title,
            TrainingAttendee.name,
            TrainingAttendee.contact,
            TrainingAttendee.status,
            TrainingAttendee.remarks,
        )
        .join(TrainingSession, TrainingSession.id == TrainingAttendee.session_id)
        .where(*where)
        .order_by(TrainingSession.starts_at, TrainingAttendee.position)
        .limit(MISSED_ROWS)
    )
    return int(total or 0), tuple(
        Absence(at, title, name, contact or "", status, remarks or "")
        for at, title, name, contact, status, remarks in rows
    )


def training_figures_of(*, session: Session, period: Period) -> TrainingFigures:
    """The sessions and attendance of ``period`` and the one before."""
    current = _sessions(session, period)
    previous = period.previous()
    people = [
        p
        for p in attendance_by_person(session=session, since=period.start, until=period.end)
        if p.absent or p.excused
    ]
    absences_total, absences = _absences(session, period)
    return TrainingFigures(
        current=_totals(current),
        previous=_totals(_sessions(session, previous)),
        sessions=tuple(current),
        sessions_total=_session_count(session, period),
        people=tuple(people[:TOP_ROWS]),
        missed_people=len(people),
        absences=absences,
        absences_total=absences_total,
    )


def attendance_kpi(cur: TrainingTotals, prev: TrainingTotals) -> Kpi:
    """The attendance rate against the period before."""
    return Kpi(
        _("Attendance rate"),
        cur.rate,
        prev.rate,
        ValueKind.PERCENT,
        note=_("{n} sessions").format(n=cur.sessions),
    )


def _overview(f: TrainingFigures) -> Section:
    cur, prev = f.current, f.previous
    kpis = (
        Kpi(_("Sessions"), cur.sessions, prev.sessions, ValueKind.COUNT, Better.NEITHER),
        Kpi(_("Invited"), cur.invited, prev.invited, ValueKind.COUNT, Better.NEITHER),
        Kpi(_("Attended"), cur.attended, prev.attended, ValueKind.COUNT),
        attendance_kpi(cur, prev),
        Kpi(_("Absent"), cur.absent, prev.absent, ValueKind.COUNT, Better.DOWN),
        Kpi(_("Excused"), cur.excused, prev.excused, ValueKind.COUNT, Better.NEITHER),
    )
    return Section(_("Overview"), kpis=kpis)


def _day(at: datetime) -> date:
    return to_local(at).date()


def _sessions_section(f: TrainingFigures) -> Section:
    sessions = f.sessions[-CHART_SESSIONS:]
    chart = Chart(
        title=_("Attendance per session"),
        kind=ChartKind.STACKED,
        categories=tuple(f"{_day(s.starts_at):%m-%d} {s.title}" for s in sessions),
        series=(
            Series(_("Attended"), tuple(float(s.counts.attended) for s in sessions)),
            Series(_("Absent"), tuple(float(s.counts.absent) for s in sessions)),
            Series(_("Excused"), tuple(float(s.counts.excused) for s in sessions)),
            Series(_("Not recorded"), tuple(float(s.counts.expected) for s in sessions)),
        ),
        drill=tuple(s.id for s in sessions),
        drill_target="training.session",
    )
    table = Table(
        _("Sessions"),
        (
            Column(_("Date"), ValueKind.DATE),
            Column(_("Reference")),
            Column(_("Title")),
            Column(_("Trainer")),
            Column(_("Audience")),
            Column(_("Location")),
            Column(_("Invited"), ValueKind.COUNT),
            Column(_("Present"), ValueKind.COUNT),
            Column(_("Late"), ValueKind.COUNT),
            Column(_("Absent"), ValueKind.COUNT),
            Column(_("Excused"), ValueKind.COUNT),
            Column(_("Not recorded"), ValueKind.COUNT),
            Column(_("Attendance rate"), ValueKind.PERCENT),
        ),
        tuple(
            (
                _day(s.starts_at),
                s.reference,
                s.title,
                s.trainer or "",
                s.audience or "",
                s.location or "",
                s.counts.total,
                s.counts.present,
                s.counts.late,
                s.counts.absent,
                s.counts.excused,
                s.counts.expected,
                s.counts.rate,
            )
            for s in f.sessions
        ),
        note=bounded_note(len(f.sessions), f.sessions_total),
    )
    return Section(_("Sessions"), charts=(chart,) if sessions else (), tables=(table,))


def _missed_section(f: TrainingFigures) -> Section:
    people = Table(
        _("Who missed"),
        (
            Column(_("Name")),
            Column(_("Contact")),
            Column(_("Invited"), ValueKind.COUNT),
            Column(_("Attended"), ValueKind.COUNT),
            Column(_("Absent"), ValueKind.COUNT),
            Column(_("Excused"), ValueKind.COUNT),
            Column(_("Attendance rate"), ValueKind.PERCENT),
        ),
        tuple(
            (p.name, p.contact or "", p.invited, p.present + p.late, p.absent, p.excused, p.rate)
            for p in f.people
        ),
        note=bounded_note(len(f.people), f.missed_people),
    )
    absences = Table(
        _("Absences"),
        (
            Column(_("Date"), ValueKind.DATE),
            Column(_("Session")),
            Column(_("Name")),
            Column(_("Contact")),
            Column(_("Status")),
            Column(_("Remarks")),
        ),
        tuple(
            (_day(a.starts_at), a.session, a.name, a.contact, status_label(a.status), a.remarks)
            for a in f.absences
        ),
        note=bounded_note(len(f.absences), f.absences_total),
    )
    return Section(_("Who missed"), tables=(people, absences))


def training_report(*, session: Session, actor: Actor, period: Period, now: datetime) -> Report:
    """The training report of ``period`` against the period before."""
    require(actor, Permission.REPORT_VIEW)
    f = training_figures_of(session=session, period=period)
    sections = (_overview(f), _sessions_section(f), _missed_section(f))
    return make_report(
        session=session,
        kind="training",
        title=_(TITLE),
        period=period,
        now=now,
        sections=sections,
    )
