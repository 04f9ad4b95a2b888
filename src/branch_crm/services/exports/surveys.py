"""Survey responses: the current answer of every form or call of the period (corrected
answers replace the ones they correct), one column per question of the active template."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.excel.writer import DATE, NUMBER, Column
from branch_crm.i18n import _, current_language
from branch_crm.models import Customer, CustomerPhone, Staff, SurveyForm, SurveyResponse
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.exports.common import CHUNK, ExportFilters, Table, notes, period_text
from branch_crm.services.permissions import require
from branch_crm.services.surveys.entry import channel_label
from branch_crm.services.surveys.template import SurveyItem, active_template
from branch_crm.services.training.sessions import day_start
from branch_crm.timeutil import to_local


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


def _query(filters: ExportFilters) -> Any:
    superseded = select(SurveyResponse.supersedes_id).where(
        SurveyResponse.supersedes_id.is_not(None)
    )
    query = (
        select(
            SurveyResponse.answered_on,
            SurveyForm.serial,
            Customer.name,
            _phone(),
            SurveyResponse.channel,
            SurveyResponse.answers,
            SurveyResponse.suggestion,
            Staff.display_name,
        )
        .join(Customer, Customer.id == SurveyResponse.customer_id)
        .outerjoin(SurveyForm, SurveyForm.id == SurveyResponse.form_id)
        .outerjoin(Staff, Staff.id == SurveyResponse.entered_by)
        .where(SurveyResponse.id.not_in(superseded))
        .order_by(SurveyResponse.answered_on, SurveyResponse.id)
    )
    if filters.since is not None:
        query = query.where(SurveyResponse.answered_on >= day_start(filters.since))
    if filters.until is not None:
        end = day_start(filters.until + timedelta(days=1))
        query = query.where(SurveyResponse.answered_on < end)
    return query.execution_options(yield_per=CHUNK)


def _rows(
    session: Session, query: Any, items: tuple[SurveyItem, ...]
) -> Iterator[tuple[object, ...]]:
    for answered, serial, name, phone, channel, answers, suggestion, entered_by in session.execute(
        query
    ).tuples():
        given = answers or {}
        yield (
            to_local(answered).date(),
            serial or "",
            name,
            phone or "",
            channel_label(channel),
            *(given.get(item.code) for item in items),
            suggestion or "",
            entered_by or "",
        )


def table(session: Session, actor: Actor, filters: ExportFilters) -> Table:
    """The current survey responses of the period, oldest first."""
    require(actor, Permission.CUSTOMER_VIEW)
    items = active_template(session=session).scored()
    language = current_language()
    columns = [
        Column(_("Answered on"), DATE),
        Column(_("Form serial")),
        Column(_("Customer")),
        Column(_("Phone")),
        Column(_("Channel")),
        *(Column(item.text(language), NUMBER) for item in items),
        Column(_("Suggestion")),
        Column(_("Entered by")),
    ]
    used = [(_("Answered"), period_text(filters.since, filters.until))]
    return Table(
        title=_("Survey responses"),
        columns=columns,
        rows=_rows(session, _query(filters), items),
        notes=notes(used, actor.display_name),
    )
