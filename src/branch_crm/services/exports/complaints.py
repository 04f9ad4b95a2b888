"""Complaints: the open queue with its filters, or every complaint of a period and status."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from sqlalchemy.orm import Session

from branch_crm.excel.writer import DATETIME, NUMBER, Column
from branch_crm.i18n import _
from branch_crm.models import Complaint, ReferenceKind
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints import labels as cl
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints.reference import code_labels
from branch_crm.services.complaints.views import staff_names
from branch_crm.services.context import Actor
from branch_crm.services.exports.common import (
    CHUNK,
    ExportFilters,
    Table,
    local,
    notes,
    period_text,
    unknown_status,
    yes_no,
)
from branch_crm.services.permissions import require
from branch_crm.services.training.sessions import day_start


def queue_filter(filters: ExportFilters) -> cq.QueueFilter:
    """The queue filter of ``filters``."""
    return cq.QueueFilter(
        mine=filters.mine,
        grade=filters.grade,
        category=filters.category,
        breached=filters.breached,
        waiting=filters.waiting,
        received_since=day_start(filters.since).timestamp() if filters.since else None,
        received_before=(
            day_start(filters.until + timedelta(days=1)).timestamp() if filters.until else None
        ),
    )


def _all_rows(session: Session, filters: ExportFilters) -> Iterator[cq.QueueRow]:
    """Every complaint of the period and status, newest first, read in chunks."""
    query = cq._query(open_only=False)
    if filters.status:
        if filters.status not in cl.STATUS_LABELS:
            raise unknown_status(filters.status)
        query = query.where(Complaint.status == filters.status)
    if filters.grade is not None:
        query = query.where(Complaint.grade == filters.grade)
    if filters.category:
        query = query.where(Complaint.category == filters.category)
    if filters.since is not None:
        query = query.where(Complaint.received_at >= day_start(filters.since))
    if filters.until is not None:
        query = query.where(Complaint.received_at < day_start(filters.until + timedelta(days=1)))
    query = query.order_by(Complaint.received_at.desc()).execution_options(yield_per=CHUNK)
    for row in session.execute(query).tuples():
        yield cq.QueueRow._make(row)


def _rows(
    session: Session, rows: Iterable[cq.QueueRow], categories: dict[str, str]
) -> Iterator[tuple[object, ...]]:
    names: dict[str, str] = {}
    for r in rows:
        if r.assignee_id and r.assignee_id not in names:
            names.update(staff_names(session, [r.assignee_id]))
        closed = r.status == "closed"
        yield (
            r.number,
            local(cq.as_datetime(r.received_ts)),
            r.customer_name,
            categories.get(r.category, r.category),
            r.grade,
            cl.status_label(r.status),
            names.get(r.assignee_id or "", ""),
            None if closed else local(cq.as_datetime(r.due_ts)),
            yes_no(bool(r.response_breached)),
            yes_no(bool(r.resolution_breached)),
            r.escalation_level,
        )


def table(session: Session, actor: Actor, filters: ExportFilters) -> Table:
    """The complaints: the open queue (``open_only``, least time left first) or all of them."""
    require(actor, Permission.CUSTOMER_VIEW)
    categories = code_labels(session, ReferenceKind.COMPLAINT_CATEGORY)
    total: int | None = None
    if filters.open_only:
        queue = cq.list_queue(session=session, actor=actor, flt=queue_filter(filters))
        rows: Iterable[cq.QueueRow] = queue
        total = len(queue)
    else:
        rows = _all_rows(session, filters)
    used = [
        (_("Open complaints only"), _("Yes") if filters.open_only else None),
        (_("Assigned to me"), _("Yes") if filters.mine else None),
        (_("Grade"), str(filters.grade) if filters.grade is not None else None),
        (
            _("Category"),
            categories.get(filters.category, filters.category) if filters.category else None,
        ),
        (_("Status"), cl.status_label(filters.status) if filters.status else None),
        (_("Breached"), _("Yes") if filters.breached else None),
        (_("Waiting"), _("Yes") if filters.waiting else None),
        (
            _("Received at"),
            period_text(filters.since, filters.until),
        ),
    ]
    columns = [
        Column(_("Number")),
        Column(_("Received at"), DATETIME),
        Column(_("Customer")),
        Column(_("Category")),
        Column(_("Grade"), NUMBER),
        Column(_("Status")),
        Column(_("Assigned to")),
        Column(_("Due"), DATETIME),
        Column(_("Response late")),
        Column(_("Resolution late")),
        Column(_("Escalation level"), NUMBER),
    ]
    return Table(
        title=_("Complaints"),
        columns=columns,
        rows=_rows(session, rows, categories),
        notes=notes(used, actor.display_name),
        total=total,
    )
