"""The workflow of a complaint: work it through the closed loop, keep every step.

Workflow (DOMAIN.md "Complaints"): received (受理) -> in progress (处理) -> feedback given to
the customer (反馈) -> closed with root cause and corrective action (改进); "waiting for
customer" pauses the resolution clock; a customer who is not satisfied reopens it. Every
step is an insert-only :class:`ComplaintEvent` with who, when and a note. Illegal steps raise
:class:`InvalidTransition`; supervisor-only steps (regrade, closing without the customer's
confirmation, compensation above the branch limit) raise :class:`PermissionDenied`.
SLA due times are recomputed at every state change (services.complaints.sla).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from branch_crm.errors import InvalidTransition, PermissionDenied, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import Complaint, ComplaintEvent, ReferenceKind
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints import sla
from branch_crm.services.complaints.business_calendar import (
    BusinessCalendar,
    calendar_for,
    holidays,
)
from branch_crm.services.complaints.intake import MAX_COMPENSATION_CENTS
from branch_crm.services.complaints.labels import GRADES, S, format_money, status_label
from branch_crm.services.complaints.policy import Policy, policy_for
from branch_crm.services.complaints.reference import reference_codes
from branch_crm.services.complaints.views import ComplaintView, complaint_view, live_complaint
from branch_crm.services.context import Actor
from branch_crm.services.permissions import allowed, role_label
from branch_crm.services.settings import values as settings
from branch_crm.timeutil import utcnow

MAX_NOTE = 4000


@dataclass(frozen=True)
class Step:
    """A workflow action: from which states, to which state, which right, which label."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    permission: Permission = Permission.COMPLAINT_WORK


OPEN = (S.RECEIVED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.FEEDBACK_GIVEN)
STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("accept", N_("accept and start handling"), (S.RECEIVED,), S.IN_PROGRESS),
        Step("wait", N_("wait for the customer"), (S.IN_PROGRESS,), S.WAITING_CUSTOMER),
        Step("resume", N_("resume handling"), (S.WAITING_CUSTOMER,), S.IN_PROGRESS),
        Step("feedback", N_("give feedback"), (S.IN_PROGRESS,), S.FEEDBACK_GIVEN),
        Step("close", N_("close with the customer's confirmation"), (S.FEEDBACK_GIVEN,), S.CLOSED),
        Step(
            "force_close",
            N_("close without the customer's confirmation"),
            OPEN,
            S.CLOSED,
            Permission.COMPLAINT_SUPERVISE,
        ),
        Step("reopen", N_("reopen"), (S.FEEDBACK_GIVEN, S.CLOSED), S.IN_PROGRESS),
        Step("regrade", N_("regrade"), OPEN, None, Permission.COMPLAINT_SUPERVISE),
        Step("compensation", N_("grant compensation"), OPEN, None),
        Step("assign_me", N_("take over"), OPEN, None),
        Step("note", N_("add a note"), (*OPEN, S.CLOSED), None),
    )
}


def refusal(actor: Actor, step_name: str, status: str) -> str | None:
    """Why ``actor`` may not take ``step_name`` now (translated), or None when allowed."""
    step = STEPS[step_name]
    if status not in step.sources:
        return _(
            "You cannot {action} a complaint that is “{status}”; possible when: {allowed}."
        ).format(
            action=_(step.label),
            status=status_label(status),
            allowed=", ".join(f"“{status_label(s)}”" for s in step.sources),
        )
    if not allowed(actor, step.permission):
        if step.permission == Permission.COMPLAINT_SUPERVISE:
            return _("Only a supervisor may {action}.").format(action=_(step.label))
        return _("{role} may not {action}.").format(
            role=role_label(actor.role), action=_(step.label)
        )
    return None


def available_steps(actor: Actor, status: str) -> dict[str, str | None]:
    """Every step -> None when ``actor`` may take it in ``status``, else the reason why not."""
    return {name: refusal(actor, name, status) for name in STEPS}


@dataclass
class _Ctx:
    """A step in progress: the row, the time, the calendar."""

    session: Session
    actor: Actor
    complaint: Complaint
    now: datetime
    policy: Policy
    cal: BusinessCalendar
    events: list[ComplaintEvent] = field(default_factory=list)


