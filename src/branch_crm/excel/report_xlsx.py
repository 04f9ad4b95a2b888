"""A supervisor report (``services.reports.model.Report``) as an .xlsx workbook.

The first sheet, "Summary", holds the title block (branch, period, the period compared
with, printed at) and every section's KPIs: value, previous value and change. Each table
then gets a sheet of its own: title, note, a bold frozen header with an auto-filter, and
typed cells by the column's kind (a share as a number formatted as a percentage, money in
yuan, business minutes as hours, dates as dates; text never becomes a formula). A section's
charts are drawn as native Excel charts beside its tables (the first chart beside the first
table, and so on; the last table takes any left over), each from a small block of its data
on the same sheet (a section without a table: on the Summary sheet).

This module imports nothing of the app's services (the layers): the report is read through
its attributes, and kinds are compared by their string values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from branch_crm.excel.writer import display_width, safe_sheet_name, save_workbook
from branch_crm.i18n import _

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from branch_crm.services.reports.model import Chart, Kpi, Report, Table

__all__ = ["FORMATS", "write_report_xlsx"]

FORMATS: dict[str, str] = {
    "count": "#,##0",
    "number": "#,##0.0",
    "percent": "0.0%",
    "score": "0.0",
    "minutes": "#,##0.0",
    "money": '"¥"#,##0.00',
    "date": "yyyy-mm-dd",
}
"""Number format of each value kind's cells (minutes are written as hours)."""
CHANGE_FORMATS: dict[str, str] = {
    "percent": "+0.0%;-0.0%;0.0%",
    "money": '+"¥"#,##0.00;-"¥"#,##0.00;"¥"0.00',
    "count": "+#,##0;-#,##0;0",
}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 6, 60
HEADER_ROW = 3
"""Tables: title on row 1, its note on row 2, the header on row 3."""
CHART_ROWS = 18
"""Rows a chart takes on its sheet."""


# --- cells ------------------------------------------------------------------------------------


def cell_value(value: Any, kind: str) -> Any:
    """What a report cell is written as: minutes as hours, cents as yuan, aware times as
    local times without a zone (Excel has none); None stays empty."""
    if value is None or value == "":
        return None
    if kind == "minutes" and isinstance(value, int | float):
        return value / 60
    if kind == "money" and isinstance(value, int | float):
        return value / 100
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # the wall time the report gives (local)
    return value


def _put(sheet: Worksheet, row: int, column: int, value: Any, kind: str = "text") -> None:
    """Write one typed cell."""
    cell = sheet.cell(row=row, column=column)
    written = cell_value(value, kind)
    if written is None:
        return
    if isinstance(written, str):
        cell.value = written
        cell.data_type = "s"  # a value, never a formula, whatever it starts with
        return
    cell.value = written
    if isinstance(written, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(written, dt.date):
        cell.number_format = FORMATS["date"]
    elif kind in FORMATS and not isinstance(written, bool):
        cell.number_format = FORMATS[kind]


def _heading(label: str, kind: str) -> str:
    """A column heading; minutes columns say they are in hours."""
    return _("{label} (h)").format(label=label) if kind == "minutes" else label


def _shown(value: Any, kind: str) -> str:
    """Roughly how a cell reads, for the column width."""
    written = cell_value(value, kind)
    if written is None:
        return ""
    if isinstance(written, dt.datetime):
        return "2026-01-01 00:00"
    if isinstance(written, dt.date):
        return "2026-01-01"
    if isinstance(written, float):
        return f"{written:,.2f}"
    if isinstance(written, int):
        return f"{written:,}"
    return str(written)


def _fit(sheet: Worksheet, widths: dict[int, int]) -> None:
    from openpyxl.utils import get_column_letter

    for column, width in widths.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))


def _widen(widths: dict[int, int], column: int, text: str) -> None:
    widths[column] = max(widths.get(column, 0), display_width(text))


# --- sheets -----------------------------------------------------------------------------------


