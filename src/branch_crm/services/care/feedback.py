"""Feedback forms per month (DOMAIN.md "Customer classification": A >= 2, B >= 2, C >= 1,
settings ``care.feedback_a|b|c``): how far a list of customers is this month, and closing the
plan's feedback-form tasks when a survey answer for the customer is recorded.

A customer's forms of a month are the survey answers recorded for them that month (answer
date, business time zone), a correction counting once (the answer it replaced is left out);
each customer counts at most its class's quota toward "done", so one customer's extra forms
do not hide another's missing ones. The plan (services.care.plan, reason ``feedback``)
opens a task per form still due; the answers close them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from branch_crm.i18n import N_
from branch_crm.models import CareTask, SurveyResponse
from branch_crm.models.stored_text import message
from branch_crm.services.care.follow_ups import DONE, OPEN
from branch_crm.services.care.visits import month_bounds
from branch_crm.services.context import Actor
from branch_crm.services.settings import values as settings
from branch_crm.timeutil import local_today, month_key, to_local

FEEDBACK = "feedback"
"""The care-task kind of a feedback form due."""


@dataclass(frozen=True)
class FeedbackProgress:
    """Feedback forms of a month for a list of customers."""

    month: str
    done: int
    """Forms recorded, at most the quota per customer."""
    due: int
    """Forms the quotas ask for (customers x their class's quota)."""
    customers: int
    """Visit-class A/B/C customers in the list."""

    @property
    def missing(self) -> int:
        """Forms still due this month."""
        return max(0, self.due - self.done)


_PROGRESS_SQL = """
SELECT count(*), COALESCE(sum(quota), 0), COALESCE(sum(min(done, quota)), 0) FROM (
  SELECT CASE c.visit_class WHEN 'A' THEN :fb_a WHEN 'B' THEN :fb_b ELSE :fb_c END AS quota,
    (SELECT count(*) FROM survey_response r WHERE r.customer_id = c.id
       AND r.deleted_at IS NULL AND r.answered_on >= :start AND r.answered_on < :end
       AND NOT EXISTS (SELECT 1 FROM survey_response s WHERE s.supersedes_id = r.id)) AS done
  FROM customer c
  WHERE c.deleted_at IS NULL AND c.branch_id = :branch AND c.visit_class IN ('A', 'B', 'C')
    AND (:manager IS NULL OR c.account_manager_id = :manager)
)
"""


def feedback_progress(
    *,
    session: Session,
    actor: Actor,
    account_manager_id: str | None = None,
    month: str | None = None,
) -> FeedbackProgress:
    """Forms done / due in ``month`` (default this month) for the branch's A/B/C customers,
    or only ``account_manager_id``'s."""
    month = month or month_key(local_today())
    values = settings.get_many(session, "care.")
    start, end = month_bounds(month)
    params = {
        "start": start,
        "end": end,
        "branch": actor.branch_id,
        "manager": account_manager_id,
        **{f"fb_{c}": int(values[f"care.feedback_{c}"]) for c in "abc"},
    }
    customers, due, done = session.execute(text(_PROGRESS_SQL), params).one()
    return FeedbackProgress(month, int(done), int(due), int(customers))


def close_feedback_tasks(session: Session, response: SurveyResponse) -> list[str]:
    """Close the customer's open feedback-form tasks of the answer's month and earlier (a
    survey answer was just recorded; a correction of an earlier answer is no new form and
    closes nothing); returns the ids closed."""
    if response.supersedes_id is not None:
        return []
    answered = response.answered_on
    day = to_local(answered).date() if isinstance(answered, datetime) else local_today()
    tasks = session.scalars(
        select(CareTask).where(
            CareTask.customer_id == response.customer_id,
            CareTask.kind == FEEDBACK,
            CareTask.status == OPEN,
            CareTask.deleted_at.is_(None),
            CareTask.period <= f"{month_key(day)}#~",
        )
    ).all()
    closing = message(N_("Survey answer recorded on {date}"), date=day.isoformat())
    for task in tasks:
        task.status = DONE
        task.done_at = answered
        task.outcome_message = closing
    if tasks:
        session.flush()
    return [t.id for t in tasks]
