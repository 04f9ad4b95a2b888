"""Go to (Ctrl+K): a complaint number, waybill, survey serial or phone typed once, the record
it names found at once; an ambiguous text (last digits, a name) lists every candidate.

Candidates come exactly-named first (the whole complaint number, waybill or serial, a whole
phone number), then the rest in the order complaints, survey forms, customers. The readings
are those of the list pages' search boxes (services.search_terms).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from branch_crm.models import Complaint, Customer, SurveyForm
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.customers.search import search_customers
from branch_crm.services.permissions import allowed
from branch_crm.services.search_terms import Query, code_match, parse
from branch_crm.services.surveys.serials import normalize_serial

COMPLAINT, SURVEY_FORM, CUSTOMER = "complaint", "survey_form", "customer"
LIMIT = 30


@dataclass(frozen=True)
class Target:
    """One record Go-to may open."""

    kind: str
    """"complaint", "survey_form" or "customer"."""
    id: str
    label: str
    """What names it: the complaint number, the serial, the customer's name."""
    detail: str
    """What tells candidates apart: customer and waybill, phone and company, status codes."""
    status: str
    """The complaint's or the form's status code ("" for a customer)."""
    exact: bool
    """The text named this record whole (not only its last digits or a part of a name)."""


def _complaints(session: Session, query: Query, limit: int) -> list[Target]:
    rows = session.execute(
        select(
            Complaint.id, Complaint.number, Complaint.waybill_no, Complaint.status, Customer.name
        )
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(
            or_(
                Complaint.id.in_(
                    select(Complaint.id).where(code_match(Complaint.number, query.code))
                ),
                Complaint.id.in_(
                    select(Complaint.id).where(code_match(Complaint.waybill_no, query.compact))
                ),
            )
        )
        .order_by(Complaint.received_at.desc())
        .limit(limit)
    ).tuples()
    return [
        Target(
            COMPLAINT,
            cid,
            number,
            " · ".join(p for p in (name, waybill) if p),
            status,
            exact=number == query.code or waybill == query.compact,
        )
        for cid, number, waybill, status, name in rows
    ]


def _forms(session: Session, actor: Actor, query: Query, limit: int) -> list[Target]:
    if not allowed(actor, Permission.SURVEY_ENTER):
        return []
    whole = normalize_serial(query.text, actor.branch_id)
    rows = session.execute(
        select(SurveyForm.id, SurveyForm.serial, SurveyForm.status, Customer.name)
        .join(Customer, Customer.id == SurveyForm.customer_id)
        .where(or_(SurveyForm.serial == whole, code_match(SurveyForm.serial, query.code)))
        .order_by(SurveyForm.printed_at.desc())
        .limit(limit)
    ).tuples()
    return [
        Target(SURVEY_FORM, fid, serial, name, status, exact=serial == whole)
        for fid, serial, status, name in rows
    ]


def _customers(session: Session, query: Query, limit: int) -> list[Target]:
    if not query.may_be_customer:
        return []
    hits = search_customers(session=session, query=query.text, limit=limit)
    return [
        Target(
            CUSTOMER,
            h.customer_id,
            h.name,
            " · ".join(p for p in (h.phone, h.company) if p),
            "",
            exact=h.match == "phone" and h.phone == query.digits,
        )
        for h in hits
    ]


def go_to_targets(*, session: Session, actor: Actor, text: str, limit: int = LIMIT) -> list[Target]:
    """The records ``text`` names, exactly-named first (empty for a blank text)."""
    query = parse(text)
    if query.blank:
        return []
    found = [
        *_complaints(session, query, limit),
        *_forms(session, actor, query, limit),
        *_customers(session, query, limit),
    ]
    found.sort(key=lambda t: not t.exact)  # stable: the kinds keep their order
    return found[:limit]
