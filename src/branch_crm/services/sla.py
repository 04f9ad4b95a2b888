"""SLA of complaints: head-office policy, business calendars and due-time arithmetic.

A policy (reference data owned by "HQ") gives response and resolution targets per grade,
optionally per category, a calendar (24x7, or working hours with public holidays and
make-up working days) in a time zone, the warning ratio and escalation ratios. Targets are
business minutes: ``add_minutes`` finds the instant N business minutes after a start and
``minutes_between`` measures business time elapsed. Pauses ("waiting for customer", the
customer checking our feedback) stop the resolution clock: their business time is added to
the resolution target.

``refresh`` re-evaluates one complaint: records a breach once it happened (never erased),
raises the escalation level (assignee -> supervisor -> head office) with an event per level,
and stores the next due, warning and check instants. ``sweep(now)`` does that for every
complaint whose check instant has passed; it is idempotent.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import literal_column, or_, select, text
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _, current_language
from branch_crm.models import (
    HQ_BRANCH,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Holiday,
    ReferenceCode,
    ReferenceKind,
    SlaPolicy,
)
from branch_crm.services.context import Actor
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_CALENDAR_DAYS = 3 * 366
"""How far the arithmetic walks before deciding a calendar has no working time."""
OPEN_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.WAITING_CUSTOMER,
    ComplaintStatus.FEEDBACK_GIVEN,
)
PAUSED_STATUSES = (ComplaintStatus.WAITING_CUSTOMER, ComplaintStatus.FEEDBACK_GIVEN)
OPEN_SQL = "complaint.status != 'closed' AND complaint.deleted_at IS NULL"
"""Open complaints, written exactly as the partial index ix_complaint_open_queue says, so
SQLite reads them from that covering index."""


def open_clause() -> Any:
    """WHERE clause of the open complaints (uses the covering partial index)."""
    return text(OPEN_SQL)


ESCALATION_LABELS = (N_("Assignee"), N_("Supervisor"), N_("Head office"))
SYSTEM_NAME = N_("SLA monitor")

# --- head-office defaults (DOMAIN.md "Complaints") -----------------------------------------

DEFAULT_TARGETS: tuple[tuple[int, int, int], ...] = ((1, 60, 1440), (2, 120, 2880), (3, 240, 4320))
"""(grade, response minutes, resolution minutes): 1 h/24 h, 2 h/48 h, 4 h/72 h."""

CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("delay", "延误", "Delay"),
    ("damage", "破损", "Damage"),
    ("loss", "丢失", "Loss"),
    ("wrong_delivery", "错派", "Wrong delivery"),
    ("tracking", "物流信息未更新", "Tracking not updated"),
    ("attitude", "服务态度", "Service attitude"),
    ("billing", "计费问题", "Billing"),
    ("pickup_no_show", "上门取件未到", "Pickup no-show"),
    ("other", "其他", "Other"),
)
ROOT_CAUSES: tuple[tuple[str, str, str], ...] = (
    ("sorting_error", "分拣错误", "Sorting error"),
    ("line_haul_delay", "干线运输延误", "Line-haul delay"),
    ("packaging", "包装不当", "Inadequate packaging"),
    ("rough_handling", "装卸操作不当", "Rough handling"),
    ("courier_conduct", "快递员服务不规范", "Courier conduct"),
    ("tracking_scan", "漏扫/系统数据错误", "Missed scan or data error"),
    ("address", "地址信息错误", "Wrong or incomplete address"),
    ("capacity", "运力不足/爆仓", "Capacity shortage (peak)"),
    ("partner", "合作方原因", "Partner (carrier, warehouse)"),
    ("force_majeure", "天气/不可抗力", "Weather or force majeure"),
    ("customer_side", "客户原因", "Customer side"),
    ("other", "其他", "Other"),
)
_SEED_EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: fixed time part of seed ids


def reference_id(*parts: str) -> str:
    """A deterministic UUIDv7-shaped id, so every branch (and head office) seeds the same rows."""
    return deterministic_id(_SEED_EPOCH_MS, "seed", *parts)


def deterministic_id(ms: int, *parts: str) -> str:
    """UUIDv7 layout with the given millisecond time and random bits from a hash of ``parts``."""
    digest = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:10], "big")
    rand = digest >> 6
    value = (
        (ms & ((1 << 48) - 1)) << 80
        | 0x7 << 76
        | (rand >> 62) << 64
        | 0b10 << 62
        | (rand & ((1 << 62) - 1))
    )
    return str(uuid.UUID(int=value))


DEFAULT_POLICY_ID = reference_id("sla_policy", "default")


# --- policy ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """Response and resolution targets in business minutes."""

    response_minutes: int
    resolution_minutes: int


@dataclass(frozen=True, slots=True)
class TargetRule:
    """A target for a grade, optionally only for one category."""

    grade: int
    category: str | None
    response_minutes: int
    resolution_minutes: int


Interval = tuple[int, int]
"""Minutes from local midnight: (start, end), end up to 1440."""


@dataclass(frozen=True)
class Policy:
    """A parsed SLA policy (a plain snapshot, safe to keep outside a session)."""

    id: str | None
    name: str
    version: int
    calendar: str
    working_hours: Mapping[str, tuple[Interval, ...]]
    timezone: str
    warn_ratio: float
    targets: tuple[TargetRule, ...]
    supervisor_ratio: float = 1.0
    head_office_ratio: float = 1.5

    @property
    def tz(self) -> ZoneInfo:
        """The policy's time zone."""
        return ZoneInfo(self.timezone)

    def target(self, grade: int, category: str | None = None) -> Target:
        """The category-specific target of the grade if any, else the grade's target."""
        general = None
        for rule in self.targets:
            if rule.grade != grade:
                continue
            if rule.category is not None and rule.category == category:
                return Target(rule.response_minutes, rule.resolution_minutes)
            if rule.category is None:
                general = Target(rule.response_minutes, rule.resolution_minutes)
        if general is None:
            raise ValueError(f"policy {self.name!r} has no target for grade {grade}")
        return general


