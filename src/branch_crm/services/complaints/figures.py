"""Complaint figures per period: SLA compliance, handling times, backlog, hotspots, money.

Definitions (a period is a range of local dates, both ends included, Asia/Shanghai):

* population: complaints *received* in the period;
* response compliance: of those whose response is known (accepted, or the target already
  missed), the share that met the response target; resolution likewise (feedback given or
  closed, or the target already missed);
* response time: business minutes from receipt to acceptance; resolution time: business
  minutes from receipt to the (last) feedback, minus business time paused; both under the
  complaint's own SLA calendar; mean and median;
* open backlog: complaints received before the period's end (or now, if earlier) and not
  closed at that instant, by age;
* hotspots: received complaints by category, and complaints *closed* in the period by root
  cause, most frequent first with share and cumulative share (Pareto);
* compensation: requested and granted amounts of the received complaints.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.errors import ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import Complaint, ReferenceKind
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints.business_calendar import (
    BusinessCalendar,
    calendar_for,
    holidays,
)
from branch_crm.services.complaints.policy import Policy, policy_for
from branch_crm.services.complaints.reference import code_labels
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.timeutil import BUSINESS_TZ, utcnow

AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    (N_("under 1 day"), 1),
    (N_("1–3 days"), 3),
    (N_("3–7 days"), 7),
    (N_("7 days or more"), float("inf")),
)


@dataclass(frozen=True, slots=True)
class ShareRow:
    """One line of a Pareto table."""

    code: str
    label: str
    count: int
    share: float
    cumulative: float


@dataclass(frozen=True, slots=True)
class Durations:
    """Count, mean and median of handling times in business minutes."""

    count: int
    mean_minutes: float | None
    median_minutes: float | None


@dataclass(frozen=True, slots=True)
class Compliance:
    """How many targets were measured and met; ``rate`` is met / measured (None if none)."""

    measured: int
    met: int

    @property
    def rate(self) -> float | None:
        """Share of targets met."""
        return self.met / self.measured if self.measured else None


@dataclass(frozen=True)
class ComplaintStats:
    """The figures of one period."""

    start: date
    end: date
    received: int
    closed: int
    by_grade: dict[int, int]
    response: Compliance
    resolution: Compliance
    response_time: Durations
    resolution_time: Durations
    backlog_as_of: datetime
    backlog: tuple[tuple[str, int], ...]
    by_category: tuple[ShareRow, ...]
    by_root_cause: tuple[ShareRow, ...]
    compensation_requested_cents: int
    compensation_granted_cents: int

    @property
    def backlog_total(self) -> int:
        """Open complaints at ``backlog_as_of``."""
        return sum(n for _label, n in self.backlog)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at ``start`` and the midnight after ``end``."""
    if end < start:
        message = _("The end date {end} is before the start date {start}.").format(
            end=end.isoformat(), start=start.isoformat()
        )
        raise ValidationError({"end": message}, message)
    lo = datetime(start.year, start.month, start.day, tzinfo=BUSINESS_TZ)
    nxt = end + timedelta(days=1)
    hi = datetime(nxt.year, nxt.month, nxt.day, tzinfo=BUSINESS_TZ)
    return lo.astimezone(UTC), hi.astimezone(UTC)


def pareto(counts: Counter[str], labels: dict[str, str]) -> tuple[ShareRow, ...]:
    """Most frequent first (ties by code), with share and cumulative share of the total."""
    total = sum(counts.values())
    rows, running = [], 0
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        running += n
        rows.append(ShareRow(code, labels.get(code, code), n, n / total, running / total))
    return tuple(rows)


def durations(values: Sequence[float]) -> Durations:
    """Count, mean and median (None when there is nothing to measure)."""
    if not values:
        return Durations(0, None, None)
    return Durations(len(values), statistics.fmean(values), statistics.median(values))


