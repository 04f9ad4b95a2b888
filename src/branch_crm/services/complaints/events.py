"""The timeline of one complaint: its insert-only events, in order, each with a one-line title."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.models import ComplaintEvent, ReferenceKind
from branch_crm.services.complaints.labels import SYSTEM_NAME, escalation_label, format_money
from branch_crm.services.complaints.reference import code_labels
from branch_crm.services.complaints.views import live_complaint, staff_names


@dataclass(frozen=True)
class EventView:
    """One timeline step for display."""

    id: str
    at: datetime
    kind: str
    title: str
    from_status: str | None
    to_status: str | None
    note: str | None
    data: Mapping[str, Any]
    actor_id: str | None
    actor_name: str


def complaint_events(*, session: Session, complaint_id: str) -> list[EventView]:
    """The timeline of a complaint, oldest first."""
    live_complaint(session, complaint_id)
    events = sorted(
        session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)),
        key=_event_order,
    )
    names = staff_names(session, (e.actor_id for e in events))
    causes = code_labels(session, ReferenceKind.ROOT_CAUSE)
    return [
        EventView(
            id=e.id,
            at=e.at,
            kind=e.kind,
            title=event_title(e.kind, e.data or {}, causes),
            from_status=e.from_status,
            to_status=e.to_status,
            note=e.note,
            data=dict(e.data or {}),
            actor_id=e.actor_id,
            actor_name=names.get(e.actor_id or "")
            or _(str((e.data or {}).get("actor_name") or SYSTEM_NAME)),
        )
        for e in events
    ]


_SAME_INSTANT_RANK = {"received": 0, "sla_breached": 1, "escalated": 2}


def _event_order(event: ComplaintEvent) -> tuple[datetime, int, int, str]:
    """Time order; at one instant: receipt, then what the clock recorded, then the step."""
    level = int((event.data or {}).get("level", 0))
    return (event.at, _SAME_INSTANT_RANK.get(event.kind, 3), level, event.id)


EVENT_TITLES: dict[str, str] = {
    "received": N_("Complaint received"),
    "accepted": N_("Accepted, handling started"),
    "waiting": N_("Waiting for the customer"),
    "resumed": N_("Handling resumed"),
    "feedback": N_("Feedback given to the customer"),
    "closed": N_("Closed"),
    "reopened": N_("Reopened: customer not satisfied"),
    "note": N_("Note"),
}


def _closed_title(data: Mapping[str, Any], causes: Mapping[str, str]) -> str:
    cause = causes.get(str(data.get("root_cause")), str(data.get("root_cause") or ""))
    if data.get("customer_confirmed"):
        return _("Closed, confirmed by the customer (root cause: {cause})").format(cause=cause)
    return _("Closed without the customer's confirmation (root cause: {cause})").format(cause=cause)


def _breach_title(data: Mapping[str, Any], _causes: Mapping[str, str]) -> str:
    if data.get("target") == "response":
        return _("Response target missed")
    return _("Resolution target missed")


_TITLE_BUILDERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, str]], str]] = {
    "regraded": lambda d, _c: _("Regraded from grade {old} to grade {new}").format(
        old=d.get("from_grade"), new=d.get("to_grade")
    ),
    "compensation": lambda d, _c: _("Compensation granted: {amount}").format(
        amount=format_money(int(d.get("to_cents", 0)))
    ),
    "sla_breached": _breach_title,
    "escalated": lambda d, _c: _("Escalated to {level}").format(
        level=escalation_label(int(d.get("level", 1)))
    ),
    "closed": _closed_title,
    "assigned": lambda d, _c: _("Assigned to {name}").format(name=d.get("assignee_name") or "?"),
    "attachment": lambda d, _c: _("Attachment added: {name}").format(name=d.get("name") or "?"),
}


def event_title(kind: str, data: Mapping[str, Any], causes: Mapping[str, str]) -> str:
    """One line saying what a timeline event was, translated."""
    builder = _TITLE_BUILDERS.get(kind)
    if builder is not None:
        return builder(data, causes)
    return _(EVENT_TITLES.get(kind, kind))
