"""Complaints for display: one complaint, a customer's complaints, and the repeat-complainer
flag."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.errors import NotFound
from branch_crm.i18n import _
from branch_crm.models import (
    Complaint,
    ComplaintEvent,
    Customer,
    CustomerPhone,
    ReferenceKind,
    Staff,
)
from branch_crm.models.stored_text import render
from branch_crm.services.complaints.grading import GradeRule
from branch_crm.services.complaints.labels import S, status_label
from branch_crm.services.complaints.reference import code_labels
from branch_crm.services.settings import values as settings
from branch_crm.timeutil import utcnow


@dataclass(frozen=True)
class ComplaintView:
    """A complaint for display (no session attached)."""

    id: str
    number: str
    customer_id: str
    customer_name: str
    customer_phone: str
    waybill_no: str | None
    channel: str
    category: str
    category_label: str
    description: str
    compensation_requested_cents: int
    compensation_granted_cents: int
    grade: int
    suggested_grade: int
    grade_reason: str | None
    """Why the grade differs from the suggestion (typed at intake) or was changed later."""
    grade_rules: tuple[GradeRule, ...]
    """The rules that fired for the suggested grade when the complaint was taken."""
    status: str
    assignee_id: str | None
    assignee_name: str | None
    root_cause: str | None
    root_cause_label: str | None
    corrective_action: str | None
    received_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    response_warn_at: datetime | None
    resolution_warn_at: datetime | None
    paused_since: datetime | None
    paused_seconds: int
    response_breached: bool
    resolution_breached: bool
    escalation_level: int
    reopen_count: int
    created_by: str | None

    @property
    def is_open(self) -> bool:
        """True until closed."""
        return self.status != S.CLOSED

    @property
    def status_label(self) -> str:
        """Translated state."""
        return status_label(self.status)


# --- reading ----------------------------------------------------------------------------------


def live_complaint(session: Session, complaint_id: str) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.deleted_at is not None:
        raise NotFound(_("The complaint no longer exists."))
    return complaint


def get_complaint(*, session: Session, complaint_id: str) -> ComplaintView:
    """One complaint for display."""
    return complaint_view(session, live_complaint(session, complaint_id))


def staff_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    """staff id -> display name for the ids that have a staff row here."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.execute(
        select(Staff.id, Staff.display_name)
        .where(Staff.id.in_(wanted))
        .execution_options(include_deleted=True)
    ).all()
    return {row[0]: row[1] for row in rows}


def _assignee_name(session: Session, complaint: Complaint) -> str | None:
    if not complaint.assignee_id:
        return None
    names = staff_names(session, [complaint.assignee_id])
    if complaint.assignee_id in names:
        return names[complaint.assignee_id]
    event = session.scalars(
        select(ComplaintEvent)
        .where(
            ComplaintEvent.complaint_id == complaint.id,
            ComplaintEvent.kind.in_(("accepted", "assigned")),
        )
        .order_by(ComplaintEvent.at.desc())
    ).first()
    if event is not None:
        name = event.data.get("assignee_name")
        return str(name) if name else None
    return None


def _grade_rules(session: Session, complaint_id: str) -> tuple[GradeRule, ...]:
    data = session.scalar(
        select(ComplaintEvent.data).where(
            ComplaintEvent.complaint_id == complaint_id, ComplaintEvent.kind == "received"
        )
    )
    return tuple(GradeRule.from_data(r) for r in (data or {}).get("rules", ()))


def complaint_view(session: Session, c: Complaint) -> ComplaintView:
    customer = session.get(Customer, c.customer_id)
    phone = session.scalar(
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == c.customer_id)
        .order_by(CustomerPhone.position)
    )
    categories = code_labels(session, ReferenceKind.COMPLAINT_CATEGORY)
    causes = code_labels(session, ReferenceKind.ROOT_CAUSE)
    return ComplaintView(
        id=c.id,
        number=c.number,
        customer_id=c.customer_id,
        customer_name=customer.name if customer else "?",
        customer_phone=phone or "",
        waybill_no=c.waybill_no,
        channel=c.channel,
        category=c.category,
        category_label=categories.get(c.category, c.category),
        description=render(c.description_message, c.description),
        compensation_requested_cents=c.compensation_requested_cents or 0,
        compensation_granted_cents=c.compensation_granted_cents or 0,
        grade=c.grade,
        suggested_grade=c.suggested_grade,
        grade_reason=c.grade_reason,
        grade_rules=_grade_rules(session, c.id),
        status=c.status,
        assignee_id=c.assignee_id,
        assignee_name=_assignee_name(session, c),
        root_cause=c.root_cause,
        root_cause_label=causes.get(c.root_cause, c.root_cause) if c.root_cause else None,
        corrective_action=c.corrective_action,
        received_at=c.received_at,
        responded_at=c.responded_at,
        resolved_at=c.resolved_at,
        closed_at=c.closed_at,
        response_due_at=c.response_due_at,
        resolution_due_at=c.resolution_due_at,
        response_warn_at=c.response_warn_at,
        resolution_warn_at=c.resolution_warn_at,
        paused_since=c.paused_since,
        paused_seconds=c.paused_seconds or 0,
        response_breached=bool(c.response_breached),
        resolution_breached=bool(c.resolution_breached),
        escalation_level=c.escalation_level or 0,
        reopen_count=c.reopen_count or 0,
        created_by=c.created_by,
    )


# --- customers --------------------------------------------------------------------------------


def is_repeat_complainer(session: Session, customer_id: str) -> bool:
    """Two or more complaints received within ``complaint.repeat_flag_days`` (default 90)."""
    days = int(settings.get(session, "complaint.repeat_flag_days"))
    since = utcnow() - timedelta(days=days)
    count = session.scalar(
        select(func.count(Complaint.id)).where(
            Complaint.customer_id == customer_id, Complaint.received_at >= since
        )
    )
    return (count or 0) >= 2


def customer_complaints(*, session: Session, customer_id: str) -> list[ComplaintView]:
    """The customer's complaints, newest first."""
    rows = session.scalars(
        select(Complaint)
        .where(Complaint.customer_id == customer_id)
        .order_by(Complaint.received_at.desc())
    ).all()
    return [complaint_view(session, c) for c in rows]