def _begin(
    session: Session, actor: Actor, complaint_id: str, step_name: str, now: datetime | None
) -> _Ctx:
    complaint = live_complaint(session, complaint_id)
    reason = refusal(actor, step_name, complaint.status)
    if reason is not None:
        step = STEPS[step_name]
        if complaint.status not in step.sources:
            raise InvalidTransition(reason)
        raise PermissionDenied(reason)
    now = now or utcnow()
    policy = policy_for(session, complaint.sla_policy_id)
    cal = calendar_for(policy, holidays(session))
    sla.refresh(session, complaint, now, policy=policy, cal=cal)  # record what already happened
    return _Ctx(session, actor, complaint, now, policy, cal)


def _finish(
    ctx: _Ctx,
    kind: str,
    *,
    note: str | None = None,
    from_status: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> ComplaintView:
    c = ctx.complaint
    to_status = c.status if from_status is not None and from_status != c.status else None
    ctx.session.add(
        sla.make_event(
            c,
            kind,
            actor=ctx.actor,
            at=ctx.now,
            note=note,
            from_status=from_status if to_status else None,
            to_status=to_status,
            data=data,
        )
    )
    sla.refresh(ctx.session, c, ctx.now, policy=ctx.policy, cal=ctx.cal)
    ctx.session.flush()
    return complaint_view(ctx.session, c)


def _pause(ctx: _Ctx) -> None:
    if ctx.complaint.paused_since is None:
        ctx.complaint.paused_since = ctx.now


def _unpause(ctx: _Ctx, since: datetime | None = None) -> None:
    c = ctx.complaint
    start = since or c.paused_since
    if start is not None:
        c.paused_seconds = (c.paused_seconds or 0) + round(
            ctx.cal.minutes_between(start, ctx.now) * 60
        )
    c.paused_since = None


def _text(value: str | None, field_name: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field_name: message})
    if len(text) > MAX_NOTE:
        raise ValidationError({field_name: _("At most {n} characters.").format(n=MAX_NOTE)})
    return text


