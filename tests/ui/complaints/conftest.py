"""Fixtures of the complaint UI tests: customers (written with the ORM or made through the
real counter services), complaints taken through the service, detail windows closed after each
test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def add_customer(ctx, ctx_write):  # type: ignore[no-untyped-def]
    """add_customer(name, phone) -> id, written with the ORM (queue and detail tests)."""
    from branch_crm.models import Customer, CustomerPhone

    def add(name: str, phone: str) -> str:
        def write(*, session: Any) -> str:
            customer = Customer(name=name)
            session.add(customer)
            session.flush()
            session.add(CustomerPhone(customer_id=customer.id, phone=phone, position=0))
            return customer.id

        return str(ctx_write(ctx, write))

    return add


@pytest.fixture
def real_customer(ctx, ctx_write):  # type: ignore[no-untyped-def]
    """real_customer(name, phone) -> id, through the counter desk's customer service."""
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    def add(name: str, phone: str) -> str:
        return str(
            ctx_write(ctx, create_customer, data=CustomerInput(name=name, phones=[phone])).id
        )

    return add


@pytest.fixture
def take(ctx, ctx_write):  # type: ignore[no-untyped-def]
    """take(customer_id, category, **fields) -> ComplaintView via the service."""
    from branch_crm.services.complaints import intake

    def run(customer_id: str, category: str = "delay", **kwargs: Any) -> Any:
        data = intake.ComplaintInput(customer_id, kwargs.pop("channel", "counter"), category, "x",
                                 **kwargs)  # fmt: skip
        return ctx_write(ctx, intake.take_complaint, data=data)

    return run


@pytest.fixture(autouse=True)
def _close_details(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Detail windows opened by a test are closed after it."""
    yield
    from shiboken6 import isValid

    from branch_crm.ui.complaints import detail

    for dialog in detail.open_details():
        if isValid(dialog):
            dialog.close()
    detail._open.clear()
