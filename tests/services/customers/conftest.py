"""Fixtures of the customer service tests: staff rows for names, counts straight from the file
(``call`` is in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def staff(db, admin):  # type: ignore[no-untyped-def]
    """Staff rows behind the role actors of tests/conftest.py (so names can be shown)."""
    from branch_crm.models import Staff
    from branch_crm.services.context import unit_of_work

    names = {
        "counter": "柜台小王",
        "courier": "揽件员老李",
        "supervisor": "主管",
        "admin": "管理员",
    }
    with unit_of_work(db, admin, audit=False) as session:
        for role, name in names.items():
            session.add(
                Staff(
                    id=f"staff-{role}",
                    username=role,
                    display_name=name,
                    role=role,
                    password_hash="x",
                )
            )
    return names


@pytest.fixture
def count(db):  # type: ignore[no-untyped-def]
    """count(sql): a scalar straight from the database file."""

    def run(sql: str) -> int:
        with db.engine.connect() as conn:
            return int(conn.exec_driver_sql(sql).scalar() or 0)

    return run


@pytest.fixture
def customer(call, counter, staff) -> str:  # type: ignore[no-untyped-def]
    """张三 with one mobile number, made through the service: its id."""
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    data = CustomerInput(name="张三", phones=["13812345678"])
    return str(call(counter, create_customer, data=data).id)
