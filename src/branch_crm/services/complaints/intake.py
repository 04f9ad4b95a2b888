"""Taking a complaint at the counter: the input, its checks, the grade chosen, the new complaint."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from branch_crm.errors import PermissionDenied, ValidationError
from branch_crm.i18n import _
from branch_crm.models import Channel, Complaint, Customer, ReferenceKind
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints import numbers, sla
from branch_crm.services.complaints.grading import GradeSuggestion, suggest_grade
from branch_crm.services.complaints.labels import GRADES, S, format_money
from branch_crm.services.complaints.policy import active_policy
from branch_crm.services.complaints.reference import ensure_reference_data, reference_codes
from branch_crm.services.complaints.views import ComplaintView, complaint_view
from branch_crm.services.context import Actor
from branch_crm.services.permissions import allowed, require
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)


MAX_DESCRIPTION = 4000


MAX_COMPENSATION_CENTS = 100_000_000  # ¥1,000,000: anything above is a typing mistake
WAYBILL_PATTERNS = (
    re.compile(r"^[A-Z]{0,4}\d{8,20}$"),  # SF1234567890123, JDVA00012345678, 773012345678
    re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$"),  # UPU S10 (EMS): EA123456789CN
)


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
    description_message: dict[str, Any] | None = None
    """A description the program wrote, as a stored message (``description`` then holds the
    same in English words); shown in the reader's language."""


# --- taking a complaint ---------------------------------------------------------------------


def validate_complaint(session: Session, data: ComplaintInput) -> dict[str, str]:
    """Field name -> message for everything wrong with ``data`` (empty when fine)."""
    errors: dict[str, str] = {}
    customer = session.get(Customer, data.customer_id) if data.customer_id else None
    if customer is None or customer.deleted_at is not None:
        errors["customer_id"] = _("Choose the customer (look up or create one).")
    if data.channel not in set(Channel):
        errors["channel"] = _("Choose how the complaint came in.")
    categories = {c.code for c in reference_codes(session, ReferenceKind.COMPLAINT_CATEGORY)}
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
    ensure_reference_data(session)
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
    policy = active_policy(session)
    complaint = Complaint(
        number=numbers.next_number(session, actor.branch_id, now),
        customer_id=data.customer_id,
        waybill_no=normalize_waybill(data.waybill_no),
        channel=data.channel,
        category=data.category,
        description=data.description.strip(),
        description_message=data.description_message,
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
    return complaint_view(session, complaint)


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
