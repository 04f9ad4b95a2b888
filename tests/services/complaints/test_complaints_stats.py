"""Complaint figures against a hand-computed month, and the queue service (states, order,
filters, counts) with a frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from branch_crm.errors import ValidationError
from branch_crm.services.complaints import figures as st
from branch_crm.services.complaints import intake, sla, workflow
from branch_crm.services.complaints import queue as cq
from branch_crm.services.context import unit_of_work
from tests.support.clock import local


def _take(call: Any, actor: Any, make_customer: Any, category: str, cents: int = 0) -> Any:
    data = intake.ComplaintInput(
        make_customer(f"客户{category}"),
        "counter",
        category,
        "x",
        compensation_requested_cents=cents,
    )
    return call(actor, intake.take_complaint, data=data)


@pytest.fixture
def november(db, supervisor, make_customer, clock, call) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Eight complaints around November 2025 (24x7 default policy), swept at 1 Dec 00:00."""
    sv, made = supervisor, {}

    def at(text: str) -> None:
        clock(local(text))

    at("2025-10-31 23:00")
    made["E"] = _take(call, sv, make_customer, "delay")  # before the period, still open
    at("2025-11-02 09:00")
    a = made["A"] = _take(call, sv, make_customer, "delay", 5000)  # grade 3: 4 h / 72 h
    at("2025-11-02 10:00")
    call(sv, workflow.accept_complaint, complaint_id=a.id)  # response 60 min
    call(sv, workflow.grant_compensation, complaint_id=a.id, amount_cents=3000, note="voucher")
    at("2025-11-03 09:00")
    call(sv, workflow.give_feedback, complaint_id=a.id, note="delivered")  # resolution 1440 min
    at("2025-11-03 10:00")
    call(sv, workflow.close_complaint, complaint_id=a.id, root_cause="line_haul_delay",
         corrective_action="x")  # fmt: skip
    at("2025-11-05 09:00")
    b = made["B"] = _take(call, sv, make_customer, "loss", 100_000)  # grade 1: 1 h / 24 h
    at("2025-11-05 11:00")
    call(sv, workflow.accept_complaint, complaint_id=b.id)  # 120 min: response breached
    at("2025-11-05 12:00")
    call(sv, workflow.wait_for_customer, complaint_id=b.id)
    at("2025-11-06 12:00")
    call(sv, workflow.resume_complaint, complaint_id=b.id)  # paused 1440 min
    call(sv, workflow.grant_compensation, complaint_id=b.id, amount_cents=50_000, note="declared")
    at("2025-11-07 08:00")
    call(sv, workflow.give_feedback, complaint_id=b.id, note="paid")  # 2820 - 1440 = 1380 min
    at("2025-11-08 10:00")
    call(sv, workflow.close_complaint, complaint_id=b.id, root_cause="sorting_error",
         corrective_action="x")  # fmt: skip
    at("2025-11-10 09:00")
    c = made["C"] = _take(call, sv, make_customer, "damage")  # grade 2: 2 h / 48 h
    at("2025-11-10 09:30")
    call(sv, workflow.accept_complaint, complaint_id=c.id)  # 30 min
    at("2025-11-20 09:00")
    made["D"] = _take(call, sv, make_customer, "delay")  # never accepted
    at("2025-11-29 12:00")
    made["G"] = _take(call, sv, make_customer, "delay")
    at("2025-11-30 21:00")
    made["H"] = _take(call, sv, make_customer, "delay")  # response due 1 Dec 01:00
    at("2025-12-01 00:00")
    with unit_of_work(db, sv) as session:
        sla.sweep(session=session)
    at("2025-12-01 00:30")
    made["F"] = _take(call, sv, make_customer, "billing")  # after the period
    return made


