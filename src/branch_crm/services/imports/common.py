"""What both imports share: the preview and its problems, the errors, the column mapping
(recognised headers, the user's choices, remembered per header row) and the messages for
files that cannot be read."""

from __future__ import annotations

import hashlib
import json
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from branch_crm.errors import CrmError
from branch_crm.excel.headers import fields_of, recognise_row, signature
from branch_crm.excel.reader import SpreadsheetError
from branch_crm.i18n import N_, _, ngettext
from branch_crm.models import LocalSetting

UPDATE = "update"
SKIP = "skip"
ON_EXISTING = (UPDATE, SKIP)
IGNORE = ""
"""Mapping value of a column the user chose to ignore."""
MAX_PROBLEMS = 1000
"""Problems kept in a preview (all are counted)."""
MAPPING_PREFIX = "import.mapping."

Progress = Callable[[int, int], None]
"""progress(done, total rows)."""
Cancelled = Callable[[], bool]
"""True when the user asked to stop."""

FIELD_LABELS: dict[str, str] = {
    "name": N_("Name"),
    "phone": N_("Phone"),
    "phone2": N_("Second phone"),
    "company": N_("Company"),
    "address": N_("Address"),
    "birthday": N_("Birthday"),
    "first_shipment_date": N_("First shipment"),
    "account_manager": N_("Account manager"),
    "visit_class": N_("Visit class"),
    "notes": N_("Needs / notes"),
    "customer_type": N_("Customer type"),
    "month": N_("Month"),
    "parcels": N_("Parcels"),
    "revenue": N_("Revenue (yuan)"),
}

FILE_MESSAGES = {
    "missing": N_("The file {detail} does not exist."),
    "xls": N_(
        "This is an old Excel 97-2003 (.xls) file, which cannot be read. Open it in Excel, "
        "WPS or LibreOffice and save it as .xlsx (Excel Workbook), then import that file."
    ),
    "ods": N_("This is an OpenDocument (.ods) file; save it as .xlsx and import that file."),
    "csv_as_xlsx": N_(
        "This file is named .xlsx but holds plain text (CSV). Rename it to .csv, or open it "
        "and save it as .xlsx."
    ),
    "not_spreadsheet": N_("This file is not a spreadsheet (.xlsx or .csv)."),
    "truncated": N_(
        "The file is incomplete or damaged (it may not have been copied completely). "
        "Copy it again or save it again from Excel."
    ),
    "damaged": N_("Part of the workbook is damaged and cannot be read; save it again from Excel."),
    "encoding": N_("The text of the CSV file is neither UTF-8 nor GB18030; save it as .xlsx."),
    "no_sheet": N_("The workbook has no sheet named {detail}."),
    "empty": N_("The sheet {detail} is empty."),
    "no_header": N_(
        "No header row found in the sheet {detail}: the first rows should name the columns "
        "(e.g. 姓名, 手机, 公司 or Name, Phone, Company)."
    ),
}


class ImportFileError(CrmError):
    """The file cannot be imported at all (translated message)."""


class ImportRefused(CrmError):
    """The file has problems; nothing was written. ``preview`` lists them."""

    def __init__(self, preview: Preview) -> None:
        count = preview.problem_count
        super().__init__(
            ngettext(
                "Nothing was imported: {count} problem in the file.",
                "Nothing was imported: {count} problems in the file.",
                count,
            ).format(count=count)
        )
        self.preview = preview


class ImportCancelled(CrmError):
    """The user stopped the import; nothing was written."""

    def __init__(self) -> None:
        super().__init__(_("Import cancelled; nothing was written."))


def file_error(exc: SpreadsheetError) -> ImportFileError:
    """The translated error for a file the reader refused."""
    message = _(FILE_MESSAGES.get(exc.kind, FILE_MESSAGES["not_spreadsheet"]))
    return ImportFileError(message.format(detail=exc.detail))


def field_label(name: str) -> str:
    """The translated name of an import field."""
    label = FIELD_LABELS.get(name)
    return _(label) if label else name


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file: 1-based sheet ``row`` (0: the file or its header),
    the ``column`` header as written, and the translated ``message``."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Column:
    """A column of the sheet: its header, the field it fills (None: ignored) and whether
    the app recognised it itself."""

    index: int
    header: str
    field: str | None
    recognised: bool


@dataclass
class Preview:
    """What an import would do: rows to ``add``, ``update`` and ``skip``, and the problems
    (at most :data:`MAX_PROBLEMS` kept, ``problem_count`` all)."""

    sheet: str
    sheets: tuple[str, ...]
    header_row: int
    columns: tuple[Column, ...]
    rows: int = 0
    add: int = 0
    update: int = 0
    skip: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def clean(self) -> bool:
        """True when the import can go ahead."""
        return self.problem_count == 0

    def problem(self, row: int, column: str, message: str) -> None:
        """Record a problem."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))


# --- the column mapping --------------------------------------------------------------------


def _mapping_key(kind: str, headers: Sequence[str]) -> str:
    digest = hashlib.sha1(signature(headers).encode("utf-8")).hexdigest()[:20]
    return f"{MAPPING_PREFIX}{kind}.{digest}"


def remembered_mapping(session: Session, kind: str, headers: Sequence[str]) -> dict[str, str]:
    """The user's earlier choices for this header row (header -> field, "" for ignored)."""
    row = session.get(LocalSetting, _mapping_key(kind, headers))
    value = row.value.get("value") if row is not None else None
    return dict(value) if isinstance(value, dict) else {}


