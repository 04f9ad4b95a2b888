"""Deleting safely: customers (supervisors), mistaken complaints (supervisors, with a reason)
and pickup preference records, as tombstones that sync like any change; the "Deleted items"
list; and restoring within :data:`RESTORE_DAYS` days (an ordinary synced change: the sync
merge rule lets a restore beat the tombstone it follows, see sync.merge).

A tombstoned row leaves every list, the lookup, search and reports on its own (ORM queries
hide tombstones; the raw ones read ``deleted_at IS NULL``). The audit log gets a "delete"
entry from the session hooks, and an "undelete" entry for a restore.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import Complaint, Customer, CustomerPhone, PickupPreference, Staff
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.customers import classification
from branch_crm.services.customers.profile import delete_customer as _delete_customer
from branch_crm.services.customers.search_index import INLINE_LIMIT, process_dirty
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.permissions import require
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

RESTORE_DAYS = 30
"""A deleted record can be restored this many days after it was deleted."""
REASON_MAX = 200
SHOWN_DAYS = 90
""""Deleted items" lists the deletions of this many days (older ones cannot come back)."""
KIND_LABELS = {
    "customer": N_("Customer"),
    "complaint": N_("Complaint"),
    "pickup_preference": N_("Pickup preferences"),
}
KINDS = tuple(KIND_LABELS)
Deletable = Customer | Complaint | PickupPreference
MODELS: dict[str, type[Deletable]] = {
    "customer": Customer,
    "complaint": Complaint,
    "pickup_preference": PickupPreference,
}


@dataclass(frozen=True)
class DeletedItem:
    """One deleted record as "Deleted items" shows it."""

    kind: str
    id: str
    what: str
    who: str | None
    when: datetime
    reason: str | None
    restorable: bool
    why_not: str | None = None
    """Why it cannot be restored (translated), when it cannot."""

    @property
    def kind_label(self) -> str:
        return _(KIND_LABELS[self.kind])


@dataclass(frozen=True)
class Restored:
    """What a restore brought back (``skipped_phones``: numbers another customer holds now)."""

    kind: str
    id: str
    skipped_phones: tuple[str, ...] = ()


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise ValidationError({"reason": _("Say why the complaint is deleted.")})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": _("At most {n} characters.").format(n=REASON_MAX)})
    return text or None


# --- deleting -----------------------------------------------------------------------------


def delete_customer(
    *, session: Session, actor: Actor, customer_id: str, reason: str | None = None
) -> None:
    """Delete a customer (supervisors): the record and its phones become tombstones."""
    require(actor, Permission.RECORD_DELETE)
    _delete_customer(
        session=session,
        actor=actor,
        customer_id=customer_id,
        reason=_reason(reason, required=False),
    )
    log.info("customer %s deleted by %s", customer_id, actor.username)


def delete_complaint(*, session: Session, actor: Actor, complaint_id: str, reason: str) -> None:
    """Delete a complaint entered by mistake (supervisors; a reason is required)."""
    require(actor, Permission.RECORD_DELETE)
    text = _reason(reason, required=True)
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_("This complaint does not exist or was deleted."))
    complaint.deleted_at = utcnow()
    complaint.delete_reason = text
    session.flush()
    log.info("complaint %s deleted by %s", complaint_id, actor.username)


def delete_preferences(*, session: Session, actor: Actor, customer_id: str) -> str:
    """Delete a customer's pickup preference record; returns its id (for an undo)."""
    require(actor, Permission.PREFERENCE_EDIT)
    row = session.scalars(
        select(PickupPreference).where(PickupPreference.customer_id == customer_id)
    ).first()
    if row is None:
        raise NotFound(_("This customer has no pickup preferences recorded."))
    row.deleted_at = utcnow()
    session.flush()
    return row.id


# --- the list -------------------------------------------------------------------------------


def _who(session: Session, staff_id: str | None) -> str | None:
    if not staff_id:
        return None
    staff = session.get(Staff, staff_id, execution_options={"include_deleted": True})
    return staff.display_name if staff is not None else None


def _why_not(deleted_at: datetime, now: datetime) -> str | None:
    if deleted_at < now - timedelta(days=RESTORE_DAYS):
        return _("Deleted more than {days} days ago: it cannot be restored.").format(
            days=RESTORE_DAYS
        )
    return None


def _customer_name(session: Session, customer_id: str) -> str:
    name = session.scalar(
        select(Customer.name)
        .where(Customer.id == customer_id)
        .execution_options(include_deleted=True)
    )
    return name or "?"


