"""Complaints page: the queue of open complaints by time left."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.complaints.queue_page import ComplaintQueuePage

    return ComplaintQueuePage(ctx)


PAGE = PageSpec(
    key="complaints",
    title=N_("Complaints"),
    icon="complaints",
    factory=_factory,
    order=30,
    permission=Permission.COMPLAINT_WORK,
    shortcut="Ctrl+3",
)