def remember_mapping(
    session: Session, kind: str, headers: Sequence[str], mapping: Mapping[str, str]
) -> None:
    """Keep the user's choices for the next file with the same header row."""
    key = _mapping_key(kind, headers)
    row = session.get(LocalSetting, key)
    value = {"value": dict(mapping)}
    if row is None:
        session.add(LocalSetting(key=key, value=value))
    elif row.value != value:
        row.value = json.loads(json.dumps(value))


def resolve_columns(
    kind: str, headers: Sequence[str], mapping: Mapping[str, str] | None
) -> tuple[Column, ...]:
    """Every column with its field: the user's mapping first, then the recognised header;
    a field goes to one column only (the first)."""
    known = set(fields_of(kind))
    recognised = recognise_row(headers, kind)
    chosen = dict(mapping or {})
    taken = {f for h, f in chosen.items() if f in known and h in headers}
    columns: list[Column] = []
    used: set[str] = set()
    for index, (header, auto) in enumerate(zip(headers, recognised, strict=True)):
        if header in chosen:
            wanted: str | None = chosen[header] if chosen[header] in known else None
        else:
            wanted = auto if auto not in taken else None
        if wanted is not None and wanted in used:
            wanted = None
        if wanted is not None:
            used.add(wanted)
        columns.append(Column(index, header, wanted, auto is not None and header not in chosen))
    return tuple(columns)


def fields_by_index(columns: Sequence[Column]) -> dict[str, int]:
    """Field -> column index of the mapped columns."""
    return {c.field: c.index for c in columns if c.field is not None}


def header_of(columns: Sequence[Column], field_name: str) -> str:
    """The header of the column that fills ``field_name`` (its label when none does)."""
    for column in columns:
        if column.field == field_name:
            return column.header or field_label(field_name)
    return field_label(field_name)


def tick(progress: Progress | None, cancelled: Cancelled | None, done: int, total: int) -> None:
    """Report progress and stop (ImportCancelled) when asked to."""
    if cancelled is not None and cancelled():
        raise ImportCancelled()
    if progress is not None:
        progress(done, total)


_END = object()
SWITCH_INTERVAL = 0.0005
"""Seconds between Python's thread switches while an import reads ahead."""
_T = TypeVar("_T")


def read_ahead(source: Iterable[_T], depth: int = 2) -> Iterator[_T]:
    """Iterate ``source`` on a thread of its own, up to ``depth`` items ahead of the caller.

    An import reads and checks the sheet (pure Python: openpyxl's parser, cell checks) while
    the caller writes the chunk before into SQLite, which releases the GIL while it works: on
    the branch PC's two cores the two overlap. The source must not touch the database session.
    Its exceptions are raised in the caller; when the caller stops early (cancel, an error)
    the thread is stopped and joined before this generator closes, so the caller may close
    what the source reads from."""
    items: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in source:
                if not put(item):
                    return
        except BaseException as exc:
            put(_Failed(exc))
            return
        put(_END)

    thread = threading.Thread(target=work, name="import-read-ahead", daemon=True)
    # The caller gives Python's lock up at each SQLite statement and must get it back from
    # the busy reader: with the default 5 ms switch interval every statement could wait that
    # long. 0.5 ms while reading ahead (process-wide; restored after).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


def read_chunks(
    preview: Preview,
    rows: Iterable[tuple[int, Sequence[Any]]],
    read: Callable[[int, Sequence[Any]], _T | None],
    size: int,
) -> Iterator[tuple[int, list[_T]]]:
    """The sheet's rows read by ``read`` (None: a row with problems, left out), in chunks of
    ``size`` with the number of rows read so far; counts every row in ``preview.rows``."""
    chunk: list[_T] = []
    for number, values in rows:
        preview.rows += 1
        row = read(number, values)
        if row is not None:
            chunk.append(row)
        if len(chunk) >= size:
            yield preview.rows, chunk
            chunk = []
    if chunk:
        yield preview.rows, chunk


def cell(row: Sequence[Any], index: int | None) -> Any:
    """The value of column ``index`` of ``row`` (None when the column is not mapped)."""
    return None if index is None else row[index]


def count_rows(preview: Preview, existing: Sequence[object | None], on_existing: str) -> None:
    """Count rows to add (no ``existing`` match), update or skip, as ``on_existing`` says."""
    for match in existing:
        if match is None:
            preview.add += 1
        elif on_existing == UPDATE:
            preview.update += 1
        else:
            preview.skip += 1


def check_start(preview: Preview, index: Mapping[str, int], needed: Sequence[str]) -> None:
    """A problem on the header row for each needed field no column is mapped to."""
    for field_name in needed:
        if field_name not in index:
            preview.problem(preview.header_row, "",
                            _("No column for {field}: map one of the columns to it.").format(
                                field=header_of((), field_name)))  # fmt: skip


def check_not_empty(preview: Preview) -> None:
    """A sheet with headers and no rows is a problem (nothing would be imported)."""
    if preview.rows == 0 and preview.clean:
        preview.problem(preview.header_row, "", _("The sheet has headers but no rows."))
