"""Names of complaint facts for people: states, channels, grades, escalation levels; money
and durations written out."""

from __future__ import annotations

from branch_crm.i18n import N_, _
from branch_crm.models import Channel, ComplaintStatus

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
ESCALATION_LABELS = (N_("Assignee"), N_("Supervisor"), N_("Head office"))
SYSTEM_NAME = N_("SLA monitor")


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


def escalation_label(level: int) -> str:
    """Translated name of an escalation level (0 assignee, 1 supervisor, 2 head office)."""
    return _(ESCALATION_LABELS[max(0, min(level, 2))])
