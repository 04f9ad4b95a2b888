"""Importing customers from a spreadsheet: ``preview`` (nothing written) and ``apply`` (all
or nothing, in the caller's transaction).

Rows are read lazily and handled in chunks: each row is checked with the profile form's own
rules (services.customers.validation: name, phones, dates, lengths), its phones are compared
with the rest of the file and with the live customers; a row whose phone belongs to an
existing customer updates that customer (``on_existing="update"``, through the ORM so the
session hooks audit it) or is skipped. New customers are written in bulk
(:mod:`.writing`: audit entries and sync capture as for a single save). Any problem makes
``apply`` raise :class:`ImportRefused` after the whole file was checked, so the caller's
transaction rolls back and nothing is written.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.excel import cells
from branch_crm.excel.reader import SpreadsheetError, Table, open_table
from branch_crm.i18n import _
from branch_crm.models import Customer, CustomerPhone, CustomerType, Staff
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.customers import classification, profile
from branch_crm.services.customers.listing import list_triggers_suspended, refresh_entries
from branch_crm.services.customers.phone_numbers import format_phone
from branch_crm.services.customers.search_index import INLINE_LIMIT, process_dirty
from branch_crm.services.customers.validation import (
    MAX_PHONES,
    CustomerInput,
    normalize_phone,
    validate_customer,
)
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.imports.common import (
    ON_EXISTING,
    UPDATE,
    Cancelled,
    Column,
    ImportRefused,
    Preview,
    Progress,
    cell,
    check_not_empty,
    check_start,
    count_rows,
    fields_by_index,
    file_error,
    header_of,
    read_ahead,
    read_chunks,
    remember_mapping,
    remembered_mapping,
    resolve_columns,
    tick,
)
from branch_crm.services.imports.writing import BulkWriter
from branch_crm.services.permissions import require
from branch_crm.timeutil import local_today

log = logging.getLogger(__name__)

KIND = "customers"
CHUNK = 2_000
ERROR_FIELDS = {
    "name": "name",
    "phones.0": "phone",
    "phones.1": "phone2",
    "phones.2": "phone2",
    "company": "company",
    "address": "address",
    "notes": "notes",
    "birthday": "birthday",
    "first_shipment_date": "first_shipment_date",
    "visit_class": "visit_class",
    "customer_type": "customer_type",
}
NOT_FROM_SHEET = ("phones", "need_tags", "marketing_consent")
"""Fields an update never takes from the sheet (phones are merged; the others have no column)."""
VISIT_CLASS = re.compile(r"^(?:class\s*)?([abc])\s*(?:类|级|class)?$", re.IGNORECASE)
TYPE_WORDS = {
    CustomerType.COMPANY.value: {"company", "公司", "企业", "单位", "corporate", "business"},
    CustomerType.INDIVIDUAL.value: {"individual", "个人", "散客", "person", "private"},
}


@dataclass
class _Row:
    """One checked row: what it holds, its phones and the customer it updates."""

    number: int
    data: CustomerInput
    mapped: frozenset[str]
    phones: list[tuple[str, str]]
    existing: str | None = None
    values: dict[str, Any] | None = None  # a new customer's columns, made while reading


@dataclass
class _Run:
    """State of one pass over the file."""

    session: Session
    preview: Preview
    columns: tuple[Column, ...]
    index: dict[str, int]
    on_existing: str
    managers: dict[str, str]
    seen: dict[str, int]
    stats_params: dict[str, Any] = dataclasses.field(default_factory=dict)
    writing: bool = False  # an import (not a preview): new rows' values are made while reading
    list_entries: bool = False  # the list's triggers are suspended: write its rows per chunk


# --- reading a row ----------------------------------------------------------------------------


def _managers(session: Session) -> dict[str, str]:
    """Display name and user name (folded) -> staff id of every active staff member."""
    found: dict[str, str] = {}
    for sid, name, user in session.execute(
        select(Staff.id, Staff.display_name, Staff.username).where(Staff.active.is_(True))
    ):
        found.setdefault(name.strip().casefold(), sid)
        found.setdefault(user.strip().casefold(), sid)
    return found


def _problem(run: _Run, number: int, field: str, message: str) -> None:
    run.preview.problem(number, header_of(run.columns, field), message)


def _date(run: _Run, row: Sequence[Any], number: int, field: str) -> Any:
    value = cell(row, run.index.get(field))
    try:
        return cells.date_value(value)
    except (ValueError, OverflowError):
        _problem(run, number, field, _("Not a date: {value} (write e.g. 1992-07-08).").format(
            value=cells.text(value)))  # fmt: skip
        return None


def _customer_type(run: _Run, row: Sequence[Any], number: int) -> str:
    raw = cells.text(cell(row, run.index.get("customer_type")))
    if raw is None:
        return CustomerType.INDIVIDUAL.value
    for value, words in TYPE_WORDS.items():
        if raw.casefold() in words:
            return value
    _problem(run, number, "customer_type", _("Unknown customer type: {value}.").format(value=raw))
    return CustomerType.INDIVIDUAL.value


def _manager(run: _Run, row: Sequence[Any], number: int) -> str | None:
    raw = cells.text(cell(row, run.index.get("account_manager")))
    if raw is None:
        return None
    found = run.managers.get(raw.casefold())
    if found is None:
        _problem(run, number, "account_manager",
                 _("No active staff member is called {value}.").format(value=raw))  # fmt: skip
    return found


def _visit_class(row: Sequence[Any], run: _Run) -> str | None:
    raw = cells.text(cell(row, run.index.get("visit_class")))
    if raw is None:
        return None
    match = VISIT_CLASS.match(raw)
    return match[1].upper() if match else raw


def _phones_typed(run: _Run, row: Sequence[Any], number: int) -> list[str]:
    typed: list[str] = []
    for field in ("phone", "phone2"):
        try:
            value = cells.phone_text(cell(row, run.index.get(field)))
        except ValueError:
            _problem(run, number, field, _("Not a phone number."))
            continue
        if value:
            typed.extend(p for p in _split_phones(value) if p)
    return typed


def _split_phones(value: str) -> list[str]:
    """Several numbers in one cell ("138..., 139..." or one a line)."""
    for separator in ("\n", ",", "，", ";", "；", "、"):
        if separator in value:
            return [p.strip() for p in value.split(separator)]
    return [value]


def _read_row(run: _Run, number: int, row: Sequence[Any]) -> _Row | None:
    """The row as a CustomerInput, checked like the profile form; None when it has problems."""
    before = run.preview.problem_count
    typed = _phones_typed(run, row, number)
    data = CustomerInput(
        name=cells.text(cell(row, run.index.get("name"))) or "",
        phones=typed[:MAX_PHONES],
        customer_type=_customer_type(run, row, number),
        company=cells.text(cell(row, run.index.get("company"))),
        address=cells.text(cell(row, run.index.get("address"))),
        birthday=_date(run, row, number, "birthday"),
        first_shipment_date=_date(run, row, number, "first_shipment_date"),
        account_manager_id=_manager(run, row, number),
        visit_class=_visit_class(row, run),
        notes=cells.text(cell(row, run.index.get("notes"))),
    )
    if len(typed) > MAX_PHONES:
        _problem(run, number, "phone2", _("At most {n} phone numbers.").format(n=MAX_PHONES))
    for key, message in validate_customer(data).items():
        _problem(run, number, ERROR_FIELDS.get(key, "name"), message)
    if run.preview.problem_count != before:
        return None
    phones = [normalize_phone(p) for p in data.phones]
    return _Row(number, data, frozenset(run.index), phones)


# --- phones: within the file and against the customers ------------------------------------------


def _in_file_clash(run: _Run, row: _Row) -> bool:
    for digits, _kind in row.phones:
        first = run.seen.get(digits)
        if first is not None:
            _problem(run, row.number, "phone",
                     _("{phone} is also in row {row} of this file.").format(
                         phone=format_phone(digits), row=first))  # fmt: skip
            return True
    for digits, _kind in row.phones:
        run.seen[digits] = row.number
    return False


def _owners(session: Session, phones: list[str]) -> dict[str, tuple[str, str]]:
    """phone -> (customer id, name) of the live customers using any of ``phones`` (one statement
    for the chunk: SQLite looks them up without Python's lock while the next chunk is read)."""
    if not phones:
        return {}
    raw = raw_connection(session)
    return {
        phone: (cid, name)
        for phone, cid, name in raw.execute(
            f"SELECT p.phone, c.id, c.name FROM {CustomerPhone.__tablename__} p "
            f"JOIN {Customer.__tablename__} c ON c.id = p.customer_id "
            "WHERE p.phone IN (SELECT value FROM json_each(?)) "
            "AND p.deleted_at IS NULL AND c.deleted_at IS NULL",  # as the ORM hides tombstones
            (json.dumps(phones),),
        )
    }


def _match_existing(run: _Run, rows: list[_Row]) -> list[_Row]:
    """Rows with the customer their phones belong to; a row whose phones belong to two
    different customers is a problem."""
    owners = _owners(run.session, [d for r in rows for d, _k in r.phones])
    kept: list[_Row] = []
    for row in rows:
        found = {owners[d] for d, _k in row.phones if d in owners}
        if len(found) > 1:
            names = "、".join(sorted(name for _cid, name in found))
            _problem(run, row.number, "phone",
                     _("The phones of this row belong to different customers: {names}.").format(
                         names=names))  # fmt: skip
            continue
        if found:
            row.existing = next(iter(found))[0]
        kept.append(row)
    return kept


# --- a pass over the file ----------------------------------------------------------------------


def _read(run: _Run, number: int, values: Sequence[Any]) -> _Row | None:
    """A row read and checked, None when it has problems or clashes with an earlier row (on
    the read-ahead thread: a new customer's values are made here too)."""
    row = _read_row(run, number, values)
    if row is None or _in_file_clash(run, row):
        return None
    if run.writing:
        row.values = _new_values(row.data)
    return row


def _chunks(run: _Run, table: Table) -> Iterator[tuple[int, list[_Row]]]:
    """The file's rows, read and checked ahead on a thread of their own, in chunks matched
    with what is recorded."""
    read = functools.partial(_read, run)
    for done, chunk in read_ahead(read_chunks(run.preview, table.rows, read, CHUNK)):
        yield done, _match_existing(run, chunk)


def _count(run: _Run, rows: list[_Row]) -> None:
    count_rows(run.preview, [row.existing for row in rows], run.on_existing)


def _start(
    session: Session, table: Table, mapping: Mapping[str, str] | None, on_existing: str
) -> _Run:
    if on_existing not in ON_EXISTING:
        raise ValueError(on_existing)
    chosen = mapping if mapping is not None else remembered_mapping(session, KIND, table.headers)
    columns = resolve_columns(KIND, table.headers, chosen)
    preview = Preview(table.sheet, table.sheets, table.header_row, columns)
    index = fields_by_index(columns)
    run = _Run(session, preview, columns, index, on_existing, _managers(session), {})
    check_start(preview, index, ("name", "phone"))
    return run


def _open(path: Path, sheet: str | None) -> Any:
    try:
        return open_table(path, sheet, KIND)
    except SpreadsheetError as exc:
        raise file_error(exc) from None


def preview(
    *,
    session: Session,
    actor: Actor,
    path: Path,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    on_existing: str = UPDATE,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Preview:
    """What importing ``path`` would do; nothing is written. ImportFileError when the file
    cannot be read."""
    require(actor, Permission.CUSTOMER_EDIT)
    try:
        with _open(path, sheet) as table:
            run = _start(session, table, mapping, on_existing)
            if not run.preview.clean:
                return run.preview
            for done, rows in _chunks(run, table):
                _count(run, rows)
                tick(progress, cancelled, done, table.total)
    except SpreadsheetError as exc:
        raise file_error(exc) from None
    check_not_empty(run.preview)
    return run.preview


# --- writing -----------------------------------------------------------------------------------


def _new_values(data: CustomerInput) -> dict[str, Any]:
    """A new customer's row but its local number: the profile's own columns; need tags and
    consent never come from a sheet. Made on the read-ahead thread (pinyin is pure Python)."""
    values = profile.customer_values(data)
    values.update(need_tags="", marketing_consent=False)
    return values


def _merged(session: Session, row: _Row) -> CustomerInput:
    """The existing customer's values with the row's non-empty mapped cells over them; the
    row's phones first, then the customer's other phones."""
    view = profile.get_customer(session=session, customer_id=str(row.existing))
    data = CustomerInput(
        name=view.name, phones=[p.phone for p in view.phones],
        customer_type=view.customer_type, company=view.company, address=view.address,
        birthday=view.birthday, first_shipment_date=view.first_shipment_date,
        account_manager_id=view.account_manager_id, need_tags=list(view.need_tags),
        visit_class=view.visit_class, notes=view.notes,
        marketing_consent=view.marketing_consent,
    )  # fmt: skip
    changes = {
        key: value
        for key, value in vars(row.data).items()
        if value not in (None, "", []) and key not in NOT_FROM_SHEET
    }
    if "customer_type" not in row.mapped:
        changes.pop("customer_type", None)
    wanted = [d for d, _k in row.phones]
    phones = wanted + [p for p in data.phones if p not in wanted]
    return replace(data, **changes, phones=phones)


def _update(run: _Run, row: _Row) -> bool:
    data = _merged(run.session, row)
    problems = validate_customer(data)
    if problems:
        for key, message in problems.items():
            _problem(run, row.number, ERROR_FIELDS.get(key, "name"), message)
        return False
    customer = profile.live_customer(run.session, str(row.existing))
    profile.apply_values(customer, data)  # the profile's own field mapping
    profile.sync_phones(run.session, customer, [normalize_phone(p) for p in data.phones])
    return True


def _write(run: _Run, writer: BulkWriter, rows: list[_Row], local_no: int, few: list[str]) -> int:
    """Write a chunk and classify its customers; the first ids go into ``few`` (a small
    import is indexed for the lookup at once)."""
    ids: list[str] = []
    for row in rows:
        if row.existing is not None:
            if run.on_existing == UPDATE and _update(run, row):
                ids.append(row.existing)
            continue
        values = row.values if row.values is not None else _new_values(row.data)
        customer_id = writer.add(Customer, {**values, "local_no": local_no})
        local_no += 1
        for position, (digits, kind) in enumerate(row.phones):
            writer.add(CustomerPhone, {"customer_id": customer_id, "phone": digits,
                                       "kind": kind, "position": position})  # fmt: skip
        ids.append(customer_id)
    writer.flush()
    run.session.flush()
    if ids:
        raw = raw_connection(run.session)
        classification.compute_stats(raw, run.stats_params, ids)
        if run.list_entries:  # the list's triggers are suspended: its rows in one go
            refresh_entries(raw, ids)
    few.extend(ids[: INLINE_LIMIT + 1 - len(few)])
    return local_no


def _index(session: Session, few: list[str]) -> None:
    """The lookup index of a small import now; of a large one by the background catch-up
    (as after a big sync)."""
    if few and len(few) <= INLINE_LIMIT:
        process_dirty(raw_connection(session), limit=INLINE_LIMIT, first=few)


def apply(
    *,
    session: Session,
    actor: Actor,
    path: Path,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    on_existing: str = UPDATE,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Preview:
    """Import ``path`` in the caller's transaction; what was done (as a preview). Raises
    ImportRefused (problems listed), ImportCancelled or ImportFileError, and the caller's
    transaction must then roll back (a unit of work does)."""
    require(actor, Permission.CUSTOMER_EDIT)
    try:
        with _open(path, sheet) as table:
            run = _start(session, table, mapping, on_existing)
            if not run.preview.clean:
                raise ImportRefused(run.preview)
            if mapping is not None:
                remember_mapping(session, KIND, table.headers, mapping)
            run.writing = True
            writer = BulkWriter(session, actor)
            local_no = profile.next_local_no(session)
            run.stats_params = classification.stats_params(session, local_today())
            few: list[str] = []
            with list_triggers_suspended(raw_connection(session)) as run.list_entries:
                for done, rows in _chunks(run, table):
                    _count(run, rows)
                    if run.preview.clean:
                        local_no = _write(run, writer, rows, local_no, few)
                    tick(progress, cancelled, done, table.total)
    except SpreadsheetError as exc:
        raise file_error(exc) from None
    check_not_empty(run.preview)
    if not run.preview.clean:
        raise ImportRefused(run.preview)
    _index(session, few)
    result = run.preview
    log.info("customers imported from %s by %s: %d added, %d updated, %d skipped",
             path.name, actor.username, result.add, result.update, result.skip)  # fmt: skip
    return run.preview
