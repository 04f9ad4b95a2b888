"""What in a survey's answers needs a follow-up, and the care task it opens (or voids after a
correction)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_
from branch_crm.models import CareTask, Customer, SurveyResponse
from branch_crm.models.stored_text import Message, english, in_languages, message
from branch_crm.services.surveys.scores import DETRACTOR_MAX
from branch_crm.services.surveys.template import TemplateView
from branch_crm.timeutil import local_today

FOLLOW_UP_KIND = "survey_follow_up"
LOW_SCORE_MAX = 2


def follow_up_reasons(template: TemplateView, answers: Mapping[str, int | None]) -> list[Message]:
    """Why the answers need a follow-up (a detractor NPS, or items scored 2 or lower), as
    stored messages (render with :func:`branch_crm.models.stored_text.render`)."""
    reasons = []
    for item in template.scored():
        value = answers.get(item.code)
        if value is None:
            continue
        if item.kind == "nps" and value <= DETRACTOR_MAX:
            reasons.append(message(N_("NPS {value}"), value=value))
        elif item.kind == "ces" and value <= LOW_SCORE_MAX:
            reasons.append(message(N_("CES {value}"), value=value))
        elif item.kind == "scale5" and value <= LOW_SCORE_MAX:
            short = {lang: item_name(item.text(lang)) for lang in ("en", "zh_CN")}
            reasons.append(message(N_("{item} {value}"), item=in_languages(short), value=value))
    return reasons


def item_name(question: str) -> str:
    """The item's name: its question up to the first colon ("Timeliness: ...")."""
    return question.split("：", 1)[0].split(":", 1)[0]


def open_follow_up(
    session: Session, response: SurveyResponse, chain: set[str], reasons: list[Message]
) -> str:
    """Open (or refresh, after a correction) the follow-up task of a response; its title is
    kept as a message (shown in the reader's language) and in English words."""
    stored = message(N_("Survey follow-up: {reasons}"), reasons=reasons)
    title = english(stored)
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
            title_message=stored,
            notes=response.suggestion,
            source_id=response.id,
            assignee_id=customer.account_manager_id if customer else None,
        )
        session.add(task)
    else:
        task.title, task.title_message = title[:200], stored
        task.source_id, task.notes = response.id, response.suggestion
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
        task.outcome_message = message(N_("Cancelled: the corrected answers need no follow-up."))
    session.flush()
