"""Recording visits (issue 15): the matching task closes, the visit shows on the customer's
timeline, is audited, and counts toward the visit plan; postponing and the Today filters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from branch_crm.errors import NotFound, PermissionDenied, ValidationError
from branch_crm.models import AuditEntry, CareTask, Customer, SurveyResponse
from branch_crm.services.care import follow_ups
from branch_crm.services.care.plan import plan_care
from branch_crm.services.care.visits import (
    list_visits,
    record_visit,
    required_visits,
    visit_compliance,
)
from branch_crm.services.context import unit_of_work
from branch_crm.services.timeline import customer_timeline


@pytest.fixture
def add(db, counter):  # type: ignore[no-untyped-def]
    """add(name, **columns) -> customer id."""

    def make(name: str = "客户", **columns: Any) -> str:
        with unit_of_work(db, counter) as session:
            customer = Customer(name=name, **columns)
            session.add(customer)
            session.flush()
            return str(customer.id)

    return make


def _task(db, task_id: str) -> CareTask:  # type: ignore[no-untyped-def]
    with db.session() as session:
        task = session.get(CareTask, task_id)
        assert task is not None
        session.expunge(task)
        return task


def test_a_visit_closes_the_plans_task_and_shows_on_the_timeline(
    *,
    # type: ignore[no-untyped-def]
    call,
    admin,
    counter,
    add,
    db,
    clock,
) -> None:
    clock(datetime(2027, 3, 10, 2, 0, tzinfo=UTC))
    cid = add("张三", visit_class="C", account_manager_id="staff-counter")
    assert call(admin, plan_care).created["visit"] == 1
    [open_task] = call(counter, follow_ups.list_follow_ups, due_by=date(2027, 3, 10))
    view = call(counter, record_visit, customer_id=cid, kind="visit", outcome="客户很满意",
                next_step="下月报价", next_visit_on=date(2027, 4, 2))  # fmt: skip
    assert view.closed_task_ids == (open_task.id,) and view.task_id == open_task.id
    task = _task(db, open_task.id)
    assert task.status == "done" and task.done_at is not None
    assert follow_ups.outcome(task.status, task.notes, task.outcome_message) == (
        "On-site visit: 客户很满意"
    )
    entries = call(counter, customer_timeline, customer_id=cid)
    visit = next(e for e in entries if e.kind == "visit")
    assert visit.title == "On-site visit: 客户很满意"
    assert visit.detail == "For: Visit; Next step: 下月报价; Next visit: 2027-04-02"
    assert visit.actor_name == "王柜台" and visit.ref == view.id
    assert any(e.kind == "care_done" for e in entries)
    with db.session() as session:
        audited = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "visit")
        ).all()
    assert audited == ["create"]
    assert [v.id for v in call(counter, list_visits, customer_id=cid)] == [view.id]
    # the plan now waits for the agreed next visit
    assert call(admin, plan_care).created["visit"] == 0


def test_a_call_closes_the_task_it_was_made_for(call, admin, counter, add, db) -> None:  # type: ignore[no-untyped-def]
    cid = add("李四", birthday=date(1980, 5, 3), marketing_consent=True)
    call(admin, plan_care, today=date(2027, 5, 1))
    [task] = call(counter, follow_ups.list_follow_ups)
    other = add("王五")
    with pytest.raises(NotFound):
        call(counter, record_visit, customer_id=other, kind="call", outcome="生日快乐",
             task_id=task.id)  # fmt: skip
    view = call(counter, record_visit, customer_id=cid, kind="call", outcome="祝生日快乐",
                task_id=task.id)  # fmt: skip
    assert view.closed_task_ids == (task.id,)
    assert _task(db, task.id).status == "done"
    with pytest.raises(NotFound):  # closed already
        call(counter, record_visit, customer_id=cid, kind="call", outcome="again", task_id=task.id)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "fax"}, "kind"),
        ({"outcome": " "}, "outcome"),
        ({"outcome": "x" * 501}, "outcome"),
        ({"at": datetime(2099, 1, 1, tzinfo=UTC)}, "at"),
        ({"next_visit_on": date(2000, 1, 1)}, "next_visit_on"),
        ({"staff_id": "nobody"}, "staff"),
    ],
)
def test_visit_input_is_checked(*, call, counter, add, db, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    cid = add()
    values = {"kind": "visit", "outcome": "聊过了", **kwargs}
    with pytest.raises(ValidationError) as err:
        call(counter, record_visit, customer_id=cid, **values)
    assert field in err.value.fields
    assert list_visits is not None and call(counter, list_visits, customer_id=cid) == []


def test_postpone_and_the_today_filters(*, call, admin, counter, courier, add, db) -> None:  # type: ignore[no-untyped-def]
    mine = add("甲", visit_class="A", account_manager_id="staff-counter")
    add("乙", visit_class="A", account_manager_id="staff-supervisor")
    call(admin, plan_care, today=date(2027, 2, 4))  # Spring Festival greetings, due 6 Feb
    by_manager = call(counter, follow_ups.list_follow_ups, account_manager_id="staff-counter")
    assert {t.customer_id for t in by_manager} == {mine}
    today = call(counter, follow_ups.list_follow_ups, due_by=date(2027, 2, 5), kinds=("greeting",))
    assert today == []
    greeting = call(counter, follow_ups.list_follow_ups, kinds=("greeting",))[0]
    moved = call(counter, follow_ups.postpone_follow_up, task_id=greeting.id,
                 due_on=date(2027, 2, 8), note="客户出差")  # fmt: skip
    assert moved.due_on == date(2027, 2, 8) and moved.notes == "客户出差"
    with pytest.raises(Exception, match="may not postpone"):  # not the courier's task
        call(courier, follow_ups.postpone_follow_up, task_id=greeting.id, due_on=date(2027, 3, 1))


def _answer(db, admin, cid: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.reference.defaults import DEFAULT_TEMPLATE_ID

    with unit_of_work(db, admin) as session:
        session.add(SurveyResponse(template_id=DEFAULT_TEMPLATE_ID, customer_id=cid,
                                   channel="phone", answers={}, answered_on=when))  # fmt: skip


def test_visit_plan_compliance_per_class_and_manager(
    *,
    # type: ignore[no-untyped-def]
    call,
    admin,
    counter,
    supervisor,
    add,
    db,
    clock,
) -> None:
    clock(datetime(2027, 3, 20, 2, 0, tzinfo=UTC))
    c1 = add("丙一", visit_class="C", account_manager_id="staff-counter")
    add("丙二", visit_class="C", account_manager_id="staff-supervisor")
    a1 = add("甲一", visit_class="A", account_manager_id="staff-counter")
    add("无类")
    march = datetime(2027, 3, 5, 2, 0, tzinfo=UTC)
    call(counter, record_visit, customer_id=c1, kind="visit", outcome="很好", at=march)
    call(counter, record_visit, customer_id=a1, kind="call", outcome="好的", at=march)
    # a visit on 28 Feb 17:00 UTC is 1 March in Beijing: it counts for March
    call(counter, record_visit, customer_id=a1, kind="message", outcome="短信",
         at=datetime(2027, 2, 28, 17, 0, tzinfo=UTC))  # fmt: skip
    _answer(db, admin, c1, march)
    figures = call(supervisor, visit_compliance, month="2027-03")
    by_class = {c.visit_class: c for c in figures.classes}
    assert (by_class["C"].customers, by_class["C"].visited, by_class["C"].visits) == (2, 1, 1)
    assert by_class["C"].feedback_met == 1 and by_class["C"].feedback_required == 1
    assert by_class["A"].required_visits == 4 and by_class["A"].visits == 2
    assert (by_class["A"].customers, by_class["A"].visited, by_class["A"].behind) == (1, 0, 1)
    assert by_class["B"].customers == 0 and by_class["B"].rate == 1.0
    managers = {m.manager_id: m for m in figures.managers}
    assert (managers["staff-counter"].customers, managers["staff-counter"].behind) == (2, 1)
    assert managers["staff-counter"].manager_name == "王柜台"
    assert [b.name for b in figures.behind] == ["甲一", "丙二"]
    # counter staff see their own customers' plan (another's is refused); a supervisor may
    # filter by manager
    own = call(counter, visit_compliance, month="2027-03")
    assert sum(c.customers for c in own.classes) == 2
    assert call(counter, visit_compliance, month="2027-03",
                account_manager_id="staff-counter").classes == own.classes  # fmt: skip
    with pytest.raises(PermissionDenied):
        call(counter, visit_compliance, month="2027-03", account_manager_id="staff-supervisor")
    theirs = call(supervisor, visit_compliance, month="2027-03",
                  account_manager_id="staff-supervisor")  # fmt: skip
    assert sum(c.customers for c in theirs.classes) == 1
    assert call(supervisor, visit_compliance, month="2027-02").classes[2].visits == 0
    with pytest.raises(ValidationError):
        call(supervisor, visit_compliance, month="2027-13")


def test_required_visits_per_month() -> None:
    assert required_visits(30, "2027-02") == 1 and required_visits(30, "2027-03") == 1
    assert required_visits(7, "2027-02") == 4 and required_visits(14, "2027-03") == 2
