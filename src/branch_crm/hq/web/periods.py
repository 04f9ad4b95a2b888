"""The period a dashboard page shows: this month, last month, or dates of one's own (business
time zone), and its bounds in UTC as head office stores times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from branch_crm.timeutil import BUSINESS_TZ, add_months, local_today, month_key

__all__ = ["PERIOD_KINDS", "Period", "month_bounds", "parse_period"]

PERIOD_KINDS = ("this_month", "last_month", "custom")
MAX_DAYS = 3660


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BUSINESS_TZ).astimezone(UTC)


def _first(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a 'YYYY-MM' month in UTC."""
    return _utc(_first(month)), _utc(_first(add_months(month, 1)))


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end`` (inclusive), business time."""

    kind: str
    start: date
    end: date

    @property
    def utc_start(self) -> datetime:
        return _utc(self.start)

    @property
    def utc_end(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return _utc(self.end + timedelta(days=1))

    @property
    def reference_month(self) -> str:
        """The last complete month at the period's end (what customer tiers are computed
        for, as the branch does): the end's month when the period ends on its last day and
        that day is over, else the month before."""
        following = self.end + timedelta(days=1)
        if following.day == 1 and following <= local_today():
            return month_key(self.end)
        return add_months(month_key(self.end), -1)

    def months(self, count: int = 6) -> list[str]:
        """The ``count`` months ending with the period's last month, oldest first."""
        last = month_key(self.end)
        return [add_months(last, -i) for i in range(count - 1, -1, -1)]

    def query(self) -> dict[str, str]:
        """The URL parameters that give this period back."""
        if self.kind == "custom":
            return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.kind}


def parse_period(kind: str | None, start: str | None, end: str | None) -> Period:
    """The period of a page's parameters; this month when they are missing or make no sense
    (an end before the start is swapped). Dates typed while a named period was chosen
    (they differ from its own) count as dates of one's own."""
    preset = _preset(kind if kind != "custom" else None)
    if kind == "custom" or (
        start and end and (start, end) != (preset.start.isoformat(), preset.end.isoformat())
    ):
        try:
            a = date.fromisoformat(start or "")
            b = date.fromisoformat(end or "")
        except ValueError:
            return preset
        a, b = min(a, b), max(a, b)
        if (b - a).days <= MAX_DAYS:
            return Period("custom", a, b)
    return preset


def _preset(kind: str | None) -> Period:
    today = local_today()
    this = _first(month_key(today))
    if kind == "last_month":
        first = _first(add_months(month_key(today), -1))
        return Period("last_month", first, this - timedelta(days=1))
    return Period("this_month", this, today)
