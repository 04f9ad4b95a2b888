"""Reading a spreadsheet's rows: .xlsx with openpyxl (read-only, cached formula values; the
cells themselves by :mod:`.sheet_xml`) and
.csv in UTF-8, UTF-8 with BOM or GB18030 (what Chinese Excel writes).

The file's content decides, not its name: an old .xls, a CSV or any other file renamed
.xlsx, a truncated or damaged zip are refused with a :class:`SpreadsheetError` whose
``kind`` the service turns into a message. Rows are read lazily (memory stays flat on a
100,000-row sheet); the header row is the first of the top rows that names known columns,
so a merged title row above it is skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from branch_crm.excel.headers import header_score
from branch_crm.excel.sheet_xml import worksheet_values

HEADER_SEARCH_ROWS = 30
"""The header row is looked for among this many rows at the top of a sheet."""
SNIFF_BYTES = 1 << 20
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


class SpreadsheetError(Exception):
    """The file cannot be read as a spreadsheet. ``kind``: "missing", "xls", "ods",
    "csv_as_xlsx", "not_spreadsheet", "truncated", "damaged", "encoding", "no_sheet",
    "empty", "no_header"; ``detail`` names the sheet or the cause when useful."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass
class Table:
    """A sheet's header row (1-based ``header_row``) and its data rows, read lazily:
    ``rows`` yields (row number in the sheet, cell values as wide as the header)."""

    sheet: str
    sheets: tuple[str, ...]
    header_row: int
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    total: int = 0
    """The sheet's data rows as its file declares them (0 when unknown: a CSV)."""


def file_format(path: Path) -> str:
    """ "xlsx" or "csv" for a file that can be read; SpreadsheetError otherwise."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        raise SpreadsheetError("missing", str(path)) from None
    except OSError as exc:
        raise SpreadsheetError("not_spreadsheet", str(exc)) from None
    if head.startswith(OLE_MAGIC):
        raise SpreadsheetError("xls")
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if path.suffix.lower() in CSV_SUFFIXES:
        return "csv"
    if head and b"\x00" not in head and _looks_like_text(head):
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            raise SpreadsheetError("csv_as_xlsx")
        return "csv"
    raise SpreadsheetError("empty" if not head else "not_spreadsheet")


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error):
        raise SpreadsheetError("truncated") from None
    if b"opendocument.spreadsheet" in mimetype:
        raise SpreadsheetError("ods")
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError("not_spreadsheet")
    return "xlsx"


# --- opening -----------------------------------------------------------------------------


def sheet_names(path: Path) -> list[str]:
    """The sheets of the file (a CSV has one, named after the file)."""
    if file_format(path) == "csv":
        return [path.stem]
    with _workbook(path) as workbook:
        return list(workbook.sheetnames)


_HEAD_BYTES = 1 << 16
_DIMENSION_REF = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z0-9:$]+)\"")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")


def _quick_size(worksheet: Any) -> None:
    """openpyxl's ``ReadOnlyWorksheet._get_size`` without its flaw: when a sheet declares no
    ``<dimension>`` (openpyxl's own write-only files) openpyxl parses the whole sheet just to
    learn that, on opening the workbook. The element comes before the cells: look for it at
    the start of the sheet's XML only."""
    from openpyxl.utils.cell import range_boundaries

    with worksheet._get_source() as source:
        head = source.read(_HEAD_BYTES)
    end = _SHEET_DATA.search(head)
    match = _DIMENSION_REF.search(head, 0, end.start() if end else len(head))
    if match is None:
        return
    try:
        bounds = range_boundaries(match[1].decode("ascii"))
    except ValueError:
        return
    if None not in bounds:
        worksheet._min_column, worksheet._min_row, worksheet._max_column, worksheet._max_row = (
            bounds
        )


def _patch_openpyxl() -> None:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    if getattr(ReadOnlyWorksheet, "_get_size", None) is not _quick_size:
        ReadOnlyWorksheet._get_size = _quick_size


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    from openpyxl import load_workbook

    _patch_openpyxl()

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ParseError, zlib.error, OSError, ValueError) as exc:
        raise SpreadsheetError("damaged", type(exc).__name__) from None
    try:
        yield workbook
    finally:
        workbook.close()


