"""Finding audit entries by the human things a record is known by, not its id: a complaint
number (or its last digits) or waybill, a customer's phone, last 4 digits, name or pinyin
initials (the customer's own records too: phones, preferences, follow-ups, surveys...), a
survey serial, a staff member's or a training session's name (services.search_terms).

Each reading becomes ``entity = kind AND entity_id IN (...)``: one walk of the log's
(entity, entity_id, id) index per kind, however long the log (:func:`audit_ids`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select, union
from sqlalchemy.orm import Session

from branch_crm.models import (
    AuditEntry,
    ComplaintEvent,
    Staff,
    SurveyForm,
    SurveyResponse,
    TrainingSession,
)
from branch_crm.services.complaints.search import matching_select
from branch_crm.services.search_terms import (
    Query,
    code_match,
    customer_ids,
    parse,
    words_match,
)
from branch_crm.services.staff.audit_text import CUSTOMER_CHILDREN

CUSTOMERS = 100
"""A name or initials stands for its best-ranked 100 customers here: each brings the entries
of eight kinds of record, and the log shows its newest 200 entries a page."""
LIVE_INDEXED = frozenset({"pickup_preference", "monthly_volume"})
"""Their customer index holds live rows only: entries about a replaced preference or a
removed month are found through the customer's own entries, not scanned for."""


def _about(entity: str, ids: Any) -> ColumnElement[bool]:
    return (AuditEntry.entity == entity) & AuditEntry.entity_id.in_(ids)


def _customer_parts(session: Session, query: Query) -> list[ColumnElement[bool]]:
    ids = customer_ids(session, query, CUSTOMERS)
    if not ids:
        return []
    parts = [_about("customer", ids)]
    for entity, model in CUSTOMER_CHILDREN.items():
        records = select(model.id).where(model.customer_id.in_(ids))
        if entity in LIVE_INDEXED:
            records = records.where(model.deleted_at.is_(None))
        parts.append(_about(entity, records))
    return parts


def _word_parts(query: Query) -> list[ColumnElement[bool]]:
    if not query.wordy:
        return []
    staff = select(Staff.id).where(words_match((Staff.display_name, Staff.username), query))
    sessions = select(TrainingSession.id).where(
        words_match((TrainingSession.title, TrainingSession.trainer), query)
    )
    return [_about("staff", staff), _about("training_session", sessions)]


def audit_ids(session: Session, text: str | None, newest: int | None = None) -> Any:
    """SELECT id of the audit entries the search text finds (None: a blank text), the
    ``newest`` only when given. One SELECT per kind of record, united: each reads only the
    log's (entity, entity_id, id) index, and only the entries shown are read whole."""
    query = parse(text)
    if query.blank:
        return None
    found = union(*(select(AuditEntry.id).where(t) for t in _terms(session, query))).subquery()
    ids = select(found.c.id)
    return ids.order_by(found.c.id.desc()).limit(newest) if newest is not None else ids


def audit_match(session: Session, text: str | None) -> ColumnElement[bool] | None:
    """The condition on audit entries the search text finds (None: a blank text)."""
    query = parse(text)
    return None if query.blank else or_(*_terms(session, query))


def _terms(session: Session, query: Query) -> list[ColumnElement[bool]]:
    """One condition per kind of record the text may name."""
    complaints = select(matching_select(session, query).c.id)
    forms = select(SurveyForm.id).where(code_match(SurveyForm.serial, query.code))
    parts = [
        _about("complaint", complaints),
        _about(
            "complaint_event",
            select(ComplaintEvent.id).where(ComplaintEvent.complaint_id.in_(complaints)),
        ),
        _about("survey_form", forms),
        _about(
            "survey_response", select(SurveyResponse.id).where(SurveyResponse.form_id.in_(forms))
        ),
        *_customer_parts(session, query),
        *_word_parts(query),
    ]
    return parts
