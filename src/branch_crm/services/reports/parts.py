"""Pieces every report builder shares: the title block, the period's months and trend steps,
shares and bounded lists (so every report reads the same way)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from branch_crm.i18n import _, current_language
from branch_crm.services.complaints.figures import split_periods
from branch_crm.services.reports.model import Period, Report, Section
from branch_crm.services.settings.print_header import print_header
from branch_crm.timeutil import add_months, month_key, to_local

__all__ = [
    "TOP_ROWS",
    "WEEKLY_MAX_DAYS",
    "bounded_note",
    "branch_title",
    "make_report",
    "month_range",
    "percent_share",
    "period_months",
    "share",
    "trend_label",
    "trend_periods",
]

TOP_ROWS = 50
"""Long lists (customers, people) stop here; a note says "50 of N"."""
WEEKLY_MAX_DAYS = 62
"""Periods up to this many days trend by ISO week, longer ones by month."""


def branch_title(session: Session) -> str:
    """The branch for the title block: "name (code)", or the code alone when unnamed."""
    header = print_header(session)
    if header.branch_name and header.branch_code:
        return f"{header.branch_name} ({header.branch_code})"
    return header.branch_label


def make_report(
    *,
    session: Session,
    kind: str,
    title: str,
    period: Period,
    now: datetime,
    sections: tuple[Section, ...],
) -> Report:
    """A report with its title block (branch from the settings, printed at ``now``, the
    current language)."""
    return Report(
        kind=kind,
        title=title,
        branch=branch_title(session),
        period=period,
        previous=period.previous(),
        printed_at=to_local(now),
        language=current_language(),
        sections=sections,
    )


def share(part: float, whole: float) -> float | None:
    """part / whole as a share 0..1 (None when there is no whole)."""
    return part / whole if whole else None


def percent_share(value: float | None) -> float | None:
    """A figure in percent (83.5) as the model's share (0.835)."""
    return None if value is None else value / 100.0


def bounded_note(shown: int, total: int) -> str:
    """ "50 of 312" when a list was cut, else ""."""
    if total <= shown:
        return ""
    return _("{shown:,} of {total:,}").format(shown=shown, total=total)


def trend_periods(period: Period) -> tuple[str, list[tuple[date, date]]]:
    """("week" | "month", the period cut into ISO weeks (short periods) or calendar months)."""
    by = "week" if period.days <= WEEKLY_MAX_DAYS else "month"
    return by, split_periods(period.start, period.end, by)


def trend_label(by: str, start: date, end: date) -> str:
    """A trend step's category: "2026-11" for a month, "11-02–11-08" for a week."""
    if by == "month":
        return month_key(start)
    return f"{start:%m-%d}–{end:%m-%d}"


def period_months(period: Period) -> list[str]:
    """'YYYY-MM' of every calendar month the period touches (volumes are kept per month)."""
    return month_range(month_key(period.start), month_key(period.end))


def month_range(first: str, last: str) -> list[str]:
    """Month keys from ``first`` to ``last``, both included."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months
