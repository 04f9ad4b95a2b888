"""Staff accounts page (admins): add, edit, disable, reset password, unlock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.shell.staff_page import StaffPage

    return StaffPage(ctx)


PAGE = PageSpec(
    key="staff",
    title=N_("Staff"),
    icon="staff",
    factory=_factory,
    order=90,
    permission=Permission.STAFF_MANAGE,
)
