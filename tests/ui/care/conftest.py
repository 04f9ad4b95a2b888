"""Fixtures of the follow-up UI tests: staff rows behind the test actors, customers with
open care tasks, and dialogs that never block."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Dialogs of the follow-up page open without blocking; the list collects them."""
    from branch_crm.ui.care import dialogs, visit_dialog

    shown: list[Any] = []

    def fake_exec(dialog: Any) -> int:
        shown.append(dialog)
        dialog.show()
        return 0

    monkeypatch.setattr(dialogs.CloseFollowUpDialog, "exec", fake_exec)
    monkeypatch.setattr(dialogs.ReassignDialog, "exec", fake_exec)
    monkeypatch.setattr(dialogs.PostponeDialog, "exec", fake_exec)
    monkeypatch.setattr(visit_dialog.VisitDialog, "exec", fake_exec)
    return shown


@pytest.fixture(autouse=True)
def staff(db, admin):  # type: ignore[no-untyped-def]
    """Staff rows with the ids of the test actors."""
    from branch_crm.models import Staff
    from branch_crm.services.context import unit_of_work

    rows = {
        "staff-counter": ("counter", "王柜台", "counter"),
        "staff-courier": ("courier", "李快递", "courier"),
        "staff-supervisor": ("supervisor", "赵主管", "supervisor"),
    }
    with unit_of_work(db, admin) as session:
        for sid, (user, name, role) in rows.items():
            session.add(Staff(id=sid, username=user, display_name=name, role=role,
                              password_hash="x"))  # fmt: skip


@pytest.fixture
def tasks(db, counter):  # type: ignore[no-untyped-def]
    """Three customers with open tasks: overdue (supervisor's), today (counter's), in 3 days
    (courier's); returns {label: (task id, customer id)}."""
    from branch_crm.models import CareTask, Customer, CustomerPhone
    from branch_crm.services.context import unit_of_work
    from branch_crm.timeutil import local_today

    specs = {
        "overdue": ("张三", "13812345678", -2, "staff-supervisor", "Survey follow-up: NPS 3"),
        "today": ("李四", "13900001111", 0, "staff-counter", "Survey follow-up: Timeliness 2"),
        "later": ("王五", "13700002222", 3, "staff-courier", "Birthday call"),
    }
    out: dict[str, tuple[str, str]] = {}
    with unit_of_work(db, counter) as session:
        for label, (name, phone, days, assignee, title) in specs.items():
            customer = Customer(name=name)
            session.add(customer)
            session.flush()
            session.add(CustomerPhone(customer_id=customer.id, phone=phone, position=0))
            task = CareTask(customer_id=customer.id, kind="survey_follow_up",
                            due_on=local_today() + timedelta(days=days), status="open",
                            title=title, notes="派送太慢" if days < 0 else None,
                            assignee_id=assignee)  # fmt: skip
            session.add(task)
            session.flush()
            out[label] = (task.id, customer.id)
    return out
