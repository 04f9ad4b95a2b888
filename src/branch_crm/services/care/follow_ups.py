"""Customer care follow-ups: the open tasks staff work through, and closing them.

A survey detractor (services.surveys.entry) or any other feature opens a ``CareTask`` on a
customer. Here staff see the open ones (overdue and due today first), mark one done with
what the customer was told, or cancel it with a reason; a supervisor may hand it to someone
else. Counter staff and supervisors work tasks; a courier only sees the tasks assigned to
them, and may mark those done or postpone them. Every change goes through the ORM session,
so it is audited and captured for sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from branch_crm.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import CareTask, Customer, CustomerPhone, Role, Staff
from branch_crm.models.stored_text import message, render
from branch_crm.services.care.search import follow_up_match
from branch_crm.services.context import Actor
from branch_crm.services.permissions import role_label
from branch_crm.timeutil import local_today, utcnow

Scope = Literal["mine", "all"]
SCOPES: tuple[Scope, ...] = ("mine", "all")
OPEN, DONE, CANCELLED = "open", "done", "cancelled"
NOTE_MIN, NOTE_MAX = 2, 500
MAX_ROWS = 1000
WORK_ROLES = frozenset({Role.COUNTER, Role.SUPERVISOR, Role.ADMIN})
"""Roles that may mark tasks done or cancel them, and see everyone's tasks."""
ASSIGN_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
"""Roles that may hand a task to another staff member."""

KIND_LABELS = {
    "survey_follow_up": N_("Survey follow-up"),
    "birthday": N_("Birthday call"),
    "anniversary": N_("Anniversary call"),
    "visit": N_("Visit"),
    "greeting": N_("Holiday greeting"),
    "win_back": N_("Win-back call"),
    "churn_call": N_("Churn-risk call"),
    "feedback": N_("Feedback form"),
}
STATUS_LABELS = {OPEN: N_("open"), DONE: N_("done"), CANCELLED: N_("cancelled")}


def kind_label(kind: str) -> str:
    """Translated name of a task kind (the code itself when unknown)."""
    label = KIND_LABELS.get(kind)
    return _(label) if label else kind


def status_label(status: str) -> str:
    """Translated name of a task status."""
    label = STATUS_LABELS.get(status)
    return _(label) if label else status


# --- rights ---------------------------------------------------------------------------------


def may_work(actor: Actor) -> bool:
    """True when the actor may mark tasks done or cancel them."""
    return Role(actor.role) in WORK_ROLES


def may_close(actor: Actor, assignee_id: str | None) -> bool:
    """True when the actor may mark a task assigned to ``assignee_id`` done: staff who work
    tasks, and a courier the task is assigned to."""
    return may_work(actor) or (actor.staff_id is not None and assignee_id == actor.staff_id)


def may_reassign(actor: Actor) -> bool:
    """True when the actor may hand a task to someone else."""
    return Role(actor.role) in ASSIGN_ROLES


def may_see_all(actor: Actor) -> bool:
    """True when the actor sees everyone's tasks (couriers see only their own)."""
    return may_work(actor)


def _refuse(actor: Actor, what: str) -> PermissionDenied:
    return PermissionDenied(
        _("{role} may not {what}.").format(role=role_label(actor.role), what=what)
    )


def _require_work(actor: Actor) -> None:
    if not may_work(actor):
        raise _refuse(actor, _("close follow-ups"))


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """One care task with its customer, for lists and the home card."""

    id: str
    customer_id: str
    customer_name: str
    phone: str
    """Primary phone, digits as stored (format with services.customers.search.format_phone)."""
    kind: str
    stored_title: str
    """The title column: English words, or an older row's words in its writer's language."""
    notes: str | None
    due_on: date
    status: str
    assignee_id: str | None
    assignee_name: str | None
    created_at: datetime
    done_at: datetime | None
    title_message: dict[str, Any] | None = None
    outcome_message: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        """The reason in the reader's language, e.g. "Survey follow-up: NPS 3, Timeliness 2"
        (an older row: its stored words)."""
        return render(self.title_message, self.stored_title)

    def days_overdue(self, today: date) -> int:
        """Days past the due date (0 when due today or later)."""
        return max(0, (today - self.due_on).days)

    def is_overdue(self, today: date) -> bool:
        """Open and due before ``today``."""
        return self.status == OPEN and self.due_on < today

    @property
    def outcome(self) -> str:
        """What was recorded when the task was closed, in the reader's language."""
        return outcome(self.status, self.notes, self.outcome_message)