def default_policy() -> Policy:
    """The DOMAIN.md default: 24x7 in Asia/Shanghai, warning at 75%."""
    return Policy(
        id=DEFAULT_POLICY_ID,
        name="default",
        version=1,
        calendar="24x7",
        working_hours={},
        timezone="Asia/Shanghai",
        warn_ratio=0.75,
        targets=tuple(TargetRule(g, None, r, s) for g, r, s in DEFAULT_TARGETS),
    )


def _minutes_of_day(text: str) -> int:
    hours, _sep, minutes = str(text).partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value <= 1440:
        raise ValueError(f"time of day out of range: {text!r}")
    return value


def parse_working_hours(raw: Mapping[str, Any]) -> dict[str, tuple[Interval, ...]]:
    """{"mon": [["08:30", "17:30"]], ...} -> minutes; keys are weekdays and "makeup"."""
    parsed: dict[str, tuple[Interval, ...]] = {}
    for key, spans in raw.items():
        if key not in (*WEEKDAYS, "makeup"):
            raise ValueError(f"unknown working-hours day {key!r}")
        intervals = []
        for span in spans or ():
            start, end = (_minutes_of_day(v) for v in span)
            if end <= start:
                raise ValueError(f"{key}: {span!r} ends before it starts")
            intervals.append((start, end))
        parsed[key] = tuple(sorted(intervals))
    return parsed


