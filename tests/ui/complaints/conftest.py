"""Fixtures of the complaint UI tests: app contexts per role on a real database (synchronous
task runner), patched message boxes, customers made through the real counter services, and a
frozen clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
import time_machine
from complaint_ui_helpers import make_context


@dataclass
class Boxes:
    """What the patched ui.messages functions were asked to show."""

    errors: list[Any] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    confirms: list[str] = field(default_factory=list)
    answer: bool = True


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    """Patch the shell's message boxes so nothing modal blocks a test."""
    from branch_crm.ui import messages

    recorded = Boxes()

    def confirm(_parent: object, text: str, *args: object, **kwargs: object) -> bool:
        recorded.confirms.append(text)
        return recorded.answer

    monkeypatch.setattr(messages, "show_error", lambda _p, e, *a, **k: recorded.errors.append(e))
    monkeypatch.setattr(messages, "info", lambda _p, t, *a, **k: recorded.infos.append(t))
    monkeypatch.setattr(messages, "confirm", confirm)
    return recorded


@pytest.fixture
def ctx(qapp, db, counter, boxes):  # type: ignore[no-untyped-def]
    """Counter staff signed in."""
    return make_context(db, counter)


@pytest.fixture
def sup_ctx(qapp, db, supervisor, boxes):  # type: ignore[no-untyped-def]
    """A supervisor signed in (same database)."""
    return make_context(db, supervisor)


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


@pytest.fixture
def clock() -> Iterator[Callable[[datetime], None]]:
    """clock(instant): freeze time there; call again to move it."""
    travellers: list[tuple[Any, Any]] = []

    def move(instant: datetime) -> None:
        if travellers:
            travellers[-1][1].move_to(instant)
            return
        traveller = time_machine.travel(instant, tick=False)
        travellers.append((traveller, traveller.start()))

    yield move
    for traveller, _coordinates in travellers:
        traveller.stop()


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
