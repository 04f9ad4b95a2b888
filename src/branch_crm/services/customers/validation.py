"""What the profile form submits and its checks: every field (no database), then the account
manager and phones already used by another live customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import DuplicatePhoneError, ValidationError
from branch_crm.i18n import _
from branch_crm.models import Customer, CustomerPhone, CustomerType, NeedTag, Staff, VisitClass
from branch_crm.services.customers.phone_numbers import format_phone
from branch_crm.services.customers.phone_numbers import normalize_phone as _normalize_phone
from branch_crm.timeutil import local_today

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


# --- phones and validation -----------------------------------------------------------------


def normalize_phone(raw: str) -> tuple[str, str]:
    """(digits, "mobile" | "landline"); raises ValueError with a translated message.

    Accepts a +86 / 0086 prefix, spaces, dashes, dots and brackets. Mobile: 11 digits starting
    with 1, second digit 3-9. Landline: area code (010, 02X or 0XXX) + 7-8 digits; an
    extension is refused with a message.
    """
    return _normalize_phone(raw)


def text_or_none(value: str | None) -> str | None:
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
    name = text_or_none(data.name)
    if name is None:
        errors["name"] = _("Enter the customer's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _too_long(NAME_MAX)
    company = text_or_none(data.company)
    if company is not None and len(company) > COMPANY_MAX:
        errors["company"] = _too_long(COMPANY_MAX)
    elif company is None and data.customer_type == CustomerType.COMPANY:
        errors["company"] = _("Enter the company name of a company account.")
    for key, value, limit in (
        ("address", data.address, ADDRESS_MAX),
        ("notes", data.notes, NOTES_MAX),
    ):
        text = text_or_none(value)
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


_CUSTOMER_TYPES = frozenset(t.value for t in CustomerType)
_NEED_TAGS = frozenset(t.value for t in NeedTag)
_VISIT_CLASSES = frozenset(v.value for v in VisitClass)
"""Allowed values, made once (an import checks 100,000 rows)."""


def validate_customer(data: CustomerInput) -> dict[str, str]:
    """Per-field messages for everything wrong with ``data`` (empty when valid); no database."""
    errors: dict[str, str] = {}
    _validate_texts(data, errors)
    _validate_phones(list(data.phones), errors)
    if data.customer_type not in _CUSTOMER_TYPES:
        errors["customer_type"] = _("Choose individual or company.")
    _validate_dates(data, errors)
    unknown = [t for t in data.need_tags if t not in _NEED_TAGS]
    if unknown:
        errors["need_tags"] = _("Unknown need tag: {tag}.").format(tag=", ".join(unknown))
    if data.visit_class is not None and data.visit_class not in _VISIT_CLASSES:
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


def checked(session: Session, data: CustomerInput, own_id: str | None) -> list[tuple[str, str]]:
    """Validate everything (fields, account manager, duplicates); the normalised phones."""
    errors = validate_customer(data)
    if errors:
        raise ValidationError(errors)
    phones = _validate_phones(list(data.phones), {})
    _check_account_manager(session, data.account_manager_id)
    _check_duplicates(session, [p for p, _k in phones], list(data.phones), own_id)
    return phones


# --- writes -------------------------------------------------------------------------------
