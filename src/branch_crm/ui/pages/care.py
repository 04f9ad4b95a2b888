"""Follow-ups page: open customer care tasks (survey detractors and others) to close."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.care.page import FollowUpsPage

    return FollowUpsPage(ctx)


PAGE = PageSpec(
    key="care",
    title=N_("Follow-ups"),
    icon="care_tasks",
    factory=_factory,
    order=35,
    permission=Permission.CUSTOMER_VIEW,
    shortcut="Ctrl+6",
)
