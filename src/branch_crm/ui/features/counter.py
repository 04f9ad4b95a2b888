"""Counter desk hooks: the customer opener other features use, timeline icons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.ui import registry

if TYPE_CHECKING:
    from branch_crm.ui.context import AppContext


def _open_customer(ctx: AppContext, customer_id: str) -> None:
    from branch_crm.ui.counter import actions

    actions.open_customer(ctx, customer_id)


registry.set_customer_opener(_open_customer)
registry.register_timeline_renderer("customer", "customers")
registry.register_timeline_renderer("preference", "courier")
