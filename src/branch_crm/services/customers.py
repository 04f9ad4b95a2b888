"""Customers of the counter desk: validation, create/edit/delete, profile view and timeline.

Every save validates the whole input first (per-field translated messages, keyed by the
dataclass field names, "phones.0" for the first phone) and checks that no phone belongs to
another live customer; a refused save writes nothing. Audit entries are written by the
session hooks (branch_crm.db); the search index follows through the ``search_dirty``
triggers; the derived classification is recomputed for the saved customer at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.db import is_read_only
from branch_crm.errors import DuplicatePhoneError, NotFound, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import (
    AuditEntry,
    Customer,
    CustomerPhone,
    CustomerStats,
    CustomerType,
    NeedTag,
    Staff,
    VisitClass,
)
from branch_crm.services import classification
from branch_crm.services.context import Actor
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.permissions import Permission, require
from branch_crm.services.phone_numbers import format_phone
from branch_crm.services.phone_numbers import normalize_phone as _normalize_phone
from branch_crm.services.pinyin import name_pinyin
from branch_crm.services.search_index import INLINE_LIMIT, process_dirty
from branch_crm.timeutil import local_today, utcnow

log = logging.getLogger(__name__)

MAX_PHONES = 3
NAME_MAX = 50
COMPANY_MAX = 100
ADDRESS_MAX = 200
NOTES_MAX = 2000
EARLIEST_BIRTHDAY = date(1900, 1, 1)
EARLIEST_SHIPMENT = date(1980, 1, 1)


# --- data ---------------------------------------------------------------------------------


@dataclass
class CustomerInput:
    """What the profile form submits; phones as typed (first is primary)."""

    name: str
    phones: list[str]
    customer_type: str = CustomerType.INDIVIDUAL.value
    company: str | None = None
    address: str | None = None
    birthday: date | None = None
    first_shipment_date: date | None = None
    account_manager_id: str | None = None
    need_tags: list[str] = field(default_factory=list)
    visit_class: str | None = None
    notes: str | None = None
    marketing_consent: bool = False


@dataclass(frozen=True)
class Classification:
    """Derived figures of one customer (see services.classification for the rules)."""

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


@dataclass(frozen=True)
class TimelineEntry:
    """One event on the customer's timeline."""

    at: datetime
    kind: str
    title: str
    detail: str
    actor_name: str | None


TimelineProvider = Callable[[Session, str], Iterable[TimelineEntry]]
_providers: list[TimelineProvider] = []


# --- phones and validation -----------------------------------------------------------------


def normalize_phone(raw: str) -> tuple[str, str]:
    """(digits, "mobile" | "landline"); raises ValueError with a translated message.

    Accepts a +86 / 0086 prefix, spaces, dashes, dots and brackets. Mobile: 11 digits starting
    with 1, second digit 3-9. Landline: area code (010, 02X or 0XXX) + 7-8 digits; an
    extension is refused with a message.
    """
    return _normalize_phone(raw)


