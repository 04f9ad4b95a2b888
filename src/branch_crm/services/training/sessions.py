"""Training sessions, their expected attendees, the sign-in sheet and attendance.

DOMAIN.md "Training sign-in sheet" (seed 003): a session has a title, date and time, a
trainer, an audience (e.g. 项目司机), a location, numbered content points and an incident case
notice. Expected attendees are staff or external people (name + contact). After the session
the supervisor records who was present, absent, late or excused, with remarks; people who
turned up without being on the list are added as walk-ins.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.errors import InvalidTransition, NotFound, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import Staff, TrainingAttendee, TrainingSession
from branch_crm.services.context import Actor
from branch_crm.services.permissions import Permission, require
from branch_crm.services.phone_numbers import format_phone, normalize_phone
from branch_crm.services.print_header import output_error
from branch_crm.timeutil import BUSINESS_TZ, to_local, utcnow

log = logging.getLogger(__name__)

STATUSES = ("expected", "present", "late", "absent", "excused")
MARKED = ("present", "late", "absent", "excused")
STATUS_LABELS = {
    "expected": N_("Not recorded"),
    "present": N_("Present"),
    "late": N_("Late"),
    "absent": N_("Absent"),
    "excused": N_("Excused"),
}
MAX_POINTS = 30
MAX_ATTENDEES = 500
LIMITS = {"title": 200, "trainer": 50, "audience": 100, "location": 100, "name": 50,
          "contact": 50, "remarks": 200, "point": 500, "incident_notice": 2000}  # fmt: skip
REFERENCE_LENGTH = 8
_REFERENCE = re.compile(r"^(?:T-)?([0-9A-Fa-f]{8})$")


def status_label(status: str) -> str:
    """The translated name of an attendance status."""
    return _(STATUS_LABELS.get(status, status))


# --- input and views ---------------------------------------------------------------------------


@dataclass
class AttendeeInput:
    """An expected attendee: a staff member (``staff_id``) or an external name + contact."""

    name: str
    contact: str | None = None
    staff_id: str | None = None
    id: str | None = None
    """Set when editing an attendee already on the session (keeps its attendance)."""


@dataclass
class SessionInput:
    """What the supervisor types when planning a session (times are aware datetimes)."""

    title: str
    starts_at: datetime | None
    ends_at: datetime | None = None
    trainer: str | None = None
    audience: str | None = None
    location: str | None = None
    content_points: list[str] = field(default_factory=list)
    incident_notice: str | None = None
    attendees: list[AttendeeInput] = field(default_factory=list)


@dataclass(frozen=True)
class AttendanceMark:
    """One attendance entry; ``attendee_id`` None adds a walk-in named ``name``."""

    attendee_id: str | None
    status: str
    remarks: str | None = None
    name: str | None = None
    contact: str | None = None


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


@dataclass(frozen=True)
class PersonAttendance:
    """Attendance of one person over the sessions of a period."""

    key: str
    name: str
    contact: str | None
    staff_id: str | None
    invited: int
    present: int
    late: int
    absent: int
    excused: int
    unrecorded: int

    @property
    def rate(self) -> float | None:
        """Share attended (present or late) among sessions with a recorded status."""
        marked = self.present + self.late + self.absent + self.excused
        return (self.present + self.late) / marked if marked else None


@dataclass(frozen=True)
class PersonSession:
    """One session in a person's attendance history."""

    session_id: str
    title: str
    starts_at: datetime
    status: str
    remarks: str | None


# --- validation --------------------------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def normalize_contact(raw: str | None) -> str | None:
    """A phone number typed any way becomes its digits; other contacts (WeChat...) stay."""
    text = _clean(raw)
    if text is None:
        return None
    try:
        return normalize_phone(text)[0]
    except ValueError:
        return text


def display_contact(contact: str | None) -> str:
    """Readable contact: phone numbers grouped ('138 0013 8000'), anything else as stored."""
    return format_phone(contact) if contact else ""


def _too_long(errors: dict[str, str], key: str, value: str | None, limit: int) -> None:
    if value and len(value) > limit:
        errors[key] = _("At most {n} characters.").format(n=limit)


