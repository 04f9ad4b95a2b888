"""The care plan's rules (issue 15): birthdays and anniversaries ahead for consenting
customers, festival greetings to A/B customers on the lunar calendar's dates, the visit plan
by class, win-back and churn-risk calls; once per customer, reason and period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from branch_crm.models import HQ_BRANCH, AuditEntry, CareTask, Customer, CustomerStats, FestivalDate
from branch_crm.models.stored_text import render
from branch_crm.reference.festivals import LUNAR_DATES, built_in_dates, festival_id
from branch_crm.services.care.festivals import festival_dates
from branch_crm.services.care.plan import plan_care, plan_if_due, task_id
from branch_crm.services.care.visits import record_visit
from branch_crm.services.context import unit_of_work
from tests.support.accounts import BRANCH


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


def _plan(call, admin, day: date | None = None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(call(admin, plan_care, today=day).created)


def _tasks(db, kind: str | None = None) -> list[CareTask]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        query = select(CareTask).order_by(CareTask.due_on, CareTask.customer_id)
        if kind is not None:
            query = query.where(CareTask.kind == kind)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def test_birthdays_ahead_only_with_consent_and_once(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    yes = add("甲", birthday=date(1990, 3, 1), marketing_consent=True)
    add("乙", birthday=date(1990, 3, 1), marketing_consent=False)
    add("丙", birthday=date(1990, 3, 5), marketing_consent=True)  # beyond 3 days
    # month end: 27 Feb 2027 + 3 days reaches 2 March
    assert _plan(call, admin, date(2027, 2, 27))["birthday"] == 1
    [task] = _tasks(db, "birthday")
    assert (task.customer_id, task.due_on, task.period, task.status) == (
        yes,
        date(2027, 3, 1),
        "2027",
        "open",
    )
    assert task.id == task_id(BRANCH, yes, "birthday", "2027")
    assert task.title == "Birthday on 2027-03-01"
    assert render(task.title_message) == "Birthday on 2027-03-01"
    assert task.created_by is None  # the system's
    # again, the same day and the next: nothing new
    assert _plan(call, admin, date(2027, 2, 27))["birthday"] == 0
    assert _plan(call, admin, date(2027, 2, 28))["birthday"] == 0
    assert len(_tasks(db, "birthday")) == 1


def test_29_february_birthdays_in_leap_and_other_years(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    add("闰", birthday=date(1992, 2, 29), marketing_consent=True)
    assert _plan(call, admin, date(2027, 2, 25))["birthday"] == 1  # 28 Feb is within 3 days
    assert _plan(call, admin, date(2028, 2, 27))["birthday"] == 1  # a leap year: 29 Feb
    assert [(t.due_on, t.period) for t in _tasks(db, "birthday")] == [
        (date(2027, 2, 28), "2027"),
        (date(2028, 2, 29), "2028"),
    ]


def test_year_end_birthday_belongs_to_next_year(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    add("元", birthday=date(2001, 1, 2), marketing_consent=True)
    assert _plan(call, admin, date(2026, 12, 30))["birthday"] == 1
    [task] = _tasks(db, "birthday")
    assert (task.due_on, task.period) == (date(2027, 1, 2), "2027")


def test_frozen_clock_plans_for_the_business_day(call, admin, add, db, clock) -> None:  # type: ignore[no-untyped-def]
    add("闰", birthday=date(1996, 2, 29), marketing_consent=True)
    clock(datetime(2028, 2, 26, 17, 0, tzinfo=UTC))  # 27 Feb 01:00 in Beijing
    result = call(admin, plan_care)
    assert result.day == date(2028, 2, 27) and result.created["birthday"] == 1
    assert _tasks(db, "birthday")[0].due_on == date(2028, 2, 29)
    assert call(admin, plan_if_due) is None  # already planned today
    clock(datetime(2028, 2, 27, 17, 0, tzinfo=UTC))  # the next day
    again = call(admin, plan_if_due)
    assert again is not None and again.total == 0


def test_cooperation_anniversaries_from_the_first_year(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    old = add("老", first_shipment_date=date(2020, 6, 30), marketing_consent=True)
    add("新", first_shipment_date=date(2027, 6, 30), marketing_consent=True)  # no year yet
    add("拒", first_shipment_date=date(2020, 6, 30), marketing_consent=False)
    assert _plan(call, admin, date(2027, 6, 29))["anniversary"] == 1
    [task] = _tasks(db, "anniversary")
    assert task.customer_id == old and task.due_on == date(2027, 6, 30)
    assert task.title == "7-year cooperation anniversary on 2027-06-30"


def test_built_in_lunar_festival_dates() -> None:
    assert set(LUNAR_DATES) == set(range(2026, 2036))
    days = built_in_dates(2027)
    assert days["spring_festival"] == date(2027, 2, 6)
    assert days["dragon_boat"] == date(2027, 6, 9)
    assert days["mid_autumn"] == date(2027, 9, 15)
    assert days["new_year"] == date(2027, 1, 1) and days["national_day"] == date(2027, 10, 1)
    for year, lunar in LUNAR_DATES.items():
        # the Spring Festival falls between 21 January and 20 February; Mid-Autumn in Sep/Oct
        assert date(year, 1, 21) <= lunar["spring_festival"] <= date(year, 2, 20)
        assert lunar["dragon_boat"].month in (5, 6) and lunar["mid_autumn"].month in (9, 10)
    assert "spring_festival" not in built_in_dates(2040)  # beyond the table: solar ones only


@pytest.mark.parametrize(
    ("today", "festival", "day"),
    [
        (date(2027, 2, 4), "spring_festival", date(2027, 2, 6)),
        (date(2027, 6, 9), "dragon_boat", date(2027, 6, 9)),
        (date(2027, 9, 12), "mid_autumn", date(2027, 9, 15)),
        (date(2026, 12, 30), "new_year", date(2027, 1, 1)),
    ],
)
def test_festival_greetings_to_a_and_b_customers(
    *,
    # type: ignore[no-untyped-def]
    call,
    admin,
    add,
    db,
    today,
    festival,
    day,
) -> None:
    a = add("甲", visit_class="A")
    b = add("乙", visit_class="B")
    add("丙", visit_class="C")
    add("丁")
    assert _plan(call, admin, today)["greeting"] == 2
    tasks = _tasks(db, "greeting")
    assert {t.customer_id for t in tasks} == {a, b}
    assert {(t.due_on, t.period) for t in tasks} == {(day, f"{day.year}-{festival}")}
    assert _plan(call, admin, today)["greeting"] == 0


def test_a_date_head_office_published_replaces_the_built_in_one(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    add("甲", visit_class="A")
    with unit_of_work(db, admin) as session:  # as a pull would leave it
        session.add(
            FestivalDate(
                id=festival_id("mid_autumn", 2027),
                branch_id=HQ_BRANCH,
                festival="mid_autumn",
                day=date(2027, 9, 16),
            )
        )
    with db.session() as session:
        days = dict(festival_dates(session=session, years=[2027]))
    assert days["mid_autumn"] == date(2027, 9, 16)
    assert _plan(call, admin, date(2027, 9, 12))["greeting"] == 0  # 16 Sep is 4 days away
    assert _plan(call, admin, date(2027, 9, 13))["greeting"] == 1
    assert _tasks(db, "greeting")[0].due_on == date(2027, 9, 16)


def test_chinese_reason_text(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    add("甲", visit_class="A")
    _plan(call, admin, date(2027, 9, 12))
    [task] = _tasks(db, "greeting")
    assert task.title == "Mid-Autumn Festival greeting on 2027-09-15"
    set_language("zh_CN")
    assert render(task.title_message) == "2027-09-15 中秋节问候"


def _visit(call, counter, customer: str, at: datetime, **kw: Any) -> Any:  # type: ignore[no-untyped-def]
    return call(counter, record_visit, customer_id=customer, kind="visit", outcome="聊得很好",
                at=at, **kw)  # fmt: skip


def test_visit_plan_by_class_interval(*, call, admin, counter, add, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock(datetime(2027, 2, 20, 4, 0, tzinfo=UTC))
    c = add("丙", visit_class="C")
    a = add("甲", visit_class="A")
    _visit(call, counter, c, datetime(2027, 1, 10, 2, 0, tzinfo=UTC))
    _visit(call, counter, a, datetime(2027, 2, 1, 2, 0, tzinfo=UTC))
    # C: every 30 days -> due 9 Feb; A: every 7 days -> due 8 Feb (both overdue on the 20th)
    assert _plan(call, admin, date(2027, 2, 5))["visit"] == 1  # only A's is within 3 days
    assert _plan(call, admin, date(2027, 2, 6))["visit"] == 1  # now C's
    assert {(t.customer_id, t.due_on) for t in _tasks(db, "visit")} == {
        (c, date(2027, 2, 9)),
        (a, date(2027, 2, 8)),
    }
    # an open visit task holds back another one
    assert _plan(call, admin, date(2027, 2, 20))["visit"] == 0


def test_never_visited_due_from_month_start_or_creation(call, admin, add, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock(datetime(2027, 3, 10, 4, 0, tzinfo=UTC))
    new = add("新", visit_class="B")
    assert _plan(call, admin, date(2027, 3, 10))["visit"] == 1
    [task] = _tasks(db, "visit")
    assert task.customer_id == new and task.due_on == date(2027, 3, 10)
    assert task.title == "Visit due (class B); no visit recorded yet"


def test_next_visit_agreed_sets_the_due_date(*, call, admin, counter, add, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock(datetime(2027, 4, 1, 4, 0, tzinfo=UTC))
    c = add("丙", visit_class="C")
    _visit(call, counter, c, datetime(2027, 3, 31, 2, 0, tzinfo=UTC),
           next_visit_on=date(2027, 4, 12))  # fmt: skip
    assert _plan(call, admin, date(2027, 4, 8))["visit"] == 0
    assert _plan(call, admin, date(2027, 4, 9))["visit"] == 1
    [task] = _tasks(db, "visit")
    assert (task.due_on, task.period) == (date(2027, 4, 12), "2027-04-12")
    assert task.title == "Visit due (class C); last contact 2027-03-31"


def test_win_back_and_churn_calls_from_the_classification(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    dormant = add("眠")
    risky = add("危", account_manager_id=None)
    add("好")
    with unit_of_work(db, admin) as session:
        for cid, lifecycle, churn, last in (
            (dormant, "dormant", False, "2026-05"),
            (risky, "active", True, "2027-02"),
        ):
            session.add(
                CustomerStats(customer_id=cid, tier="ordinary", stage="loyal",
                              lifecycle=lifecycle, churn_risk=churn, last_month_parcels=12,
                              last_shipment_month=last, computed_for="2027-02")
            )  # fmt: skip
    created = _plan(call, admin, date(2027, 3, 15))
    assert (created["win_back"], created["churn_call"]) == (1, 1)
    [win] = _tasks(db, "win_back")
    [churn] = _tasks(db, "churn_call")
    assert (win.customer_id, win.period, win.due_on) == (dormant, "2026-05", date(2027, 3, 1))
    assert win.title == "Win back: no shipments since 2026-05"
    assert (churn.customer_id, churn.period) == (risky, "2027-02")
    assert churn.title == "Churn risk: only 12 parcels in 2027-02"
    # next month, still dormant since the same month: no second win-back call
    assert _plan(call, admin, date(2027, 4, 2))["win_back"] == 0


def test_generated_rows_are_captured_at_the_floor_and_audited_once(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.models import SyncOutbox
    from branch_crm.sync.generated import is_floor

    for i in range(3):
        add(f"客{i}", visit_class="A")
    assert _plan(call, admin, date(2027, 2, 4))["greeting"] == 3
    with db.session() as session:
        stamps = session.scalars(
            select(SyncOutbox.hlc).where(SyncOutbox.table_name == "care_task")
        ).all()
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "care_plan")).all()
        count = session.scalar(select(func.count()).select_from(CareTask))
    assert len(stamps) == count == 6 and all(is_floor(s) for s in stamps)  # greeting + visit
    assert len(audits) == 1 and audits[0].changes["greeting"] == 3


def test_queued_plan_rows_carry_what_the_capture_trigger_would(call, admin, add, db) -> None:  # type: ignore[no-untyped-def]
    import json

    from branch_crm.models import SyncOutbox

    cid = add("甲", visit_class="A")
    call(admin, plan_care, today=date(2027, 2, 4))
    with unit_of_work(db, admin) as session:  # a task written the ordinary way
        session.add(CareTask(customer_id=cid, kind="visit", due_on=date(2027, 3, 1),
                             title="t", status="open"))  # fmt: skip
    with db.session() as session:
        rows = session.execute(
            select(SyncOutbox.pk, SyncOutbox.data, SyncOutbox.schema_version, SyncOutbox.tx_id)
            .where(SyncOutbox.table_name == "care_task")
            .order_by(SyncOutbox.seq)
        ).all()
        stored = {t.id: t for t in session.scalars(select(CareTask))}
    *generated, (_pk, ordinary, version, _tx) = rows
    assert len(generated) == 2
    for pk, data, gen_version, _tx in generated:
        values = json.loads(data)
        assert set(values) == set(json.loads(ordinary)) and gen_version == version
        assert values["id"] == pk and values["title"] == stored[pk].title
        assert values["due_on"] == stored[pk].due_on.isoformat()