def parse_policy(row: SlaPolicy) -> Policy:
    """A policy from its reference row; ValueError names what is wrong with it."""
    try:
        ZoneInfo(row.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {row.timezone!r}") from None
    if row.calendar not in ("24x7", "working_hours"):
        raise ValueError(f"unknown calendar {row.calendar!r}")
    targets = tuple(
        TargetRule(
            int(t["grade"]),
            t.get("category") or None,
            int(t["response_minutes"]),
            int(t["resolution_minutes"]),
        )
        for t in row.targets or ()
    )
    hours = parse_working_hours(row.working_hours or {})
    if row.calendar == "working_hours" and not any(hours.get(d) for d in WEEKDAYS):
        raise ValueError("working-hours calendar without any working hours")
    escalation = row.escalation or {}
    policy = Policy(
        id=row.id,
        name=row.name,
        version=row.version,
        calendar=row.calendar,
        working_hours=hours,
        timezone=row.timezone,
        warn_ratio=float(row.warn_ratio),
        targets=targets,
        supervisor_ratio=float(escalation.get("supervisor_ratio", 1.0)),
        head_office_ratio=float(escalation.get("head_office_ratio", 1.5)),
    )
    for grade in (1, 2, 3):
        policy.target(grade)
    if not 0 < policy.warn_ratio < 1:
        raise ValueError(f"warn_ratio must be between 0 and 1, not {policy.warn_ratio}")
    return policy


def _policy_rank(row: SlaPolicy) -> tuple[int, int, datetime]:
    return (row.version, int(row.id != DEFAULT_POLICY_ID), row.updated_at)


def active_policy(session: Session) -> Policy:
    """The newest valid active policy (head office's wins over the local seed)."""
    rows = session.scalars(select(SlaPolicy).where(SlaPolicy.active.is_(True))).all()
    for row in sorted(rows, key=_policy_rank, reverse=True):
        try:
            return parse_policy(row)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("SLA policy %s (%s) ignored: %s", row.name, row.id, exc)
    return default_policy()


def policy_for(
    session: Session, policy_id: str | None, cache: dict[str, Policy] | None = None
) -> Policy:
    """The policy a complaint was taken under (the active one if it is gone or broken)."""
    key = policy_id or ""
    if cache is not None and key in cache:
        return cache[key]
    policy = None
    row = session.get(SlaPolicy, policy_id) if policy_id else None
    if row is not None and row.deleted_at is None:
        try:
            policy = parse_policy(row)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("SLA policy %s unusable: %s", policy_id, exc)
    if policy is None:
        policy = default_policy() if policy_id == DEFAULT_POLICY_ID else active_policy(session)
    if cache is not None:
        cache[key] = policy
    return policy


# --- reference data seeding -----------------------------------------------------------------


def default_reference_rows() -> list[tuple[str, str, dict[str, Any]]]:
    """(table, id, columns) of the default policy, categories and root causes: every PC and
    head office seed these same rows (same ids, same values)."""
    policy = default_policy()
    rows: list[tuple[str, str, dict[str, Any]]] = [
        (
            "sla_policy",
            DEFAULT_POLICY_ID,
            {
                "name": policy.name,
                "version": policy.version,
                "active": True,
                "calendar": policy.calendar,
                "working_hours": {},
                "timezone": policy.timezone,
                "warn_ratio": policy.warn_ratio,
                "targets": [
                    {"grade": g, "category": None, "response_minutes": r, "resolution_minutes": s}
                    for g, r, s in DEFAULT_TARGETS
                ],
                "escalation": {"supervisor_ratio": 1.0, "head_office_ratio": 1.5},
            },
        )
    ]
    for kind, codes in (
        (ReferenceKind.COMPLAINT_CATEGORY, CATEGORIES),
        (ReferenceKind.ROOT_CAUSE, ROOT_CAUSES),
    ):
        for order, (code, name_zh, name_en) in enumerate(codes):
            values = {
                "list_kind": kind.value,
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "sort_order": (order + 1) * 10,
                "active": True,
            }
            rows.append(("reference_code", reference_id(kind.value, code), values))
    return rows


def ensure_reference_data(session: Session) -> int:
    """Seed the default policy, categories and root causes when absent; returns rows added."""
    added = 0
    (_table, policy_id, policy), *codes = default_reference_rows()
    if session.scalar(select(SlaPolicy.id).limit(1)) is None:
        session.add(SlaPolicy(id=policy_id, branch_id=HQ_BRANCH, **policy))
        added += 1
    present = set(session.execute(select(ReferenceCode.list_kind, ReferenceCode.code)).tuples())
    for _table, row_id, values in codes:
        if (values["list_kind"], values["code"]) in present:
            continue
        session.add(ReferenceCode(id=row_id, branch_id=HQ_BRANCH, **values))
        added += 1
    if added:
        session.flush()
        session.info.pop("code_labels", None)
        log.info("seeded %d SLA reference rows", added)
    return added


@dataclass(frozen=True, slots=True)
class Code:
    """One entry of a head-office list, labelled in the current language."""

    code: str
    label: str
    active: bool = True


def default_codes(kind: str) -> list[Code]:
    """The entries :func:`ensure_reference_data` seeds for a list, labelled: what a read
    shows before anything was seeded (a read never seeds)."""
    zh = current_language().startswith("zh")
    rows = [v for table, _id, v in default_reference_rows() if table == "reference_code"]
    return [
        Code(v["code"], v["name_zh"] if zh else v["name_en"])
        for v in sorted(rows, key=lambda v: (v["sort_order"], v["code"]))
        if v["list_kind"] == kind
    ]


def reference_codes(session: Session, kind: str, *, include_inactive: bool = False) -> list[Code]:
    """The entries of a list in their order; one per code (the newest row wins)."""
    rows = session.scalars(
        select(ReferenceCode)
        .where(ReferenceCode.list_kind == kind)
        .order_by(ReferenceCode.updated_at)
    ).all()
    newest = {row.code: row for row in rows}
    zh = current_language().startswith("zh")
    ordered = sorted(newest.values(), key=lambda r: (r.sort_order, r.code))
    return [
        Code(r.code, (r.name_zh if zh else r.name_en) or r.code, r.active)
        for r in ordered
        if include_inactive or r.active
    ]


def code_labels(session: Session, kind: str) -> dict[str, str]:
    """code -> label (inactive codes included, so old complaints still read well).

    Cached for the session's lifetime (one unit of work), per list and language.
    """
    cache: dict[tuple[str, str], dict[str, str]] = session.info.setdefault("code_labels", {})
    key = (kind, current_language())
    if key not in cache:
        cache[key] = {
            c.code: c.label for c in reference_codes(session, kind, include_inactive=True)
        }
    return cache[key]


# --- business calendar -----------------------------------------------------------------------


class BusinessCalendar:
    """Working time in a zone: 24x7, or weekday hours with holidays and make-up working days."""

    def __init__(
        self,
        tz: ZoneInfo | str = "Asia/Shanghai",
        hours: Mapping[str, Sequence[Interval]] | None = None,
        holidays: Mapping[date, bool] | None = None,
    ) -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.hours = None if hours is None else {k: tuple(v) for k, v in hours.items()}
        self.holidays = dict(holidays or {})
        self._cache: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        if self.hours is not None and not any(self.hours.get(d) for d in WEEKDAYS):
            raise ValueError("a working-hours calendar needs working hours on some weekday")

    @property
    def is_24x7(self) -> bool:
        """True when every minute counts."""
        return self.hours is None

    def _day_hours(self, day: date) -> tuple[Interval, ...]:
        assert self.hours is not None
        own = self.hours.get(WEEKDAYS[day.weekday()], ())
        workday = self.holidays.get(day)
        if workday is None:
            return own
        if not workday:
            return ()
        if own:
            return own
        makeup = self.hours.get("makeup") or next(
            (self.hours[d] for d in WEEKDAYS if self.hours.get(d)), ()
        )
        return makeup

    def intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of a local calendar day, as aware UTC instants."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        spans = []
        for start, end in self._day_hours(day):
            # wall-clock arithmetic, then the zone decides the offset (handles clock changes)
            s = (midnight + timedelta(minutes=start)).astimezone(UTC)
            e = (midnight + timedelta(minutes=end)).astimezone(UTC)
            if e > s:
                spans.append((s, e))
        result = tuple(spans)
        self._cache[day] = result
        return result

    def _local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant ``minutes`` business minutes after ``start``."""
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        _aware(start)
        if self.hours is None:
            return (start + timedelta(minutes=minutes)).astimezone(UTC)
        remaining = timedelta(minutes=minutes)
        day = self._local_day(start)
        for _day in range(MAX_CALENDAR_DAYS):
            for s, e in self.intervals(day):
                if e <= start:
                    continue
                begin = max(s, start)
                if remaining <= e - begin:
                    return begin + remaining
                remaining -= e - begin
            day += timedelta(days=1)
        raise ValueError("the calendar has no working time in the next three years")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes elapsed from ``start`` to ``end`` (0 when end is not later)."""
        _aware(start)
        _aware(end)
        if end <= start:
            return 0.0
        if self.hours is None:
            return (end - start).total_seconds() / 60
        total = timedelta()
        day, last = self._local_day(start), self._local_day(end)
        while day <= last:
            for s, e in self.intervals(day):
                lo, hi = max(s, start), min(e, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60


def _aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("naive datetime given; use an aware datetime")


def holidays(session: Session) -> dict[date, bool]:
    """Every holiday (False) and make-up working day (True) of the head-office calendar."""
    rows = session.execute(select(Holiday.day, Holiday.is_workday, Holiday.updated_at)).all()
    result: dict[date, bool] = {}
    for day, is_workday, _updated in sorted(rows, key=lambda r: r[2]):
        result[day] = bool(is_workday)
    return result


def calendar_for(
    policy: Policy, holiday_days: Mapping[date, bool] | None = None
) -> BusinessCalendar:
    """The business calendar of a policy (holidays only matter for working hours)."""
    if policy.calendar == "24x7":
        return BusinessCalendar(policy.tz)
    return BusinessCalendar(policy.tz, policy.working_hours, holiday_days)


# --- schedule of one complaint ----------------------------------------------------------------


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
    whose local instants are missing or stale (changed on another PC and synced here).
    """
    now = now or utcnow()
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


def escalation_label(level: int) -> str:
    """Translated name of an escalation level (0 assignee, 1 supervisor, 2 head office)."""
    return _(ESCALATION_LABELS[max(0, min(level, 2))])
