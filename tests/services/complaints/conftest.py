"""Fixtures of the complaint service tests: customers written straight into a real database,
a unit-of-work helper and a frozen clock (time-machine) in Asia/Shanghai wall time."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine


@pytest.fixture
def call(db):  # type: ignore[no-untyped-def]
    """call(actor, fn, **kwargs): run a service function in its own unit of work."""
    from branch_crm.services.context import unit_of_work

    def run(actor: Any, fn: Callable[..., Any], **kwargs: Any) -> Any:
        with unit_of_work(db, actor) as session:
            if "actor" in inspect.signature(fn).parameters:
                return fn(session=session, actor=actor, **kwargs)
            return fn(session=session, **kwargs)

    return run


@pytest.fixture
def make_customer(db, counter):  # type: ignore[no-untyped-def]
    """make_customer(name, tier=None, phone=None) -> id, written with the ORM."""
    from branch_crm.models import Customer, CustomerPhone, CustomerStats
    from branch_crm.services.context import unit_of_work

    def make(name: str = "张三", tier: str | None = None, phone: str | None = None) -> str:
        with unit_of_work(db, counter) as session:
            customer = Customer(name=name)
            session.add(customer)
            session.flush()
            if phone:
                session.add(CustomerPhone(customer_id=customer.id, phone=phone, position=0))
            if tier:
                session.add(
                    CustomerStats(
                        customer_id=customer.id, tier=tier, stage="stable", lifecycle="active"
                    )
                )
            return customer.id

    return make


@pytest.fixture
def clock() -> Iterator[Callable[[datetime], None]]:
    """clock(instant): freeze time at ``instant`` (aware); call again to move it."""
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
