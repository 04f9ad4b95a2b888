"""Feedback forms per month (issue 15; DOMAIN.md: A >= 2, B >= 2, C >= 1): the plan opens a
task per form still due, spread over the month, a survey answer for the customer closes it,
and the visit plan counts forms done / due. Frozen clock across month ends and a leap day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from branch_crm.models import CareTask, Customer
from branch_crm.models.stored_text import render
from branch_crm.services.care.feedback import feedback_progress
from branch_crm.services.care.plan import plan_care, task_id
from branch_crm.services.care.visits import visit_compliance
from branch_crm.services.context import unit_of_work
from branch_crm.services.settings import values as settings
from branch_crm.services.surveys import entry
from tests.support.accounts import BRANCH
from tests.support.surveys import answers


@pytest.fixture
def add(db, counter):  # type: ignore[no-untyped-def]
    def make(name: str = "客户", **columns: Any) -> str:
        with unit_of_work(db, counter) as session:
            customer = Customer(name=name, **columns)
            session.add(customer)
            session.flush()
            return str(customer.id)

    return make


def _feedback(db) -> list[CareTask]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = list(
            session.scalars(
                select(CareTask)
                .where(CareTask.kind == "feedback")
                .order_by(CareTask.period, CareTask.customer_id)
            )
        )
        session.expunge_all()
        return rows


def _answer(call, actor, cid: str, day: date | None = None) -> Any:  # type: ignore[no-untyped-def]
    data = entry.ResponseInput(answers(), answered_on=day)
    return call(actor, entry.record_direct_response, customer_id=cid, channel="phone", data=data)


def _at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)  # 10:00 in Beijing


def test_forms_due_spread_over_the_month_and_closed_by_an_answer(  # type: ignore[no-untyped-def]
    *, call, admin, counter, add, db, clock
) -> None:
    clock(_at(date(2027, 3, 1)))
    a = add("甲", visit_class="A", account_manager_id="staff-counter")
    c = add("丙", visit_class="C")
    add("无类")
    # 2 forms a month in March (31 days): the first by the 16th, the second by the 31st;
    # the plan looks 3 days ahead
    assert call(admin, plan_care, today=date(2027, 3, 12)).created["feedback"] == 0
    assert call(admin, plan_care, today=date(2027, 3, 13)).created["feedback"] == 1
    [first] = _feedback(db)
    assert (first.customer_id, first.due_on, first.period) == (a, date(2027, 3, 16), "2027-03#1")
    assert first.id == task_id(BRANCH, a, "feedback", "2027-03#1")
    assert first.title == "Feedback form 1 of 2 for 2027-03 (class A)"
    assert render(first.title_message) == first.title
    assert first.assignee_id == "staff-counter"
    # an answer recorded for the customer closes it; the second form falls due later
    clock(_at(date(2027, 3, 14)))
    _answer(call, counter, a)
    [closed] = _feedback(db)
    assert closed.status == "done" and "Survey answer recorded on 2027-03-14" in render(
        closed.outcome_message
    )
    assert call(admin, plan_care, today=date(2027, 3, 14)).created["feedback"] == 0
    made = call(admin, plan_care, today=date(2027, 3, 28)).created["feedback"]
    assert made == 2  # A's second form and C's only one, both due on the 31st
    rows = {(t.customer_id, t.period): t for t in _feedback(db)}
    assert rows[(a, "2027-03#2")].due_on == date(2027, 3, 31)
    assert rows[(c, "2027-03#1")].due_on == date(2027, 3, 31)
    assert rows[(c, "2027-03#1")].title == "Feedback form 1 of 1 for 2027-03 (class C)"
    # again the same day: nothing new
    assert call(admin, plan_care, today=date(2027, 3, 28)).created["feedback"] == 0


def test_leap_february_and_a_late_answer_closes_the_month_before(  # type: ignore[no-untyped-def]
    *, call, admin, counter, add, db, clock
) -> None:
    clock(_at(date(2028, 2, 1)))
    b = add("乙", visit_class="B")
    # February 2028 has 29 days: the first of 2 forms by the 15th, the second by the 29th
    call(admin, plan_care, today=date(2028, 2, 12))
    assert [(t.period, t.due_on) for t in _feedback(db)] == [("2028-02#1", date(2028, 2, 15))]
    clock(_at(date(2028, 2, 20)))
    _answer(call, counter, b)
    call(admin, plan_care, today=date(2028, 2, 26))
    assert [(t.period, t.due_on, t.status) for t in _feedback(db)] == [
        ("2028-02#1", date(2028, 2, 15), "done"),
        ("2028-02#2", date(2028, 2, 29), "open"),
    ]
    # March: its first form by the 16th; an answer in March closes February's open one too
    call(admin, plan_care, today=date(2028, 3, 13))
    clock(_at(date(2028, 3, 1), hour=0))  # 08:00 in Beijing on 1 March
    _answer(call, counter, b)
    assert [(t.period, t.status) for t in _feedback(db)] == [
        ("2028-02#1", "done"),
        ("2028-02#2", "done"),
        ("2028-03#1", "done"),
    ]


def test_a_correction_is_no_new_form_and_quota_zero_plans_nothing(  # type: ignore[no-untyped-def]
    *, call, admin, counter, supervisor, add, db, clock
) -> None:
    clock(_at(date(2027, 4, 1)))
    a = add("甲", visit_class="A")
    first = _answer(call, counter, a)  # 1 April: the first form is done already
    call(admin, plan_care, today=date(2027, 4, 29))  # 30 days: the second form by the 30th
    [task] = _feedback(db)
    assert task.period == "2027-04#2" and task.status == "open"
    call(supervisor, entry.correct_response, response_id=first.response.id,
         data=entry.ResponseInput(answers(scale=5)))  # fmt: skip
    assert _feedback(db)[0].status == "open"  # the same form, corrected
    with unit_of_work(db, admin) as session:
        settings.put(session, admin, "care.feedback_c", 0)
    add("丙", visit_class="C")
    assert call(admin, plan_care, today=date(2027, 4, 29)).created["feedback"] == 0


def test_forms_done_and_due_for_the_plan_and_the_today_card(  # type: ignore[no-untyped-def]
    *, call, admin, counter, supervisor, add, db, clock
) -> None:
    clock(_at(date(2027, 5, 10)))
    a = add("甲", visit_class="A", account_manager_id="staff-counter")
    add("乙", visit_class="B", account_manager_id="staff-supervisor")
    c = add("丙", visit_class="C", account_manager_id="staff-counter")
    for _ in range(3):
        _answer(call, counter, c)  # three for C: only one counts toward "done"
    _answer(call, counter, a)
    everyone = call(supervisor, feedback_progress)
    assert (everyone.month, everyone.done, everyone.due, everyone.customers) == (
        "2027-05",
        2,
        5,
        3,
    )
    assert everyone.missing == 3
    mine = call(counter, feedback_progress, account_manager_id="staff-counter")
    assert (mine.done, mine.due) == (2, 3)
    assert call(supervisor, feedback_progress, month="2027-04").done == 0
    classes = {k.visit_class: k for k in call(supervisor, visit_compliance).classes}
    assert (classes["A"].feedback_done, classes["A"].feedback_due) == (1, 2)
    assert (classes["C"].feedback_done, classes["C"].feedback_due, classes["C"].feedback_met) == (
        1,
        1,
        1,
    )
