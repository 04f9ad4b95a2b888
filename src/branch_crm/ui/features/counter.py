"""Counter desk hooks: the customer opener other features use."""

from __future__ import annotations

from branch_crm.ui import registry


def _open_customer(ctx, customer_id: str) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter import actions

    actions.open_customer(ctx, customer_id)


registry.set_customer_opener(_open_customer)
