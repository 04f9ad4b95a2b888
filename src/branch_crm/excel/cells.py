"""What a cell holds, made plain: text without stray spaces or full-width digits, phones
written as numbers (13812345678.0, 8613700001111) back to their digits, dates from real date
cells, Excel serial numbers or text (1992/7/8, 1992-07-08, 1992年7月8日), months and counts.

Each converter returns None for an empty cell and raises ValueError (no message: the caller
names the problem) for a value it cannot read."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (serial 60, the phantom 29 Feb 1900, is skipped)."""
SERIAL_RANGE = (1, 2_958_465)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?$")
_MONTH_DIGITS = re.compile(r"^(\d{4})(\d{2})$")
_TIME_PART = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def text(value: Any) -> str | None:
    """The cell as stripped text (NFKC: full-width letters and digits made plain); numbers
    without a needless ``.0``; None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    result = str(value)
    if not result.isascii():  # plain ASCII is its own NFKC form
        result = unicodedata.normalize("NFKC", result)
    return result.strip() or None


def phone_text(value: Any) -> str | None:
    """A phone cell as text: a number cell (13812345678.0, 8.6137e12) becomes its digits."""
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return str(int(value))
    return text(value)


def serial_date(serial: float) -> date:
    """The date of an Excel serial number (1900 date system)."""
    if not SERIAL_RANGE[0] <= serial <= SERIAL_RANGE[1]:
        raise ValueError(serial)
    days = int(serial)
    if days < 60:
        days += 1  # Excel counts a 29 February 1900 that never was
    return EXCEL_EPOCH + timedelta(days=days)


def date_value(value: Any) -> date | None:
    """A date from a date cell, a serial number or text; None when empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return serial_date(value)
    raw = text(value)
    return None if raw is None else _date_text(raw)


def _date_text(raw: str) -> date:
    raw = _TIME_PART.sub("", raw)
    match = _DATE_TEXT.match(raw) or _DATE_DIGITS.match(raw)
    if match:
        return date(int(match[1]), int(match[2]), int(match[3]))
    if raw.replace(".", "", 1).isdigit():
        return serial_date(float(raw))
    raise ValueError(raw)


def month_value(value: Any) -> str | None:
    """'YYYY-MM' from a date cell, a serial number or text (2026-05, 2026/5, 2026年5月,
    202605); None when empty."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    raw = text(value)
    if raw is None:
        return None
    match = _MONTH_TEXT.match(raw) or _MONTH_DIGITS.match(raw)
    if match is None:
        found = date_value(value)
        assert found is not None
        year, month = found.year, found.month
    else:
        year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(raw)
    return f"{year:04d}-{month:02d}"


def count_value(value: Any) -> int | None:
    """A whole, non-negative count (parcels); None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        raw = text(value)
        if raw is None:
            return None
        number = float(raw.replace(",", ""))
    if number < 0 or not number.is_integer():
        raise ValueError(value)
    return int(number)


def money_cents(value: Any) -> int | None:
    """An amount in yuan (number or text, "¥1,234.50") as cents; None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        amount = float(value)
    else:
        raw = text(value)
        if raw is None:
            return None
        amount = float(raw.replace(",", "").replace("¥", "").replace("元", "").strip())
    if amount < 0:
        raise ValueError(value)
    return round(amount * 100)
