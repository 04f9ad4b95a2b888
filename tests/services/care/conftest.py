"""Fixtures of the care follow-up service tests: staff rows behind the test actors,
customers and tasks written with the ORM (``call`` and ``clock`` are in tests/conftest.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest


@pytest.fixture(autouse=True)
def staff(db, admin):  # type: ignore[no-untyped-def]
    """Staff rows with the ids of the test actors (so names resolve), plus a disabled one."""
    from branch_crm.models import Staff
    from branch_crm.services.context import unit_of_work

    rows = {
        "staff-counter": ("counter", "王柜台", "counter", True),
        "staff-courier": ("courier", "李快递", "courier", True),
        "staff-supervisor": ("supervisor", "赵主管", "supervisor", True),
        "staff-gone": ("gone", "离职员工", "counter", False),
    }
    with unit_of_work(db, admin) as session:
        for sid, (user, name, role, active) in rows.items():
            session.add(
                Staff(id=sid, username=user, display_name=name, role=role,
                      password_hash="x", active=active)
            )  # fmt: skip
    return {sid: row[1] for sid, row in rows.items()}


@pytest.fixture
def make_customer(db, counter):  # type: ignore[no-untyped-def]
    """make_customer(name, phone) -> id."""
    from branch_crm.models import Customer, CustomerPhone
    from branch_crm.services.context import unit_of_work

    def make(name: str = "张三", phone: str | None = "13812345678") -> str:
        with unit_of_work(db, counter) as session:
            customer = Customer(name=name)
            session.add(customer)
            session.flush()
            if phone:
                session.add(CustomerPhone(customer_id=customer.id, phone=phone, position=0))
                session.add(CustomerPhone(customer_id=customer.id, phone="021" + phone[-8:],
                                          position=1))  # fmt: skip
            return str(customer.id)

    return make


@pytest.fixture
def make_task(db, counter):  # type: ignore[no-untyped-def]
    """make_task(customer_id, due_in_days, assignee_id=None, title=...) -> task id."""
    from branch_crm.models import CareTask
    from branch_crm.services.context import unit_of_work
    from branch_crm.timeutil import local_today

    def make(
        customer_id: str,
        due_in_days: int = 0,
        *,
        assignee_id: str | None = None,
        title: str = "Survey follow-up: NPS 3",
        notes: str | None = "派送太慢",
        kind: str = "survey_follow_up",
        due_on: date | None = None,
    ) -> str:
        with unit_of_work(db, counter) as session:
            task = CareTask(
                customer_id=customer_id,
                kind=kind,
                due_on=due_on or local_today() + timedelta(days=due_in_days),
                status="open",
                title=title,
                notes=notes,
                assignee_id=assignee_id,
            )
            session.add(task)
            session.flush()
            return str(task.id)

    return make
