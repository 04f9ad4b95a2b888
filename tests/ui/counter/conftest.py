"""Fixtures of the counter desk UI tests: customers made through the real services, and
profile windows closed after each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _close_profiles(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Profile windows opened by a test are closed after it."""
    yield
    from branch_crm.ui.counter import actions

    for dialog in actions.open_profiles():
        dialog._close_confirmed = True
        dialog.close()
    actions._open.clear()


@pytest.fixture
def add_customer(ctx, ctx_write):  # type: ignore[no-untyped-def]
    """add_customer(name, phone, **fields) creates a customer through the real service."""
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    def add(name: str, phone: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return ctx_write(
            ctx, create_customer, data=CustomerInput(name=name, phones=[phone], **kwargs)
        )

    return add


@pytest.fixture
def people(add_customer):  # type: ignore[no-untyped-def]
    """A few customers to find: name -> CustomerView."""
    rows = [
        ("张三", "13812345678", {"company": "上海顺达贸易有限公司"}),
        ("张三丰", "13900001111", {}),
        ("李四", "13712340000", {"company": "杭州云仓电子商务"}),
        ("王五", "021-5555 1234", {}),
        ("赵六", "15866665678", {}),
    ]
    return {name: add_customer(name, phone, **kw) for name, phone, kw in rows}


@pytest.fixture
def page(qtbot, ctx, people, show):  # type: ignore[no-untyped-def]
    """The lookup page, shown, with ``people`` to find (searches at once, no debounce)."""
    from branch_crm.ui.counter.lookup_page import LookupPage

    widget = LookupPage(ctx, debounce_ms=0)
    qtbot.addWidget(widget)
    show(widget)
    return widget
