"""SLA of complaints: each complaint's recorded breaches, escalations and due instants.

Targets come from the head-office policy (services.complaints.policy) and are business
minutes of its calendar (services.complaints.business_calendar); pauses ("waiting for
customer", the customer checking our feedback) stop the resolution clock and their business
time is added to the resolution target (services.complaints.clock).

``refresh`` re-evaluates one complaint: records a breach once it happened (never erased),
raises the escalation level (assignee -> supervisor -> head office) with an event per level,
and stores the next due, warning and check instants. ``sweep(now)`` does that for every
complaint whose check instant has passed; it is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import literal_column, or_, select, text
from sqlalchemy.orm import Session

from branch_crm.models import Complaint, ComplaintEvent
from branch_crm.reference.ids import deterministic_id
from branch_crm.services.complaints.business_calendar import (
    BusinessCalendar,
    calendar_for,
    holidays,
)
from branch_crm.services.complaints.clock import Schedule, Verdict, clocks_of, judge, schedule
from branch_crm.services.complaints.labels import SYSTEM_NAME
from branch_crm.services.complaints.policy import Policy, policy_for
from branch_crm.services.complaints.reference import ensure_reference_data
from branch_crm.services.context import Actor, as_system
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)


OPEN_SQL = "complaint.status != 'closed' AND complaint.deleted_at IS NULL"
"""Open complaints, written exactly as the partial index ix_complaint_open_queue says, so
SQLite reads them from that covering index."""


def open_clause() -> Any:
    """WHERE clause of the open complaints (uses the covering partial index)."""
    return text(OPEN_SQL)


def _basis_part(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(STORED_DATETIME)
    return str(value)


STORED_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLite stores a datetime (SQLAlchemy's format, also the sync wire format)."""


def basis(values: Iterable[Any]) -> str:
    """Fingerprint of the synced facts the local SLA instants were computed from.

    Written like the stored values, so SQLite can compare it with :data:`BASIS_SQL`.
    """
    return "|".join(_basis_part(v) for v in values)


BASIS_COLUMNS = (
    "grade",
    "category",
    "status",
    "received_at",
    "responded_at",
    "resolved_at",
    "paused_since",
    "paused_seconds",
    "sla_policy_id",
    "escalation_level",
    "response_breached",
    "resolution_breached",
)
BASIS_SQL = " || '|' || ".join(
    f"coalesce(CAST(complaint.{name} AS TEXT), '')" for name in BASIS_COLUMNS
)
"""The same fingerprint computed by SQLite from the stored row."""


def basis_of(complaint: Complaint) -> str:
    """The fingerprint of a complaint row as it is now."""
    return basis(getattr(complaint, name) for name in BASIS_COLUMNS)


# --- events and refresh ------------------------------------------------------------------------


def make_event(
    complaint: Complaint,
    kind: str,
    *,
    actor: Actor | None,
    at: datetime,
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    data: Mapping[str, Any] | None = None,
    event_id: str | None = None,
) -> ComplaintEvent:
    """A new timeline event (the caller adds it to the session); never changed later."""
    payload = dict(data or {})
    payload.setdefault("actor_name", actor.display_name if actor else SYSTEM_NAME)
    event = ComplaintEvent(
        complaint_id=complaint.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=payload,
        actor_id=actor.staff_id if actor else None,
        at=at,
    )
    if event_id is not None:
        event.id = event_id
    return event


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


@dataclass
class Refresh:
    """What :func:`refresh` recorded."""

    events: list[ComplaintEvent] = field(default_factory=list)
    schedule: Schedule | None = None


def refresh(
    session: Session,
    complaint: Complaint,
    now: datetime,
    *,
    policy: Policy | None = None,
    cal: BusinessCalendar | None = None,
) -> Refresh:
    """Re-evaluate one complaint at ``now``: record new breaches/escalations, store instants."""
    policy = policy or policy_for(session, complaint.sla_policy_id)
    cal = cal or calendar_for(policy, holidays(session))
    clocks = clocks_of(complaint)
    sched = schedule(policy, cal, clocks, policy.target(complaint.grade, complaint.category))
    verdict = judge(sched, clocks, now, recorded_level=complaint.escalation_level or 0)
    result = Refresh(schedule=sched)
    if verdict.response_breached and not complaint.response_breached:
        complaint.response_breached = True
        result.events.append(_breach_event(complaint, "response", sched.response_due_at, now))
    if verdict.resolution_breached and not complaint.resolution_breached:
        complaint.resolution_breached = True
        result.events.append(_breach_event(complaint, "resolution", sched.resolution_due_at, now))
    for level in range((complaint.escalation_level or 0) + 1, verdict.level + 1):
        reached = verdict.level_at.get(level, now)
        result.events.append(
            make_event(
                complaint,
                "escalated",
                actor=None,
                at=_when_passed(complaint, reached, now),
                data={"level": level, "from_level": level - 1, "recorded_at": _stamp(now)},
                event_id=_event_id(complaint, "escalated", str(level)),
            )
        )
        complaint.escalation_level = level
    _store(complaint, sched, verdict)
    for event in result.events:
        session.add(event)
    return result