def list_deleted(
    *, session: Session, actor: Actor, now: datetime | None = None, limit: int = 500
) -> list[DeletedItem]:
    """Records deleted in the last :data:`SHOWN_DAYS` days, newest first (supervisors)."""
    require(actor, Permission.RECORD_DELETE)
    now = now or utcnow()
    since = now - timedelta(days=SHOWN_DAYS)
    items: list[DeletedItem] = []
    models: tuple[type[Deletable], ...] = (Customer, Complaint, PickupPreference)
    for model in models:
        query = (
            select(model)
            .where(model.deleted_at.is_not(None), model.deleted_at >= since)
            .order_by(model.deleted_at.desc())
            .limit(limit)
            .execution_options(include_deleted=True)
        )
        for row in session.scalars(query):
            items.append(_item(session, row, now))  # type: ignore[arg-type]
    items.sort(key=lambda item: item.when, reverse=True)
    return items[:limit]


def _item(
    session: Session, row: Customer | Complaint | PickupPreference, now: datetime
) -> DeletedItem:
    assert row.deleted_at is not None
    why_not = _why_not(row.deleted_at, now)
    if isinstance(row, Customer):
        what, kind = row.name, "customer"
        if row.merged_into:
            why_not = _("Merged into {name}: it lives on in that record.").format(
                name=_customer_name(session, row.merged_into)
            )
    elif isinstance(row, Complaint):
        what = f"{row.number} · {_customer_name(session, row.customer_id)}"
        kind = "complaint"
    else:
        what, kind = _customer_name(session, row.customer_id), "pickup_preference"
    return DeletedItem(
        kind=kind,
        id=row.id,
        what=what,
        who=_who(session, row.updated_by),
        when=row.deleted_at,
        reason=row.delete_reason,
        restorable=why_not is None,
        why_not=why_not,
    )


# --- restoring ------------------------------------------------------------------------------


def restore(
    *, session: Session, actor: Actor, kind: str, record_id: str, now: datetime | None = None
) -> Restored:
    """Bring a deleted record back (an undo, or from "Deleted items"); the same right as the
    delete. NotFound / ValidationError in words when it cannot come back."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("Nothing of this kind can be restored.")})
    require(
        actor,
        Permission.PREFERENCE_EDIT if kind == "pickup_preference" else Permission.RECORD_DELETE,
    )
    now = now or utcnow()
    model = MODELS[kind]
    row: Deletable | None = session.get(  # type: ignore[assignment]
        model, record_id, execution_options={"include_deleted": True}
    )
    if row is None or row.deleted_at is None:
        raise NotFound(_("This record is not deleted (or not on this PC)."))
    if isinstance(row, Customer) and row.merged_into:
        raise ValidationError({"kind": _("A customer merged into another cannot be restored.")})
    why_not = _why_not(row.deleted_at, now)
    if why_not is not None:
        raise ValidationError({"kind": why_not})
    if isinstance(row, PickupPreference):
        _check_preference(session, row)
    skipped: tuple[str, ...] = ()
    deleted_at = row.deleted_at
    row.deleted_at = None
    row.restored_at = now
    row.delete_reason = None
    session.flush()
    if isinstance(row, Customer):
        skipped = _restore_phones(session, row, deleted_at)
        session.flush()
        process_dirty(raw_connection(session), limit=INLINE_LIMIT, first=[row.id])
        classification.recompute_stats(session=session, customer_ids=[row.id])
    log.info("%s %s restored by %s", kind, record_id, actor.username)
    return Restored(kind, record_id, skipped)


def _check_preference(session: Session, row: PickupPreference) -> None:
    customer = session.get(Customer, row.customer_id)
    if customer is None:
        raise ValidationError({"kind": _("Its customer was deleted: restore the customer first.")})
    current = session.scalars(
        select(PickupPreference.id).where(PickupPreference.customer_id == row.customer_id)
    ).first()
    if current is not None:
        raise ValidationError({"kind": _("The customer has newer pickup preferences; those stay.")})


def _restore_phones(session: Session, customer: Customer, deleted_at: datetime) -> tuple[str, ...]:
    """Give the customer back the numbers deleted with it, as new rows (a tombstoned phone
    row never comes back); a number another live customer holds now is left out."""
    gone = session.scalars(
        select(CustomerPhone)
        .where(CustomerPhone.customer_id == customer.id, CustomerPhone.deleted_at == deleted_at)
        .order_by(CustomerPhone.position)
        .execution_options(include_deleted=True)
    ).all()
    skipped: list[str] = []
    for phone in gone:
        taken = session.scalar(select(CustomerPhone.id).where(CustomerPhone.phone == phone.phone))
        if taken is not None:
            skipped.append(phone.phone)
            continue
        session.add(
            CustomerPhone(
                customer_id=customer.id, phone=phone.phone, kind=phone.kind, position=phone.position
            )
        )
    return tuple(skipped)
