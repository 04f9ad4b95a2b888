"""Sync conflicts for supervisors: list them and resolve them (the resolution syncs).

A conflict is a unique clash head office found (one phone on two customers). Choices:

* ``keep_mine``: this branch's row keeps the value; head office deletes the other row;
* ``keep_theirs``: this branch's row is deleted (tombstoned) here;
* ``merge`` (phones only): the two customers are one person. When both are in this branch,
  this branch's customer is folded into the other one here (phones, volumes, complaints,
  preferences, care tasks, surveys, visits move to the survivor; the duplicate is
  tombstoned). Across branches head office does it (see branch_crm.hq.resolve).

Any row this PC parked because it clashed locally is applied once the clash is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, select, update
from sqlalchemy.orm import Session

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import _
from branch_crm.models import (
    CareTask,
    Complaint,
    CustomerPhone,
    MonthlyVolume,
    PickupPreference,
    SurveyForm,
    SurveyResponse,
    SyncConflict,
    Visit,
)
from branch_crm.models.base import SyncedMixin
from branch_crm.services.context import Actor
from branch_crm.services.permissions import Permission, require
from branch_crm.timeutil import utcnow

Choice = Literal["keep_mine", "keep_theirs", "merge"]
CHOICES = ("keep_mine", "keep_theirs", "merge")
MOVED_WITH_CUSTOMER: tuple[type[SyncedMixin], ...] = (
    CustomerPhone,
    MonthlyVolume,
    PickupPreference,
    Complaint,
    CareTask,
    SurveyForm,
    SurveyResponse,
    Visit,
)


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
    from branch_crm.models import synced_tables

    model = next(m for m in synced_tables() if m.__tablename__ == row.table_name)  # type: ignore[attr-defined]
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
    """Fold this branch's customer into the other one (both are in this branch)."""
    from branch_crm.models import Customer

    duplicate, survivor = row.customer_id, row.other_customer_id
    if not duplicate or not survivor or session.get(Customer, survivor) is None:
        raise NotFound(_("The other customer is not on this PC yet; sync first."))
    if not _bury_parked(session, row.table_name, row.row_id, now):
        phone = session.get(CustomerPhone, row.row_id)
        if phone is not None and phone.deleted_at is None:
            phone.deleted_at = now
    for model in MOVED_WITH_CUSTOMER:
        session.execute(
            update(model)
            .where(model.customer_id == duplicate, model.deleted_at.is_(None))  # type: ignore[attr-defined]
            .values(customer_id=survivor, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    customer = session.get(Customer, duplicate)
    if customer is not None and customer.deleted_at is None:
        customer.deleted_at = now


def _retry_parked(session: Session) -> None:
    from branch_crm.sync.applier import retry_parked
    from branch_crm.sync.capture import capture_suspended

    conn = session.connection()
    with capture_suspended(conn):
        retry_parked(conn)
