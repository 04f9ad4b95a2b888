"""A dashboard table as an .xlsx workbook: typed cells (counts as integers, percentages as
numbers formatted as percent, times as dates in the business time zone), headings in the
page's language, frozen heading row, filter buttons."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from branch_crm.hq.web.grid import Grid, Translate
from branch_crm.timeutil import to_local

__all__ = ["XLSX_TYPE", "grid_workbook"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"int": "#,##0", "pct": "0.0%", "num": "0.00", "datetime": "yyyy-mm-dd hh:mm",
           "date": "yyyy-mm-dd"}  # fmt: skip


_VALUE: dict[str, Callable[[Any, Translate], Any]] = {
    "pct": lambda v, _: float(v) / 100.0,
    "int": lambda v, _: int(v),
    "num": lambda v, _: float(v),
    "flag": lambda v, _: _("yes") if v else _("no"),
}


def _value(value: Any, kind: str, _: Translate) -> Any:
    if value is None:
        return None
    convert = _VALUE.get(kind)
    if convert is not None:
        return convert(value, _)
    if isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None)
    return value if isinstance(value, date) else str(value)


def grid_workbook(grid: Grid, _: Translate, subtitle: str) -> bytes:
    """The .xlsx bytes of ``grid``: a title line, ``subtitle`` (period, branches), headings,
    rows and the total row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = _(grid.title)[:31]
    sheet.append([_(grid.title)])
    sheet.append([subtitle])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_(c.heading) for c in grid.columns])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    rows = [*grid.rows, *([grid.total] if grid.total else [])]
    for row in rows:
        sheet.append([_value(row.get(c.key), c.kind, _) for c in grid.columns])
    for index, column in enumerate(grid.columns, start=1):
        letter = get_column_letter(index)
        number_format = FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=4, min_col=index, max_col=index):
                cell.number_format = number_format
        width = max(
            [len(_(column.heading))] + [len(str(r.get(column.key) or "")) for r in rows[:200]]
        )
        sheet.column_dimensions[letter].width = min(max(10, width + 2), 48)
    if grid.total:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "A4"
    last = get_column_letter(len(grid.columns))
    sheet.auto_filter.ref = f"A3:{last}{max(3, 3 + len(grid.rows))}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