def test_month_figures_by_hand(db, supervisor, november, call) -> None:
    s = call(supervisor, st.complaint_stats, start=date(2025, 11, 1), end=date(2025, 11, 30))
    assert (s.received, s.closed) == (6, 2)  # A B C D G H; A and B closed
    assert s.by_grade == {1: 1, 2: 1, 3: 4}
    # response known for A (met), B (late), C (met), D and G (missed); H still running
    assert (s.response.measured, s.response.met, s.response.rate) == (5, 2, 0.4)
    # resolution known for A, B (met), C (48 h passed on 12 Nov), D (72 h passed on 23 Nov)
    assert (s.resolution.measured, s.resolution.met, s.resolution.rate) == (4, 2, 0.5)
    assert s.response_time == st.Durations(3, 70.0, 60.0)  # 60, 120, 30 minutes
    assert s.resolution_time == st.Durations(2, 1410.0, 1410.0)  # 1440 and 1380 minutes
    assert s.backlog_as_of == local("2025-12-01 00:00")
    # open then: H 3 h, G 1.5 days, D 10.6 days, C 20.6 days, E 30 days
    assert s.backlog == (
        ("under 1 day", 1),
        ("1–3 days", 1),
        ("3–7 days", 0),
        ("7 days or more", 3),
    )
    assert s.backlog_total == 5
    assert [(r.code, r.count) for r in s.by_category] == [("delay", 4), ("damage", 1), ("loss", 1)]
    assert [round(r.share, 4) for r in s.by_category] == [0.6667, 0.1667, 0.1667]
    assert [round(r.cumulative, 4) for r in s.by_category] == [0.6667, 0.8333, 1.0]
    assert s.by_category[0].label == "Delay"
    assert [(r.code, r.share, r.cumulative) for r in s.by_root_cause] == [
        ("line_haul_delay", 0.5, 0.5),
        ("sorting_error", 0.5, 1.0),
    ]
    assert (s.compensation_requested_cents, s.compensation_granted_cents) == (105_000, 53_000)


def test_periods_split_by_month_and_week(db, supervisor, november, call) -> None:
    months = call(
        supervisor, st.stats_by_period, start=date(2025, 10, 15), end=date(2025, 12, 5), by="month"
    )
    assert [(m.start, m.end, m.received) for m in months] == [
        (date(2025, 10, 15), date(2025, 10, 31), 1),
        (date(2025, 11, 1), date(2025, 11, 30), 6),
        (date(2025, 12, 1), date(2025, 12, 5), 1),
    ]
    weeks = st.split_periods(date(2026, 11, 4), date(2026, 11, 20), "week")
    assert weeks == [
        (date(2026, 11, 4), date(2026, 11, 8)),
        (date(2026, 11, 9), date(2026, 11, 15)),
        (date(2026, 11, 16), date(2026, 11, 20)),
    ]


def test_figures_screen_per_month_and_the_whole_range(db, supervisor, november, call) -> None:
    figures = call(
        supervisor,
        st.complaint_figures,
        start=date(2025, 10, 15),
        end=date(2025, 12, 5),
        by="month",
        now=local("2025-12-01 01:00"),
    )
    assert [(p.start, p.received) for p in figures.periods] == [
        (date(2025, 10, 15), 1),
        (date(2025, 11, 1), 6),
        (date(2025, 12, 1), 1),
    ]
    total = figures.total
    assert (total.start, total.end, total.received, total.closed) == (
        date(2025, 10, 15),
        date(2025, 12, 5),
        8,  # E in October, six in November, F in December
        2,
    )
    assert [(r.code, r.count) for r in total.by_category][:2] == [("delay", 5), ("billing", 1)]
    assert total.backlog_total == 6  # the five open on 1 Dec 00:00 and F (taken at 00:30)
    once = call(
        supervisor, st.complaint_figures, start=date(2025, 11, 1), end=date(2025, 11, 30),
        by="all",
    )  # fmt: skip
    assert len(once.periods) == 1 and once.total is once.periods[0]


def test_figures_are_for_supervisors(db, counter, supervisor, call) -> None:
    from branch_crm.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        call(counter, st.complaint_figures, start=date(2025, 11, 1), end=date(2025, 11, 30))
    with pytest.raises(ValidationError, match="months or weeks"):
        call(
            supervisor, st.complaint_figures, start=date(2025, 11, 1), end=date(2025, 11, 30),
            by="year",
        )  # fmt: skip


