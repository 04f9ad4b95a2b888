"""Follow-ups (care tasks): the page's list (mine / all, overdue only) or any status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from branch_crm.excel.writer import DATE, DATETIME, NUMBER, Column
from branch_crm.i18n import _
from branch_crm.models import CareTask
from branch_crm.services.care import follow_ups as fu
from branch_crm.services.context import Actor
from branch_crm.services.exports.common import (
    CHUNK,
    ExportFilters,
    Table,
    local,
    notes,
    period_text,
    unknown_status,
)
from branch_crm.timeutil import local_today

SCOPE_LABELS = {"mine": "My follow-ups", "all": "All follow-ups"}


def _query(actor: Actor, filters: ExportFilters) -> Any:
    scope = fu._check_scope(filters.scope)
    status = filters.status or fu.OPEN
    if status not in (*fu.STATUS_LABELS, "any"):
        raise unknown_status(status)
    query = fu._visible(fu._query(), actor, scope)
    if status != "any":
        query = query.where(CareTask.status == status)
    if filters.overdue_only:
        query = query.where(CareTask.status == fu.OPEN, CareTask.due_on < local_today())
    if filters.since is not None:
        query = query.where(CareTask.due_on >= filters.since)
    if filters.until is not None:
        query = query.where(CareTask.due_on <= filters.until)
    return query.order_by(CareTask.due_on, CareTask.created_at, CareTask.id)


def _rows(session: Session, query: Any) -> Iterator[tuple[object, ...]]:
    today = local_today()
    for row in session.execute(query.execution_options(yield_per=CHUNK)).tuples():
        task = fu._view(*row)
        yield (
            task.due_on,
            task.customer_name,
            task.phone,
            fu.kind_label(task.kind),
            task.title,
            fu.status_label(task.status),
            task.assignee_name or "",
            task.days_overdue(today) if task.status == fu.OPEN else None,
            local(task.created_at),
            local(task.done_at),
            task.outcome,
        )


def table(session: Session, actor: Actor, filters: ExportFilters) -> Table:
    """The follow-ups the actor may see, by due date."""
    query = _query(actor, filters)
    status = filters.status or fu.OPEN
    used = [
        (_("List"), _(SCOPE_LABELS.get(filters.scope, filters.scope))),
        (_("Status"), _("Any") if status == "any" else fu.status_label(status)),
        (_("Overdue only"), _("Yes") if filters.overdue_only else None),
        (_("Due"), period_text(filters.since, filters.until)),
    ]
    columns = [
        Column(_("Due"), DATE),
        Column(_("Customer")),
        Column(_("Phone")),
        Column(_("Kind")),
        Column(_("Reason")),
        Column(_("Status")),
        Column(_("Assigned to")),
        Column(_("Days overdue"), NUMBER),
        Column(_("Created at"), DATETIME),
        Column(_("Closed at"), DATETIME),
        Column(_("Outcome")),
    ]
    return Table(
        title=_("Follow-ups"),
        columns=columns,
        rows=_rows(session, query),
        notes=notes(used, actor.display_name),
    )
