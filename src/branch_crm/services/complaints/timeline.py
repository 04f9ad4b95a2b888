"""The customer's complaints on their timeline: received, closed, reopened."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import _
from branch_crm.models import Complaint, ComplaintEvent, ReferenceKind
from branch_crm.services.complaints.events import event_title
from branch_crm.services.complaints.grading import GradeRule
from branch_crm.services.complaints.labels import grade_label
from branch_crm.services.complaints.reference import code_labels
from branch_crm.services.complaints.views import staff_names
from branch_crm.services.timeline_entry import TimelineEntry

TIMELINE_KINDS = {
    "received": "complaint",
    "closed": "complaint_closed",
    "reopened": "complaint_reopened",
}


def complaint_timeline(session: Session, customer_id: str) -> list[TimelineEntry]:
    """The customer's complaints on their timeline: received, closed, reopened (newest first).

    The title leads with the category (the profile's column is narrow) and says "Repeat
    complaint" when the repeat rule fired at intake, so repeat complainers stand out.
    """
    rows = session.execute(
        select(ComplaintEvent, Complaint.number, Complaint.category, Complaint.grade)
        .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
        .where(
            Complaint.customer_id == customer_id,
            Complaint.deleted_at.is_(None),
            ComplaintEvent.kind.in_(tuple(TIMELINE_KINDS)),
        )
        .order_by(ComplaintEvent.at.desc())
    ).all()
    repeats = {
        event.complaint_id
        for event, *_rest in rows
        if event.kind == "received" and _has_rule(event.data, "repeat")
    }
    categories = code_labels(session, ReferenceKind.COMPLAINT_CATEGORY)
    causes = code_labels(session, ReferenceKind.ROOT_CAUSE)
    names = staff_names(session, (event.actor_id for event, *_rest in rows))
    entries = []
    for event, number, category, grade in rows:
        data = event.data or {}
        title = _("Repeat complaint: {category}") if event.complaint_id in repeats else None
        entries.append(
            TimelineEntry(
                at=event.at,
                kind=TIMELINE_KINDS[event.kind],
                title=(title or _("Complaint: {category}")).format(
                    category=categories.get(category, category)
                ),
                detail=" · ".join(
                    part
                    for part in (
                        event_title(event.kind, data, causes),
                        grade_label(grade),
                        number,
                        event.note,
                    )
                    if part
                ),
                actor_name=names.get(event.actor_id or "") or data.get("actor_name"),
                ref=event.complaint_id,
            )
        )
    return entries


def _has_rule(data: Mapping[str, Any] | None, code: str) -> bool:
    """True when the grade rule ``code`` fired when the complaint was taken."""
    return any(GradeRule.from_data(r).code == code for r in (data or {}).get("rules", ()))