def outcome(status: str, notes: str | None, stored: dict[str, Any] | None = None) -> str:
    """A closed task's outcome: its stored message rendered, else (a row closed before
    messages were kept) the last line of its notes."""
    if status == OPEN:
        return ""
    if stored is not None:
        return render(stored)
    return notes.rstrip().splitlines()[-1] if notes else ""


@dataclass(frozen=True)
class FollowUpCounts:
    """Figures for the home card: open tasks the actor sees, overdue, due today, mine."""

    open: int
    overdue: int
    due_today: int
    mine: int


def _primary_phone() -> Any:
    return (
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == CareTask.customer_id)
        .where(CustomerPhone.deleted_at.is_(None))
        .order_by(CustomerPhone.position)
        .limit(1)
        .correlate(CareTask)
        .scalar_subquery()
    )


def _query() -> Select[Any]:
    assignee = aliased(Staff)
    return (
        select(CareTask, Customer.name, _primary_phone(), assignee.display_name)
        .join(Customer, Customer.id == CareTask.customer_id)
        .outerjoin(assignee, assignee.id == CareTask.assignee_id)
    )


def _visible(query: Select[Any], actor: Actor, scope: Scope) -> Select[Any]:
    """Only this branch's tasks; couriers and "mine" only the actor's own."""
    query = query.where(CareTask.branch_id == actor.branch_id)
    if scope == "mine" or not may_see_all(actor):
        query = query.where(CareTask.assignee_id == (actor.staff_id or ""))
    return query


def _view(task: CareTask, name: str | None, phone: str | None, assignee: str | None) -> FollowUp:
    return FollowUp(
        id=task.id,
        customer_id=task.customer_id,
        customer_name=name or "",
        phone=phone or "",
        kind=task.kind,
        stored_title=task.title,
        notes=task.notes,
        due_on=task.due_on,
        status=task.status,
        assignee_id=task.assignee_id,
        assignee_name=assignee,
        created_at=task.created_at,
        done_at=task.done_at,
        title_message=task.title_message,
        outcome_message=task.outcome_message,
    )


def _check_scope(scope: str) -> Scope:
    if scope not in SCOPES:
        raise ValidationError({"scope": _("Unknown list: {scope}.").format(scope=scope)})
    return scope


def list_follow_ups(
    *,
    session: Session,
    actor: Actor,
    scope: Scope = "all",
    overdue_only: bool = False,
    limit: int = 500,
    today: date | None = None,
    due_by: date | None = None,
    account_manager_id: str | None = None,
    kinds: tuple[str, ...] | None = None,
    search: str | None = None,
) -> list[FollowUp]:
    """Open tasks the actor may see, overdue and due today first (oldest due date first).

    ``scope`` "mine" keeps the tasks assigned to the actor; a courier always gets only
    their own, whatever the scope. ``due_by``: only tasks due on or before that day (the
    Today screen: ``due_by=today``); ``account_manager_id``: only tasks of that account
    manager's customers; ``kinds``: only these reasons; ``search``: only those a search
    box's text finds (services.care.search).
    """
    today = today or local_today()
    query = _visible(_query().where(CareTask.status == OPEN), actor, _check_scope(scope))
    if overdue_only:
        query = query.where(CareTask.due_on < today)
    if due_by is not None:
        query = query.where(CareTask.due_on <= due_by)
    if account_manager_id is not None:
        query = query.where(Customer.account_manager_id == account_manager_id)
    if kinds is not None:
        query = query.where(CareTask.kind.in_(kinds))
    found = follow_up_match(session, search) if search else None
    if found is not None:
        query = query.where(found)
    query = query.order_by(CareTask.due_on, CareTask.created_at, CareTask.id)
    query = query.limit(max(1, min(limit, MAX_ROWS)))
    return [_view(*row) for row in session.execute(query).tuples()]


def follow_up_counts(
    *, session: Session, actor: Actor, today: date | None = None
) -> FollowUpCounts:
    """Open / overdue / due today / mine among the open tasks the actor sees, in one query."""
    today = today or local_today()

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = select(
        func.count(),
        count(CareTask.due_on < today),
        count(CareTask.due_on == today),
        count(CareTask.assignee_id == (actor.staff_id or "")),
    ).where(CareTask.status == OPEN)
    query = _visible(query.select_from(CareTask), actor, "all")
    total, overdue, due_today, mine = session.execute(query).one()
    return FollowUpCounts(int(total), int(overdue), int(due_today), int(mine))


def get_follow_up(*, session: Session, actor: Actor, task_id: str) -> FollowUp:
    """One task (open or closed) the actor may see; NotFound otherwise."""
    row = session.execute(_visible(_query().where(CareTask.id == task_id), actor, "all")).first()
    if row is None:
        raise NotFound(_("This follow-up no longer exists."))
    return _view(*row)


