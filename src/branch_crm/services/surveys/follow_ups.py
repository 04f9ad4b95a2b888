"""What in a survey's answers needs a follow-up, and the care task it opens (or voids after a
correction)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import _, current_language
from branch_crm.models import CareTask, Customer, SurveyResponse
from branch_crm.services.surveys.template import TemplateView
from branch_crm.timeutil import local_today

FOLLOW_UP_KIND = "survey_follow_up"
DETRACTOR_MAX = 6
LOW_SCORE_MAX = 2


def follow_up_reasons(template: TemplateView, answers: Mapping[str, int | None]) -> list[str]:
    """Why the answers need a follow-up: a detractor NPS, or items scored 2 or lower."""
    reasons = []
    for item in template.scored():
        value = answers.get(item.code)
        if value is None:
            continue
        if item.kind == "nps" and value <= DETRACTOR_MAX:
            reasons.append(_("NPS {value}").format(value=value))
        elif item.kind == "ces" and value <= LOW_SCORE_MAX:
            reasons.append(_("CES {value}").format(value=value))
        elif item.kind == "scale5" and value <= LOW_SCORE_MAX:
            short = item.text(current_language()).split("：")[0].split(":")[0]
            reasons.append(f"{short} {value}")
    return reasons


def open_follow_up(
    session: Session, response: SurveyResponse, chain: set[str], reasons: list[str]
) -> str:
    """Open (or refresh, after a correction) the follow-up task of a response."""
    title = _("Survey follow-up: {reasons}").format(reasons=_(", ").join(reasons))
    task = session.scalars(
        select(CareTask).where(
            CareTask.kind == FOLLOW_UP_KIND,
            CareTask.status == "open",
            CareTask.source_id.in_(chain),
        )
    ).first()
    if task is None:
        customer = session.get(Customer, response.customer_id)
        task = CareTask(
            customer_id=response.customer_id,
            kind=FOLLOW_UP_KIND,
            due_on=local_today() + timedelta(days=1),
            status="open",
            title=title[:200],
            notes=response.suggestion,
            source_id=response.id,
            assignee_id=customer.account_manager_id if customer else None,
        )
        session.add(task)
    else:
        task.title, task.source_id, task.notes = title[:200], response.id, response.suggestion
    session.flush()
    return task.id


def cancel_follow_up(session: Session, chain: set[str]) -> None:
    """A correction left nothing to follow up: the open task of the earlier answers is void."""
    for task in session.scalars(
        select(CareTask).where(
            CareTask.kind == FOLLOW_UP_KIND,
            CareTask.status == "open",
            CareTask.source_id.in_(chain),
        )
    ):
        task.status = "cancelled"
        note = _("Cancelled: the corrected answers need no follow-up.")
        task.notes = f"{task.notes}\n{note}" if task.notes else note
    session.flush()
