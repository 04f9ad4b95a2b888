"""Training sessions and their expected attendees: plan, change, read, record attendance.

DOMAIN.md "Training sign-in sheet" (seed 003): a session has a title, date and time, a
trainer, an audience (e.g. 项目司机), a location, numbered content points and an incident case
notice. Expected attendees are staff or external people (name + contact). After the session
the supervisor records who was present, absent, late or excused, with remarks; people who
turned up without being on the list are added as walk-ins.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.errors import InvalidTransition, NotFound, ValidationError
from branch_crm.i18n import _
from branch_crm.models import Staff, TrainingAttendee, TrainingSession
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.training.inputs import (
    STATUSES,
    AttendanceMark,
    AttendeeInput,
    SessionInput,
    check_mark,
    clean,
    normalize_contact,
    validate_session,
)
from branch_crm.timeutil import BUSINESS_TZ, to_local, utcnow

log = logging.getLogger(__name__)


REFERENCE_LENGTH = 8
_REFERENCE = re.compile(r"^(?:T-)?([0-9A-Fa-f]{8})$")


@dataclass(frozen=True)
class AttendeeView:
    """An attendee of a session and their attendance."""

    id: str
    position: int
    name: str
    contact: str | None
    staff_id: str | None
    status: str
    remarks: str | None


@dataclass(frozen=True)
class Counts:
    """Attendance of one session (``expected`` = not recorded yet)."""

    total: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    expected: int = 0

    @property
    def attended(self) -> int:
        """Present or late."""
        return self.present + self.late

    @property
    def rate(self) -> float | None:
        """Share attended among those whose attendance is recorded (None if none is)."""
        marked = self.total - self.expected
        return self.attended / marked if marked else None


@dataclass(frozen=True)
class SessionView:
    """A training session with its attendees, in sheet order."""

    id: str
    reference: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    trainer: str | None
    audience: str | None
    location: str | None
    content_points: tuple[str, ...]
    incident_notice: str | None
    attendees: tuple[AttendeeView, ...]
    counts: Counts


@dataclass(frozen=True)
class SessionSummary:
    """One row of the session list."""

    id: str
    reference: str
    title: str
    starts_at: datetime
    trainer: str | None
    audience: str | None
    location: str | None
    counts: Counts


# --- reading -----------------------------------------------------------------------------------


def reference_of(session_id: str) -> str:
    """The short reference printed on the sheet: 'T-' + the last 8 hex digits of the id."""
    return "T-" + session_id.replace("-", "")[-REFERENCE_LENGTH:].upper()


def _counts(statuses: Iterable[str]) -> Counts:
    tally = dict.fromkeys(STATUSES, 0)
    total = 0
    for status in statuses:
        tally[status if status in tally else "expected"] += 1
        total += 1
    return Counts(total=total, **tally)


def _live_attendees(session: Session, session_id: str) -> list[TrainingAttendee]:
    return list(
        session.scalars(
            select(TrainingAttendee)
            .where(TrainingAttendee.session_id == session_id)
            .order_by(TrainingAttendee.position, TrainingAttendee.created_at)
        )
    )


def _find(session: Session, session_id: str) -> TrainingSession:
    """A live session by id or by its printed reference ('T-1A2B3C4D' or '1a2b3c4d')."""
    text = (session_id or "").strip()
    row = session.get(TrainingSession, text) if text else None
    if row is None:
        match = _REFERENCE.match(text)
        if match:
            suffix = match.group(1).lower()
            rows = session.scalars(
                select(TrainingSession).where(
                    func.replace(TrainingSession.id, "-", "").like(f"%{suffix}")
                )
            ).all()
            row = rows[0] if len(rows) == 1 else None
    if row is None or row.deleted_at is not None:
        raise NotFound(_("Training session {id} does not exist.").format(id=text or "?"))
    return row


def attendee_view(row: TrainingAttendee) -> AttendeeView:
    return AttendeeView(
        id=row.id,
        position=row.position,
        name=row.name,
        contact=row.contact,
        staff_id=row.staff_id,
        status=row.status,
        remarks=row.remarks,
    )


def _view(session: Session, row: TrainingSession) -> SessionView:
    attendees = tuple(attendee_view(a) for a in _live_attendees(session, row.id))
    return SessionView(
        id=row.id,
        reference=reference_of(row.id),
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        trainer=row.trainer,
        audience=row.audience,
        location=row.location,
        content_points=tuple(str(p) for p in row.content_points or ()),
        incident_notice=row.incident_notice,
        attendees=attendees,
        counts=_counts(a.status for a in attendees),
    )


def get_session(*, session: Session, session_id: str) -> SessionView:
    """A session with its attendees; ``session_id`` may also be the printed reference."""
    return _view(session, _find(session, session_id))


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BUSINESS_TZ)


def list_sessions(
    *,
    session: Session,
    since: date | None = None,
    until: date | None = None,
    text: str | None = None,
    limit: int = 500,
) -> list[SessionSummary]:
    """Sessions starting in [since, until] (local dates), newest first, with attendance."""
    query = select(TrainingSession).order_by(TrainingSession.starts_at.desc()).limit(limit)
    if since is not None:
        query = query.where(TrainingSession.starts_at >= day_start(since))
    if until is not None:
        query = query.where(TrainingSession.starts_at < day_start(until + timedelta(days=1)))
    needle = clean(text)
    if needle:
        pattern = f"%{needle}%"
        query = query.where(
            TrainingSession.title.like(pattern)
            | TrainingSession.audience.like(pattern)
            | TrainingSession.trainer.like(pattern)
            | TrainingSession.location.like(pattern)
        )
    rows = list(session.scalars(query))
    statuses: dict[str, list[str]] = {r.id: [] for r in rows}
    if rows:
        for session_id, status in session.execute(
            select(TrainingAttendee.session_id, TrainingAttendee.status).where(
                TrainingAttendee.session_id.in_(list(statuses))
            )
        ):
            statuses[session_id].append(status)
    return [
        SessionSummary(
            id=r.id,
            reference=reference_of(r.id),
            title=r.title,
            starts_at=r.starts_at,
            trainer=r.trainer,
            audience=r.audience,
            location=r.location,
            counts=_counts(statuses[r.id]),
        )
        for r in rows
    ]


def staff_choices(*, session: Session) -> list[tuple[str, str, str | None]]:
    """(staff id, display name, phone) of active staff, for the attendee picker."""
    rows = session.execute(
        select(Staff.id, Staff.display_name, Staff.phone)
        .where(Staff.active.is_(True))
        .order_by(Staff.display_name)
    )
    return [(r[0], r[1], r[2]) for r in rows]


# --- writing -----------------------------------------------------------------------------------


def _apply(row: TrainingSession, data: SessionInput) -> None:
    assert data.starts_at is not None
    row.title = (data.title or "").strip()
    row.starts_at = data.starts_at
    row.ends_at = data.ends_at
    row.trainer = clean(data.trainer)
    row.audience = clean(data.audience)
    row.location = clean(data.location)
    row.content_points = [p for p in (clean(p) for p in data.content_points) if p]
    row.incident_notice = clean(data.incident_notice)


def _sync_attendees(
    session: Session, row: TrainingSession, people: Sequence[AttendeeInput]
) -> None:
    """Make the live attendees of ``row`` match ``people`` (tombstoning the removed ones)."""
    existing = {a.id: a for a in _live_attendees(session, row.id)}
    kept: set[str] = set()
    for position, person in enumerate(people, start=1):
        name = (person.name or "").strip()
        contact = normalize_contact(person.contact)
        current = existing.get(person.id or "")
        if current is None:
            session.add(
                TrainingAttendee(
                    session_id=row.id,
                    staff_id=person.staff_id,
                    name=name,
                    contact=contact,
                    position=position,
                    status="expected",
                )
            )
            continue
        kept.add(current.id)
        current.name, current.contact, current.position = name, contact, position
        current.staff_id = person.staff_id
    now = utcnow()
    for attendee_id, attendee in existing.items():
        if attendee_id not in kept:
            attendee.deleted_at = now


def create_session(*, session: Session, actor: Actor, data: SessionInput) -> SessionView:
    """Plan a training session with its expected attendees."""
    require(actor, Permission.TRAINING_MANAGE)
    errors = validate_session(data)
    if errors:
        raise ValidationError(errors)
    row = TrainingSession()
    _apply(row, data)
    session.add(row)
    session.flush()
    _sync_attendees(session, row, data.attendees)
    session.flush()
    log.info("training session %s planned (%d attendees)", row.id, len(data.attendees))
    return _view(session, row)


def update_session(
    *, session: Session, actor: Actor, session_id: str, data: SessionInput
) -> SessionView:
    """Change a session; attendees keep their attendance when their ``id`` is passed back."""
    require(actor, Permission.TRAINING_MANAGE)
    row = _find(session, session_id)
    errors = validate_session(data)
    if errors:
        raise ValidationError(errors)
    _apply(row, data)
    _sync_attendees(session, row, data.attendees)
    session.flush()
    return _view(session, row)


def delete_session(*, session: Session, actor: Actor, session_id: str) -> None:
    """Tombstone a session and its attendees."""
    require(actor, Permission.TRAINING_MANAGE)
    row = _find(session, session_id)
    now = utcnow()
    for attendee in _live_attendees(session, row.id):
        attendee.deleted_at = now
    row.deleted_at = now
    session.flush()


def record_attendance(
    *,
    session: Session,
    actor: Actor,
    session_id: str,
    marks: Sequence[AttendanceMark],
    now: datetime | None = None,
) -> SessionView:
    """Record who came (present, late), who did not (absent, excused), and walk-ins."""
    require(actor, Permission.TRAINING_MANAGE)
    row = _find(session, session_id)
    if row.starts_at > (now or utcnow()):
        raise InvalidTransition(
            _("Attendance can be recorded once the session has started ({when}).").format(
                when=to_local(row.starts_at).strftime("%Y-%m-%d %H:%M")
            )
        )
    errors: dict[str, str] = {}
    attendees = {a.id: a for a in _live_attendees(session, row.id)}
    for index, mark in enumerate(marks):
        check_mark(index, mark, errors)
        if mark.attendee_id is not None and mark.attendee_id not in attendees:
            errors[f"marks.{index}"] = _("This attendee is not on the session.")
    if errors:
        raise ValidationError(errors)
    position = max((a.position for a in attendees.values()), default=0)
    for mark in marks:
        if mark.attendee_id is None:
            position += 1
            session.add(
                TrainingAttendee(
                    session_id=row.id,
                    name=(mark.name or "").strip(),
                    contact=normalize_contact(mark.contact),
                    position=position,
                    status=mark.status,
                    remarks=clean(mark.remarks),
                )
            )
            continue
        attendee = attendees[mark.attendee_id]
        attendee.status = mark.status
        attendee.remarks = clean(mark.remarks)
    session.flush()
    return _view(session, row)
