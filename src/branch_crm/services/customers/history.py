"""Creation and edits of the customer record on their timeline (read from the audit log)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.models import AuditEntry, CustomerPhone
from branch_crm.services.customers.profile import actor_name
from branch_crm.services.timeline_entry import TimelineEntry

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


def customer_changes(session: Session, customer_id: str) -> list[TimelineEntry]:
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