@contextmanager
def open_table(path: Path, sheet: str | None = None, kind: str = "customers") -> Iterator[Table]:
    """The header row and lazily read rows of ``sheet`` (default: the first sheet whose top
    rows hold a header row: the row naming most known columns, the first of equals);
    ``kind`` ("customers", "volumes") picks the known headers."""
    if file_format(path) == "csv":
        with path.open("rb") as handle:
            rows = _csv_rows(handle)
            yield _table(path.stem, (path.stem,), rows, kind)
        return
    with _workbook(path) as workbook:
        names = tuple(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise SpreadsheetError("no_sheet", sheet)
        chosen = [sheet] if sheet is not None else list(names)
        for index, name in enumerate(chosen):
            worksheet = workbook[name]
            rows = _guarded(_values(worksheet))
            try:
                table = _table(name, names, rows, kind)
                table.total = max(0, _declared_rows(path, worksheet) - table.header_row)
            except SpreadsheetError:
                if index + 1 < len(chosen):
                    continue  # a cover or notes sheet: try the next one
                raise
            yield table
            return


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+:[A-Z]+(\d+)\"")


def _declared_rows(path: Path, worksheet: Any) -> int:
    """The last row the sheet's ``<dimension>`` declares (0 when it has none). Read from the
    start of the sheet's XML: openpyxl's ``max_row`` parses the whole sheet when the element
    is missing (files written by openpyxl's write-only mode)."""
    part = getattr(worksheet, "_worksheet_path", None)
    if not isinstance(part, str):
        return 0
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part.lstrip("/")) as handle:
            match = _DIMENSION.search(handle.read(4096))
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error):
        return 0
    return int(match[1]) if match else 0


def _values(worksheet: Any) -> Iterator[Sequence[Any]]:
    """The sheet's rows of values: read by :mod:`.sheet_xml` (three times faster than
    openpyxl's own rows, same values) when the sheet is a read-only worksheet."""
    if callable(getattr(worksheet, "_get_source", None)):
        return worksheet_values(worksheet)
    return iter(worksheet.iter_rows(values_only=True))


def _guarded(rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """Rows of a sheet; a damaged part of the file becomes a SpreadsheetError."""
    try:
        yield from rows
    except (
        zipfile.BadZipFile, zlib.error, ParseError, ExpatError, EOFError, KeyError, OSError,
    ) as exc:  # fmt: skip
        raise SpreadsheetError("damaged", type(exc).__name__) from None


def _table(name: str, names: tuple[str, ...], rows: Iterator[Sequence[Any]], kind: str) -> Table:
    top: list[Sequence[Any]] = []
    for row in rows:
        top.append(row)
        if len(top) >= HEADER_SEARCH_ROWS:
            break
    if not any(_filled(r) for r in top):
        raise SpreadsheetError("empty", name)
    best, best_score = -1, 0
    for index, row in enumerate(top):
        score = header_score(row, kind)
        if score > best_score:
            best, best_score = index, score
    if best < 0:
        raise SpreadsheetError("no_header", name)
    header = top[best]
    width = _width(header)
    headers = [_header_text(v) for v in header[:width]]
    first = best + 2  # 1-based number of the row after the header

    def data() -> Iterator[tuple[int, list[Any]]]:
        number = first
        for row in _chain(top[best + 1 :], rows):
            if _filled(row):
                cells = list(row[:width])
                cells.extend([None] * (width - len(cells)))
                yield number, cells
            number += 1

    return Table(name, names, best + 1, headers, data())


def _chain(first: list[Sequence[Any]], rest: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield from first
    yield from rest


def _width(row: Sequence[Any]) -> int:
    width = len(row)
    while width and not _filled_cell(row[width - 1]):
        width -= 1
    return width


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _filled_cell(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _filled(row: Sequence[Any]) -> bool:
    return any(_filled_cell(v) for v in row)


# --- CSV ---------------------------------------------------------------------------------


def detect_encoding(head: bytes) -> str:
    """ "utf-8-sig" with a BOM, "utf-8" when the start decodes as UTF-8, else "gb18030"."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _csv_rows(handle: io.BufferedReader) -> Iterator[Sequence[Any]]:
    head = handle.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    encoding = detect_encoding(head)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    first_line = head.split(b"\n", 1)[0]
    delimiter = "\t" if b"\t" in first_line and b"," not in first_line else ","
    reader = csv.reader(text, delimiter=delimiter)
    try:
        yield from reader
    except UnicodeDecodeError:
        raise SpreadsheetError("encoding") from None
    except csv.Error as exc:
        raise SpreadsheetError("damaged", str(exc)) from None
