"""Report values as people read them, by their :class:`ValueKind` (the screen's KPI cards,
chart labels and tables; plain Python so any writer may share it).

A share is ``0..1`` and reads "87.5 %", money is cents and reads "¥1,234.50", business
minutes read "45 min" or "26 h 05 min" (hours, never days: a business day is not 24 hours),
an unknown value reads "—".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from branch_crm.i18n import _
from branch_crm.services.reports.model import Kpi, ValueKind
from branch_crm.timeutil import to_local

__all__ = [
    "MISSING",
    "arrow",
    "axis_text",
    "change_text",
    "format_value",
    "sort_key",
]

MISSING = "—"
"""What an unknown value (None) reads."""

UP, DOWN, FLAT = "▲", "▼", "–"


def _money(cents: float) -> str:
    whole = round(cents)
    sign = "-" if whole < 0 else ""
    return f"{sign}¥{abs(whole) // 100:,}.{abs(whole) % 100:02d}"


def _minutes(minutes: float) -> str:
    total = round(abs(minutes))
    hours, mins = divmod(total, 60)
    text = _("{h} h {m:02d} min").format(h=hours, m=mins) if hours else _("{m} min").format(m=mins)
    return f"-{text}" if minutes < 0 and total else text


def _number(value: float) -> str:
    return f"{value:,.1f}"


_NUMBERS: dict[ValueKind, Callable[[float], str]] = {
    ValueKind.COUNT: lambda n: f"{round(n):,}",
    ValueKind.PERCENT: lambda n: f"{n * 100:.1f} %",
    ValueKind.SCORE: lambda n: f"{n:.1f}",
    ValueKind.MINUTES: _minutes,
    ValueKind.MONEY: _money,
}


def format_value(value: Any, kind: ValueKind) -> str:
    """``value`` shown by ``kind``; None (or NaN) is "—", text stays text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, datetime):
        return f"{to_local(value) if value.tzinfo else value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) or kind in (ValueKind.TEXT, ValueKind.DATE):
        return str(value)
    shown = _NUMBERS.get(kind, _number)
    return shown(float(value))


def axis_text(value: float, kind: ValueKind) -> str:
    """A short label for a chart axis tick: "40 %", "¥1,200", "12 h", "1,500"."""
    if kind is ValueKind.PERCENT:
        return f"{value * 100:.0f} %"
    if kind is ValueKind.MONEY:
        return f"¥{value / 100:,.0f}"
    if kind is ValueKind.MINUTES:
        if abs(value) >= 120:
            hours = value / 60
            return _("{h} h").format(h=f"{hours:,.0f}" if hours == round(hours) else f"{hours:.1f}")
        return _("{m} min").format(m=f"{value:.0f}")
    if value == round(value):
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 1 else f"{value:.2f}"


def arrow(kpi: Kpi) -> str:
    """▲ when the value went up against the period before, ▼ down, – flat or unknown."""
    change = kpi.change
    if change is None or change == 0:
        return FLAT
    return UP if change > 0 else DOWN


def change_text(kpi: Kpi) -> str:
    """The change against the period before, signed: "+2.5 pts" for shares (percentage
    points), "+12", "-¥30.00", "+1 h 05 min"; "—" when unknown."""
    change = kpi.change
    if change is None:
        return MISSING
    sign = "+" if change > 0 else ("-" if change < 0 else "±")
    size = abs(change)
    if kpi.kind is ValueKind.PERCENT:
        return _("{sign}{points} pts").format(sign=sign, points=f"{size * 100:.1f}")
    return f"{sign}{format_value(size, kpi.kind)}"


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that sorts a column of mixed cells: unknown values last, numbers as numbers,
    dates as dates, texts as texts (case-insensitively)."""
    if value is None:
        return (3, 0)
    if isinstance(value, (int, float)):
        return (0, float(value))
    if isinstance(value, datetime):
        return (1, value.isoformat())
    if isinstance(value, date):
        return (1, value.isoformat())
    return (2, str(value).casefold())