class HandlingClocks:
    """Business-minute measurements under each complaint's own policy calendar (one per
    session: policies and calendars are cached)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.policies: dict[str, Policy] = {}
        self.calendars: dict[str, BusinessCalendar] = {}
        self.holidays = holidays(session)

    def calendar(self, policy_id: str | None) -> BusinessCalendar:
        """The business calendar of an SLA policy (the default policy's for None)."""
        policy = policy_for(self.session, policy_id, self.policies)
        key = policy.id or ""
        if key not in self.calendars:
            self.calendars[key] = calendar_for(policy, self.holidays)
        return self.calendars[key]

    def response_minutes(self, c: Complaint) -> float | None:
        """Business minutes from receipt to acceptance (None: not accepted)."""
        if c.responded_at is None:
            return None
        return self.calendar(c.sla_policy_id).minutes_between(c.received_at, c.responded_at)

    def resolution_minutes(self, c: Complaint) -> float | None:
        """Business minutes from receipt to feedback less the time paused (None: none yet)."""
        if c.resolved_at is None:
            return None
        cal = self.calendar(c.sla_policy_id)
        total = cal.minutes_between(c.received_at, c.resolved_at)
        return max(0.0, total - (c.paused_seconds or 0) / 60)


def complaint_stats(
    *, session: Session, start: date, end: date, now: datetime | None = None
) -> ComplaintStats:
    """The figures of the period ``start``..``end`` (local dates, inclusive)."""
    lo, hi = period_bounds(start, end)
    now = now or utcnow()
    received = received_complaints(session, lo, hi)
    clocks = HandlingClocks(session)
    response_times = [m for c in received if (m := clocks.response_minutes(c)) is not None]
    resolution_times = [m for c in received if (m := clocks.resolution_minutes(c)) is not None]
    categories = code_labels(session, ReferenceKind.COMPLAINT_CATEGORY)
    causes = code_labels(session, ReferenceKind.ROOT_CAUSE)
    closed_causes: Counter[str] = Counter(
        str(cause)
        for cause in session.scalars(
            select(Complaint.root_cause).where(
                Complaint.closed_at >= lo,
                Complaint.closed_at < hi,
                Complaint.root_cause.is_not(None),
            )
        )
    )
    as_of = min(hi, now)
    return ComplaintStats(
        start=start,
        end=end,
        received=len(received),
        closed=session.scalar(
            select(func.count(Complaint.id)).where(
                Complaint.closed_at >= lo, Complaint.closed_at < hi
            )
        )
        or 0,
        by_grade=dict(sorted(Counter(c.grade for c in received).items())),
        response=compliance(received, "response"),
        resolution=compliance(received, "resolution"),
        response_time=durations(response_times),
        resolution_time=durations(resolution_times),
        backlog_as_of=as_of,
        backlog=backlog(session, as_of),
        by_category=pareto(Counter(c.category for c in received), categories),
        by_root_cause=pareto(closed_causes, causes),
        compensation_requested_cents=sum(c.compensation_requested_cents or 0 for c in received),
        compensation_granted_cents=sum(c.compensation_granted_cents or 0 for c in received),
    )


def received_complaints(session: Session, lo: datetime, hi: datetime) -> list[Complaint]:
    """The complaints received in [lo, hi) (UTC instants, see :func:`period_bounds`)."""
    return list(
        session.scalars(
            select(Complaint).where(Complaint.received_at >= lo, Complaint.received_at < hi)
        )
    )


def compliance(rows: Iterable[Complaint], which: str) -> Compliance:
    """Response (``which`` "response") or resolution compliance of ``rows``: of those whose
    outcome is known, how many met the target."""
    measured = met = 0
    for c in rows:
        if which == "response":
            known, breached = c.responded_at is not None or c.response_breached, c.response_breached
        else:
            known = c.resolved_at is not None or c.resolution_breached
            breached = c.resolution_breached
        if known:
            measured += 1
            met += int(not breached)
    return Compliance(measured, met)


def backlog(session: Session, as_of: datetime) -> tuple[tuple[str, int], ...]:
    """Complaints open at ``as_of`` by age (wall-clock days since receipt)."""
    received = session.scalars(
        select(Complaint.received_at).where(
            Complaint.received_at < as_of,
            (Complaint.closed_at.is_(None)) | (Complaint.closed_at > as_of),
        )
    )
    counts = [0] * len(AGE_BUCKETS)
    for at in received:
        age_days = (as_of - at).total_seconds() / 86400
        index = next(i for i, (_label, limit) in enumerate(AGE_BUCKETS) if age_days < limit)
        counts[index] += 1
    return tuple((_(label), n) for (label, _limit), n in zip(AGE_BUCKETS, counts, strict=True))


def split_periods(start: date, end: date, by: str) -> list[tuple[date, date]]:
    """``start``..``end`` cut into calendar months or ISO weeks (or one period for 'all')."""
    period_bounds(start, end)
    if by == "all":
        return [(start, end)]
    periods, cursor = [], start
    while cursor <= end:
        if by == "month":
            following = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        elif by == "week":
            following = cursor + timedelta(days=7 - cursor.weekday())
        else:
            raise ValueError(f"unknown period {by!r}")
        periods.append((cursor, min(end, following - timedelta(days=1))))
        cursor = following
    return periods


def stats_by_period(
    *, session: Session, start: date, end: date, by: str = "month", now: datetime | None = None
) -> list[ComplaintStats]:
    """One :class:`ComplaintStats` per month/week (or one for the whole range with 'all')."""
    return [
        complaint_stats(session=session, start=lo, end=hi, now=now)
        for lo, hi in split_periods(start, end, by)
    ]


@dataclass(frozen=True)
class Figures:
    """What the supervisor's figures screen shows: each period, and the whole range."""

    by: str
    periods: tuple[ComplaintStats, ...]
    total: ComplaintStats


def complaint_figures(
    *,
    session: Session,
    actor: Actor,
    start: date,
    end: date,
    by: str = "month",
    now: datetime | None = None,
) -> Figures:
    """The figures per month/week (or once for 'all') plus the whole range; supervisors."""
    require(actor, Permission.REPORT_VIEW)
    if by not in PERIODS:
        message = _("Choose the whole period, months or weeks.")
        raise ValidationError({"by": message}, message)
    periods = stats_by_period(session=session, start=start, end=end, by=by, now=now)
    total = (
        periods[0]
        if len(periods) == 1 and by == "all"
        else complaint_stats(session=session, start=start, end=end, now=now)
    )
    return Figures(by=by, periods=tuple(periods), total=total)


PERIODS = ("all", "month", "week")
