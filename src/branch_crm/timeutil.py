"""Time helpers: the database stores UTC; people see Asia/Shanghai (or the branch zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (patched by frozen clocks in tests)."""
    return datetime.now(UTC)


def to_local(value: datetime, tz: ZoneInfo = BUSINESS_TZ) -> datetime:
    """An aware datetime converted to the business time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def local_today(tz: ZoneInfo = BUSINESS_TZ) -> date:
    """Today's date in the business time zone."""
    return utcnow().astimezone(tz).date()


def month_key(day: date) -> str:
    """'YYYY-MM' for the month containing the day."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, delta: int) -> str:
    """Shift a 'YYYY-MM' key by delta months."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
