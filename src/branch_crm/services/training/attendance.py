"""Attendance per person over a period: invited and attended counts, and one person's sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import TrainingAttendee, TrainingSession
from branch_crm.services.search_terms import parse, person_matches
from branch_crm.services.training.inputs import STATUSES, person_key
from branch_crm.services.training.sessions import AttendeeView, attendee_view, day_start


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


def _rows_in_period(
    session: Session, since: date | None, until: date | None
) -> list[tuple[TrainingAttendee, TrainingSession]]:
    query = (
        select(TrainingAttendee, TrainingSession)
        .join(TrainingSession, TrainingSession.id == TrainingAttendee.session_id)
        .order_by(TrainingSession.starts_at, TrainingAttendee.position)
    )
    if since is not None:
        query = query.where(TrainingSession.starts_at >= day_start(since))
    if until is not None:
        query = query.where(TrainingSession.starts_at < day_start(until + timedelta(days=1)))
    return [(a, s) for a, s in session.execute(query).tuples()]


def attendance_by_person(
    *,
    session: Session,
    since: date | None = None,
    until: date | None = None,
    search: str | None = None,
) -> list[PersonAttendance]:
    """Per person (staff member, or external name + contact): invited and attended counts;
    ``search``: only the people whose name, pinyin initials or phone it finds."""
    tally: dict[str, dict[str, int]] = {}
    who: dict[str, AttendeeView] = {}
    query = parse(search)
    for attendee, _row in _rows_in_period(session, since, until):
        if not person_matches(query, attendee.name, attendee.contact):
            continue
        key = person_key(attendee.staff_id, attendee.name, attendee.contact)
        counts = tally.setdefault(key, dict.fromkeys(STATUSES, 0))
        counts[attendee.status if attendee.status in counts else "expected"] += 1
        who[key] = attendee_view(attendee)
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
        if person_key(a.staff_id, a.name, a.contact) == key
    ]
