"""Importing monthly volumes (a sheet of phone + month + parcels, revenue optional) into
``monthly_volume``, which the tier, RFM and churn-risk figures read.

Same shape as :mod:`.customers`: ``preview`` writes nothing; ``apply`` checks every row,
writes new months in bulk (audit entries and sync capture as for a single save), updates or
skips months already recorded, recomputes the classification of the customers concerned,
and raises :class:`ImportRefused` (the caller's transaction rolls back) on any problem.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.excel import cells
from branch_crm.excel.reader import SpreadsheetError, Table, open_table
from branch_crm.i18n import _
from branch_crm.models import Customer, CustomerPhone, MonthlyVolume
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.customers import classification
from branch_crm.services.customers.phone_numbers import format_phone, normalize_phone
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
from branch_crm.timeutil import local_today, month_key

log = logging.getLogger(__name__)

KIND = "volumes"
CHUNK = 2_000
MAX_PARCELS = 10_000_000


@dataclass
class _Row:
    number: int
    phone: str
    month: str
    parcels: int
    revenue_cents: int | None
    customer_id: str = ""
    existing: str | None = None


@dataclass
class _Run:
    session: Session
    preview: Preview
    columns: tuple[Column, ...]
    index: dict[str, int]
    on_existing: str
    seen: dict[tuple[str, str], int]
    this_month: str


def _problem(run: _Run, number: int, field: str, message: str) -> None:
    run.preview.problem(number, header_of(run.columns, field), message)


def _phone(run: _Run, number: int, row: Sequence[Any]) -> str | None:
    try:
        raw = cells.phone_text(cell(row, run.index.get("phone")))
        if raw is None:
            _problem(run, number, "phone", _("Enter a phone number."))
            return None
        return normalize_phone(raw)[0]
    except ValueError as exc:
        message = str(exc) if exc.args and isinstance(exc.args[0], str) else ""
        _problem(run, number, "phone", message or _("Not a phone number."))
        return None


def _month(run: _Run, number: int, row: Sequence[Any]) -> str | None:
    value = cell(row, run.index.get("month"))
    try:
        month = cells.month_value(value)
    except (ValueError, OverflowError):
        month = None
    if month is None:
        _problem(run, number, "month", _("Not a month: {value} (write e.g. 2026-05).").format(
            value=cells.text(value) or ""))  # fmt: skip
    elif month > run.this_month:
        _problem(run, number, "month", _("The month {month} has not begun yet.").format(
            month=month))  # fmt: skip
        return None
    return month


def _number(run: _Run, number: int, row: Sequence[Any], field: str) -> int | None:
    value = cell(row, run.index.get(field))
    try:
        result = cells.count_value(value) if field == "parcels" else cells.money_cents(value)
    except (ValueError, OverflowError):
        result = -1
    if result is not None and not 0 <= result <= MAX_PARCELS * (100 if field != "parcels" else 1):
        _problem(run, number, field, _("Not a whole number of 0 or more: {value}.").format(
            value=cells.text(value) or ""))  # fmt: skip
        return -1
    return result


def _read_row(run: _Run, number: int, row: Sequence[Any]) -> _Row | None:
    before = run.preview.problem_count
    phone = _phone(run, number, row)
    month = _month(run, number, row)
    parcels = _number(run, number, row, "parcels")
    revenue = _number(run, number, row, "revenue") if "revenue" in run.index else None
    if parcels is None:
        _problem(run, number, "parcels", _("Enter the number of parcels."))
    if run.preview.problem_count != before or phone is None or month is None or parcels is None:
        return None
    return _Row(number, phone, month, parcels, revenue)


def _match(run: _Run, rows: list[_Row]) -> list[_Row]:
    """Rows with their customer and the month already recorded; unknown phones and months
    given twice are problems."""
    phones = sorted({r.phone for r in rows})
    owners: dict[str, str] = {
        phone: cid
        for phone, cid in run.session.execute(
            select(CustomerPhone.phone, Customer.id)
            .join(Customer, Customer.id == CustomerPhone.customer_id)
            .where(CustomerPhone.phone.in_(phones))
        )
    }
    kept: list[_Row] = []
    for row in rows:
        customer_id = owners.get(row.phone)
        if customer_id is None:
            _problem(run, row.number, "phone", _("No customer has the phone {phone}.").format(
                phone=format_phone(row.phone)))  # fmt: skip
            continue
        key = (customer_id, row.month)
        if key in run.seen:
            _problem(run, row.number, "month",
                     _("This customer's {month} is also in row {row} of this file.").format(
                         month=row.month, row=run.seen[key]))  # fmt: skip
            continue
        run.seen[key] = row.number
        row.customer_id = customer_id
        kept.append(row)
    ids = sorted({r.customer_id for r in kept})
    recorded = {
        (cid, month): vid
        for vid, cid, month in run.session.execute(
            select(MonthlyVolume.id, MonthlyVolume.customer_id, MonthlyVolume.month).where(
                MonthlyVolume.customer_id.in_(ids)
            )
        )
    }
    for row in kept:
        row.existing = recorded.get((row.customer_id, row.month))
    return kept


def _chunks(run: _Run, table: Table) -> Iterator[tuple[int, list[_Row]]]:
    """The file's rows, read and checked ahead on a thread of their own, in chunks matched
    with what is recorded."""
    read = functools.partial(_read_row, run)
    for done, chunk in read_ahead(read_chunks(run.preview, table.rows, read, CHUNK)):
        yield done, _match(run, chunk)


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
    run = _Run(session, preview, columns, index, on_existing, {}, month_key(local_today()))
    check_start(preview, index, ("phone", "month", "parcels"))
    return run


def _run(
    session: Session,
    path: Path,
    *,
    sheet: str | None,
    mapping: Mapping[str, str] | None,
    on_existing: str,
    progress: Progress | None,
    cancelled: Cancelled | None,
    writer: BulkWriter | None,
) -> tuple[Preview, set[str]]:
    touched: set[str] = set()
    try:
        with open_table(path, sheet, KIND) as table:
            run = _start(session, table, mapping, on_existing)
            if not run.preview.clean:
                return run.preview, touched
            if writer is not None and mapping is not None:
                remember_mapping(session, KIND, table.headers, mapping)
            for done, rows in _chunks(run, table):
                _count(run, rows)
                if writer is not None and run.preview.clean:
                    _write(run, writer, rows, touched)
                tick(progress, cancelled, done, table.total)
    except SpreadsheetError as exc:
        raise file_error(exc) from None
    check_not_empty(run.preview)
    return run.preview, touched


def _write(run: _Run, writer: BulkWriter, rows: list[_Row], touched: set[str]) -> None:
    for row in rows:
        if row.existing is None:
            values: dict[str, Any] = {"customer_id": row.customer_id, "month": row.month,
                                      "parcels": row.parcels,
                                      "revenue_cents": row.revenue_cents or 0}  # fmt: skip
            writer.add(MonthlyVolume, values)
        elif run.on_existing == UPDATE:
            volume = run.session.get(MonthlyVolume, row.existing)
            assert volume is not None
            volume.parcels = row.parcels
            if row.revenue_cents is not None:
                volume.revenue_cents = row.revenue_cents
        else:
            continue
        touched.add(row.customer_id)
    writer.flush()
    run.session.flush()


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
    """What importing the volumes of ``path`` would do; nothing is written."""
    require(actor, Permission.CUSTOMER_EDIT)
    return _run(session, path, sheet=sheet, mapping=mapping, on_existing=on_existing,
                progress=progress, cancelled=cancelled, writer=None)[0]  # fmt: skip


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
    """Import the volumes of ``path`` in the caller's transaction (all or nothing: raises
    ImportRefused, ImportCancelled or ImportFileError)."""
    require(actor, Permission.CUSTOMER_EDIT)
    writer = BulkWriter(session, actor)
    result, touched = _run(session, path, sheet=sheet, mapping=mapping, on_existing=on_existing,
                           progress=progress, cancelled=cancelled, writer=writer)  # fmt: skip
    if not result.clean:
        raise ImportRefused(result)
    if touched:
        raw = raw_connection(session)
        params = classification.stats_params(session, local_today())
        classification.compute_stats(raw, params, sorted(touched))
    log.info("volumes imported from %s by %s: %d added, %d updated, %d skipped",
             path.name, actor.username, result.add, result.update, result.skip)  # fmt: skip
    return result
