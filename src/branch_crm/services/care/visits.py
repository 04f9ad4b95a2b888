"""Visits, calls and messages to customers: recording one (it closes the matching care
tasks and counts toward the visit plan), the customer's timeline entries, and how the visit
plan is kept month by month (DOMAIN.md: visit classes A/B/C, feedback forms per month).

A visit is insert-only (sync kind): a wrong one is not edited; record what really happened
next. Every write goes through the ORM session, so it is audited and captured for sync.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, aliased

from branch_crm.errors import NotFound, PermissionDenied, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import CareTask, Staff, Visit
from branch_crm.models.stored_text import message
from branch_crm.reference.roles import Permission
from branch_crm.services.care.follow_ups import DONE, NOTE_MAX, NOTE_MIN, OPEN, kind_label
from branch_crm.services.context import Actor
from branch_crm.services.customers.profile import live_customer
from branch_crm.services.permissions import allowed, role_label
from branch_crm.services.settings import values as settings
from branch_crm.services.timeline_entry import TimelineEntry
from branch_crm.timeutil import BUSINESS_TZ, local_today, to_local, utcnow

VISIT_KINDS: dict[str, str] = {
    "visit": N_("On-site visit"),
    "call": N_("Phone call"),
    "message": N_("Text message"),
}
"""Kind code -> English name (``N_()`` msgid)."""
CLASSES = ("A", "B", "C")
FUTURE_SLACK = timedelta(minutes=10)
"""A visit may be recorded this far ahead of the PC clock (clocks differ a little)."""


def visit_kind_label(kind: str) -> str:
    """The translated name of a visit kind (the code itself when unknown)."""
    name = VISIT_KINDS.get(kind)
    return _(name) if name else kind


@dataclass(frozen=True)
class VisitView:
    """One recorded visit, with the tasks recording it closed."""

    id: str
    customer_id: str
    kind: str
    at: datetime
    staff_id: str | None
    outcome: str
    next_step: str | None
    next_visit_on: date | None
    task_id: str | None
    closed_task_ids: tuple[str, ...] = ()


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    cleaned = " ".join((value or "").split())
    if not cleaned and not required:
        return None
    if len(cleaned) < NOTE_MIN:
        msg = _("Write what came of it.")
        raise ValidationError({field: msg}, msg)
    if len(cleaned) > NOTE_MAX:
        msg = _("At most {max} characters, please.").format(max=NOTE_MAX)
        raise ValidationError({field: msg}, msg)
    return cleaned


def _check(kind: str, at: datetime, next_visit_on: date | None) -> None:
    if kind not in VISIT_KINDS:
        msg = _("Choose on-site visit, phone call or message.")
        raise ValidationError({"kind": msg}, msg)
    if at.tzinfo is None or at > utcnow() + FUTURE_SLACK:
        msg = _("A visit is recorded once it happened: give a time that has passed.")
        raise ValidationError({"at": msg}, msg)
    if next_visit_on is not None and next_visit_on <= to_local(at).date():
        msg = _("The next visit comes after this one.")
        raise ValidationError({"next_visit_on": msg}, msg)


def _staff(session: Session, staff_id: str | None) -> None:
    if staff_id is None:
        return
    staff = session.get(Staff, staff_id)
    if staff is None or staff.is_deleted:
        msg = _("Choose a staff member.")
        raise ValidationError({"staff": msg}, msg)


def _tasks_to_close(
    session: Session, actor: Actor, customer_id: str, task_id: str | None, day: date
) -> list[CareTask]:
    """The named open task (it must be the customer's), and the customer's open visit tasks
    due by ``day`` plus the plan's look-ahead (an early visit keeps the plan too)."""
    lead = int(settings.get(session, "care.lead_days"))
    query = select(CareTask).where(
        CareTask.customer_id == customer_id,
        CareTask.branch_id == actor.branch_id,
        CareTask.status == OPEN,
        CareTask.kind == "visit",
        CareTask.due_on <= day + timedelta(days=lead),
    )
    tasks = list(session.scalars(query.order_by(CareTask.due_on, CareTask.id)))
    if task_id is not None:
        named = session.get(CareTask, task_id)
        if (
            named is None
            or named.is_deleted
            or named.customer_id != customer_id
            or named.branch_id != actor.branch_id
            or named.status != OPEN
        ):
            raise NotFound(_("This follow-up no longer exists or is closed already."))
        tasks = [named, *(t for t in tasks if t.id != named.id)]
    return tasks


def record_visit(
    *,
    session: Session,
    actor: Actor,
    customer_id: str,
    kind: str,
    outcome: str,
    at: datetime | None = None,
    staff_id: str | None = None,
    next_step: str | None = None,
    next_visit_on: date | None = None,
    task_id: str | None = None,
) -> VisitView:
    """Record a visit, call or message (``kind``: visit, call, message) made at ``at``
    (default now) by ``staff_id`` (default the actor), with its ``outcome`` (required),
    ``next_step`` and the ``next_visit_on`` agreed (the visit plan falls due then).

    Closes ``task_id`` (an open task of this customer, e.g. the birthday call being made)
    and the customer's open visit tasks due by the visit's day (plus the plan's look-ahead);
    counts toward the visit plan; shows on the customer's timeline. Anyone signed in may
    record one (couriers visit customers too)."""
    when = at or utcnow()
    _check(kind, when, next_visit_on)
    result = _text(outcome, "outcome", required=True)
    assert result is not None
    step = _text(next_step, "next_step", required=False)
    live_customer(session, customer_id)
    who = staff_id if staff_id is not None else actor.staff_id
    _staff(session, who)
    tasks = _tasks_to_close(session, actor, customer_id, task_id, to_local(when).date())
    visit = Visit(
        customer_id=customer_id,
        staff_id=who,
        at=when,
        kind=kind,
        notes=result,
        next_step=step,
        next_visit_on=next_visit_on,
        task_id=tasks[0].id if tasks else None,
    )
    session.add(visit)
    closing = message(N_("{kind}: {outcome}"), kind=message(VISIT_KINDS[kind]), outcome=result)
    for task in tasks:
        task.status = DONE
        task.done_at = when
        task.outcome_message = closing
        task.notes = f"{task.notes.rstrip()}\n{result}" if task.notes else result
    session.flush()
    return VisitView(
        id=visit.id,
        customer_id=customer_id,
        kind=kind,
        at=when,
        staff_id=who,
        outcome=result,
        next_step=step,
        next_visit_on=next_visit_on,
        task_id=visit.task_id,
        closed_task_ids=tuple(t.id for t in tasks),
    )


def list_visits(
    *, session: Session, actor: Actor, customer_id: str, limit: int = 100
) -> list[VisitView]:
    """The customer's visits, newest first."""
    rows = session.scalars(
        select(Visit)
        .where(Visit.customer_id == customer_id, Visit.deleted_at.is_(None))
        .order_by(Visit.at.desc(), Visit.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    return [
        VisitView(
            id=v.id,
            customer_id=v.customer_id,
            kind=v.kind,
            at=v.at,
            staff_id=v.staff_id,
            outcome=v.notes or "",
            next_step=v.next_step,
            next_visit_on=v.next_visit_on,
            task_id=v.task_id,
        )
        for v in rows
    ]


def visit_timeline(session: Session, customer_id: str) -> list[TimelineEntry]:
    """The customer's visits, calls and messages on the timeline."""
    who = aliased(Staff)
    rows = session.execute(
        select(Visit, who.display_name, CareTask.kind)
        .outerjoin(who, who.id == Visit.staff_id)
        .outerjoin(CareTask, CareTask.id == Visit.task_id)
        .where(Visit.customer_id == customer_id, Visit.deleted_at.is_(None))
    ).tuples()
    entries = []
    for visit, name, reason in rows:
        title = _("{kind}: {outcome}").format(
            kind=visit_kind_label(visit.kind), outcome=visit.notes or ""
        )
        details = []
        if reason:
            details.append(_("For: {reason}").format(reason=kind_label(reason)))
        if visit.next_step:
            details.append(_("Next step: {step}").format(step=visit.next_step))
        if visit.next_visit_on:
            details.append(_("Next visit: {day}").format(day=visit.next_visit_on.isoformat()))
        entries.append(
            TimelineEntry(
                at=visit.at,
                kind="visit",
                title=title,
                detail=_("; ").join(details),
                actor_name=name,
                ref=visit.id,
            )
        )
    return entries


# --- the visit plan's figures ------------------------------------------------------------


@dataclass(frozen=True)
class ClassCompliance:
    """How one visit class kept its plan in a month."""

    visit_class: str
    customers: int
    """Customers of the class (each is due its visits)."""
    visited: int
    """Customers with at least ``required_visits`` contacts in the month."""
    required_visits: int
    """Contacts each customer is due in the month (from the class's interval)."""
    visits: int
    """Contacts recorded with the class's customers in the month."""
    feedback_required: int
    """Feedback forms each customer is due in the month (``care.feedback_a|b|c``)."""
    feedback_met: int
    """Customers with at least ``feedback_required`` survey answers in the month."""
    feedback_done: int = 0
    """Feedback forms recorded in the month, at most ``feedback_required`` per customer."""

    @property
    def feedback_due(self) -> int:
        """Feedback forms the class's quota asks for in the month."""
        return self.customers * self.feedback_required

    @property
    def behind(self) -> int:
        """Customers not visited enough."""
        return self.customers - self.visited

    @property
    def rate(self) -> float:
        """Visited / due (1.0 for a class without customers)."""
        return self.visited / self.customers if self.customers else 1.0


@dataclass(frozen=True)
class ManagerCompliance:
    """How one account manager's customers kept the plan (None: customers without one)."""

    manager_id: str | None
    manager_name: str | None
    customers: int
    visited: int

    @property
    def behind(self) -> int:
        """Customers not visited enough."""
        return self.customers - self.visited


@dataclass(frozen=True)
class BehindCustomer:
    """A customer whose visits fall short this month."""

    customer_id: str
    name: str
    visit_class: str
    manager_id: str | None
    manager_name: str | None
    visits: int
    required: int
    last_visit: datetime | None


@dataclass(frozen=True)
class Compliance:
    """The visit plan of a month: per class, per account manager, and who is behind."""

    month: str
    classes: tuple[ClassCompliance, ...]
    managers: tuple[ManagerCompliance, ...]
    behind: tuple[BehindCustomer, ...]


def required_visits(interval_days: int, month: str) -> int:
    """Contacts a customer visited every ``interval_days`` is due in ``month`` (at least 1)."""
    days = calendar.monthrange(int(month[:4]), int(month[5:7]))[1]
    return max(1, days // max(1, interval_days))


def month_bounds(month: str) -> tuple[str, str]:
    """The month's start and the next month's, as stored UTC texts."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    after = (first + timedelta(days=32)).replace(day=1)

    def stored(day: date) -> str:
        moment = datetime.combine(day, time(), BUSINESS_TZ).astimezone(UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    return stored(first), stored(after)


_COMPLIANCE_SQL = """
CREATE TEMP TABLE IF NOT EXISTS care_compliance AS SELECT
  '' AS customer_id, '' AS visit_class, '' AS manager_id, 0 AS visits, 0 AS required,
  0 AS feedback, 0 AS feedback_required LIMIT 0
"""
_FILL_SQL = """
INSERT INTO temp.care_compliance
SELECT c.id, c.visit_class, c.account_manager_id, COALESCE(v.n, 0),
  CASE c.visit_class WHEN 'A' THEN :req_a WHEN 'B' THEN :req_b ELSE :req_c END,
  COALESCE(f.n, 0),
  CASE c.visit_class WHEN 'A' THEN :fb_a WHEN 'B' THEN :fb_b ELSE :fb_c END
FROM customer c
LEFT JOIN (SELECT customer_id, count(*) AS n FROM visit
           WHERE deleted_at IS NULL AND at >= :start AND at < :end GROUP BY customer_id) v
  ON v.customer_id = c.id
LEFT JOIN (SELECT r.customer_id, count(*) AS n FROM survey_response r
           WHERE r.deleted_at IS NULL AND r.answered_on >= :start AND r.answered_on < :end
             AND NOT EXISTS (SELECT 1 FROM survey_response s WHERE s.supersedes_id = r.id)
           GROUP BY r.customer_id) f
  ON f.customer_id = c.id
WHERE c.deleted_at IS NULL AND c.branch_id = :branch AND c.visit_class IN ('A', 'B', 'C')
  AND (:manager IS NULL OR c.account_manager_id = :manager)
"""


def _check_month(month: str) -> str:
    try:
        date(int(month[:4]), int(month[5:7]), 1)
        if len(month) != 7 or month[4] != "-":
            raise ValueError(month)
    except ValueError:
        msg = _("{value!r} is not a month; write it as YYYY-MM.").format(value=month)
        raise ValidationError({"month": msg}, msg) from None
    return month


def may_see_every_plan(actor: Actor) -> bool:
    """True when the actor sees (and prints) every account manager's visit plan; other
    staff see their own customers' only (supervisors, administrators: report viewers)."""
    return allowed(actor, Permission.REPORT_VIEW)


def plan_manager(actor: Actor, account_manager_id: str | None) -> str | None:
    """The account manager whose plan ``actor`` gets when asking for ``account_manager_id``'s
    (None: everyone's): as asked for a supervisor; for other staff their own (None or their
    own id), and PermissionDenied for anyone else's."""
    if may_see_every_plan(actor):
        return account_manager_id
    own = actor.staff_id or ""
    if account_manager_id not in (None, own):
        raise PermissionDenied(
            _("{role} may see and print only their own customers' visit plan.").format(
                role=role_label(actor.role)
            )
        )
    return own


def visit_compliance(
    *,
    session: Session,
    actor: Actor,
    month: str | None = None,
    account_manager_id: str | None = None,
    behind_limit: int = 200,
) -> Compliance:
    """The visit plan of ``month`` ('YYYY-MM', default this month) per visit class (visited /
    due, contacts, feedback forms), per account manager, and the customers behind (fewest
    contacts first). Staff who may not see reports (counter, courier) see their own
    customers only, as their account manager (another's: PermissionDenied)."""
    month = _check_month(month or local_today().strftime("%Y-%m"))
    account_manager_id = plan_manager(actor, account_manager_id)
    values = settings.get_many(session, "care.")
    start, end = month_bounds(month)
    params: dict[str, Any] = {"start": start, "end": end, "branch": actor.branch_id}
    params["manager"] = account_manager_id
    for cls in CLASSES:
        low = cls.lower()
        params[f"req_{low}"] = required_visits(int(values[f"care.visit_days_{low}"]), month)
        params[f"fb_{low}"] = int(values[f"care.feedback_{low}"])
    session.execute(text(_COMPLIANCE_SQL))
    session.execute(text("DELETE FROM temp.care_compliance"))
    try:
        session.execute(text(_FILL_SQL), params)
        classes = _classes(session, params)
        managers = _managers(session)
        behind = _behind(session, behind_limit)
    finally:
        session.execute(text("DELETE FROM temp.care_compliance"))
    return Compliance(month, classes, managers, behind)


def _classes(session: Session, params: dict[str, Any]) -> tuple[ClassCompliance, ...]:
    rows = {
        row[0]: row
        for row in session.execute(
            text(
                "SELECT visit_class, count(*), sum(visits >= required), sum(visits), "
                "sum(feedback >= feedback_required), sum(min(feedback, feedback_required)) "
                "FROM temp.care_compliance "
                "GROUP BY visit_class"
            )
        ).tuples()
    }
    result = []
    for cls in CLASSES:
        low = cls.lower()
        _cls, customers, visited, visits, feedback, done = rows.get(cls, (cls, 0, 0, 0, 0, 0))
        result.append(
            ClassCompliance(
                visit_class=cls,
                customers=int(customers),
                visited=int(visited or 0),
                required_visits=int(params[f"req_{low}"]),
                visits=int(visits or 0),
                feedback_required=int(params[f"fb_{low}"]),
                feedback_met=int(feedback or 0),
                feedback_done=int(done or 0),
            )
        )
    return tuple(result)


def _managers(session: Session) -> tuple[ManagerCompliance, ...]:
    rows = session.execute(
        text(
            "SELECT m.manager_id, s.display_name, m.customers, m.visited FROM ("
            "  SELECT manager_id, count(*) AS customers, sum(visits >= required) AS visited"
            "  FROM temp.care_compliance GROUP BY manager_id) m "
            "LEFT JOIN staff s ON s.id = m.manager_id "
            "ORDER BY m.customers - m.visited DESC, s.display_name"
        )
    ).tuples()
    return tuple(
        ManagerCompliance(mid, name, int(customers), int(visited or 0))
        for mid, name, customers, visited in rows
    )


def _behind(session: Session, limit: int) -> tuple[BehindCustomer, ...]:
    rows = session.execute(
        text(
            "SELECT k.customer_id, c.name, k.visit_class, k.manager_id, s.display_name, "
            "  k.visits, k.required, "
            "  (SELECT MAX(at) FROM visit v WHERE v.customer_id = k.customer_id "
            "   AND v.deleted_at IS NULL) "
            "FROM temp.care_compliance k JOIN customer c ON c.id = k.customer_id "
            "LEFT JOIN staff s ON s.id = k.manager_id "
            "WHERE k.visits < k.required "
            "ORDER BY k.visit_class, k.visits, c.name_pinyin, c.id LIMIT :limit"
        ),
        {"limit": max(1, limit)},
    ).tuples()
    result = []
    for cid, name, cls, mid, mname, visits, required, last in rows:
        last_at = None
        if last is not None:
            last_at = datetime.fromisoformat(str(last)).replace(tzinfo=UTC)
        result.append(
            BehindCustomer(cid, name, cls, mid, mname, int(visits), int(required), last_at)
        )
    return tuple(result)