def assignable_staff(*, session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(staff id, "name (role)") of every active account, for the reassign choice."""
    if not may_reassign(actor):
        raise _refuse(actor, _("reassign follow-ups"))
    rows = session.execute(
        select(Staff.id, Staff.display_name, Staff.role)
        .where(Staff.active.is_(True))
        .order_by(Staff.display_name)
    )
    return [(sid, f"{name} ({role_label(role)})") for sid, name, role in rows]


# --- writing --------------------------------------------------------------------------------


def _open_task(session: Session, actor: Actor, task_id: str) -> CareTask:
    task = session.get(CareTask, task_id)
    if task is None or task.is_deleted or task.branch_id != actor.branch_id:
        raise NotFound(_("This follow-up no longer exists."))
    if task.status != OPEN:
        raise InvalidTransition(
            _("This follow-up is already closed ({status}).").format(
                status=status_label(task.status)
            )
        )
    return task


def _clean_note(text: str | None, field: str) -> str:
    note = " ".join((text or "").split())
    if len(note) < NOTE_MIN:
        message = (
            _("Write what the customer was told.")
            if field == "note"
            else _("Write why the follow-up is cancelled.")
        )
        raise ValidationError({field: message}, message)
    if len(note) > NOTE_MAX:
        message = _("At most {max} characters, please.").format(max=NOTE_MAX)
        raise ValidationError({field: message}, message)
    return note


def _append(notes: str | None, line: str) -> str:
    return f"{notes.rstrip()}\n{line}" if notes and notes.strip() else line


def complete_follow_up(*, session: Session, actor: Actor, task_id: str, note: str) -> FollowUp:
    """Mark an open task done with a short note of what the customer was told (a courier:
    only a task assigned to them)."""
    text = _clean_note(note, "note")
    task = _open_task(session, actor, task_id)
    if not may_close(actor, task.assignee_id):
        raise _refuse(actor, _("close follow-ups"))
    task.status = DONE
    task.done_at = utcnow()
    task.outcome_message = message(N_("Done: {note}"), note=text)
    task.notes = _append(task.notes, text)  # the clerk's own words, no translated prefix
    session.flush()
    return get_follow_up(session=session, actor=actor, task_id=task.id)


def cancel_follow_up(*, session: Session, actor: Actor, task_id: str, reason: str) -> FollowUp:
    """Cancel an open task, saying why (e.g. the customer could not be reached twice)."""
    _require_work(actor)
    text = _clean_note(reason, "reason")
    task = _open_task(session, actor, task_id)
    task.status = CANCELLED
    task.outcome_message = message(N_("Cancelled: {reason}"), reason=text)
    task.notes = _append(task.notes, text)  # the clerk's own words, no translated prefix
    session.flush()
    return get_follow_up(session=session, actor=actor, task_id=task.id)


def reassign_follow_up(
    *, session: Session, actor: Actor, task_id: str, assignee_id: str | None
) -> FollowUp:
    """Hand an open task to another active staff member (None: nobody in particular)."""
    if not may_reassign(actor):
        raise _refuse(actor, _("reassign follow-ups"))
    task = _open_task(session, actor, task_id)
    if assignee_id is not None:
        staff = session.get(Staff, assignee_id)
        if staff is None or staff.is_deleted or not staff.active:
            message = _("Choose an active staff member.")
            raise ValidationError({"assignee": message}, message)
    task.assignee_id = assignee_id
    session.flush()
    return get_follow_up(session=session, actor=actor, task_id=task.id)


def postpone_follow_up(
    *, session: Session, actor: Actor, task_id: str, due_on: date, note: str | None = None
) -> FollowUp:
    """Move an open task to a later day (e.g. the customer asked to be called next week);
    ``note`` (optional) says why. A courier may postpone the tasks assigned to them."""
    task = _open_task(session, actor, task_id)
    if not may_close(actor, task.assignee_id):
        raise _refuse(actor, _("postpone follow-ups"))
    if due_on <= task.due_on and due_on < local_today():
        message = _("Choose a day from today on.")
        raise ValidationError({"due_on": message}, message)
    text = " ".join((note or "").split())
    if len(text) > NOTE_MAX:
        message = _("At most {max} characters, please.").format(max=NOTE_MAX)
        raise ValidationError({"note": message}, message)
    task.due_on = due_on
    if text:
        task.notes = _append(task.notes, text)
    session.flush()
    return get_follow_up(session=session, actor=actor, task_id=task.id)
