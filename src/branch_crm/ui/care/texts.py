"""Words shared by the follow-up views: due dates in words, the phone, the row as one line."""

from __future__ import annotations

from datetime import date

from branch_crm.i18n import _, ngettext
from branch_crm.services.care import follow_ups
from branch_crm.services.customers.search import format_phone


def due_text(due_on: date, today: date) -> str:
    """'3 days overdue', 'today', 'tomorrow' or the date."""
    days = (today - due_on).days
    if days > 0:
        return ngettext("{n} day overdue", "{n} days overdue", days).format(n=days)
    if days == 0:
        return _("today")
    if days == -1:
        return _("tomorrow")
    return due_on.isoformat()


def phone_text(row: follow_ups.FollowUp) -> str:
    """The customer's primary phone in display form ("" when there is none)."""
    return format_phone(row.phone) if row.phone else ""


def one_line(row: follow_ups.FollowUp, today: date) -> str:
    """'today · 张三 138 1234 5678 · Survey follow-up: NPS 3' for compact lists."""
    who = f"{row.customer_name} {phone_text(row)}".strip()
    return f"{due_text(row.due_on, today)} · {who} · {row.title}"


def assignee_text(row: follow_ups.FollowUp) -> str:
    """The assignee's name, or a dash for nobody in particular."""
    return row.assignee_name or ("?" if row.assignee_id else "—")
