"""Finding follow-ups by what people say: the customer's phone, last 4 digits, name or pinyin
initials, or the serial of the survey form (the complaint number) that opened the task
(services.search_terms)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, union
from sqlalchemy.orm import Session

from branch_crm.models import CareTask, Complaint, SurveyForm, SurveyResponse
from branch_crm.services.search_terms import code_match, customer_ids, customer_match, parse


def follow_up_match(session: Session, text: str) -> ColumnElement[bool] | None:
    """The condition on ``care_task`` rows the search text finds (None: a blank text)."""
    query = parse(text)
    if query.blank:
        return None
    by_serial = (
        select(SurveyResponse.id)
        .join(SurveyForm, SurveyForm.id == SurveyResponse.form_id)
        .where(code_match(SurveyForm.serial, query.code))
    )
    by_number = select(Complaint.id).where(code_match(Complaint.number, query.code))
    parts = [
        select(CareTask.id).where(CareTask.source_id.in_(by_serial)),
        select(CareTask.id).where(CareTask.source_id.in_(by_number)),
    ]
    ids = customer_ids(session, query)
    if ids:
        parts.append(select(CareTask.id).where(customer_match(CareTask.customer_id, ids)))
    # the tasks found first, one index walk per reading (an OR would scan every task)
    return CareTask.id.in_(union(*parts).subquery().select())
