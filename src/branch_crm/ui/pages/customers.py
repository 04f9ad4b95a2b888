"""Customer list page: every customer, filtered and sorted, a million rows smoothly."""

from __future__ import annotations

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec


def _factory(ctx):  # type: ignore[no-untyped-def]
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
