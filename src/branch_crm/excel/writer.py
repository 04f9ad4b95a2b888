"""Writing one list to an .xlsx file, streamed (openpyxl write-only mode).

The sheet: a bold title on row 1, one line per filter used below it, a blank row, then the
table: a bold header row (frozen, with an auto-filter over the whole table) and the rows as
typed cells: dates as real dates with a date format, date-times with a date-time format,
numbers as numbers, text (phones, codes, numbers kept as text) as text, never a formula.
Column widths fit the header and the first rows (East Asian wide characters count as two).

Rows are written as they come: 100,000 rows take no more memory than 100. The workbook goes
to a temporary file beside the target and replaces it only when complete, so a failed or
cancelled export leaves what was there before and no partial file (as printing/pdf_file.py).
This module imports nothing of the app: the caller passes translated texts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = [
    "DATE",
    "DATETIME",
    "NUMBER",
    "TEXT",
    "Column",
    "ExportCancelled",
    "display_width",
    "safe_sheet_name",
    "save_workbook",
    "write_table",
]

log = logging.getLogger(__name__)

TEXT = "text"
NUMBER = "number"
DATE = "date"
DATETIME = "datetime"
KINDS = (TEXT, NUMBER, DATE, DATETIME)

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
SAMPLE_ROWS = 500
"""Rows read ahead to size the columns (held in memory once, then streamed)."""
PROGRESS_EVERY = 1000
"""Rows between two progress calls (and cancel checks)."""
MIN_WIDTH, MAX_WIDTH = 6, 60
"""Column widths (in character widths) are kept between these."""
SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


class ExportCancelled(Exception):
    """Raised out of :func:`write_table` when ``cancelled()`` turned true; nothing written."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the table: its header text and the kind of its cells."""

    header: str
    kind: str = TEXT

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def display_width(text: str) -> int:
    """Width of ``text`` in character cells: East Asian wide and full-width ones count 2."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _clean(text: str) -> str:
    """Text without the control characters an .xlsx file cannot hold."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _cell_text(value: object) -> str:
    """How a sampled value reads in its column (for the width)."""
    if isinstance(value, dt.datetime):
        return "2026-01-01 00:00"
    if isinstance(value, dt.date):
        return "2026-01-01"
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(value)


class _Converter:
    """Turns the values of one row into what the write-only sheet writes (typed cells)."""

    def __init__(self, sheet: WriteOnlyWorksheet, columns: Sequence[Column]) -> None:
        self.sheet = sheet
        self.kinds = [c.kind for c in columns]

    def _text(self, value: object) -> object:
        text = value if isinstance(value, str) else str(value)
        if not text.isprintable():
            text = _clean(text)
        if text.startswith("="):  # a value, never a formula
            cell = WriteOnlyCell(self.sheet, value=None)
            cell._value, cell.data_type = text, "s"
            return cell
        return text

    def _date(self, value: object, number_format: str) -> object:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)  # Excel has no time zones
        if not isinstance(value, dt.date):
            return self._text(value)
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.number_format = number_format
        return cell

    def row(self, values: Sequence[object]) -> list[object]:
        out: list[object] = []
        for kind, value in zip(self.kinds, values, strict=False):
            if value is None or value == "":
                out.append(None)
            elif kind == TEXT:
                out.append(self._text(value))
            elif kind == NUMBER:
                numeric = isinstance(value, int | float) and not isinstance(value, bool)
                out.append(value if numeric else self._text(value))
            elif kind == DATE:
                day = value.date() if isinstance(value, dt.datetime) else value
                out.append(self._date(day, DATE_FORMAT))
            else:
                out.append(self._date(value, DATETIME_FORMAT))
        return out


def _widths(columns: Sequence[Column], sample: Sequence[Sequence[object]]) -> list[float]:
    widths = [display_width(c.header) + 2 for c in columns]  # room for the filter arrow
    for row in sample:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], display_width(_cell_text(value)))
    return [min(MAX_WIDTH, max(MIN_WIDTH, w + 1)) for w in widths]


