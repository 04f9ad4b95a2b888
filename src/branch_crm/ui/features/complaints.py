"""Complaint hooks: home card, status bar counts, "New complaint" on the customer profile,
timeline icons; importing it also registers the complaints on the customer timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_, _
from branch_crm.services import complaints as _complaints
from branch_crm.services.permissions import Permission, allowed
from branch_crm.ui import registry

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _home_card(ctx: AppContext) -> QWidget:
    from branch_crm.ui.complaints.widgets import ComplaintHomeCard

    return ComplaintHomeCard(ctx)


def _status_widget(ctx: AppContext) -> QWidget:
    from branch_crm.ui.complaints.widgets import ComplaintStatusWidget

    return ComplaintStatusWidget(ctx)


def _new_complaint(ctx: AppContext, customer_id: str, parent: QWidget | None) -> None:
    from branch_crm.ui import messages
    from branch_crm.ui.complaints.take_dialog import take_complaint

    if not allowed(ctx.actor, Permission.COMPLAINT_CREATE):
        messages.show_error(parent, _("You may not take complaints."))
        return
    take_complaint(ctx, customer_id=customer_id, parent=parent)


_complaints.register_customer_timeline()
registry.register_home_card(_home_card, 30)
registry.register_status_widget(_status_widget, 30)
registry.register_customer_action(N_("New complaint"), "complaint_new", _new_complaint)
for _kind, _icon in _complaints.TIMELINE_ICONS.items():
    registry.register_timeline_renderer(_kind, _icon)