def _person_key(staff_id: str | None, name: str, contact: str | None) -> str:
    if staff_id:
        return f"staff:{staff_id}"
    digits = re.sub(r"\D", "", contact or "")
    return f"person:{name.strip()}|{digits or (contact or '').strip().lower()}"


def _validate_attendees(attendees: Sequence[AttendeeInput], errors: dict[str, str]) -> None:
    if len(attendees) > MAX_ATTENDEES:
        errors["attendees"] = _("At most {n} attendees.").format(n=MAX_ATTENDEES)
    seen: dict[str, int] = {}
    for index, person in enumerate(attendees):
        name = _clean(person.name)
        if name is None:
            errors[f"attendees.{index}.name"] = _("Enter the attendee's name.")
            continue
        _too_long(errors, f"attendees.{index}.name", name, LIMITS["name"])
        _too_long(errors, f"attendees.{index}.contact", _clean(person.contact), LIMITS["contact"])
        key = _person_key(person.staff_id, name, normalize_contact(person.contact))
        if key in seen:
            message = _("{name} is already on the list (row {row}).")
            errors[f"attendees.{index}.name"] = message.format(name=name, row=seen[key] + 1)
        seen.setdefault(key, index)


def validate_session(data: SessionInput) -> dict[str, str]:
    """Field -> message for everything wrong with ``data`` (no database access)."""
    errors: dict[str, str] = {}
    if _clean(data.title) is None:
        errors["title"] = _("Enter a title.")
    _too_long(errors, "title", _clean(data.title), LIMITS["title"])
    if data.starts_at is None:
        errors["starts_at"] = _("Enter the date and time.")
    elif data.starts_at.tzinfo is None:
        raise ValueError("starts_at must be an aware datetime")
    if data.ends_at is not None and data.starts_at is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    for key in ("trainer", "audience", "location", "incident_notice"):
        _too_long(errors, key, _clean(getattr(data, key)), LIMITS[key])
    points = [p for p in (_clean(p) for p in data.content_points) if p]
    if len(points) > MAX_POINTS:
        errors["content_points"] = _("At most {n} content points.").format(n=MAX_POINTS)
    for index, point in enumerate(data.content_points):
        _too_long(errors, f"content_points.{index}", _clean(point), LIMITS["point"])
    _validate_attendees(data.attendees, errors)
    return errors


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


def _attendee_view(row: TrainingAttendee) -> AttendeeView:
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
    attendees = tuple(_attendee_view(a) for a in _live_attendees(session, row.id))
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


def _day_start(day: date) -> datetime:
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
        query = query.where(TrainingSession.starts_at >= _day_start(since))
    if until is not None:
        query = query.where(TrainingSession.starts_at < _day_start(until + timedelta(days=1)))
    needle = _clean(text)
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
    row.trainer = _clean(data.trainer)
    row.audience = _clean(data.audience)
    row.location = _clean(data.location)
    row.content_points = [p for p in (_clean(p) for p in data.content_points) if p]
    row.incident_notice = _clean(data.incident_notice)


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


def _check_mark(index: int, mark: AttendanceMark, errors: dict[str, str]) -> None:
    if mark.status not in MARKED and mark.status != "expected":
        errors[f"marks.{index}.status"] = _("Choose present, late, absent or excused.")
    _too_long(errors, f"marks.{index}.remarks", _clean(mark.remarks), LIMITS["remarks"])
    if mark.attendee_id is None:
        if _clean(mark.name) is None:
            errors[f"marks.{index}.name"] = _("Enter the attendee's name.")
        _too_long(errors, f"marks.{index}.name", _clean(mark.name), LIMITS["name"])
        _too_long(errors, f"marks.{index}.contact", _clean(mark.contact), LIMITS["contact"])


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
        _check_mark(index, mark, errors)
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
                    remarks=_clean(mark.remarks),
                )
            )
            continue
        attendee = attendees[mark.attendee_id]
        attendee.status = mark.status
        attendee.remarks = _clean(mark.remarks)
    session.flush()
    return _view(session, row)


