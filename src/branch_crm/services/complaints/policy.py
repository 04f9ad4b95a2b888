"""The head-office SLA policy of complaints: targets per grade (and category), calendar,
time zone, warning and escalation ratios; parsed from its reference row."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import SlaPolicy
from branch_crm.reference.defaults import DEFAULT_POLICY, DEFAULT_POLICY_ID
from branch_crm.reference.schema import SlaPolicyFile, minutes_of_day, read_policy

__all__ = [
    "Interval",
    "Policy",
    "Target",
    "TargetRule",
    "active_policy",
    "default_policy",
    "parse_policy",
    "parse_working_hours",
    "policy_for",
]

log = logging.getLogger(__name__)


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
    return _policy(DEFAULT_POLICY_ID, SlaPolicyFile.model_validate(DEFAULT_POLICY))


def parse_working_hours(raw: Mapping[str, Any]) -> dict[str, tuple[Interval, ...]]:
    """{"mon": [["08:30", "17:30"]], ...} (checked by the schema) -> minutes, sorted."""
    return {
        day: tuple(sorted((minutes_of_day(a), minutes_of_day(b)) for a, b in spans or ()))
        for day, spans in raw.items()
    }


def parse_policy(row: SlaPolicy) -> Policy:
    """A policy from its reference row, read with the head-office schema
    (:mod:`branch_crm.reference.schema`); ValueError names what is wrong with it."""
    return _policy(row.id, read_policy(row))


def _policy(policy_id: str | None, checked: SlaPolicyFile) -> Policy:
    return Policy(
        id=policy_id,
        name=checked.name,
        version=checked.version,
        calendar=checked.calendar,
        working_hours=parse_working_hours(checked.working_hours),
        timezone=checked.timezone,
        warn_ratio=checked.warn_ratio,
        targets=tuple(
            TargetRule(t.grade, t.category, t.response_minutes, t.resolution_minutes)
            for t in checked.targets
        ),
        supervisor_ratio=checked.escalation.supervisor_ratio,
        head_office_ratio=checked.escalation.head_office_ratio,
    )


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
