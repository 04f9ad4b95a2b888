"""The suggested grade of a complaint: the head-office rules (DOMAIN.md) and which of them fired."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.models import Complaint, CustomerStats
from branch_crm.services.complaints.labels import format_money
from branch_crm.services.settings import values as settings
from branch_crm.timeutil import utcnow

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
