"""Customers of the counter desk: create/edit/delete and the profile view.

Every save validates the whole input first (services.customers.validation: per-field
translated messages, keyed by the dataclass field names, "phones.0" for the first phone, and
no phone of another live customer); a refused save writes nothing. Audit entries are written
by the session hooks (branch_crm.db); the search index follows through the ``search_dirty``
triggers; the derived classification is recomputed for the saved customer at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.db import is_read_only
from branch_crm.errors import NotFound
from branch_crm.i18n import _
from branch_crm.models import Customer, CustomerPhone, CustomerStats, NeedTag, Staff
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints.views import is_repeat_complainer
from branch_crm.services.context import Actor
from branch_crm.services.customers import classification
from branch_crm.services.customers.phone_numbers import format_phone
from branch_crm.services.customers.pinyin import name_pinyin
from branch_crm.services.customers.search_index import INLINE_LIMIT, process_dirty
from branch_crm.services.customers.validation import CustomerInput, checked, text_or_none
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.permissions import require
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    """Derived figures of one customer (see services.customers.classification for the rules)."""

    tier: str
    stage: str
    lifecycle: str
    churn_risk: bool
    recency_score: int
    frequency_score: int
    monetary_score: int
    last_month_parcels: int
    avg_month_parcels: int


@dataclass(frozen=True)
class PhoneView:
    """A stored phone: digits, kind and display form."""

    phone: str
    kind: str
    display: str


@dataclass(frozen=True)
class CustomerView:
    """A customer as the profile shows it (plain data, no ORM object)."""

    id: str
    name: str
    phones: tuple[PhoneView, ...]
    customer_type: str
    company: str | None
    address: str | None
    birthday: date | None
    first_shipment_date: date | None
    account_manager_id: str | None
    need_tags: tuple[str, ...]
    visit_class: str | None
    notes: str | None
    marketing_consent: bool
    account_manager_name: str | None
    classification: Classification
    created_at: datetime
    updated_at: datetime
    repeat_complainer: bool = False


def next_local_no(session: Session) -> int:
    """The next free local number (local-only key of the search index)."""
    value = session.connection().exec_driver_sql("SELECT MAX(local_no) FROM customer").scalar()
    return int(value or 0) + 1


def customer_values(data: CustomerInput) -> dict[str, Any]:
    """The customer row's columns for ``data`` (name trimmed with its pinyin, empty texts as
    NULL, need tags in their fixed order)."""
    name = (data.name or "").strip()
    pinyin, initials = name_pinyin(name)
    return {
        "name": name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "customer_type": data.customer_type,
        "company": text_or_none(data.company),
        "address": text_or_none(data.address),
        "birthday": data.birthday,
        "first_shipment_date": data.first_shipment_date,
        "account_manager_id": data.account_manager_id,
        "need_tags": ",".join(t for t in NeedTag if t in set(data.need_tags))
        if data.need_tags
        else "",
        "visit_class": data.visit_class,
        "notes": text_or_none(data.notes),
        "marketing_consent": bool(data.marketing_consent),
    }


def apply_values(customer: Customer, data: CustomerInput) -> None:
    """Set the customer's columns that differ from ``data`` (the form's and the import's)."""
    for key, value in customer_values(data).items():
        if getattr(customer, key) != value:
            setattr(customer, key, value)


def _live_phones(session: Session, customer_id: str) -> list[CustomerPhone]:
    return list(
        session.scalars(
            select(CustomerPhone)
            .where(CustomerPhone.customer_id == customer_id)
            .order_by(CustomerPhone.position)
        )
    )


def sync_phones(session: Session, customer: Customer, phones: list[tuple[str, str]]) -> None:
    """Make the live phones equal ``phones`` (in order): keep, reorder, add, tombstone."""
    existing = {p.phone: p for p in _live_phones(session, customer.id)}
    wanted = {digits for digits, _kind in phones}
    now = utcnow()
    for digits, row in existing.items():
        if digits not in wanted:
            row.deleted_at = now
    session.flush()
    for position, (digits, kind) in enumerate(phones):
        found = existing.get(digits)
        if found is None:
            session.add(
                CustomerPhone(customer_id=customer.id, phone=digits, kind=kind, position=position)
            )
            continue
        if found.position != position:
            found.position = position
        if found.kind != kind:
            found.kind = kind


def create_customer(*, session: Session, actor: Actor, data: CustomerInput) -> CustomerView:
    """Record a new customer; ValidationError / DuplicatePhoneError / PermissionDenied."""
    require(actor, Permission.CUSTOMER_EDIT)
    phones = checked(session, data, None)
    customer = Customer(local_no=next_local_no(session))
    apply_values(customer, data)
    session.add(customer)
    session.flush()
    sync_phones(session, customer, phones)
    session.flush()
    classification.recompute_stats(session=session, customer_ids=[customer.id])
    log.info("customer %s created by %s", customer.id, actor.username)
    return get_customer(session=session, customer_id=customer.id)


