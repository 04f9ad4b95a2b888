"""Complaints: take one at the counter, work it through the closed loop, keep every step.

Workflow (DOMAIN.md "Complaints"): received (受理) -> in progress (处理) -> feedback given to
the customer (反馈) -> closed with root cause and corrective action (改进); "waiting for
customer" pauses the resolution clock; a customer who is not satisfied reopens it. Every
step is an insert-only :class:`ComplaintEvent` with who, when and a note. Illegal steps raise
:class:`InvalidTransition`; supervisor-only steps (regrade, closing without the customer's
confirmation, compensation above the branch limit) raise :class:`PermissionDenied`.
SLA due times are recomputed at creation and at every state change (services.sla).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import (
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Customer,
    CustomerPhone,
    CustomerStats,
    ReferenceKind,
    Staff,
    SyncParked,
)
from branch_crm.services import settings, sla
from branch_crm.services.context import Actor
from branch_crm.services.pc_code import this_pc_code
from branch_crm.services.permissions import Permission, allowed, require, role_label
from branch_crm.timeutil import to_local, utcnow

log = logging.getLogger(__name__)

S = ComplaintStatus
STATUS_LABELS: dict[str, str] = {
    S.RECEIVED: N_("Received"),
    S.IN_PROGRESS: N_("In progress"),
    S.WAITING_CUSTOMER: N_("Waiting for customer"),
    S.FEEDBACK_GIVEN: N_("Feedback given"),
    S.CLOSED: N_("Closed"),
}
CHANNEL_LABELS: dict[str, str] = {
    Channel.COUNTER: N_("Counter"),
    Channel.PHONE: N_("Phone"),
    Channel.ONLINE: N_("Online"),
    Channel.COURIER: N_("Courier"),
}
GRADES = (1, 2, 3)
MAX_DESCRIPTION = 4000
MAX_NOTE = 4000
MAX_COMPENSATION_CENTS = 100_000_000  # ¥1,000,000: anything above is a typing mistake
WAYBILL_PATTERNS = (
    re.compile(r"^[A-Z]{0,4}\d{8,20}$"),  # SF1234567890123, JDVA00012345678, 773012345678
    re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$"),  # UPU S10 (EMS): EA123456789CN
)


def status_label(status: str) -> str:
    """Translated name of a complaint state."""
    return _(STATUS_LABELS.get(status, status))


def channel_label(channel: str) -> str:
    """Translated name of a channel."""
    return _(CHANNEL_LABELS.get(channel, channel))


def grade_label(grade: int) -> str:
    """'Grade 1' etc., translated."""
    return _("Grade {grade}").format(grade=grade)


def format_money(cents: int) -> str:
    """Cents as yuan for people: ¥1,234.50."""
    sign = "-" if cents < 0 else ""
    return f"{sign}¥{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def format_minutes(minutes: float) -> str:
    """A duration for people: '45 min', '3 h 05 min', '2 d 4 h' (translated units)."""
    total = round(abs(minutes))
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        text = _("{d} d {h} h").format(d=days, h=hours)
    elif hours:
        text = _("{h} h {m:02d} min").format(h=hours, m=mins)
    else:
        text = _("{m} min").format(m=mins)
    return f"-{text}" if minutes < 0 and total else text


def normalize_waybill(raw: str | None) -> str | None:
    """Upper-case without spaces/dashes, or None when blank; ValueError with a message if odd."""
    if raw is None or not raw.strip():
        return None
    value = re.sub(r"[\s\-]", "", raw).upper()
    if not any(p.match(value) for p in WAYBILL_PATTERNS):
        raise ValueError(
            _(
                "A waybill number is 8 to 20 digits, optionally after a carrier prefix of up to "
                "4 letters (e.g. SF1234567890123), or an EMS number like EA123456789CN."
            )
        )
    return value


# --- input, views -----------------------------------------------------------------------------


@dataclass
class ComplaintInput:
    """What the counter types when taking a complaint."""

    customer_id: str
    channel: str
    category: str
    description: str
    waybill_no: str | None = None
    compensation_requested_cents: int = 0
    grade: int | None = None
    """None takes the suggested grade; another grade needs ``grade_reason``."""
    grade_reason: str | None = None


RULE_TEXTS: dict[str, str] = {
    "loss": N_("Loss of a shipment"),
    "high_value_damage": N_("High-value damage (claim of {amount} or more)"),
    "damage": N_("Damaged shipment"),
    "wrong_delivery": N_("Wrong delivery"),
    "repeat": N_("Repeat complaint: {n} earlier within {days} days"),
    "strategic": N_("Strategic customer"),
    "key": N_("Key customer"),
    "standard": N_("Standard complaint"),
}


@dataclass(frozen=True, slots=True)
class GradeRule:
    """One rule that fired for the suggested grade; its sentence is made when shown."""

    grade: int
    code: str
    params: tuple[tuple[str, int], ...] = ()

    @property
    def text(self) -> str:
        """The rule as a sentence in the current language."""
        values: dict[str, Any] = dict(self.params)
        if "amount" in values:
            values["amount"] = format_money(int(values["amount"]))
        return _(RULE_TEXTS.get(self.code, self.code)).format(**values)

    def as_data(self) -> dict[str, Any]:
        """JSON form kept in the "received" event."""
        return {"grade": self.grade, "code": self.code, **dict(self.params)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> GradeRule:
        """Back from :meth:`as_data` (also accepts a bare code string)."""
        if isinstance(data, str):
            return cls(0, data)
        params = tuple((k, int(v)) for k, v in data.items() if k not in ("grade", "code"))
        return cls(int(data.get("grade", 0)), str(data.get("code")), params)


@dataclass(frozen=True)
class GradeSuggestion:
    """The suggested grade and every rule that fired (the deciding one first)."""

    grade: int
    rules: tuple[GradeRule, ...]

    @property
    def reason(self) -> str:
        """The rule that decided the grade, as a sentence."""
        return self.rules[0].text


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


# --- grade suggestion ---------------------------------------------------------------------


def suggest_grade(
    *,
    session: Session,
    customer_id: str | None,
    category: str,
    compensation_requested_cents: int = 0,
    exclude_complaint_id: str | None = None,
    now: datetime | None = None,
) -> GradeSuggestion:
    """Grade 1-3 by the head-office rules; the most urgent rule decides (DOMAIN.md)."""
    rules: list[GradeRule] = []
    high_value = int(settings.get(session, "complaint.high_value_cents"))
    if category == "loss":
        rules.append(GradeRule(1, "loss"))
    if category == "damage":
        if compensation_requested_cents >= high_value:
            rules.append(GradeRule(1, "high_value_damage", (("amount", high_value),)))
        else:
            rules.append(GradeRule(2, "damage"))
    if category == "wrong_delivery":
        rules.append(GradeRule(2, "wrong_delivery"))
    if customer_id:
        rules += _customer_rules(session, customer_id, exclude_complaint_id, now or utcnow())
    if not rules:
        rules.append(GradeRule(3, "standard"))
    rules.sort(key=lambda r: r.grade)
    return GradeSuggestion(rules[0].grade, tuple(rules))


def _customer_rules(
    session: Session, customer_id: str, exclude: str | None, now: datetime
) -> list[GradeRule]:
    rules = []
    days = int(settings.get(session, "complaint.repeat_days"))
    since = now - timedelta(days=days)
    query = select(func.count(Complaint.id)).where(
        Complaint.customer_id == customer_id,
        Complaint.received_at >= since,
        Complaint.received_at <= now,
    )
    if exclude:
        query = query.where(Complaint.id != exclude)
    earlier = session.scalar(query) or 0
    if earlier:
        rules.append(GradeRule(1, "repeat", (("n", earlier), ("days", days))))
    tier = session.scalar(
        select(CustomerStats.tier).where(CustomerStats.customer_id == customer_id)
    )
    if tier == "strategic":
        rules.append(GradeRule(1, "strategic"))
    elif tier == "key":
        rules.append(GradeRule(2, "key"))
    return rules


# --- taking a complaint ---------------------------------------------------------------------


def validate_complaint(session: Session, data: ComplaintInput) -> dict[str, str]:
    """Field name -> message for everything wrong with ``data`` (empty when fine)."""
    errors: dict[str, str] = {}
    customer = session.get(Customer, data.customer_id) if data.customer_id else None
    if customer is None or customer.deleted_at is not None:
        errors["customer_id"] = _("Choose the customer (look up or create one).")
    if data.channel not in set(Channel):
        errors["channel"] = _("Choose how the complaint came in.")
    categories = {c.code for c in sla.reference_codes(session, ReferenceKind.COMPLAINT_CATEGORY)}
    if data.category not in categories:
        errors["category"] = _("Choose a category from the list.")
    if not data.description.strip():
        errors["description"] = _("Describe what went wrong.")
    elif len(data.description) > MAX_DESCRIPTION:
        errors["description"] = _("At most {n} characters.").format(n=MAX_DESCRIPTION)
    try:
        normalize_waybill(data.waybill_no)
    except ValueError as exc:
        errors["waybill_no"] = str(exc)
    if not 0 <= data.compensation_requested_cents <= MAX_COMPENSATION_CENTS:
        errors["compensation_requested_cents"] = _(
            "Enter an amount between {low} and {high}."
        ).format(low=format_money(0), high=format_money(MAX_COMPENSATION_CENTS))
    if data.grade is not None and data.grade not in GRADES:
        errors["grade"] = _("The grade is 1, 2 or 3.")
    return errors


def take_complaint(
    *, session: Session, actor: Actor, data: ComplaintInput, now: datetime | None = None
) -> ComplaintView:
    """Record a new complaint (state received) with its SLA due times; returns its view.

    ``now`` (every step takes it) replays a step at a past instant: demo data and imports.
    """
    require(actor, Permission.COMPLAINT_CREATE)
    sla.ensure_reference_data(session)
    errors = validate_complaint(session, data)
    if errors:
        raise ValidationError(errors)
    suggestion = suggest_grade(
        session=session,
        customer_id=data.customer_id,
        category=data.category,
        compensation_requested_cents=data.compensation_requested_cents,
        now=now,
    )
    grade, reason = _chosen_grade(actor, data, suggestion)
    now = now or utcnow()
    policy = sla.active_policy(session)
    complaint = Complaint(
        number=next_number(session, actor.branch_id, now),
        customer_id=data.customer_id,
        waybill_no=normalize_waybill(data.waybill_no),
        channel=data.channel,
        category=data.category,
        description=data.description.strip(),
        compensation_requested_cents=data.compensation_requested_cents,
        compensation_granted_cents=0,
        grade=grade,
        suggested_grade=suggestion.grade,
        grade_reason=reason,
        status=S.RECEIVED,
        received_at=now,
        paused_seconds=0,
        response_breached=False,
        resolution_breached=False,
        escalation_level=0,
        reopen_count=0,
        sla_policy_id=policy.id,
    )
    session.add(complaint)
    session.flush()
    session.add(
        sla.make_event(
            complaint,
            "received",
            actor=actor,
            at=now,
            to_status=S.RECEIVED,
            note=reason,
            data={
                "grade": grade,
                "suggested_grade": suggestion.grade,
                "rules": [r.as_data() for r in suggestion.rules],
                "channel": data.channel,
            },
        )
    )
    sla.refresh(session, complaint, now, policy=policy)
    session.flush()
    log.info("complaint %s taken (grade %d)", complaint.number, grade)
    return _view(session, complaint)


def _chosen_grade(
    actor: Actor, data: ComplaintInput, suggestion: GradeSuggestion
) -> tuple[int, str | None]:
    """The grade and, when it is not the suggested one, the reason typed for it."""
    if data.grade is None or data.grade == suggestion.grade:
        return suggestion.grade, None
    reason = (data.grade_reason or "").strip()
    if not reason:
        raise ValidationError(
            {"grade_reason": _("Say why the grade differs from the suggested grade.")}
        )
    if data.grade > suggestion.grade and not allowed(actor, Permission.COMPLAINT_SUPERVISE):
        raise PermissionDenied(
            _("Only a supervisor may lower the urgency below the suggested grade {grade}.").format(
                grade=suggestion.grade
            )
        )
    return data.grade, reason


def next_number(
    session: Session, branch_id: str, now: datetime, *, issued: Iterable[str] = ()
) -> str:
    """BR001-20261122-A0001: branch, local date, this PC's code and a running number per PC
    and day (deleted complaints included), so PCs of one branch never issue the same number
    offline. Numbers issued before PC codes (BR001-20261122-0001) stay as they are.

    Complaints sync set aside here (``sync_parked``) count too: after a restored backup this
    PC's earlier numbers may come back from head office while a clash keeps them out of the
    table, and a number must not be issued twice. ``issued``: more numbers to count as
    issued (services.conflicts, renumbering, passes the numbers records used to have)."""
    prefix = f"{branch_id}-{to_local(now):%Y%m%d}-{this_pc_code(session)}"
    last = session.scalar(
        select(Complaint.number)
        .where(Complaint.number >= prefix + "0", Complaint.number < prefix + ":")
        .order_by(func.length(Complaint.number).desc(), Complaint.number.desc())
        .limit(1)
        .execution_options(include_deleted=True)
    )
    number = func.json_extract(SyncParked.data, "$.number")
    parked = session.scalars(
        select(number).where(
            SyncParked.table_name == "complaint", number >= prefix + "0", number < prefix + ":"
        )
    )
    seq = _highest(prefix, [*([last] if last else []), *parked, *issued]) + 1
    return f"{prefix}{seq:04d}"


def _highest(prefix: str, numbers: Iterable[Any]) -> int:
    """The highest running number after ``prefix`` among ``numbers`` (0 if none)."""
    tails = [str(n)[len(prefix) :] for n in numbers if str(n).startswith(prefix)]
    return max((int(tail) for tail in tails if tail.isdigit()), default=0)


# --- reading ----------------------------------------------------------------------------------


def _get(session: Session, complaint_id: str) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.deleted_at is not None:
        raise NotFound(_("The complaint no longer exists."))
    return complaint


def get_complaint(*, session: Session, complaint_id: str) -> ComplaintView:
    """One complaint for display."""
    return _view(session, _get(session, complaint_id))


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


def _view(session: Session, c: Complaint) -> ComplaintView:
    customer = session.get(Customer, c.customer_id)
    phone = session.scalar(
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == c.customer_id)
        .order_by(CustomerPhone.position)
    )
    categories = sla.code_labels(session, ReferenceKind.COMPLAINT_CATEGORY)
    causes = sla.code_labels(session, ReferenceKind.ROOT_CAUSE)
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
        description=c.description,
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


def complaint_events(*, session: Session, complaint_id: str) -> list[EventView]:
    """The timeline of a complaint, oldest first."""
    _get(session, complaint_id)
    events = sorted(
        session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)),
        key=_event_order,
    )
    names = staff_names(session, (e.actor_id for e in events))
    causes = sla.code_labels(session, ReferenceKind.ROOT_CAUSE)
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
            or _(str((e.data or {}).get("actor_name") or sla.SYSTEM_NAME)),
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
        level=sla.escalation_label(int(d.get("level", 1)))
    ),
    "closed": _closed_title,
    "assigned": lambda d, _c: _("Assigned to {name}").format(name=d.get("assignee_name") or "?"),
}


def event_title(kind: str, data: Mapping[str, Any], causes: Mapping[str, str]) -> str:
    """One line saying what a timeline event was, translated."""
    builder = _TITLE_BUILDERS.get(kind)
    if builder is not None:
        return builder(data, causes)
    return _(EVENT_TITLES.get(kind, kind))


# --- workflow -----------------------------------------------------------------------------


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
    policy: sla.Policy
    cal: sla.BusinessCalendar
    events: list[ComplaintEvent] = field(default_factory=list)


def _begin(
    session: Session, actor: Actor, complaint_id: str, step_name: str, now: datetime | None
) -> _Ctx:
    complaint = _get(session, complaint_id)
    reason = refusal(actor, step_name, complaint.status)
    if reason is not None:
        step = STEPS[step_name]
        if complaint.status not in step.sources:
            raise InvalidTransition(reason)
        raise PermissionDenied(reason)
    now = now or utcnow()
    policy = sla.policy_for(session, complaint.sla_policy_id)
    cal = sla.calendar_for(policy, sla.holidays(session))
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
    return _view(ctx.session, c)


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
    causes = {c.code for c in sla.reference_codes(session, ReferenceKind.ROOT_CAUSE)}
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
        return _view(session, c)
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
    return [_view(session, c) for c in rows]


# --- customer timeline ------------------------------------------------------------------------

TIMELINE_KINDS = {
    "received": "complaint",
    "closed": "complaint_closed",
    "reopened": "complaint_reopened",
}
TIMELINE_ICONS = {
    "complaint": "complaints",
    "complaint_closed": "complaint_closed",
    "complaint_reopened": "complaint_reopened",
}
_registered: set[str] = set()


def complaint_timeline(session: Session, customer_id: str) -> list[Any]:
    """The customer's complaints on their timeline: received, closed, reopened (newest first).

    The title leads with the category (the profile's column is narrow) and says "Repeat
    complaint" when the repeat rule fired at intake, so repeat complainers stand out.
    """
    from branch_crm.services.customers import TimelineEntry

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
    categories = sla.code_labels(session, ReferenceKind.COMPLAINT_CATEGORY)
    causes = sla.code_labels(session, ReferenceKind.ROOT_CAUSE)
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
            )
        )
    return entries


def _has_rule(data: Mapping[str, Any] | None, code: str) -> bool:
    """True when the grade rule ``code`` fired when the complaint was taken."""
    return any(GradeRule.from_data(r).code == code for r in (data or {}).get("rules", ()))


def register_customer_timeline() -> None:
    """Put complaints on the customer timeline (services.customers); safe to call twice."""
    if "timeline" in _registered:
        return
    from branch_crm.services.customers import register_timeline_provider

    register_timeline_provider(complaint_timeline)
    _registered.add("timeline")
