"""What other features add to the customer profile: its buttons (:data:`PROFILE_ACTIONS`,
listed here in order) and the icons of the timeline's entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWidget

from branch_crm.i18n import N_, _
from branch_crm.reference.roles import Permission
from branch_crm.services.permissions import allowed
from branch_crm.ui import messages
from branch_crm.ui.counter.timeline_icons import TIMELINE_ICONS
from branch_crm.ui.icons import icon

if TYPE_CHECKING:
    from branch_crm.services.timeline_entry import TimelineEntry
    from branch_crm.ui.context import AppContext

__all__ = ["PROFILE_ACTIONS", "CustomerAction", "icon", "open_timeline_entry", "timeline_icon"]


@dataclass(frozen=True)
class CustomerAction:
    """A button on the customer profile (``label`` marked with N_, translated when shown):
    ``handler(ctx, customer_id, parent_widget)``."""

    label: str
    icon: str
    handler: Callable[[AppContext, str, QWidget], None]
    shortcut: str = ""
    """Key of the action in the profile window (portable text, e.g. "Ctrl+N")."""
    permission: Permission | None = None
    """Shown only to roles with this right (None: everyone)."""


def _new_complaint(ctx: AppContext, customer_id: str, parent: QWidget) -> None:
    """Take a complaint from this customer."""
    from branch_crm.ui.complaints.take_dialog import take_complaint

    if not allowed(ctx.actor, Permission.COMPLAINT_CREATE):
        messages.show_error(parent, _("You may not take complaints."))
        return
    take_complaint(ctx, customer_id=customer_id, parent=parent)


def _print_survey(ctx: AppContext, customer_id: str, parent: QWidget) -> None:
    """Print a numbered survey form for this customer."""
    from branch_crm.ui.survey_print.actions import print_survey

    print_survey(ctx, customer_id, parent)


def _record_visit(ctx: AppContext, customer_id: str, parent: QWidget) -> None:
    """Record a visit, call or message to this customer (closes its due visit task)."""
    from branch_crm.services.customers.profile import get_customer
    from branch_crm.ui.care.visit_dialog import record_visit_for

    view = ctx.read(get_customer, customer_id=customer_id)
    phone = view.phones[0].display if view.phones else ""
    record_visit_for(ctx, customer_id, f"{view.name}  {phone}".strip(), parent)


def _merge_with(ctx: AppContext, customer_id: str, parent: QWidget) -> None:
    """Merge another record of the same person into this one (supervisors)."""
    from branch_crm.ui.records.actions import merge_with

    merge_with(ctx, customer_id, parent)


def _delete_customer(ctx: AppContext, customer_id: str, parent: QWidget) -> None:
    """Delete this customer, with an undo for a few seconds (supervisors)."""
    from branch_crm.ui.records.actions import delete_customer

    delete_customer(ctx, customer_id, parent)


PROFILE_ACTIONS: tuple[CustomerAction, ...] = (
    CustomerAction(N_("New &complaint"), "complaint_new", _new_complaint, "Ctrl+N"),
    CustomerAction(N_("Print &survey"), "survey_print", _print_survey, "Ctrl+P"),
    CustomerAction(N_("&Record visit…"), "care_visit", _record_visit, "Ctrl+Shift+V"),
    CustomerAction(
        N_("Merge with…"),
        "customer_merge",
        _merge_with,
        "Ctrl+Shift+M",
        Permission.RECORD_DELETE,
    ),
    CustomerAction(
        N_("Delete…"), "record_delete", _delete_customer, "Ctrl+Shift+D", Permission.RECORD_DELETE
    ),
)
"""The feature buttons of the customer profile, left to right (before Save and Close)."""


def open_timeline_entry(ctx: AppContext, entry: TimelineEntry, parent: QWidget) -> bool:
    """Open what a timeline entry is about: a complaint's detail window; other entries show
    in full in a small window. True when something was opened."""
    if entry.kind.startswith("complaint") and entry.ref and ctx.main_window is not None:
        ctx.main_window.open_complaint(entry.ref)
        return True
    from branch_crm.timeutil import to_local

    when = to_local(entry.at).strftime("%Y-%m-%d %H:%M")
    who = entry.actor_name or _("the system")
    text = "\n\n".join(p for p in (entry.title, entry.detail) if p)
    messages.info(parent, _("{when} · {who}").format(when=when, who=who) + "\n\n" + text)
    return True


def timeline_icon(kind: str) -> QIcon:
    """The icon of a timeline entry kind (empty when it has none)."""
    name = TIMELINE_ICONS.get(kind)
    return icon(name) if name else QIcon()
