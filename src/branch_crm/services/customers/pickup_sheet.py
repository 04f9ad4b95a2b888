"""The courier's pickup sheet (issue 2): chosen customers, their phones and preferences."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import _
from branch_crm.models import Customer, CustomerPhone, PickupPreference, Staff
from branch_crm.printing.pickup_sheet import PickupEntry, render_pickup_sheet
from branch_crm.services.customers.search import format_phone
from branch_crm.services.settings.print_header import print_header
from branch_crm.timeutil import to_local, utcnow

log = logging.getLogger(__name__)

MAX_CUSTOMERS = 500


def display_phone(phone: str) -> str:
    """Readable form of a normalised phone ('138 1234 5678', '021-5555 1234'), as on screen."""
    return format_phone(phone)


def _availability(raw: dict[str, object]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for day, windows in raw.items():
        if isinstance(windows, list):
            out[day] = sorted((str(w[0]), str(w[1])) for w in windows if len(w) == 2)
    return out


def _entry(session: Session, customer: Customer) -> PickupEntry:
    phones = session.scalars(
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == customer.id)
        .order_by(CustomerPhone.position)
    ).all()
    pref = session.scalars(
        select(PickupPreference).where(PickupPreference.customer_id == customer.id)
    ).first()
    entry = PickupEntry(
        name=customer.name,
        phones=tuple(display_phone(p) for p in phones),
        company=customer.company,
        address=customer.address,
    )
    if pref is None:
        return entry
    recorded = None
    if pref.recorded_at is not None:
        staff = session.get(Staff, pref.recorded_by) if pref.recorded_by else None
        when = to_local(pref.recorded_at).strftime("%Y-%m-%d")
        recorded = f"{staff.display_name} {when}" if staff else when
    return replace(
        entry,
        availability=_availability(pref.availability or {}),
        away_weekends=pref.away_weekends,
        drop_off=pref.drop_off,
        drop_off_other=pref.drop_off_other,
        call_before_minutes=pref.call_before_minutes,
        packaging=pref.packaging,
        special_handling=tuple(h for h in (pref.special_handling or "").split(",") if h),
        notes=pref.notes,
        recorded=recorded,
    )


def build_pickup_sheet(
    *,
    session: Session,
    customer_ids: list[str],
    output: Path,
    courier_name: str | None = None,
    language: str | None = None,
) -> Path:
    """Write the pickup sheet of ``customer_ids`` (in that order) to ``output``; returns it."""
    if not customer_ids:
        raise ValidationError(
            {"customer_ids": _("Choose at least one customer.")},
            _("Choose at least one customer for the pickup sheet."),
        )
    if len(customer_ids) > MAX_CUSTOMERS:
        raise ValidationError(
            {"customer_ids": _("At most {n} customers per sheet.").format(n=MAX_CUSTOMERS)}
        )
    entries = []
    for customer_id in dict.fromkeys(customer_ids):
        customer = session.get(Customer, customer_id)
        if customer is None or customer.deleted_at is not None:
            raise NotFound(_("Customer {id} does not exist.").format(id=customer_id))
        entries.append(_entry(session, customer))
    header = print_header(session, language)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    render_pickup_sheet(
        output,
        entries,
        company=header.company,
        branch=header.branch_label,
        language=header.language,
        printed_at=to_local(utcnow()),
        courier_name=courier_name,
    )
    log.info("pickup sheet of %d customers written to %s", len(entries), output)
    return output
