"""The festivals of the holiday greetings (DOMAIN.md "Customer classification": New Year,
Spring Festival, Labour Day, Dragon Boat, Mid-Autumn, National Day) and their built-in dates.

The solar festivals fall on fixed days. The lunar ones (Spring Festival: 1st day of the 1st
lunar month; Dragon Boat: 5th of the 5th; Mid-Autumn: 15th of the 8th) move every year: head
office publishes them as reference data (``branch-crm-hq ref festival CODE DATE``, table
``festival_date``), and a branch that never synced uses :data:`LUNAR_DATES`, the Chinese
calendar's dates for 2026-2035 (checked against the published calendar).
"""

from __future__ import annotations

from datetime import date

from branch_crm.i18n import N_
from branch_crm.reference.ids import reference_id

FESTIVALS: dict[str, str] = {
    "new_year": N_("New Year"),
    "spring_festival": N_("Spring Festival"),
    "labour_day": N_("Labour Day"),
    "dragon_boat": N_("Dragon Boat Festival"),
    "mid_autumn": N_("Mid-Autumn Festival"),
    "national_day": N_("National Day"),
}
"""Festival code -> English name (an ``N_()`` msgid), in calendar order."""

SOLAR_DAYS: dict[str, tuple[int, int]] = {
    "new_year": (1, 1),
    "labour_day": (5, 1),
    "national_day": (10, 1),
}
"""Festivals on the same (month, day) every year."""

LUNAR_DATES: dict[int, dict[str, date]] = {
    year: {"spring_festival": date(year, *sf), "dragon_boat": date(year, *db),
           "mid_autumn": date(year, *ma)}
    for year, sf, db, ma in (
        (2026, (2, 17), (6, 19), (9, 25)),
        (2027, (2, 6), (6, 9), (9, 15)),
        (2028, (1, 26), (5, 28), (10, 3)),
        (2029, (2, 13), (6, 16), (9, 22)),
        (2030, (2, 3), (6, 5), (9, 12)),
        (2031, (1, 23), (6, 24), (10, 1)),
        (2032, (2, 11), (6, 12), (9, 19)),
        (2033, (1, 31), (6, 1), (9, 8)),
        (2034, (2, 19), (6, 20), (9, 27)),
        (2035, (2, 8), (6, 10), (9, 16)),
    )
}  # fmt: skip
"""Built-in dates of the lunar festivals by year (used when head office published none)."""


def built_in_dates(year: int) -> dict[str, date]:
    """Festival code -> date in ``year`` from the built-in table (lunar festivals only for
    the years it covers)."""
    days = {code: date(year, month, day) for code, (month, day) in SOLAR_DAYS.items()}
    days.update(LUNAR_DATES.get(year, {}))
    return days


def festival_id(festival: str, year: int) -> str:
    """The id of a festival's row for one year: head office publishing a year again changes
    that row instead of adding a second one."""
    return reference_id("festival_date", festival, str(year))
