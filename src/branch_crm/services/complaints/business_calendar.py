"""Business time of an SLA policy: 24x7, or working hours with public holidays and make-up
working days, in the policy's time zone (add business minutes, measure them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import Holiday
from branch_crm.services.complaints.policy import WEEKDAYS, Interval, Policy

MAX_CALENDAR_DAYS = 3 * 366
"""How far the arithmetic walks before deciding a calendar has no working time."""


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