def _breach_event(complaint: Complaint, which: str, due: datetime, now: datetime) -> ComplaintEvent:
    return make_event(
        complaint,
        "sla_breached",
        actor=None,
        at=_when_passed(complaint, due, now),
        data={"target": which, "due_at": _stamp(due), "recorded_at": _stamp(now)},
        event_id=_event_id(complaint, "breach", which),
    )


def _when_passed(complaint: Complaint, instant: datetime, now: datetime) -> datetime:
    """The event time of a target that passed: when it passed, even if recorded later (the app
    was closed, nobody swept), never in the future nor before the complaint was received."""
    return max(complaint.received_at, min(instant, now))


def _event_id(complaint: Complaint, *parts: str) -> str:
    """Same id on every PC for the same breach/escalation, so the sweep never duplicates it."""
    return deterministic_id(int(complaint.received_at.timestamp() * 1000), complaint.id, *parts)


def _store(complaint: Complaint, sched: Schedule, verdict: Verdict) -> None:
    if complaint.response_due_at != sched.response_due_at:
        complaint.response_due_at = sched.response_due_at
    if complaint.resolution_due_at != sched.resolution_due_at:
        complaint.resolution_due_at = sched.resolution_due_at
    complaint.response_warn_at = sched.response_warn_at
    complaint.resolution_warn_at = sched.resolution_warn_at
    complaint.sla_check_at = verdict.check_at
    complaint.sla_basis = basis_of(complaint)


# --- sweep -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did."""

    checked: int
    breaches: int
    escalations: int
    recomputed: int


def sweep(*, session: Session, now: datetime | None = None) -> SweepResult:
    """Record breaches and escalations that became due; idempotent (a second run adds nothing).

    Looks only at open complaints whose next check instant has passed, plus open complaints
    whose local instants are missing or stale (changed on another PC and synced here). What
    it records is the system's doing (the audit log names no clerk), whoever's window ran it.
    """
    with as_system(session):
        return _sweep(session, now or utcnow())


def _sweep(session: Session, now: datetime) -> SweepResult:
    ensure_reference_data(session)
    due_ids = set(
        session.scalars(
            select(Complaint.id).where(
                open_clause(),
                or_(Complaint.sla_check_at <= now, Complaint.sla_basis.is_(None)),
            )
        )
    )
    stale_ids = _stale_ids(session) - due_ids
    policies: dict[str, Policy] = {}
    holiday_days = holidays(session)
    calendars: dict[str, BusinessCalendar] = {}
    breaches = escalations = 0
    for complaint in _load(session, due_ids | stale_ids):
        policy = policy_for(session, complaint.sla_policy_id, policies)
        key = policy.id or ""
        if key not in calendars:
            calendars[key] = calendar_for(policy, holiday_days)
        done = refresh(session, complaint, now, policy=policy, cal=calendars[key])
        breaches += sum(1 for e in done.events if e.kind == "sla_breached")
        escalations += sum(1 for e in done.events if e.kind == "escalated")
    session.flush()
    result = SweepResult(len(due_ids | stale_ids), breaches, escalations, len(stale_ids))
    if breaches or escalations:
        log.info("SLA sweep: %s", result)
    return result


def _stale_ids(session: Session) -> set[str]:
    """Open complaints whose synced facts changed since their instants were computed here."""
    rows = session.execute(
        select(Complaint.id).where(
            open_clause(),
            Complaint.sla_basis.is_not(None),
            Complaint.sla_basis != literal_column(f"({BASIS_SQL})"),
        )
    )
    return set(rows.scalars())


def _load(session: Session, ids: set[str]) -> list[Complaint]:
    found: list[Complaint] = []
    ordered = sorted(ids)
    for i in range(0, len(ordered), 500):
        found += session.scalars(select(Complaint).where(Complaint.id.in_(ordered[i : i + 500])))
    return found
