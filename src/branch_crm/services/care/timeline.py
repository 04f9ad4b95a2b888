"""Closed care follow-ups on the customer's timeline: when, by whom, and what was recorded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from branch_crm.i18n import _
from branch_crm.models import CareTask, Staff
from branch_crm.models.stored_text import render
from branch_crm.services.care.follow_ups import CANCELLED, DONE, outcome
from branch_crm.services.timeline_entry import TimelineEntry


def care_timeline(session: Session, customer_id: str) -> list[TimelineEntry]:
    """Closed care tasks of the customer: when, by whom, and what was recorded."""
    closer = aliased(Staff)
    rows = session.execute(
        select(CareTask, closer.display_name)
        .outerjoin(closer, closer.id == CareTask.updated_by)
        .where(
            CareTask.customer_id == customer_id,
            CareTask.status.in_((DONE, CANCELLED)),
        )
    ).tuples()
    entries = []
    for task, name in rows:
        done = task.status == DONE
        text = _("Follow-up done: {title}") if done else _("Follow-up cancelled: {title}")
        title = text.format(title=render(task.title_message, task.title))
        entries.append(
            TimelineEntry(
                at=(task.done_at if done and task.done_at else task.updated_at),
                kind="care_done" if done else "care_cancelled",
                title=title,
                detail=outcome(task.status, task.notes, task.outcome_message),
                actor_name=name,
            )
        )
    return entries