def test_an_empty_period_has_no_rates(db, supervisor, call) -> None:
    s = call(supervisor, st.complaint_stats, start=date(2025, 1, 1), end=date(2025, 1, 31))
    assert (s.received, s.response.rate, s.response_time.mean_minutes) == (0, None, None)
    assert s.by_category == ()


def test_reversed_period_is_refused(db, supervisor, call) -> None:
    with pytest.raises(ValidationError, match="before the start"):
        call(supervisor, st.complaint_stats, start=date(2025, 2, 1), end=date(2025, 1, 1))


def test_times_are_business_minutes_of_the_complaints_calendar(
    db, counter, make_customer, clock, call
) -> None:
    from test_complaints_sla import install_office_policy

    install_office_policy(db, counter)
    clock(local("2025-11-21 17:00"))  # Friday
    view = _take(call, counter, make_customer, "delay")
    clock(local("2025-11-24 10:00"))  # Monday
    call(counter, workflow.accept_complaint, complaint_id=view.id)
    s = call(counter, st.complaint_stats, start=date(2025, 11, 21), end=date(2025, 11, 21))
    assert s.response_time.mean_minutes == 120  # Fri 17-18 and Mon 9-10


# --- queue ------------------------------------------------------------------------------------


def test_queue_states_order_filters_and_counts(db, counter, supervisor, november, call) -> None:
    made = november
    now = local("2025-12-01 00:30")
    rows = call(counter, cq.list_queue, now=now)
    # open: C D E G H F. Running clocks by time left, all overdue except H (due 01:00) and F
    assert [r.number for r in rows] == [
        made[k].number for k in ("E", "C", "D", "G", "H", "F")
    ]  # E's resolution was due 3 Nov, C's on 12 Nov, D's response 20 Nov, G's 29 Nov
    states = {r.number: cq.row_state(r, now.timestamp()) for r in rows}
    assert states[made["H"].number] == cq.WARNED  # 3.5 of 4 h gone
    assert states[made["F"].number] == cq.OK
    assert states[made["D"].number] == cq.BREACHED
    assert cq.seconds_left(rows[4], now.timestamp()) == 30 * 60
    counts = call(counter, cq.queue_counts, now=now)
    assert counts == cq.QueueCounts(open=6, warned=1, breached=4, waiting=0, mine=0)
    mine = call(supervisor, cq.queue_counts, now=now).mine
    assert mine == 1  # C was accepted by the supervisor

    def numbers(**flt: Any) -> list[str]:
        found = call(supervisor, cq.list_queue, flt=cq.QueueFilter(**flt), now=now)
        return [r.number for r in found]

    assert numbers(mine=True) == [made["C"].number]
    assert numbers(grade=2) == [made["C"].number]
    assert numbers(category="billing") == [made["F"].number]
    assert len(numbers(breached=True)) == 4
    assert numbers(waiting=True) == []


def test_paused_rows_go_last_with_their_time_left_frozen(
    db, counter, make_customer, clock, call
) -> None:
    clock(local("2025-11-23 09:00"))
    first = _take(call, counter, make_customer, "delay")
    second = _take(call, counter, make_customer, "billing")
    call(counter, workflow.accept_complaint, complaint_id=first.id)
    clock(local("2025-11-23 10:00"))
    call(counter, workflow.wait_for_customer, complaint_id=first.id)  # 71 h of 72 left, frozen
    for hours in (0, 50):
        now = local("2025-11-23 10:00").timestamp() + hours * 3600
        rows = call(counter, cq.list_queue, now=datetime.fromtimestamp(now, UTC))
        assert [r.number for r in rows] == [second.number, first.number]
        assert cq.seconds_left(rows[1], now) == 71 * 3600
        assert cq.row_state(rows[1], now) == cq.PAUSED
    waiting = call(counter, cq.list_queue, flt=cq.QueueFilter(waiting=True))
    assert [r.number for r in waiting] == [first.number]
