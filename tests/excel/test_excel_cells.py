"""excel.cells: phones written as numbers, dates in every form people type, counts."""

from __future__ import annotations

import datetime

import pytest

from branch_crm.excel import cells


@pytest.mark.parametrize(
    ("value", "expected"),
    [(13812345678.0, "13812345678"), (8613700001111, "8613700001111"),
     (" 138 1234 5678 ", "138 1234 5678"), ("１３８１２３４５６７８", "13812345678"), (None, None)],
)  # fmt: skip
def test_phone_text(value: object, expected: str | None) -> None:
    assert cells.phone_text(value) == expected


def test_phone_with_a_fraction_is_refused() -> None:
    with pytest.raises(ValueError):
        cells.phone_text(1381234.5678)


@pytest.mark.parametrize(
    "value",
    ["1992/7/8", "1992-07-08", "1992年7月8日", "１９９２-０７-０８", "19920708", 33793,
     33793.0, "33793", datetime.datetime(1992, 7, 8, 0, 0), datetime.date(1992, 7, 8),
     "1992-07-08 00:00:00", " 1992.7.8 "],
)  # fmt: skip
def test_dates(value: object) -> None:
    assert cells.date_value(value) == datetime.date(1992, 7, 8)


@pytest.mark.parametrize("value", ["yesterday", "1992-13-01", "1992/2/30", -5, "12/31"])
def test_bad_dates(value: object) -> None:
    with pytest.raises(ValueError):
        cells.date_value(value)


def test_early_serials_follow_excel() -> None:
    assert cells.serial_date(1) == datetime.date(1900, 1, 1)
    assert cells.serial_date(61) == datetime.date(1900, 3, 1)


@pytest.mark.parametrize(
    "value", ["2026-05", "2026/5", "2026年5月", "202605", datetime.date(2026, 5, 17), "2026-05-01"]
)
def test_months(value: object) -> None:
    assert cells.month_value(value) == "2026-05"


def test_counts_and_money() -> None:
    assert cells.count_value("1,200") == 1200
    assert cells.count_value(12.0) == 12
    assert cells.money_cents("¥1,234.50") == 123450
    for bad in ("many", -1, 1.5):
        with pytest.raises(ValueError):
            cells.count_value(bad)
