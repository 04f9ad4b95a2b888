"""Sync conflicts for supervisors: list them and resolve them (the resolution syncs).

A conflict is a unique clash head office found (one phone on two customers, one complaint
number on two complaints). Choices (:func:`choices_for` says which fit a conflict):

* ``keep_mine``: this branch's row keeps the value; head office deletes the other row;
* ``keep_theirs``: this branch's row is deleted (tombstoned) here;
* ``merge`` (phones only): the two customers are one person. The conflict's own customer
  (the one whose row was set aside) survives and the other one is folded into it, by the
  one rule of :mod:`branch_crm.sync.customer_merge` (which fields, phones, preferences,
  volumes and history go where). When both are in this branch this PC does it, through the
  session; across branches head office does it (see branch_crm.hq.resolve).
* ``renumber`` (complaint numbers, survey serials): this branch's record gets a new number,
  issued the normal way by this PC (its code, the record's own date), as an ordinary edit
  through the session (audited, synced); head office then finds no clash and applies the
  row it set aside. Both records are kept. A deleted record still holds its number (these
  numbers are never issued twice), so for them ``keep_mine`` cannot work at all and
  ``keep_theirs`` (a survey form never handed out) renumbers the form and then deletes it.

Any row this PC parked because it clashes locally is applied once the clash is gone. A
record this PC holds only in ``sync_parked`` (another PC of the branch wrote it) can be
resolved too: it is written into its table first (see :func:`_unpark_for_renumber`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, cast

from sqlalchemy import DateTime, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, class_mapper
from sqlalchemy.orm.attributes import set_committed_value

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import _
from branch_crm.ids import new_id
from branch_crm.models import (
    AuditEntry,
    Complaint,
    Customer,
    SurveyForm,
    SyncConflict,
    SyncParked,
    synced_tables,
)
from branch_crm.models.base import SyncedMixin
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints.numbers import next_number
from branch_crm.services.context import Actor
from branch_crm.services.customers.classification import recompute_stats
from branch_crm.services.customers.search_index import INLINE_LIMIT, process_dirty
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.pc_code import this_pc_code
from branch_crm.services.permissions import require
from branch_crm.services.surveys.serials import make_serial, next_sequence
from branch_crm.sync import codec
from branch_crm.sync.apply_rows import local_columns, merge_clocks, violation, write_row
from branch_crm.sync.capture import capture_suspended
from branch_crm.sync.codec import to_wire
from branch_crm.sync.customer_merge import MergeInput, Write, plan_merge, tables_read
from branch_crm.sync.parked import retry_parked
from branch_crm.timeutil import BUSINESS_TZ, to_local, utcnow

log = logging.getLogger(__name__)

Choice = Literal["keep_mine", "keep_theirs", "merge", "renumber"]
CHOICES = ("keep_mine", "keep_theirs", "merge", "renumber")
RENUMBERED = {"complaint": "number", "survey_form": "serial"}
"""Tables whose clashing value is a number people read out, and its column: issued by a PC,
never twice (a deleted record keeps its number), so a clash is resolved by renumbering."""


@dataclass(frozen=True)
class ConflictView:
    """One conflict as the supervisor screen shows it."""

    id: str
    kind: str
    table: str
    value: str
    row_id: str
    other_row_id: str
    customer_id: str | None
    other_branch: str
    other_customer_id: str | None
    other_customer_name: str | None
    status: str
    resolution: str | None
    created_at: datetime
    new_value: str | None = None
    """The number a ``renumber`` (or a form's ``keep_theirs``) just gave this branch's
    record; set only on the view :func:`resolve_conflict` returns."""


def choices_for(conflict: ConflictView | SyncConflict) -> tuple[str, ...]:
    """The choices that resolve this conflict, in the order a supervisor is offered them.

    Phones: keep mine, keep theirs, merge. Complaint numbers: renumber only (a complaint is
    a customer's; removing one is no answer). Survey serials: renumber, or keep theirs for
    a form never handed out. Any other unique value: keep mine, keep theirs."""
    table = conflict.table if isinstance(conflict, ConflictView) else conflict.table_name
    if table == "customer_phone":
        return ("keep_mine", "keep_theirs", "merge")
    if table == "complaint":
        return ("renumber",)
    if table == "survey_form":
        return ("renumber", "keep_theirs")
    return ("keep_mine", "keep_theirs")


def _view(row: SyncConflict) -> ConflictView:
    return ConflictView(
        id=row.id,
        kind=row.kind,
        table=row.table_name,
        value=row.value,
        row_id=row.row_id,
        other_row_id=row.other_row_id,
        customer_id=row.customer_id,
        other_branch=row.other_branch_id,
        other_customer_id=row.other_customer_id,
        other_customer_name=row.other_customer_name,
        status=row.status,
        resolution=row.resolution,
        created_at=row.created_at,
    )


def list_conflicts(*, session: Session, include_resolved: bool = False) -> list[ConflictView]:
    """Open conflicts (or all), newest first."""
    query = select(SyncConflict).order_by(SyncConflict.created_at.desc())
    if not include_resolved:
        query = query.where(SyncConflict.status == "open")
    return [_view(row) for row in session.scalars(query)]


@dataclass(frozen=True)
class RecordView:
    """A complaint or survey form on one side of a number conflict, as this PC holds it
    (what head office sent of it and this PC set aside wins over the stored row)."""

    table: str
    id: str
    number: str
    customer_name: str | None
    dated: datetime | None
    """When the complaint was received, or the form printed (UTC)."""
    status: str
    description: str | None
    set_aside: bool
    """True when this PC holds the record (or a change of it) only in ``sync_parked``."""
    deleted: bool


def record_of(*, session: Session, table: str, pk: str) -> RecordView | None:
    """One side of a complaint-number or survey-serial conflict (None if not on this PC)."""
    if table not in RENUMBERED:
        return None
    stored = session.get(_model(table), pk, execution_options={"include_deleted": True})
    values = _as_row(stored) if stored is not None else {}
    parked = (
        session.connection()
        .exec_driver_sql(
            "SELECT data FROM sync_parked WHERE table_name = ? AND pk = ?", (table, pk)
        )
        .scalar()
    )
    if parked is not None:
        values.update(json.loads(parked))
    if not values.get(RENUMBERED[table]):
        return None
    customer = values.get("customer_id")
    name = session.scalar(
        select(Customer.name).where(Customer.id == customer).execution_options(include_deleted=True)
    )
    dated = values.get("received_at" if table == "complaint" else "printed_at")
    return RecordView(
        table=table,
        id=pk,
        number=str(values[RENUMBERED[table]]),
        customer_name=name,
        dated=_as_datetime(dated),
        status=str(values.get("status") or ""),
        description=values.get("description"),
        set_aside=parked is not None,
        deleted=values.get("deleted_at") is not None,
    )


def _as_datetime(value: Any) -> datetime | None:
    """A datetime column as stored (aware or naive UTC) or as sync sends it (wire text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def resolve_conflict(
    *, session: Session, actor: Actor, conflict_id: str, choice: str
) -> ConflictView:
    """Record the supervisor's choice and make the local changes it implies.

    The record's own changes are flushed before the conflict's: they reach head office
    first (in the same push or an earlier one), so when head office checks the set-aside
    row again for the resolution, the clash is already gone."""
    require(actor, Permission.CONFLICT_RESOLVE)
    if choice not in CHOICES:
        raise ValidationError(
            {"choice": _("Choose keep mine, keep theirs, merge or a new number.")}
        )
    row = session.get(SyncConflict, conflict_id)
    if row is None or row.status != "open":
        raise NotFound(_("This conflict does not exist or was already resolved."))
    _check_choice(row, choice)
    now = utcnow()
    new_value = None
    if row.table_name in RENUMBERED:
        new_value = _renumber(session, row.table_name, row.row_id)
        if choice == "keep_theirs":
            _tombstone_renumbered(session, row, now)
        session.flush()
    elif choice == "keep_theirs":
        _tombstone_mine(session, row, now)
    elif choice == "merge" and row.other_branch_id == row.branch_id:
        _merge_here(session, row, now)
    row.status, row.resolution = "resolved", choice
    row.resolved_by, row.resolved_at = actor.staff_id, now
    session.flush()
    _retry_parked(session)
    log.info("conflict %s resolved: %s", row.id, choice)
    return replace(_view(row), new_value=new_value)


def _check_choice(row: SyncConflict, choice: str) -> None:
    """ValidationError, in words, unless ``choice`` is one of :func:`choices_for` ``row``."""
    if choice in choices_for(row):
        return
    if choice == "merge":
        message = _("Only customers with the same phone can be merged.")
    elif choice == "renumber":
        message = _("Only complaint numbers and survey form serials can be renumbered.")
    elif row.table_name == "complaint":
        message = _("A complaint is kept whatever its number: give it a new number instead.")
    else:
        message = _("A deleted form keeps its serial: give the form a new serial instead.")
    raise ValidationError({"choice": message})


def _tombstone_mine(session: Session, row: SyncConflict, now: datetime) -> None:
    model = _model(row.table_name)
    if _bury_parked(session, row.table_name, row.row_id, now):
        return
    mine = session.get(model, row.row_id)
    if mine is not None and mine.deleted_at is None:
        mine.deleted_at = now


def _bury_parked(session: Session, table: str, pk: str, now: datetime) -> bool:
    """Write a row this PC parked (it clashes here) as a tombstone; False if none is parked.

    The write is captured like any other, so head office gets the tombstone and un-parks the
    row there as a deleted one: the conflict can be resolved on any PC of the branch, not
    only on the one that wrote the row.
    """
    conn = session.connection()
    parked = conn.exec_driver_sql(
        "SELECT data FROM sync_parked WHERE table_name = ? AND pk = ?", (table, pk)
    ).scalar()
    if parked is None:
        return False
    known = local_columns(conn, {}, table)
    values = {c: v for c, v in json.loads(parked).items() if c in known and c != "id"}
    stamp = to_wire(DateTime(), now)
    for column in {"deleted_at", "updated_at"} & known:
        values[column] = stamp
    write_row(conn, table, pk, values, insert=True)
    conn.exec_driver_sql("DELETE FROM sync_parked WHERE table_name = ? AND pk = ?", (table, pk))
    return True


def _renumber(session: Session, table: str, pk: str) -> str:
    """Give this branch's record a new number, issued by this PC the normal way for the
    record's own date (the day a complaint was received, the day a form was printed: the
    date people read in the number stays true); written through the session, so the edit is
    audited and synced like any other. Returns the new number."""
    column = RENUMBERED[table]
    record = _unpark_for_renumber(session, table, pk) or session.get(
        _model(table), pk, execution_options={"include_deleted": True}
    )
    if record is None:
        raise NotFound(_("This record is not on this PC yet; sync first."))
    if isinstance(record, Complaint):
        day = to_local(record.received_at).date()
        issued = _once_held(session, Complaint, Complaint.received_at, day)
        new = next_number(session, record.branch_id, record.received_at, issued=issued)
    else:
        assert isinstance(record, SurveyForm)
        new = _new_serial(session, record)
    setattr(record, column, new)
    session.flush()
    return new


def _unpark_for_renumber(session: Session, table: str, pk: str) -> SyncedMixin | None:
    """Write what this PC holds of the record in ``sync_parked`` (the whole record when
    another PC wrote it, or a change of the record here, both clashing here) into its table,
    as head office sent it but under a placeholder number (the record's id: no number equals
    it), with capture off; then make the session see the parked number as the record's, so
    renumbering it is an ordinary captured update of the number alone and its audit entry
    reads old -> new. None when nothing of the record is parked here."""
    column = RENUMBERED[table]
    conn = session.connection()
    parked = conn.exec_driver_sql(
        "SELECT data, clocks FROM sync_parked WHERE table_name = ? AND pk = ?", (table, pk)
    ).first()
    if parked is None:
        return None
    data = json.loads(parked[0])
    known = local_columns(conn, {}, table)
    values = {c: v for c, v in data.items() if c in known and c != "id"}
    if column in values:
        values[column] = pk
    with capture_suspended(conn):
        conn.exec_driver_sql("SAVEPOINT renumber_parked")
        try:
            write_row(conn, table, pk, values, insert=True)
            missing = violation(conn, table, pk)
        except IntegrityError:
            missing = (table, pk)
        if missing is not None:
            conn.exec_driver_sql("ROLLBACK TO renumber_parked")
            conn.exec_driver_sql("RELEASE renumber_parked")
            raise NotFound(_("This record is not complete on this PC yet; sync first."))
        conn.exec_driver_sql("RELEASE renumber_parked")
        merge_clocks(conn, {(table, pk): codec.decode_clocks(parked[1])})
    conn.exec_driver_sql("DELETE FROM sync_parked WHERE table_name = ? AND pk = ?", (table, pk))
    record = session.get(
        _model(table), pk, populate_existing=True, execution_options={"include_deleted": True}
    )
    assert record is not None
    if column in data:
        set_committed_value(record, column, data[column])
    return record


def _new_serial(session: Session, form: SurveyForm) -> str:
    """The next serial of this PC for the day the form was printed (forms parked here
    count, as in complaints.next_number)."""
    day = to_local(form.printed_at).date()
    pc_code = this_pc_code(session)
    prefix = f"{form.branch_id.upper()}-{pc_code}{day:%y%m%d}"
    serial = func.json_extract(SyncParked.data, "$.serial")
    parked = session.scalars(
        select(serial).where(
            SyncParked.table_name == "survey_form", serial.startswith(prefix, autoescape=True)
        )
    )
    before = _once_held(session, SurveyForm, SurveyForm.printed_at, day)
    used = [str(s)[len(prefix) : -1] for s in [*parked, *before] if str(s).startswith(prefix)]
    highest = max((int(u) for u in used if u.isdigit()), default=0)
    sequence = max(next_sequence(session, form.branch_id, pc_code, day), highest + 1)
    return make_serial(form.branch_id, pc_code, day, sequence)


def _once_held(session: Session, model: Any, dated: Any, day: date) -> set[str]:
    """Every number the records of ``model`` dated ``day`` (local) ever had, by the audit log:
    a number one of them gave up may still be held by that record on another PC (its change
    waiting there for a clash of its own), so it is not issued again."""
    table = model.__tablename__
    column = RENUMBERED[table]
    start = datetime.combine(day, time(), BUSINESS_TZ)
    records = select(model.id).where(dated >= start, dated < start + timedelta(days=1))
    changes = session.scalars(
        select(AuditEntry.changes)
        .where(AuditEntry.entity == table, AuditEntry.entity_id.in_(records))
        .execution_options(include_deleted=True)
    )
    held: set[str] = set()
    for change in changes:
        values = change.get(column) if isinstance(change, dict) else None
        held.update(str(v) for v in values or () if v)
    return held


def _tombstone_renumbered(session: Session, row: SyncConflict, now: datetime) -> None:
    """Delete this branch's record (just renumbered, so its tombstone frees the value)."""
    record = session.get(_model(row.table_name), row.row_id)
    if record is not None:
        record.deleted_at = now


def _merge_here(session: Session, row: SyncConflict, now: datetime) -> None:
    """Fold the other customer into this one (both are in this branch), as
    sync.customer_merge decides; every write goes through the session (audited, synced)."""
    survivor = session.get(Customer, row.customer_id) if row.customer_id else None
    absorbed = session.get(Customer, row.other_customer_id) if row.other_customer_id else None
    if survivor is None or absorbed is None or survivor.deleted_at is not None:
        raise NotFound(_("The other customer is not on this PC yet; sync first."))
    ids = (survivor.id, absorbed.id)
    rows = {table: _rows_of(session, table, ids) for table in tables_read(False)}
    parked = _parked_rows(session, "customer_phone", ids)
    rows["customer_phone"] = [*rows["customer_phone"], *parked.values()]
    merge = MergeInput(_as_row(survivor), _as_row(absorbed), rows, across_branches=False)
    writes = plan_merge(merge, now)
    for write in writes:
        if write.pk in parked:
            _write_parked(session, write, now)
        else:
            _write(session, write)
        if write.tombstones:
            session.flush()  # a tombstone frees its unique value before the rows that take it
    _refresh_stats(session, survivor.id, absorbed.id)


def _refresh_stats(session: Session, survivor: str, absorbed: str) -> None:
    """Classify the survivor again (its volumes changed); the absorbed one has no stats.

    The two are re-indexed for the lookup first: recompute_stats fails with a UNIQUE error
    on ``search_dirty`` when a customer waiting there changes search rank (its upsert
    overrides the trigger's OR IGNORE), and the merge has just marked both."""
    raw = raw_connection(session)
    raw.execute("DELETE FROM customer_stats WHERE customer_id = ?", (absorbed,))
    process_dirty(raw, limit=INLINE_LIMIT, first=[survivor, absorbed])
    recompute_stats(session=session, customer_ids=[survivor])


def _model(table: str) -> type[SyncedMixin]:
    return next(m for m in synced_tables() if m.__tablename__ == table)  # type: ignore[attr-defined]


def _as_row(obj: SyncedMixin) -> dict[str, Any]:
    return {a.key: getattr(obj, a.key) for a in class_mapper(type(obj)).column_attrs}


def _rows_of(session: Session, table: str, customer_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """The live rows of ``table`` that belong to one of the customers."""
    model = _model(table)
    found = session.scalars(select(model).where(model.customer_id.in_(customer_ids)))  # type: ignore[attr-defined]
    return [_as_row(obj) for obj in found]


def _parked_rows(
    session: Session, table: str, customer_ids: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """Rows of the customers this PC set aside because they clash here (pk -> columns)."""
    found = session.connection().exec_driver_sql(
        "SELECT pk, data FROM sync_parked WHERE table_name = ?", (table,)
    )
    rows = {pk: {**json.loads(data), "id": pk} for pk, data in found}
    return {
        pk: row
        for pk, row in rows.items()
        if row.get("customer_id") in customer_ids and row.get("deleted_at") is None
    }


def _write(session: Session, write: Write) -> None:
    """Carry out one write of a merge through the session."""
    model = _model(write.table)
    if write.insert:
        taken = session.get(model, write.pk, execution_options={"include_deleted": True})
        pk = new_id() if taken is not None else write.pk  # a deleted row holds the derived id
        session.add(cast(Any, model)(id=pk, **write.values))
        return
    obj = session.get(model, write.pk)
    if obj is None:
        return  # gone meanwhile
    for column, value in write.values.items():
        if getattr(obj, column) != value:
            setattr(obj, column, value)


def _write_parked(session: Session, write: Write, now: datetime) -> None:
    """A row set aside here can only be tombstoned (anything else would clash again: it
    keeps waiting for its own conflict)."""
    if write.tombstones:
        _bury_parked(session, write.table, write.pk, now)
    else:
        log.info("merge left %s/%s parked (it clashes here)", write.table, write.pk)


def _retry_parked(session: Session) -> None:
    conn = session.connection()
    with capture_suspended(conn):
        retry_parked(conn)