def safe_sheet_name(title: str) -> str:
    """A valid sheet name from a title: at most 31 characters, none of []:*?/\\."""
    name = title.translate(_BAD_SHEET_CHARS).strip().strip("'")[:SHEET_NAME_MAX]
    return name or "Sheet1"


def _write(
    sheet: WriteOnlyWorksheet,
    *,
    title: str,
    notes: Sequence[str],
    columns: Sequence[Column],
    rows: Iterator[Sequence[object]],
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> int:
    sample = list(islice(rows, SAMPLE_ROWS))
    for index, width in enumerate(_widths(columns, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_row = len(notes) + 3  # title, notes, a blank row, then the header
    sheet.freeze_panes = f"A{header_row + 1}"
    title_cell = WriteOnlyCell(sheet, value=_clean(title))
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    for note in notes:
        sheet.append([_clean(note)])
    sheet.append([])
    bold = Font(bold=True)
    headers = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_clean(column.header))
        cell.font = bold
        headers.append(cell)
    sheet.append(headers)
    convert = _Converter(sheet, columns)
    count = 0
    for row in _chain(sample, rows):
        sheet.append(convert.row(row))
        count += 1
        if count % PROGRESS_EVERY == 0:
            if cancelled is not None and cancelled():
                raise ExportCancelled
            if progress is not None:
                progress(count)
    last = get_column_letter(max(1, len(columns)))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + count}"
    return count


def _chain(
    sample: list[Sequence[object]], rest: Iterator[Sequence[object]]
) -> Iterator[Sequence[object]]:
    """The sampled rows (let go of as they are written), then the rest."""
    sample.reverse()
    while sample:
        yield sample.pop()
    yield from rest


def _abandon(sheet: WriteOnlyWorksheet) -> None:
    """Close a sheet left half-written and remove its temporary file (else its row stream
    is finished by the garbage collector, on a closed file)."""
    try:
        if not sheet.closed:
            sheet.close()
    except Exception:  # already failing: the first error is the one to report
        log.debug("closing an abandoned sheet failed", exc_info=True)
    sheet_writer = getattr(sheet, "_writer", None)
    if sheet_writer is not None:
        try:
            sheet_writer.cleanup()
        except OSError:
            log.debug("removing an abandoned sheet's file failed", exc_info=True)


def save_workbook(book: Workbook, output: Path | str) -> Path:
    """Save ``book`` to a temporary file beside ``output`` and move it over ``output`` only
    when whole (a failure leaves what was there and no partial file); raises ``OSError``
    when the folder cannot be written."""
    output = Path(output)
    handle, name = tempfile.mkstemp(
        prefix=f".{output.stem}-", suffix=".part", dir=output.parent or None
    )
    os.close(handle)
    partial = Path(name)
    try:
        book.save(partial)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return output


def write_table(
    output: Path | str,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    notes: Sequence[str] = (),
    sheet_name: str | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Write one table to the .xlsx file ``output``; returns the number of rows written.

    ``notes``: lines written under the title (the filters used). ``progress(rows_done)`` is
    called every :data:`PROGRESS_EVERY` rows, and ``cancelled()`` asked as often (true:
    :class:`ExportCancelled`). ``output`` appears only when the whole file is written;
    raises ``OSError`` when the folder cannot be written.
    """
    output = Path(output)
    handle, name = tempfile.mkstemp(
        prefix=f".{output.stem}-", suffix=".part", dir=output.parent or None
    )
    os.close(handle)
    partial = Path(name)
    sheet: WriteOnlyWorksheet | None = None
    try:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(safe_sheet_name(sheet_name or title))
        count = _write(
            sheet,
            title=title,
            notes=notes,
            columns=columns,
            rows=iter(rows),
            progress=progress,
            cancelled=cancelled,
        )
        book.save(partial)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        if sheet is not None:
            _abandon(sheet)
        raise
    if progress is not None:
        progress(count)
    return count