def live_customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound(_("This customer does not exist or was deleted."))
    return customer


def update_customer(
    *, session: Session, actor: Actor, customer_id: str, data: CustomerInput
) -> CustomerView:
    """Save an edited customer; same checks as :func:`create_customer`, NotFound if gone."""
    require(actor, Permission.CUSTOMER_EDIT)
    customer = live_customer(session, customer_id)
    phones = checked(session, data, customer_id)
    apply_values(customer, data)
    sync_phones(session, customer, phones)
    session.flush()
    classification.recompute_stats(session=session, customer_ids=[customer_id])
    return get_customer(session=session, customer_id=customer_id)


def delete_customer(
    *, session: Session, actor: Actor, customer_id: str, reason: str | None = None
) -> None:
    """Tombstone the customer and their phones (the numbers become free again); supervisors
    only. Restored within 30 days from "Deleted items" (services.deletion)."""
    require(actor, Permission.RECORD_DELETE)
    customer = live_customer(session, customer_id)
    now = utcnow()
    for phone in _live_phones(session, customer_id):
        phone.deleted_at = now
    customer.deleted_at = now
    customer.delete_reason = text_or_none(reason)
    session.flush()
    session.connection().exec_driver_sql(
        "DELETE FROM customer_stats WHERE customer_id = ?", (customer_id,)
    )
    # out of the lookup at once (a lookup never re-indexes: it only reads)
    process_dirty(raw_connection(session), limit=INLINE_LIMIT, first=[customer_id])


# --- reads --------------------------------------------------------------------------------


def _classification(session: Session, customer_id: str) -> Classification:
    stats = session.get(CustomerStats, customer_id)
    stale = stats is None or stats.computed_for != classification.reference_month()
    if stale and not is_read_only(session):  # a read shows what is stored until catch-up
        classification.recompute_stats(session=session, customer_ids=[customer_id])
        if stats is not None:
            session.refresh(stats)
        else:
            stats = session.get(CustomerStats, customer_id)
    if stats is None:  # not classified yet (a read before the catch-up came to it)
        return Classification("walk_in", "new", "new", False, 1, 1, 1, 0, 0)
    return Classification(
        tier=stats.tier,
        stage=stats.stage,
        lifecycle=stats.lifecycle,
        churn_risk=bool(stats.churn_risk),
        recency_score=stats.recency_score,
        frequency_score=stats.frequency_score,
        monetary_score=stats.monetary_score,
        last_month_parcels=stats.last_month_parcels,
        avg_month_parcels=stats.avg_month_parcels,
    )


def _repeat_complainer(session: Session, customer_id: str) -> bool:
    return bool(is_repeat_complainer(session, customer_id))


def staff_name(session: Session, staff_id: str | None) -> str | None:
    """Display name of a staff member (None when unknown)."""
    if not staff_id:
        return None
    staff = session.get(Staff, staff_id)
    return staff.display_name if staff is not None else None


def actor_name(session: Session, staff_id: str | None) -> str | None:
    """Who did something: the staff member's name, else the signed-in actor's own name."""
    name = staff_name(session, staff_id)
    if name is not None:
        return name
    actor = session.info.get("actor")
    if isinstance(actor, Actor) and staff_id is not None and actor.staff_id == staff_id:
        return actor.display_name
    return None


def get_customer(*, session: Session, customer_id: str) -> CustomerView:
    """The customer's profile; NotFound when missing or deleted."""
    customer = live_customer(session, customer_id)
    phones = tuple(
        PhoneView(p.phone, p.kind, format_phone(p.phone))
        for p in _live_phones(session, customer_id)
    )
    return CustomerView(
        id=customer.id,
        name=customer.name,
        phones=phones,
        customer_type=customer.customer_type,
        company=customer.company,
        address=customer.address,
        birthday=customer.birthday,
        first_shipment_date=customer.first_shipment_date,
        account_manager_id=customer.account_manager_id,
        need_tags=tuple(t for t in (customer.need_tags or "").split(",") if t),
        visit_class=customer.visit_class,
        notes=customer.notes,
        marketing_consent=bool(customer.marketing_consent),
        account_manager_name=staff_name(session, customer.account_manager_id),
        classification=_classification(session, customer_id),
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        repeat_complainer=_repeat_complainer(session, customer_id),
    )


def list_account_managers(*, session: Session) -> list[tuple[str, str]]:
    """(staff_id, display name) of every active staff member, by name."""
    rows = session.execute(
        select(Staff.id, Staff.display_name)
        .where(Staff.active.is_(True))
        .order_by(Staff.display_name, Staff.id)
    ).all()
    return [(sid, name) for sid, name in rows]
