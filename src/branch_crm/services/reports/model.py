"""What a report is, independent of where it is drawn (screen, PDF, .xlsx).

A :class:`Report` is a title block (branch, period, printed-at) and a list of
:class:`Section`\\ s; a section holds headline :class:`Kpi`\\ s (value against the previous
period), :class:`Chart`\\ s and :class:`Table`\\ s. Every text in it is already translated in
the language the report was built in; numbers stay numbers (the writers format them by
their :class:`ValueKind`) so that .xlsx cells are typed and the screen can sort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from branch_crm.errors import ValidationError
from branch_crm.i18n import _

__all__ = [
    "Better",
    "Chart",
    "ChartKind",
    "Column",
    "Kpi",
    "Period",
    "Report",
    "Section",
    "Series",
    "Table",
    "ValueKind",
]


class ValueKind(StrEnum):
    """How a number is shown; the writers format (and type .xlsx cells) by it."""

    TEXT = "text"
    COUNT = "count"  # integer
    NUMBER = "number"  # one decimal
    PERCENT = "percent"  # a share 0..1, shown as 87.5 %
    SCORE = "score"  # NPS points / CES mean: one decimal, no unit
    MINUTES = "minutes"  # business minutes, shown as hours when long
    MONEY = "money"  # cents, shown as yuan
    DATE = "date"


class Better(StrEnum):
    """Which way a KPI should move: decides the arrow's colour against the previous period."""

    UP = "up"
    DOWN = "down"
    NEITHER = "neither"


class ChartKind(StrEnum):
    """Chart shapes every writer can draw."""

    BAR = "bar"  # one bar per category per series (grouped)
    STACKED = "stacked"  # stacked bars
    LINE = "line"  # one line per series over the categories (a trend)
    PARETO = "pareto"  # bars of the first series, sorted, with its cumulative share line
    PIE = "pie"  # shares of the first series


@dataclass(frozen=True, slots=True)
class Period:
    """A range of local dates, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            message = _("The end date {end} is before the start date {start}.").format(
                end=self.end.isoformat(), start=self.start.isoformat()
            )
            raise ValidationError({"end": message}, message)

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period before, for comparison: the previous calendar month(s) when this one
        is whole months (or a month to date), otherwise the same number of days just before."""
        if self.start.day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            year, month = divmod(self.start.year * 12 + self.start.month - 1 - months, 12)
            start = date(year, month + 1, 1)
            next_year, next_month = divmod(year * 12 + month + months, 12)
            month_end = date(next_year, next_month + 1, 1) - timedelta(days=1)
            # A month to date compares with the same days of the month before.
            whole = (self.end + timedelta(days=1)).day == 1
            if whole:
                return Period(start, month_end)
            span = self.days - 1
            return Period(start, min(start + timedelta(days=span), month_end))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self) -> str:
        """ "2026-11-01 – 2026-11-30"."""
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class Kpi:
    """A headline figure with its value in the period before (None where not measurable)."""

    label: str
    value: float | None
    previous: float | None
    kind: ValueKind
    better: Better = Better.UP
    note: str = ""  # e.g. "of 120 measured"

    @property
    def change(self) -> float | None:
        """value - previous, or None when either is unknown."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def improved(self) -> bool | None:
        """True when the change goes the better way, False the worse, None if flat/unknown."""
        change = self.change
        if change is None or change == 0 or self.better is Better.NEITHER:
            return None
        return (change > 0) == (self.better is Better.UP)


@dataclass(frozen=True, slots=True)
class Series:
    """One named row of values over a chart's categories (None = no value)."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart over categories. ``drill`` gives, per category, the key of the list behind
    the bar (e.g. a category code) for the screen's drill-down; empty when there is none."""

    title: str
    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_kind: ValueKind = ValueKind.COUNT
    drill: tuple[str, ...] = ()
    drill_target: str = ""  # what the keys open, e.g. "complaints.category"

    def __post_init__(self) -> None:
        for one in self.series:
            if len(one.values) != len(self.categories):
                raise ValueError(
                    f"series {one.label!r} has {len(one.values)} values "
                    f"for {len(self.categories)} categories"
                )
        if self.drill and len(self.drill) != len(self.categories):
            raise ValueError("drill keys must match the categories")


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its heading and how its values are shown."""

    label: str
    kind: ValueKind = ValueKind.TEXT


Cell = str | int | float | date | datetime | None


@dataclass(frozen=True, slots=True)
class Table:
    """A table of typed cells; rows may be many (the PDF paginates with repeated headers)."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""  # shown under the table, e.g. "Top 50 of 312"

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.title!r}: row of {len(row)} cells for {len(self.columns)} columns"
                )


@dataclass(frozen=True, slots=True)
class Section:
    """A part of a report under its own heading."""

    title: str
    kpis: tuple[Kpi, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """A whole report, ready to draw."""

    kind: str  # "complaints" | "satisfaction" | "customers" | "training" | "summary"
    title: str
    branch: str  # branch name (and code) for the title block
    period: Period
    previous: Period
    printed_at: datetime  # aware, local time when shown
    language: str
    sections: tuple[Section, ...] = field(default=())

    def tables(self) -> Sequence[Table]:
        """Every table, in order (the .xlsx writer gives each a sheet)."""
        return [table for section in self.sections for table in section.tables]
