"""The list of survey responses (the current answers of each survey, newest first), found by
what people say: the form's serial (or its last digits), the customer's phone, last 4
digits, name or pinyin initials (services.search_terms)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session, aliased

from branch_crm.models import Customer, CustomerPhone, SurveyForm, SurveyResponse, SurveyTemplate
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.search_terms import (
    Query,
    code_match,
    customer_ids,
    customer_match,
    parse,
)
from branch_crm.services.surveys.timeline import summary
from branch_crm.timeutil import to_local

MAX_ROWS = 500


@dataclass(frozen=True)
class ResponseRow:
    """One survey's current answers, for the responses list."""

    id: str
    answered_on: date
    serial: str | None
    customer_id: str
    customer_name: str
    phone: str
    channel: str
    summary: str
    """'satisfied 6/8 · NPS 9' in the reader's language."""
    suggestion: str | None


def _matching(session: Session, query: Query) -> Any:
    """SELECT id of the responses ``query`` finds: by serial, by customer (united)."""
    forms = select(SurveyForm.id).where(code_match(SurveyForm.serial, query.code))
    parts = [select(SurveyResponse.id).where(SurveyResponse.form_id.in_(forms))]
    ids = customer_ids(session, query)
    if ids:
        parts.append(
            select(SurveyResponse.id).where(customer_match(SurveyResponse.customer_id, ids))
        )
    return union(*parts).subquery()


def _phone() -> Any:
    return (
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == SurveyResponse.customer_id)
        .where(CustomerPhone.deleted_at.is_(None))
        .order_by(CustomerPhone.position)
        .limit(1)
        .correlate(SurveyResponse)
        .scalar_subquery()
    )


def _kinds(session: Session, template_ids: set[str]) -> dict[str, dict[str, str]]:
    if not template_ids:
        return {}
    rows = session.execute(
        select(SurveyTemplate.id, SurveyTemplate.items).where(SurveyTemplate.id.in_(template_ids))
    )
    return {tid: {str(i["code"]): str(i.get("kind")) for i in items or ()} for tid, items in rows}


def list_responses(
    *, session: Session, actor: Actor, search: str | None = None, limit: int = MAX_ROWS
) -> list[ResponseRow]:
    """The current responses (corrections replace what they correct), newest first; with
    ``search`` only those its text finds."""
    require(actor, Permission.SURVEY_ENTER)
    # corrected ones: a list built once (a NOT EXISTS per row is planned as a scan when
    # ANALYZE saw the column all NULL)
    newer = aliased(SurveyResponse)
    corrected = select(newer.supersedes_id).where(newer.supersedes_id.is_not(None))
    query = (
        select(SurveyResponse, Customer.name, SurveyForm.serial, _phone())
        .join(Customer, Customer.id == SurveyResponse.customer_id)
        .outerjoin(SurveyForm, SurveyForm.id == SurveyResponse.form_id)
        .where(SurveyResponse.id.not_in(corrected))
    )
    found = parse(search)
    if not found.blank:
        query = query.where(SurveyResponse.id.in_(select(_matching(session, found).c.id)))
    query = query.order_by(SurveyResponse.answered_on.desc(), SurveyResponse.id.desc())
    rows = session.execute(query.limit(max(1, min(limit, MAX_ROWS)))).tuples().all()
    kinds = _kinds(session, {r[0].template_id for r in rows})
    return [
        ResponseRow(
            id=response.id,
            answered_on=to_local(response.answered_on).date(),
            serial=serial,
            customer_id=response.customer_id,
            customer_name=name or "",
            phone=phone or "",
            channel=response.channel,
            summary=summary(response.answers or {}, kinds.get(response.template_id, {})),
            suggestion=response.suggestion,
        )
        for response, name, serial, phone in rows
    ]