def _optional(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_NOTE:
        raise ValidationError({"note": _("At most {n} characters.").format(n=MAX_NOTE)})
    return text or None


def accept_complaint(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ComplaintView:
    """Received -> in progress: the response clock stops; the actor becomes the assignee."""
    ctx = _begin(session, actor, complaint_id, "accept", now)
    c = ctx.complaint
    old = c.status
    c.status = S.IN_PROGRESS
    if c.responded_at is None:
        c.responded_at = ctx.now
    if not c.assignee_id:
        c.assignee_id = actor.staff_id
    return _finish(
        ctx,
        "accepted",
        note=_optional(note),
        from_status=old,
        data={"assignee_name": actor.display_name},
    )


def wait_for_customer(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ComplaintView:
    """In progress -> waiting for customer: the resolution clock pauses."""
    ctx = _begin(session, actor, complaint_id, "wait", now)
    old = ctx.complaint.status
    ctx.complaint.status = S.WAITING_CUSTOMER
    _pause(ctx)
    return _finish(ctx, "waiting", note=_optional(note), from_status=old)


def resume_complaint(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ComplaintView:
    """Waiting for customer -> in progress: the pause is added to the resolution target."""
    ctx = _begin(session, actor, complaint_id, "resume", now)
    old = ctx.complaint.status
    ctx.complaint.status = S.IN_PROGRESS
    _unpause(ctx)
    return _finish(ctx, "resumed", note=_optional(note), from_status=old)


def give_feedback(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    note: str,
    now: datetime | None = None,
) -> ComplaintView:
    """In progress -> feedback given: the resolution clock stops while the customer decides."""
    ctx = _begin(session, actor, complaint_id, "feedback", now)
    text = _text(note, "note", _("Say what the customer was told."))
    c = ctx.complaint
    old = c.status
    c.status = S.FEEDBACK_GIVEN
    c.resolved_at = ctx.now
    _pause(ctx)
    return _finish(ctx, "feedback", note=text, from_status=old)


def close_complaint(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    root_cause: str,
    corrective_action: str,
    customer_confirmed: bool = True,
    note: str | None = None,
    now: datetime | None = None,
) -> ComplaintView:
    """Close with root cause and corrective action (改进).

    With the customer's confirmation from "feedback given"; without it (customer unreachable,
    duplicate) from any open state, supervisors only.
    """
    step = "close" if customer_confirmed else "force_close"
    ctx = _begin(session, actor, complaint_id, step, now)
    errors = {}
    causes = {c.code for c in reference_codes(session, ReferenceKind.ROOT_CAUSE)}
    if root_cause not in causes:
        errors["root_cause"] = _("Choose the root cause from the head-office list.")
    action = (corrective_action or "").strip()
    if not action:
        errors["corrective_action"] = _("Say what will be done so it does not happen again.")
    elif len(action) > MAX_NOTE:
        errors["corrective_action"] = _("At most {n} characters.").format(n=MAX_NOTE)
    if errors:
        raise ValidationError(errors)
    c = ctx.complaint
    old = c.status
    if c.resolved_at is None:  # closed without feedback: resolution ends now, pause counts
        c.resolved_at = ctx.now
        _unpause(ctx)
    c.paused_since = None
    c.status = S.CLOSED
    c.closed_at = ctx.now
    c.root_cause = root_cause
    c.corrective_action = action
    return _finish(
        ctx,
        "closed",
        note=_optional(note),
        from_status=old,
        data={
            "root_cause": root_cause,
            "corrective_action": c.corrective_action,
            "customer_confirmed": customer_confirmed,
        },
    )


def reopen_complaint(
    *, session: Session, actor: Actor, complaint_id: str, note: str, now: datetime | None = None
) -> ComplaintView:
    """Feedback given/closed -> in progress: the customer is not satisfied; the clock resumes."""
    ctx = _begin(session, actor, complaint_id, "reopen", now)
    text = _text(note, "note", _("Say why the customer is not satisfied."))
    c = ctx.complaint
    old = c.status
    _unpause(ctx, since=c.resolved_at)  # the time the customer had our answer is not ours
    c.status = S.IN_PROGRESS
    c.resolved_at = None
    c.closed_at = None
    c.reopen_count = (c.reopen_count or 0) + 1
    return _finish(ctx, "reopened", note=text, from_status=old, data={"reopen": c.reopen_count})


def regrade_complaint(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    grade: int,
    reason: str,
    now: datetime | None = None,
) -> ComplaintView:
    """Change the grade (supervisors); due times are recomputed, recorded breaches stay."""
    ctx = _begin(session, actor, complaint_id, "regrade", now)
    if grade not in GRADES:
        raise ValidationError({"grade": _("The grade is 1, 2 or 3.")})
    text = _text(reason, "reason", _("Say why the grade changes."))
    c = ctx.complaint
    if grade == c.grade:
        raise ValidationError({"grade": _("The complaint already has grade {g}.").format(g=grade)})
    old = c.grade
    c.grade = grade
    c.grade_reason = text
    return _finish(ctx, "regraded", note=text, data={"from_grade": old, "to_grade": grade})


def grant_compensation(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    amount_cents: int,
    note: str,
    now: datetime | None = None,
) -> ComplaintView:
    """Set the compensation granted; above the branch limit only a supervisor may."""
    ctx = _begin(session, actor, complaint_id, "compensation", now)
    text = _text(note, "note", _("Say what the compensation is for."))
    if not 0 <= amount_cents <= MAX_COMPENSATION_CENTS:
        raise ValidationError(
            {
                "amount_cents": _("Enter an amount between {low} and {high}.").format(
                    low=format_money(0), high=format_money(MAX_COMPENSATION_CENTS)
                )
            }
        )
    limit = int(settings.get(session, "complaint.compensation_limit_cents"))
    if amount_cents > limit and not allowed(actor, Permission.COMPLAINT_SUPERVISE):
        raise PermissionDenied(
            _("Compensation above {limit} needs a supervisor.").format(limit=format_money(limit))
        )
    c = ctx.complaint
    old = c.compensation_granted_cents or 0
    c.compensation_granted_cents = amount_cents
    return _finish(
        ctx, "compensation", note=text, data={"from_cents": old, "to_cents": amount_cents}
    )


def assign_to_me(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    now: datetime | None = None,
) -> ComplaintView:
    """Make the acting staff member the assignee (taking over from a colleague)."""
    ctx = _begin(session, actor, complaint_id, "assign_me", now)
    c = ctx.complaint
    if c.assignee_id == actor.staff_id:
        return complaint_view(session, c)
    previous = c.assignee_id
    c.assignee_id = actor.staff_id
    return _finish(
        ctx, "assigned", data={"assignee_name": actor.display_name, "previous": previous}
    )


def add_note(
    *,
    session: Session,
    actor: Actor,
    complaint_id: str,
    note: str,
    now: datetime | None = None,
) -> ComplaintView:
    """A note on the timeline (any state, also after closing)."""
    ctx = _begin(session, actor, complaint_id, "note", now)
    text = _text(note, "note", _("Write the note."))
    return _finish(ctx, "note", note=text)
