"""Customer list page: every customer, filtered and sorted, a million rows smoothly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.counter.customer_list import CustomerListPage

    return CustomerListPage(ctx)


PAGE = PageSpec(
    key="customers",
    title=N_("Customers"),
    icon="customers",
    factory=_factory,
    order=20,
    permission=Permission.CUSTOMER_VIEW,
    shortcut="Ctrl+2",
)
