"""Report values as people read them (services.reports.formatting): no Qt needed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from branch_crm.i18n import set_language
from branch_crm.services.reports.formatting import (
    MISSING,
    arrow,
    axis_text,
    change_text,
    format_value,
    sort_key,
)
from branch_crm.services.reports.model import Better, Kpi, ValueKind


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (0.875, ValueKind.PERCENT, "87.5 %"),
        (1, ValueKind.PERCENT, "100.0 %"),
        (0, ValueKind.PERCENT, "0.0 %"),
        (123450, ValueKind.MONEY, "¥1,234.50"),
        (5, ValueKind.MONEY, "¥0.05"),
        (-250, ValueKind.MONEY, "-¥2.50"),
        (45, ValueKind.MINUTES, "45 min"),
        (1565, ValueKind.MINUTES, "26 h 05 min"),  # hours, never 24-hour days
        (12345.0, ValueKind.COUNT, "12,345"),
        (4.25, ValueKind.SCORE, "4.2"),
        (-12.0, ValueKind.SCORE, "-12.0"),
        (1234.56, ValueKind.NUMBER, "1,234.6"),
        ("Delivery delay", ValueKind.TEXT, "Delivery delay"),
        (date(2026, 11, 3), ValueKind.DATE, "2026-11-03"),
        (datetime(2026, 11, 3, 1, 30, tzinfo=UTC), ValueKind.DATE, "2026-11-03 09:30"),
        (None, ValueKind.PERCENT, MISSING),
        (None, ValueKind.MONEY, "—"),
        (float("nan"), ValueKind.NUMBER, "—"),
    ],
)
def test_values_read_by_their_kind(value: object, kind: ValueKind, shown: str) -> None:
    assert format_value(value, kind) == shown


def test_minutes_in_chinese() -> None:
    set_language("zh_CN")
    assert format_value(1565, ValueKind.MINUTES) == "26小时05分"
    assert axis_text(600, ValueKind.MINUTES) == "10 小时"


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (0.4, ValueKind.PERCENT, "40 %"),
        (120000, ValueKind.MONEY, "¥1,200"),
        (600, ValueKind.MINUTES, "10 h"),
        (90, ValueKind.MINUTES, "90 min"),
        (1500, ValueKind.COUNT, "1,500"),
        (2.5, ValueKind.NUMBER, "2.5"),
        (0.25, ValueKind.SCORE, "0.25"),
    ],
)
def test_axis_ticks_are_short(value: float, kind: ValueKind, shown: str) -> None:
    assert axis_text(value, kind) == shown


def test_kpi_arrow_and_change() -> None:
    up = Kpi("Response target met", 0.875, 0.85, ValueKind.PERCENT)
    assert (arrow(up), change_text(up), up.improved) == ("▲", "+2.5 pts", True)
    complaints = Kpi("Received", 40, 47, ValueKind.COUNT, Better.DOWN)
    assert (arrow(complaints), change_text(complaints), complaints.improved) == ("▼", "-7", True)
    slower = Kpi("Median", 150, 90, ValueKind.MINUTES, Better.DOWN)
    assert (arrow(slower), change_text(slower), slower.improved) == ("▲", "+1 h 00 min", False)
    money = Kpi("Granted", 100, 350, ValueKind.MONEY, Better.NEITHER)
    assert (arrow(money), change_text(money), money.improved) == ("▼", "-¥2.50", None)
    flat = Kpi("NPS", 10.0, 10.0, ValueKind.SCORE)
    assert (arrow(flat), change_text(flat)) == ("–", "±0.0")
    unknown = Kpi("CSAT", 0.9, None, ValueKind.PERCENT)
    assert (arrow(unknown), change_text(unknown), unknown.improved) == ("–", MISSING, None)


def test_sort_key_orders_mixed_cells() -> None:
    cells = ["b", None, 3, 1.5, date(2026, 1, 2), "A", None]
    ordered = sorted(cells, key=sort_key)
    assert ordered == [1.5, 3, date(2026, 1, 2), "A", "b", None, None]
