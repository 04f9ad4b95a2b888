"""Fixtures of the complaint service tests: customers written straight into a real database
(``call`` and the frozen ``clock`` are in tests/conftest.py)."""

from __future__ import annotations

import pytest


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
