"""Festival greetings when two festivals fall on one day (issue 15): Mid-Autumn is on National
Day in 2031 (the built-in lunar table): one greeting naming both, not two. Frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from branch_crm.models import CareTask, Customer
from branch_crm.models.stored_text import render
from branch_crm.reference.festivals import built_in_dates
from branch_crm.services.care.plan import festival_days, plan_care, task_id
from branch_crm.services.context import unit_of_work
from tests.support.accounts import BRANCH


def _greetings(db) -> list[CareTask]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = list(session.scalars(select(CareTask).where(CareTask.kind == "greeting")))
        session.expunge_all()
        return rows


def test_mid_autumn_on_national_day_is_one_greeting(call, admin, counter, db, clock) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    days = built_in_dates(2031)
    assert days["mid_autumn"] == days["national_day"] == date(2031, 10, 1)
    with unit_of_work(db, counter) as session:
        customer = Customer(name="甲", visit_class="A")
        session.add(customer)
        session.flush()
        cid = customer.id
    clock(datetime(2031, 9, 27, 17, 0, tzinfo=UTC))  # 28 Sep 01:00 in Beijing
    result = call(admin, plan_care)  # the business day: 28 Sep, three days ahead: 1 Oct
    assert result.day == date(2031, 9, 28) and result.created["greeting"] == 1
    [task] = _greetings(db)
    assert (task.customer_id, task.due_on, task.period) == (
        cid,
        date(2031, 10, 1),
        "2031-mid_autumn+national_day",
    )
    assert task.id == task_id(BRANCH, cid, "greeting", "2031-mid_autumn+national_day")
    assert task.title == "Mid-Autumn Festival and National Day greeting on 2031-10-01"
    assert render(task.title_message) == task.title
    set_language("zh_CN")
    assert render(task.title_message) == "2031-10-01 中秋节和国庆节问候"
    # the next days and a second run: still the one task
    clock(datetime(2031, 9, 29, 17, 0, tzinfo=UTC))
    assert call(admin, plan_care).created["greeting"] == 0
    assert len(_greetings(db)) == 1


def test_festivals_on_separate_days_stay_separate(call, admin, db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        both = festival_days(session, date(2031, 9, 28), date(2031, 10, 5))
        apart = festival_days(session, date(2030, 9, 10), date(2030, 10, 5))
    assert both == [(date(2031, 10, 1), ("mid_autumn", "national_day"))]
    assert apart == [
        (date(2030, 9, 12), ("mid_autumn",)),
        (date(2030, 10, 1), ("national_day",)),
    ]
