"""A table of the dashboard, as one structure both the page and the .xlsx export are made
from: typed columns (their headings marked for translation) and rows of plain values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from branch_crm.timeutil import to_local

__all__ = ["Column", "Grid", "Translate", "cell_text"]

Translate = Callable[[str], str]

KINDS = ("text", "int", "pct", "num", "datetime", "date", "flag")
"""text; int (a count); pct (0-100, one decimal); num (two decimals); datetime (shown in the
business time zone); date; flag (yes / no)."""


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    """English heading, marked with ``N_`` (translated where shown)."""
    kind: str = "text"
    link: Callable[[dict[str, Any]], str | None] | None = None
    """The URL a cell opens (a drill-down), from its row."""


@dataclass
class Grid:
    id: str
    title: str
    """English title, marked with ``N_``."""
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None
    """A last row summing up the others (shown in bold, exported too)."""
    note: str | None = None
    """A remark under the table (English, marked with ``N_``), e.g. a limit reached."""


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_TEXT: dict[str, Callable[[Any, Translate], str]] = {
    "pct": lambda v, _: f"{float(v):.1f} %",
    "num": lambda v, _: f"{float(v):.2f}",
    "int": lambda v, _: f"{int(v):,}",
    "flag": lambda v, _: _("yes") if v else _("no"),
}


def cell_text(value: Any, kind: str, _: Translate) -> str:
    """How a cell reads on the page."""
    if value is None:
        return "—"
    text = _TEXT.get(kind)
    return text(value, _) if text else _when(value)
