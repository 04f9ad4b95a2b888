"""The greeting festivals' dates: head office's (``festival_date`` reference rows) where it
published a year, else the built-in table (:mod:`branch_crm.reference.festivals`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import _
from branch_crm.models import FestivalDate
from branch_crm.reference.festivals import FESTIVALS, built_in_dates


def festival_label(code: str) -> str:
    """The translated name of a festival (the code itself when unknown)."""
    name = FESTIVALS.get(code)
    return _(name) if name else code


def festival_dates(*, session: Session, years: Iterable[int]) -> list[tuple[str, date]]:
    """(festival code, date) of every greeting festival in ``years``, by date: a date head
    office published for a festival and year replaces the built-in one (the newest row wins
    when there are several)."""
    wanted = sorted(set(years))
    days: dict[tuple[str, int], date] = {}
    for year in wanted:
        for code, day in built_in_dates(year).items():
            days[(code, year)] = day
    rows = session.execute(
        select(FestivalDate.festival, FestivalDate.day)
        .where(FestivalDate.deleted_at.is_(None))
        .where(
            FestivalDate.day >= date(wanted[0], 1, 1), FestivalDate.day <= date(wanted[-1], 12, 31)
        )
        .order_by(FestivalDate.updated_at)
    ).tuples()
    for code, day in rows:
        if code in FESTIVALS:
            days[(code, day.year)] = day
    return sorted(((code, day) for (code, _year), day in days.items()), key=lambda x: (x[1], x[0]))
