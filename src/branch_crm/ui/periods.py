"""Period presets of the figure screens (complaint figures, survey scores): a choice such as
"Last month" and the (first day, last day) it stands for on a given branch day."""

from __future__ import annotations

from datetime import date, timedelta

from branch_crm.i18n import N_

PRESET_LABELS = {
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "quarter": N_("Last 3 months"),
    "year": N_("This year"),
    "twelve": N_("Last 12 months"),
    "custom": N_("Chosen dates"),
}


def presets(*keys: str) -> tuple[tuple[str, str], ...]:
    """(key, untranslated label) of the chosen presets, in the order given."""
    return tuple((key, PRESET_LABELS[key]) for key in keys)


def preset_range(key: str, today: date) -> tuple[date, date]:
    """(first day, last day) of a period preset; "custom" and unknown keys give this month."""
    first_of_month = today.replace(day=1)
    if key == "last_month":
        end = first_of_month - timedelta(days=1)
        return end.replace(day=1), end
    if key == "quarter":
        month = first_of_month.month - 2
        year = first_of_month.year + (month - 1) // 12
        return date(year, (month - 1) % 12 + 1, 1), today
    if key == "year":
        return date(today.year, 1, 1), today
    if key == "twelve":
        return today - timedelta(days=365), today
    return first_of_month, today