class _Names:
    """Unique, valid sheet names (Excel compares them without case)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, title: str) -> str:
        base = safe_sheet_name(title)
        name, number = base, 1
        while name.casefold() in self.used:
            number += 1
            suffix = f" ({number})"
            name = base[: 31 - len(suffix)] + suffix
        self.used.add(name.casefold())
        return name


def _bold(sheet: Worksheet, row: int, column: int, text: str, size: int | None = None) -> None:
    from openpyxl.styles import Font

    _put(sheet, row, column, text)
    sheet.cell(row=row, column=column).font = Font(bold=True, size=size)


def _kpi_rows(sheet: Worksheet, row: int, kpis: Sequence[Kpi], widths: dict[int, int]) -> int:
    headings = (_("Figure"), _("Value"), _("Previous period"), _("Change"), _("Note"))
    for column, text in enumerate(headings, start=1):
        _bold(sheet, row, column, text)
        _widen(widths, column, text)
    for kpi in kpis:
        row += 1
        kind = str(kpi.kind)
        label = _heading(kpi.label, kind)
        _put(sheet, row, 1, label)
        _put(sheet, row, 2, kpi.value, kind)
        _put(sheet, row, 3, kpi.previous, kind)
        _put(sheet, row, 4, kpi.change, kind)
        if kind in CHANGE_FORMATS and kpi.change is not None:
            sheet.cell(row=row, column=4).number_format = CHANGE_FORMATS[kind]
        _put(sheet, row, 5, kpi.note)
        for column, value in ((1, label), (2, kpi.value), (3, kpi.previous), (5, kpi.note)):
            _widen(widths, column, _shown(value, "text" if column in (1, 5) else kind))
    return row


def _summary(sheet: Worksheet, report: Report) -> dict[int, int]:
    """Title block and KPIs; returns the column widths used."""
    widths: dict[int, int] = {}
    _bold(sheet, 1, 1, report.title, 14)
    facts = (
        (_("Branch"), report.branch),
        (_("Period"), report.period.label()),
        (_("Compared with"), report.previous.label()),
        (_("Printed at"), report.printed_at),
    )
    for row, (label, value) in enumerate(facts, start=2):
        _bold(sheet, row, 1, label)
        _put(sheet, row, 2, value)
        _widen(widths, 1, label)
    row = len(facts) + 2
    for section in report.sections:
        if not section.kpis:
            continue
        row += 1
        _bold(sheet, row, 1, section.title, 12)
        row = _kpi_rows(sheet, row + 1, section.kpis, widths) + 1
    return widths


def _table_sheet(sheet: Worksheet, table: Table) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    _bold(sheet, 1, 1, table.title, 14)
    if table.note:
        _put(sheet, 2, 1, table.note)
    kinds = [str(c.kind) for c in table.columns]
    for column, (spec, kind) in enumerate(zip(table.columns, kinds, strict=True), start=1):
        heading = _heading(spec.label, kind)
        _bold(sheet, HEADER_ROW, column, heading)
        _widen(widths, column, heading)
        widths[column] += 2  # the filter arrow
    for offset, cells in enumerate(table.rows, start=1):
        for column, (value, kind) in enumerate(zip(cells, kinds, strict=True), start=1):
            _put(sheet, HEADER_ROW + offset, column, value, kind)
            _widen(widths, column, _shown(value, kind))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    last = get_column_letter(max(1, len(table.columns)))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(table.rows)}"
    _fit(sheet, widths)


# --- charts -----------------------------------------------------------------------------------


def _chart_data(sheet: Worksheet, chart: Chart, row: int, column: int) -> tuple[int, int]:
    """The chart's categories and series as a block at (row, column); a Pareto chart gets its
    cumulative share as one more column. Returns (last row, last column) of the block."""
    kind = str(chart.value_kind)
    series = list(chart.series[:1] if str(chart.kind) in ("pareto", "pie") else chart.series)
    _put(sheet, row, column, chart.title)
    for index, one in enumerate(series, start=1):
        _put(sheet, row, column + index, _heading(one.label, kind))
    for offset, category in enumerate(chart.categories, start=1):
        _put(sheet, row + offset, column, category)
        for index, one in enumerate(series, start=1):
            _put(sheet, row + offset, column + index, one.values[offset - 1], kind)
    last_column = column + len(series)
    if str(chart.kind) == "pareto":
        last_column += 1
        _put(sheet, row, last_column, _("Cumulative share"))
        values = [v or 0.0 for v in chart.series[0].values]
        total, running = sum(values), 0.0
        for offset, value in enumerate(values, start=1):
            running += value
            _put(sheet, row + offset, last_column, running / total if total else None, "percent")
    return row + len(chart.categories), last_column


def _native(chart: Chart, sheet: Worksheet, row: int, column: int, last: tuple[int, int]) -> Any:
    """The openpyxl chart over the data block at (row, column)."""
    from openpyxl.chart import BarChart, LineChart, PieChart, Reference

    last_row, last_column = last
    kind = str(chart.kind)
    categories = Reference(sheet, min_col=column, min_row=row + 1, max_row=last_row)
    value_columns = last_column - 1 if kind == "pareto" else last_column
    data = Reference(
        sheet, min_col=column + 1, max_col=value_columns, min_row=row, max_row=last_row
    )
    native: Any
    if kind == "pie":
        native = PieChart()
    elif kind == "line":
        native = LineChart()
    else:
        native = BarChart()
        native.type = "col"
        if kind == "stacked":
            native.grouping, native.overlap = "stacked", 100
    native.add_data(data, titles_from_data=True)
    native.set_categories(categories)
    native.title = chart.title
    native.visible_cells_only = False  # the table's filter may hide rows of the block
    native.width, native.height = 18, 8.5
    if kind != "pie" and str(chart.value_kind) == "percent":
        native.y_axis.number_format = "0%"
    if kind == "pareto":
        cumulative = LineChart()
        cumulative.add_data(
            Reference(sheet, min_col=last_column, min_row=row, max_row=last_row),
            titles_from_data=True,
        )
        cumulative.y_axis.axId = 200
        cumulative.y_axis.number_format = "0%"
        cumulative.y_axis.scaling.min, cumulative.y_axis.scaling.max = 0, 1
        cumulative.y_axis.crosses = "max"
        native += cumulative
    return native


def _charts(sheet: Worksheet, charts: Sequence[Chart], column: int, row: int = HEADER_ROW) -> None:
    """Draw ``charts`` from column ``column`` on, one under the other."""
    from openpyxl.utils import get_column_letter

    for chart in charts:
        if not chart.categories or not chart.series:
            continue
        last = _chart_data(sheet, chart, row, column)
        native = _native(chart, sheet, row, column, last)
        sheet.add_chart(native, f"{get_column_letter(last[1] + 2)}{row}")
        row += max(CHART_ROWS, last[0] - row + 3)


# --- the workbook -----------------------------------------------------------------------------


def write_report_xlsx(
    report: Report, path: Path, *, progress: Callable[[int, int], None] | None = None
) -> Path:
    """Write ``report`` to the .xlsx file ``path`` (replaced only when whole); returns the
    path. ``progress(sheets done, sheets)`` after each sheet. Raises ``OSError`` when the
    file cannot be written."""
    from openpyxl import Workbook

    names = _Names()
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = names(_("Summary"))
    total = 1 + len(report.tables())
    widths = _summary(summary, report)
    _fit(summary, widths)
    loose = [c for s in report.sections if not s.tables for c in s.charts]
    _charts(summary, loose, column=7, row=2)
    if progress is not None:
        progress(1, total)
    done = 1
    for section in report.sections:
        last = len(section.tables) - 1
        for index, table in enumerate(section.tables):
            sheet = book.create_sheet(names(table.title))
            _table_sheet(sheet, table)
            # chart i beside table i (the last table takes the charts left over)
            mine = section.charts[index : index + 1] if index < last else section.charts[index:]
            _charts(sheet, mine, column=len(table.columns) + 2)
            done += 1
            if progress is not None:
                progress(done, total)
    return save_workbook(book, path)
