"""What every export shares: the filters a list may take, the table it becomes, the lines
written above the table, local times without a zone (Excel has none)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from branch_crm.errors import ValidationError
from branch_crm.excel.writer import Column
from branch_crm.i18n import _
from branch_crm.timeutil import to_local, utcnow

CHUNK = 1000
"""Rows read from the database at a time."""


@dataclass(frozen=True)
class ExportFilters:
    """The filters of every list; each list reads the ones it knows (None: any).

    ``since`` and ``until`` are inclusive local days; ``status`` a status code of the list
    (complaints, follow-ups, attendance); the rest as the list pages choose them.
    """

    since: date | None = None
    until: date | None = None
    status: str | None = None
    # customers (the customer list's filter bar)
    tier: str | None = None
    lifecycle: str | None = None
    visit_class: str | None = None
    need_tag: str | None = None
    churn_risk: bool | None = None
    # complaints (the queue's filters; open_only: the queue itself)
    open_only: bool = False
    mine: bool = False
    grade: int | None = None
    category: str | None = None
    breached: bool = False
    waiting: bool = False
    # follow-ups
    scope: str = "all"
    overdue_only: bool = False
    # audit log
    entity: str | None = None
    entity_id: str | None = None
    actor_id: str | None = None
    action: str | None = None
    search: str | None = None
    """The audit log's search box (services.staff.audit_search)."""

    def check(self) -> None:
        """ValidationError when the period ends before it starts."""
        if self.since is not None and self.until is not None and self.until < self.since:
            text = _("The end of the period must be after its start.")
            raise ValidationError({"until": text}, text)


@dataclass
class Table:
    """One list ready to write: texts in the reader's language, rows still to be read."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]]
    notes: list[str] = field(default_factory=list)
    total: int | None = None
    """How many rows will come (for the progress bar), when known beforehand."""
    sheet: str | None = None


def local(moment: datetime | None) -> datetime | None:
    """``moment`` in the business time zone, without the zone (what a cell holds)."""
    if moment is None:
        return None
    return to_local(moment).replace(tzinfo=None, microsecond=0)


def yes_no(value: bool | None) -> str:
    """Yes / No in the reader's language (blank for unknown)."""
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def period_text(since: date | None, until: date | None) -> str | None:
    """The period in words, None when there is none."""
    if since is None and until is None:
        return None
    if until is None:
        return _("from {start}").format(start=since)
    if since is None:
        return _("until {end}").format(end=until)
    return _("{start} – {end}").format(start=since, end=until)


def notes(filters: Iterable[tuple[str, str | None]], who: str | None) -> list[str]:
    """The lines above the table: the filters used (name: value) and when and by whom."""
    used = [
        _("{name}: {value}").format(name=name, value=value)
        for name, value in filters
        if value not in (None, "")
    ]
    lines = [
        _("Filters: {filters}").format(filters=_("; ").join(used)) if used else _("Filters: none")
    ]
    when = f"{to_local(utcnow()):%Y-%m-%d %H:%M}"
    lines.append(
        _("Exported {when} by {who}").format(when=when, who=who)
        if who
        else _("Exported {when}").format(when=when)
    )
    return lines


def chunked(items: Sequence[object], size: int = CHUNK) -> Iterator[Sequence[object]]:
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unknown_status(status: str) -> ValidationError:
    """The refusal of a status code the list does not have."""
    text = _("Unknown status: {status}.").format(status=status)
    return ValidationError({"status": text}, text)