# --- attendance per person ---------------------------------------------------------------------


def _rows_in_period(
    session: Session, since: date | None, until: date | None
) -> list[tuple[TrainingAttendee, TrainingSession]]:
    query = (
        select(TrainingAttendee, TrainingSession)
        .join(TrainingSession, TrainingSession.id == TrainingAttendee.session_id)
        .order_by(TrainingSession.starts_at, TrainingAttendee.position)
    )
    if since is not None:
        query = query.where(TrainingSession.starts_at >= _day_start(since))
    if until is not None:
        query = query.where(TrainingSession.starts_at < _day_start(until + timedelta(days=1)))
    return [(a, s) for a, s in session.execute(query).tuples()]


def attendance_by_person(
    *, session: Session, since: date | None = None, until: date | None = None
) -> list[PersonAttendance]:
    """Per person (staff member, or external name + contact): invited and attended counts."""
    tally: dict[str, dict[str, int]] = {}
    who: dict[str, AttendeeView] = {}
    for attendee, _row in _rows_in_period(session, since, until):
        key = _person_key(attendee.staff_id, attendee.name, attendee.contact)
        counts = tally.setdefault(key, dict.fromkeys(STATUSES, 0))
        counts[attendee.status if attendee.status in counts else "expected"] += 1
        who[key] = _attendee_view(attendee)
    people = [
        PersonAttendance(
            key=key,
            name=who[key].name,
            contact=who[key].contact,
            staff_id=who[key].staff_id,
            invited=sum(c.values()),
            present=c["present"],
            late=c["late"],
            absent=c["absent"],
            excused=c["excused"],
            unrecorded=c["expected"],
        )
        for key, c in tally.items()
    ]
    return sorted(people, key=lambda p: (-(p.absent), p.name))


def person_sessions(
    *, session: Session, key: str, since: date | None = None, until: date | None = None
) -> list[PersonSession]:
    """The sessions of one person (``key`` from :func:`attendance_by_person`), oldest first."""
    return [
        PersonSession(
            session_id=s.id,
            title=s.title,
            starts_at=s.starts_at,
            status=a.status,
            remarks=a.remarks,
        )
        for a, s in _rows_in_period(session, since, until)
        if _person_key(a.staff_id, a.name, a.contact) == key
    ]


# --- the sign-in sheet -------------------------------------------------------------------------


def write_atomically(output: Path, render: Callable[[Path], object]) -> None:
    """Call ``render(tmp_path)`` and move the result to ``output`` (no half-written file)."""
    output = Path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=output.parent)
        os.close(handle)
    except OSError as exc:
        raise output_error(output, exc) from exc
    tmp = Path(tmp_name)
    try:
        render(tmp)
        os.replace(tmp, output)
    except OSError as exc:
        raise output_error(output, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)


def print_signin_sheet(
    *,
    session: Session,
    actor: Actor,
    session_id: str,
    output: Path,
    language: str | None = None,
) -> Path:
    """Write the sign-in sheet of a session to ``output`` (PDF) and return the path."""
    from branch_crm.printing.signin_sheet import SigninRow, SigninSheet, render_signin_sheet
    from branch_crm.services.print_header import print_header

    require(actor, Permission.TRAINING_MANAGE)
    view = get_session(session=session, session_id=session_id)
    header = print_header(session, language)
    sheet = SigninSheet(
        company=header.company,
        title=view.title,
        starts_at=to_local(view.starts_at),
        ends_at=to_local(view.ends_at) if view.ends_at else None,
        audience=view.audience or "",
        trainer=view.trainer or "",
        location=view.location or "",
        content_points=view.content_points,
        incident_notice=view.incident_notice or "",
        rows=tuple(SigninRow(a.name, display_contact(a.contact)) for a in view.attendees),
        reference=f"{header.branch_label} · {view.reference}",
        language=header.language,
    )
    write_atomically(Path(output), lambda tmp: render_signin_sheet(tmp, sheet))
    log.info("sign-in sheet of %s written to %s", view.reference, output)
    return Path(output)
