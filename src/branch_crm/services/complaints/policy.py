"""The head-office SLA policy of complaints: targets per grade (and category), calendar,
time zone, warning and escalation ratios; parsed from its reference row."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import SlaPolicy
from branch_crm.services.reference_ids import reference_id

log = logging.getLogger(__name__)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- head-office defaults (DOMAIN.md "Complaints") -----------------------------------------

DEFAULT_TARGETS: tuple[tuple[int, int, int], ...] = ((1, 60, 1440), (2, 120, 2880), (3, 240, 4320))
"""(grade, response minutes, resolution minutes): 1 h/24 h, 2 h/48 h, 4 h/72 h."""


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
