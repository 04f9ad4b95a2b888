"""A report's numbers as printed text, by their value kind (87.5 %, ¥1,234.50, 3 h 20 min).

The kinds are the values of ``services.reports.model.ValueKind`` (a ``StrEnum``); this layer
may not import services, so they are compared as the strings they are.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from branch_crm.printing.common import Translate

__all__ = [
    "NO_VALUE",
    "NUMERIC_KINDS",
    "axis_text",
    "cell_text",
    "change_text",
    "value_text",
]

NO_VALUE = "—"
"""Shown for a value that is unknown (None)."""
NUMERIC_KINDS = frozenset({"count", "number", "percent", "score", "minutes", "money"})
"""Kinds printed right-aligned."""


def _minutes(value: float, _: Translate) -> str:
    total = round(abs(value))
    hours, minutes = divmod(total, 60)
    if hours == 0:
        return _("{minutes} min").format(minutes=minutes)
    if minutes == 0:
        return _("{hours} h").format(hours=f"{hours:,}")
    return _("{hours} h {minutes} min").format(hours=f"{hours:,}", minutes=minutes)


def _number(value: float, kind: str, _: Translate) -> str:
    """A known number of a numeric kind, unsigned formatting of its magnitude's sign."""
    if kind == "count":
        return f"{round(value):,}"
    if kind == "percent":
        return f"{value * 100:.1f} %"
    if kind == "money":
        return f"¥{value / 100:,.2f}"
    if kind == "minutes":
        return ("-" if value < 0 else "") + _minutes(value, _)
    if kind == "score":
        return f"{value:.1f}"
    return f"{value:,.1f}"


def value_text(value: object, kind: str, _: Translate) -> str:
    """``value`` shown the way its kind asks; None (and NaN) as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_VALUE
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind in NUMERIC_KINDS:
        return _number(float(value), kind, _)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def cell_text(value: object, kind: str, _: Translate) -> str:
    """A table cell: like :func:`value_text`, but an empty text cell stays empty."""
    if value is None and kind == "text":
        return ""
    return value_text(value, kind, _)


def change_text(change: float | None, kind: str, _: Translate) -> str:
    """A signed difference against the previous period: +12, -2.5 pts, +¥30.00, +1 h 5 min."""
    if change is None:
        return NO_VALUE
    sign = "+" if change > 0 else "-" if change < 0 else "±"
    size = abs(change)
    if kind == "percent":
        return sign + _("{points} pts").format(points=f"{size * 100:.1f}")
    return sign + _number(size, kind, _)


def axis_text(value: float, kind: str, step: float, _: Translate) -> str:
    """A tick label of a chart axis: short, with only the decimals the step needs."""
    if kind == "percent":
        decimals = 0 if step * 100 >= 1 else 1
        return f"{value * 100:.{decimals}f} %"
    if kind == "money":
        yuan_step = step / 100
        decimals = 0 if yuan_step >= 1 else 2
        return f"¥{value / 100:,.{decimals}f}"
    if kind == "minutes" and step >= 30:
        hours = value / 60
        return _("{hours} h").format(hours=f"{hours:,.1f}".removesuffix(".0"))
    if kind == "minutes":
        return _("{minutes} min").format(minutes=f"{value:,.0f}")
    decimals = 0 if step >= 1 else 1 if step >= 0.1 else 2
    return f"{value:,.{decimals}f}"
