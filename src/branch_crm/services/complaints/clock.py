"""The SLA clocks of one complaint: due, warning and escalation instants under its policy, and
what they say at an instant (breaches, escalation level, next check). Pure arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from branch_crm.models import Complaint, ComplaintStatus
from branch_crm.services.complaints.business_calendar import BusinessCalendar
from branch_crm.services.complaints.policy import Policy, Target

OPEN_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.WAITING_CUSTOMER,
    ComplaintStatus.FEEDBACK_GIVEN,
)
PAUSED_STATUSES = (ComplaintStatus.WAITING_CUSTOMER, ComplaintStatus.FEEDBACK_GIVEN)


@dataclass(frozen=True, slots=True)
class Clocks:
    """The facts of a complaint that its SLA instants depend on."""

    received_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    paused_since: datetime | None
    paused_seconds: int
    status: str

    @property
    def resolution_running(self) -> bool:
        """True while the resolution clock ticks (open and not paused)."""
        return self.status in OPEN_STATUSES and self.paused_since is None

    def response_end(self, now: datetime) -> datetime:
        """When the response clock stopped (or now while it runs)."""
        return self.responded_at or now

    def resolution_end(self, now: datetime) -> datetime:
        """Where the resolution clock stands: the pause start while paused, else now."""
        return self.paused_since or self.resolved_at or now


@dataclass(frozen=True, slots=True)
class Schedule:
    """Due, warning and escalation instants of one complaint under its policy."""

    target: Target
    response_due_at: datetime
    response_warn_at: datetime
    resolution_due_at: datetime
    resolution_warn_at: datetime
    response_escalation: tuple[datetime, datetime]
    resolution_escalation: tuple[datetime, datetime]
    """Instants at which level 1 (supervisor) and level 2 (head office) are reached."""


def schedule(policy: Policy, cal: BusinessCalendar, clocks: Clocks, target: Target) -> Schedule:
    """All SLA instants; resolution instants move by the business time paused so far."""
    start = clocks.received_at
    paused = clocks.paused_seconds / 60
    resp, res = target.response_minutes, target.resolution_minutes
    ratios = (policy.supervisor_ratio, policy.head_office_ratio)
    return Schedule(
        target=target,
        response_due_at=cal.add_minutes(start, resp),
        response_warn_at=cal.add_minutes(start, resp * policy.warn_ratio),
        resolution_due_at=cal.add_minutes(start, res + paused),
        resolution_warn_at=cal.add_minutes(start, res * policy.warn_ratio + paused),
        response_escalation=(
            cal.add_minutes(start, resp * ratios[0]),
            cal.add_minutes(start, resp * ratios[1]),
        ),
        resolution_escalation=(
            cal.add_minutes(start, res * ratios[0] + paused),
            cal.add_minutes(start, res * ratios[1] + paused),
        ),
    )


@dataclass
class Verdict:
    """What the clocks say at an instant: breaches, the escalation level reached, next check."""

    response_breached: bool = False
    resolution_breached: bool = False
    level: int = 0
    check_at: datetime | None = None
    pending: list[datetime] = field(default_factory=list)
    level_at: dict[int, datetime] = field(default_factory=dict)
    """When each level reached was reached (the first target instant that passed for it)."""


def judge(sched: Schedule, clocks: Clocks, now: datetime, *, recorded_level: int = 0) -> Verdict:
    """Breaches and escalation level reached at ``now``; ``check_at`` = next thing to record."""
    verdict = Verdict()
    is_open = clocks.status in OPEN_STATUSES
    resp_end = clocks.response_end(now)
    res_end = clocks.resolution_end(now)
    verdict.response_breached = resp_end >= sched.response_due_at
    verdict.resolution_breached = is_open and res_end >= sched.resolution_due_at
    for level in (1, 2):
        passed = [
            instant
            for instant, reached in (
                (sched.response_escalation[level - 1], resp_end),
                (sched.resolution_escalation[level - 1], res_end if is_open else None),
            )
            if reached is not None and reached >= instant
        ]
        if passed:
            verdict.level = level
            verdict.level_at[level] = min(passed)
    future: list[datetime] = []
    if is_open:
        if clocks.responded_at is None:
            future.append(sched.response_due_at)
            future += sched.response_escalation[max(recorded_level, verdict.level) :]
        if clocks.resolution_running:
            future.append(sched.resolution_due_at)
            future += sched.resolution_escalation[max(recorded_level, verdict.level) :]
    verdict.pending = sorted(t for t in future if t > now)
    verdict.check_at = verdict.pending[0] if verdict.pending else None
    return verdict


def clocks_of(complaint: Complaint) -> Clocks:
    """The clock facts of a complaint row."""
    return Clocks(
        complaint.received_at,
        complaint.responded_at,
        complaint.resolved_at,
        complaint.paused_since,
        complaint.paused_seconds or 0,
        complaint.status,
    )