def _text(value: str | None) -> str | None:
    """Stripped text, or None when blank."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _too_long(limit: int) -> str:
    return _("At most {n} characters.").format(n=limit)


def _validate_phones(phones: list[str], errors: dict[str, str]) -> list[tuple[str, str]]:
    """Normalised (digits, kind) of the non-blank phones; messages go into ``errors``."""
    typed = [(i, p) for i, p in enumerate(phones) if p is not None and p.strip()]
    if not typed:
        errors["phones.0"] = _("Enter at least one phone number.")
        return []
    if len(typed) > MAX_PHONES:
        errors[f"phones.{typed[MAX_PHONES][0]}"] = _("At most {n} phone numbers.").format(
            n=MAX_PHONES
        )
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, raw in typed[:MAX_PHONES]:
        key = f"phones.{index}"
        try:
            digits, kind = normalize_phone(raw)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if digits in seen:
            errors[key] = _("This number is already entered above.")
            continue
        seen.add(digits)
        result.append((digits, kind))
    return result


def _validate_texts(data: CustomerInput, errors: dict[str, str]) -> None:
    """Name, company, address and notes: required fields and length limits."""
    name = _text(data.name)
    if name is None:
        errors["name"] = _("Enter the customer's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _too_long(NAME_MAX)
    company = _text(data.company)
    if company is not None and len(company) > COMPANY_MAX:
        errors["company"] = _too_long(COMPANY_MAX)
    elif company is None and data.customer_type == CustomerType.COMPANY:
        errors["company"] = _("Enter the company name of a company account.")
    for key, value, limit in (
        ("address", data.address, ADDRESS_MAX),
        ("notes", data.notes, NOTES_MAX),
    ):
        text = _text(value)
        if text is not None and len(text) > limit:
            errors[key] = _too_long(limit)


def _validate_dates(data: CustomerInput, errors: dict[str, str]) -> None:
    """Birthday and first shipment: not in the future, not absurdly old."""
    today = local_today()
    if data.birthday is not None:
        if data.birthday > today:
            errors["birthday"] = _("The birthday cannot be in the future.")
        elif data.birthday < EARLIEST_BIRTHDAY:
            errors["birthday"] = _("Check the year of the birthday.")
    if data.first_shipment_date is not None:
        if data.first_shipment_date > today:
            errors["first_shipment_date"] = _("The first shipment cannot be in the future.")
        elif data.first_shipment_date < EARLIEST_SHIPMENT:
            errors["first_shipment_date"] = _("Check the year of the first shipment.")


def validate_customer(data: CustomerInput) -> dict[str, str]:
    """Per-field messages for everything wrong with ``data`` (empty when valid); no database."""
    errors: dict[str, str] = {}
    _validate_texts(data, errors)
    _validate_phones(list(data.phones), errors)
    if data.customer_type not in {t.value for t in CustomerType}:
        errors["customer_type"] = _("Choose individual or company.")
    _validate_dates(data, errors)
    known_tags = {t.value for t in NeedTag}
    unknown = [t for t in data.need_tags if t not in known_tags]
    if unknown:
        errors["need_tags"] = _("Unknown need tag: {tag}.").format(tag=", ".join(unknown))
    if data.visit_class is not None and data.visit_class not in {v.value for v in VisitClass}:
        errors["visit_class"] = _("Choose visit class A, B or C (or none).")
    return errors


# --- database checks ----------------------------------------------------------------------


def _check_duplicates(
    session: Session, phones: list[str], typed: list[str], own_id: str | None
) -> None:
    """Raise DuplicatePhoneError for the first phone that another live customer uses."""
    if not phones:
        return
    rows = session.execute(
        select(CustomerPhone.phone, Customer.id, Customer.name)
        .join(Customer, Customer.id == CustomerPhone.customer_id)
        .where(CustomerPhone.phone.in_(phones))
    ).all()
    owners = {phone: (cid, name) for phone, cid, name in rows if cid != own_id}
    if not owners:
        return
    positions = [i for i, p in enumerate(typed) if p is not None and p.strip()]
    for slot, digits in zip(positions, phones, strict=False):
        if digits in owners:
            cid, name = owners[digits]
            raise DuplicatePhoneError(
                f"phones.{slot}",
                _("{phone} already belongs to {name}.").format(
                    phone=format_phone(digits), name=name
                ),
                cid,
                name,
            )


def _check_account_manager(session: Session, staff_id: str | None) -> None:
    if staff_id is None:
        return
    staff = session.get(Staff, staff_id)
    if staff is None or staff.deleted_at is not None or not staff.active:
        raise ValidationError({"account_manager_id": _("Choose an active staff member.")})


def _checked(session: Session, data: CustomerInput, own_id: str | None) -> list[tuple[str, str]]:
    """Validate everything (fields, account manager, duplicates); the normalised phones."""
    errors = validate_customer(data)
    if errors:
        raise ValidationError(errors)
    phones = _validate_phones(list(data.phones), {})
    _check_account_manager(session, data.account_manager_id)
    _check_duplicates(session, [p for p, _k in phones], list(data.phones), own_id)
    return phones


# --- writes -------------------------------------------------------------------------------


def next_local_no(session: Session) -> int:
    """The next free local number (local-only key of the search index)."""
    value = session.connection().exec_driver_sql("SELECT MAX(local_no) FROM customer").scalar()
    return int(value or 0) + 1


def _apply(customer: Customer, data: CustomerInput) -> None:
    name = (data.name or "").strip()
    pinyin, initials = name_pinyin(name)
    values: dict[str, Any] = {
        "name": name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "customer_type": data.customer_type,
        "company": _text(data.company),
        "address": _text(data.address),
        "birthday": data.birthday,
        "first_shipment_date": data.first_shipment_date,
        "account_manager_id": data.account_manager_id,
        "need_tags": ",".join(t for t in NeedTag if t in set(data.need_tags)),
        "visit_class": data.visit_class,
        "notes": _text(data.notes),
        "marketing_consent": bool(data.marketing_consent),
    }
    for key, value in values.items():
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


def _sync_phones(session: Session, customer: Customer, phones: list[tuple[str, str]]) -> None:
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
    phones = _checked(session, data, None)
    customer = Customer(local_no=next_local_no(session))
    _apply(customer, data)
    session.add(customer)
    session.flush()
    _sync_phones(session, customer, phones)
    session.flush()
    classification.recompute_stats(session=session, customer_ids=[customer.id])
    log.info("customer %s created by %s", customer.id, actor.username)
    return get_customer(session=session, customer_id=customer.id)


def _get_live(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound(_("This customer does not exist or was deleted."))
    return customer


def update_customer(
    *, session: Session, actor: Actor, customer_id: str, data: CustomerInput
) -> CustomerView:
    """Save an edited customer; same checks as :func:`create_customer`, NotFound if gone."""
    require(actor, Permission.CUSTOMER_EDIT)
    customer = _get_live(session, customer_id)
    phones = _checked(session, data, customer_id)
    _apply(customer, data)
    _sync_phones(session, customer, phones)
    session.flush()
    classification.recompute_stats(session=session, customer_ids=[customer_id])
    return get_customer(session=session, customer_id=customer_id)


def delete_customer(*, session: Session, actor: Actor, customer_id: str) -> None:
    """Tombstone the customer and their phones (the numbers become free again)."""
    require(actor, Permission.CUSTOMER_EDIT)
    customer = _get_live(session, customer_id)
    now = utcnow()
    for phone in _live_phones(session, customer_id):
        phone.deleted_at = now
    customer.deleted_at = now
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
    try:
        from branch_crm.services.complaints import is_repeat_complainer
    except ImportError:  # pragma: no cover - complaints are part of the app
        return False
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
    customer = _get_live(session, customer_id)
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


# --- timeline -----------------------------------------------------------------------------

FIELD_LABELS = {
    "name": N_("name"),
    "customer_type": N_("type"),
    "company": N_("company"),
    "address": N_("address"),
    "birthday": N_("birthday"),
    "first_shipment_date": N_("first shipment"),
    "account_manager_id": N_("account manager"),
    "need_tags": N_("need tags"),
    "visit_class": N_("visit class"),
    "notes": N_("notes"),
    "marketing_consent": N_("marketing consent"),
    "phone": N_("phone"),
}


def register_timeline_provider(provider: TimelineProvider) -> None:
    """Add a source of timeline entries (complaints, surveys, visits...); idempotent."""
    if provider not in _providers:
        _providers.append(provider)


def _customer_changes(session: Session, customer_id: str) -> list[TimelineEntry]:
    """Creation and edits of the customer record (from the audit log)."""
    phone_ids = select(CustomerPhone.id).where(CustomerPhone.customer_id == customer_id)
    rows = session.scalars(
        select(AuditEntry)
        .where(
            ((AuditEntry.entity == "customer") & (AuditEntry.entity_id == customer_id))
            | (
                (AuditEntry.entity == "customer_phone")
                & AuditEntry.entity_id.in_(
                    phone_ids.execution_options(include_deleted=True).scalar_subquery()
                )
            )
        )
        .order_by(AuditEntry.at)
    ).all()
    entries: list[TimelineEntry] = []
    names: dict[str, str | None] = {}
    for row in rows:
        actor = row.actor_id or ""
        if actor not in names:
            names[actor] = actor_name(session, row.actor_id)
        if row.entity == "customer" and row.action == "create":
            title, detail = _("Customer recorded"), ""
        elif row.entity == "customer" and row.action == "delete":
            title, detail = _("Customer deleted"), ""
        else:
            keys = [k for k in row.changes if k in FIELD_LABELS]
            if row.entity == "customer_phone":
                keys = ["phone"]
            if not keys:
                continue
            title = _("Customer details changed")
            detail = ", ".join(_(FIELD_LABELS[k]) for k in keys)
        entries.append(TimelineEntry(row.at, "customer", title, detail, names[actor]))
    return _merge_phone_edits(entries)


def _merge_phone_edits(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """One entry per save: fold entries of the same instant (record + its phones) together."""
    merged: list[TimelineEntry] = []
    for entry in entries:
        if merged and merged[-1].at == entry.at and merged[-1].actor_name == entry.actor_name:
            last = merged[-1]
            if last.title == _("Customer recorded"):
                continue
            if entry.title == last.title:
                parts = dict.fromkeys([*last.detail.split(", "), *entry.detail.split(", ")])
                merged[-1] = TimelineEntry(
                    last.at,
                    last.kind,
                    last.title,
                    ", ".join(p for p in parts if p),
                    last.actor_name,
                )
                continue
        merged.append(entry)
    return merged


def customer_timeline(*, session: Session, customer_id: str) -> list[TimelineEntry]:
    """Every event of the customer from every provider, newest first."""
    _get_live(session, customer_id)
    try:  # complaints register themselves; make sure they are on the timeline
        from branch_crm.services.complaints import register_customer_timeline

        register_customer_timeline()
    except ImportError:  # pragma: no cover
        pass
    from branch_crm.services.preferences import preference_history

    entries = _customer_changes(session, customer_id)
    entries.extend(preference_history(session=session, customer_id=customer_id))
    for provider in list(_providers):
        entries.extend(provider(session, customer_id))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
