"""The month's visit list (PDF) for account managers to take along: per account manager, the
customers still due visits that month (the visit plan's "behind" list, services.care.visits),
with phone and address. Written atomically by printing.pdf_file."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import Customer, CustomerPhone
from branch_crm.services.care.visits import BehindCustomer, visit_compliance
from branch_crm.services.context import Actor
from branch_crm.services.customers.search import format_phone
from branch_crm.services.settings.print_header import output_error, print_header
from branch_crm.timeutil import to_local, utcnow

__all__ = ["MAX_CUSTOMERS", "print_visit_list"]

log = logging.getLogger(__name__)

MAX_CUSTOMERS = 20_000
"""Customers listed at most (a branch has far fewer classed customers)."""
_CHUNK = 500


def _contacts(session: Session, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """customer id -> (primary phone in display form, address, company)."""
    found: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = session.execute(
            select(Customer.id, Customer.address, Customer.company).where(Customer.id.in_(chunk))
        ).tuples()
        phones: dict[str, str] = {}
        for cid, phone in session.execute(
            select(CustomerPhone.customer_id, CustomerPhone.phone)
            .where(CustomerPhone.customer_id.in_(chunk), CustomerPhone.deleted_at.is_(None))
            .order_by(CustomerPhone.customer_id, CustomerPhone.position.desc())
        ).tuples():
            if phone:
                phones[cid] = phone  # the lowest position comes last and stays
        for cid, address, company in rows:
            primary = phones.get(cid)
            found[cid] = (format_phone(primary) if primary else "", address or "", company or "")
    return found


def print_visit_list(
    *,
    session: Session,
    actor: Actor,
    month: str,
    output: Path,
    account_manager_id: str | None = None,
    language: str | None = None,
) -> Path:
    """Write the visit list of ``month`` ('YYYY-MM') to ``output`` (PDF) and return the path:
    one section per account manager (only ``account_manager_id``'s when given). Supervisors
    print anyone's; other staff (counter clerks, couriers) their own customers' only, and
    PermissionDenied for another account manager's (visits.plan_manager)."""
    from branch_crm.printing.visit_list import (
        VisitList,
        VisitListEntry,
        VisitListSection,
        render_visit_list,
    )

    figures = visit_compliance(
        session=session,
        actor=actor,
        month=month,
        account_manager_id=account_manager_id,
        behind_limit=MAX_CUSTOMERS,
    )
    contacts = _contacts(session, [b.customer_id for b in figures.behind])
    by_manager: dict[str | None, list[BehindCustomer]] = defaultdict(list)
    for behind in figures.behind:
        by_manager[behind.manager_id].append(behind)
    header = print_header(session, language)
    sections = []
    managers = sorted(
        figures.managers, key=lambda m: (m.manager_id is None, m.manager_name or "", m.manager_id)
    )
    for manager in managers:
        rows = by_manager.get(manager.manager_id, [])
        if not rows:
            continue
        entries = []
        for row in sorted(rows, key=lambda r: (r.visit_class, r.visits)):
            phone, address, company = contacts.get(row.customer_id, ("", "", ""))
            last = to_local(row.last_visit).date().isoformat() if row.last_visit else ""
            entries.append(
                VisitListEntry(
                    name=row.name,
                    visit_class=row.visit_class,
                    phone=phone,
                    address=address,
                    company=company,
                    visits=row.visits,
                    required=row.required,
                    last_visit=last,
                )
            )
        name = "" if manager.manager_id is None else (manager.manager_name or "?")
        sections.append(
            VisitListSection(
                manager=name,  # "": printed as "No account manager"
                entries=tuple(entries),
                customers=manager.customers,
            )
        )
    data = VisitList(
        company=header.company,
        branch=header.branch_label,
        month=figures.month,
        sections=tuple(sections),
        printed_at=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"),
        language=header.language,
    )
    try:
        pages = render_visit_list(Path(output), data)
    except OSError as exc:
        raise output_error(Path(output), exc) from exc
    log.info("visit list of %s written to %s (%d pages)", figures.month, output, pages)
    return Path(output)
