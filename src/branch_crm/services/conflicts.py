"""Sync conflicts for supervisors: list them and resolve them (the resolution syncs).

A conflict is a unique clash head office found (one phone on two customers). Choices:

* ``keep_mine``: this branch's row keeps the value; head office deletes the other row;
* ``keep_theirs``: this branch's row is deleted (tombstoned) here;
* ``merge`` (phones only): the two customers are one person. The conflict's own customer
  (the one whose row was set aside) survives and the other one is folded into it, by the
  one rule of :mod:`branch_crm.sync.customer_merge` (which fields, phones, preferences,
  volumes and history go where). When both are in this branch this PC does it, through the
  session; across branches head office does it (see branch_crm.hq.resolve).

Any row this PC parked because it clashed locally is applied once the clash is gone.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import DateTime, select
from sqlalchemy.orm import Session, class_mapper

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import _
from branch_crm.ids import new_id
from branch_crm.models import SyncConflict, synced_tables
from branch_crm.models.base import SyncedMixin
from branch_crm.services.classification import recompute_stats
from branch_crm.services.context import Actor
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.permissions import Permission, require
from branch_crm.services.search_index import INLINE_LIMIT, process_dirty
from branch_crm.sync.customer_merge import MergeInput, Write, plan_merge, tables_read
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

Choice = Literal["keep_mine", "keep_theirs", "merge"]
CHOICES = ("keep_mine", "keep_theirs", "merge")


@dataclass(frozen=True)
class ConflictView:
    """One conflict as the supervisor screen shows it."""

    id: str
    kind: str
    table: str
    value: str
    row_id: str
    customer_id: str | None
    other_branch: str
    other_customer_id: str | None
    other_customer_name: str | None
    status: str
    resolution: str | None
    created_at: datetime


def _view(row: SyncConflict) -> ConflictView:
    return ConflictView(
        id=row.id,
        kind=row.kind,
        table=row.table_name,
        value=row.value,
        row_id=row.row_id,
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


def resolve_conflict(
    *, session: Session, actor: Actor, conflict_id: str, choice: str
) -> ConflictView:
    """Record the supervisor's choice and make the local changes it implies."""
    require(actor, Permission.CONFLICT_RESOLVE)
    if choice not in CHOICES:
        raise ValidationError({"choice": _("Choose keep mine, keep theirs or merge.")})
    row = session.get(SyncConflict, conflict_id)
    if row is None or row.status != "open":
        raise NotFound(_("This conflict does not exist or was already resolved."))
    if choice == "merge" and row.table_name != "customer_phone":
        raise ValidationError({"choice": _("Only customers with the same phone can be merged.")})
    now = utcnow()
    if choice == "keep_theirs":
        _tombstone_mine(session, row, now)
    elif choice == "merge" and row.other_branch_id == row.branch_id:
        _merge_here(session, row, now)
    row.status, row.resolution = "resolved", choice
    row.resolved_by, row.resolved_at = actor.staff_id, now
    session.flush()
    _retry_parked(session)
    return _view(row)


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
    import json

    from branch_crm.sync.applier import local_columns, write_row
    from branch_crm.sync.codec import to_wire

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


def _merge_here(session: Session, row: SyncConflict, now: datetime) -> None:
    """Fold the other customer into this one (both are in this branch), as
    sync.customer_merge decides; every write goes through the session (audited, synced)."""
    from branch_crm.models import Customer

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
    from branch_crm.sync.applier import retry_parked
    from branch_crm.sync.capture import capture_suspended

    conn = session.connection()
    with capture_suspended(conn):
        retry_parked(conn)
