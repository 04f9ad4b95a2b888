"""SLA arithmetic: working hours, holidays and make-up days, pauses, clock changes, breaches
and escalations. Expected instants are worked out by hand in the comments.

Frozen clocks stay in the past (2025): a clock frozen in the future would push the process's
monotonic UUIDv7 generator ahead of real time for the tests that follow."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from branch_crm.models import Complaint, ComplaintEvent, Holiday, SlaPolicy
from branch_crm.reference.defaults import (
    CATEGORIES,
    DEFAULT_POLICY_ID,
    DEFAULT_TARGETS,
    ROOT_CAUSES,
)
from branch_crm.reference.labels import WEEKDAYS
from branch_crm.services.complaints import (
    business_calendar,
    intake,
    reference,
    sla,
    views,
    workflow,
)
from branch_crm.services.complaints import events as cs_events
from branch_crm.services.complaints import policy as sla_policy
from branch_crm.services.context import unit_of_work
from tests.support.clock import SHANGHAI, local

OFFICE = {d: [["09:00", "12:00"], ["13:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
"""8 business hours (480 minutes) a weekday."""
NATIONAL_DAY = {date(2025, 10, d): False for d in range(2, 9)} | {
    date(2025, 9, 28): True,  # Sunday worked to make up for the holiday
    date(2025, 10, 11): True,  # Saturday worked to make up for the holiday
}


def office_calendar(tz: str = "Asia/Shanghai", holidays: dict[date, bool] | None = None) -> Any:
    hours = sla_policy.parse_working_hours(OFFICE)
    return business_calendar.BusinessCalendar(tz, hours, holidays)


# --- pure calendar arithmetic -------------------------------------------------------------------


def test_24x7_counts_every_minute() -> None:
    cal = business_calendar.BusinessCalendar("Asia/Shanghai")
    start = local("2025-11-21 23:30")
    assert cal.add_minutes(start, 90) == local("2025-11-22 01:00")
    assert cal.minutes_between(start, local("2025-11-23 23:30")) == 2 * 24 * 60
    assert cal.minutes_between(local("2025-11-23 23:30"), start) == 0


def test_working_hours_skip_lunch_nights_and_weekends() -> None:
    cal = office_calendar()
    # Friday 17:30 + 60 min: 30 min until 18:00, then Monday 09:00 + 30 min
    assert cal.add_minutes(local("2025-11-21 17:30"), 60) == local("2025-11-24 09:30")
    # 11:30 + 60: 30 min before lunch, 30 after 13:00
    assert cal.add_minutes(local("2025-11-24 11:30"), 60) == local("2025-11-24 13:30")
    # started on Saturday: the clock starts Monday 09:00
    assert cal.add_minutes(local("2025-11-22 10:00"), 15) == local("2025-11-24 09:15")
    assert cal.minutes_between(local("2025-11-21 17:30"), local("2025-11-24 09:30")) == 60
    assert cal.minutes_between(local("2025-11-24 08:00"), local("2025-11-24 20:00")) == 480


def test_holidays_are_skipped_and_make_up_days_are_worked() -> None:
    cal = office_calendar(holidays=NATIONAL_DAY)
    # Wed 1 Oct 17:00 + 120 min: 60 on Wed, holidays 2-8 Oct, Thu 9 Oct 09:00 + 60
    assert cal.add_minutes(local("2025-10-01 17:00"), 120) == local("2025-10-09 10:00")
    # Fri 10 Oct 17:00 + 120: 60 on Fri, Sat 11 Oct is a make-up working day (Monday hours)
    assert cal.add_minutes(local("2025-10-10 17:00"), 120) == local("2025-10-11 10:00")
    # Sunday 28 Sep is worked, Saturday 27 Sep is not
    assert cal.minutes_between(local("2025-09-27 00:00"), local("2025-09-29 00:00")) == 480
    # a whole holiday week counts nothing
    assert cal.minutes_between(local("2025-10-02 00:00"), local("2025-10-09 00:00")) == 0


def test_calendar_without_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="working hours"):
        business_calendar.BusinessCalendar("Asia/Shanghai", {"mon": ()})
    everything_off = {date(2025, 11, 24) + timedelta(days=i): False for i in range(4 * 366)}
    cal = office_calendar(holidays=everything_off)
    with pytest.raises(ValueError, match="no working time"):
        cal.add_minutes(local("2025-11-24 09:00"), 10)


def test_spring_forward_in_a_zone_with_clock_changes() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    cal = office_calendar("Europe/Berlin")
    # Fri 27 Mar 16:00 CET (15:00 UTC) + 240: 120 on Friday (16-18), then Monday 30 Mar, now
    # CEST: 09:00-11:00 local = 07:00-09:00 UTC. With a fixed offset it would be 10:00 UTC.
    due = cal.add_minutes(local("2026-03-27 16:00", berlin), 240)
    assert due == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert due.astimezone(berlin).hour == 11
    assert cal.minutes_between(local("2026-03-27 16:00", berlin), due) == 240
    # the night of the change is one hour short: a whole-day calendar has 23 hours that Sunday
    all_day = business_calendar.BusinessCalendar(berlin, {d: ((0, 1440),) for d in WEEKDAYS})
    assert (
        all_day.minutes_between(
            local("2026-03-29 00:00", berlin), local("2026-03-30 00:00", berlin)
        )
        == 23 * 60
    )
    # 24x7 counts real minutes across the jump: 01:30 CET + 60 min = 03:30 CEST
    assert business_calendar.BusinessCalendar(berlin).add_minutes(
        local("2026-03-29 01:30", berlin), 60
    ) == (local("2026-03-29 03:30", berlin))


def test_fall_back_day_has_25_hours() -> None:
    new_york = ZoneInfo("America/New_York")
    all_day = business_calendar.BusinessCalendar(new_york, {d: ((0, 1440),) for d in WEEKDAYS})
    assert (
        all_day.minutes_between(
            local("2026-11-01 00:00", new_york), local("2026-11-02 00:00", new_york)
        )
        == 25 * 60
    )
    # 24x7 from 01:30 EDT (05:30 UTC) + 60 min = 06:30 UTC, which reads 01:30 EST
    due = business_calendar.BusinessCalendar(new_york).add_minutes(
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC), 60
    )
    assert due == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert due.astimezone(new_york).strftime("%H:%M %Z") == "01:30 EST"


def test_add_and_between_are_inverse() -> None:
    cal = office_calendar(holidays=NATIONAL_DAY)
    start = local("2025-09-30 10:17")
    for minutes in (0.5, 45, 480, 1000, 2880, 5000):
        assert cal.minutes_between(start, cal.add_minutes(start, minutes)) == pytest.approx(minutes)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        business_calendar.BusinessCalendar().add_minutes(datetime(2026, 1, 1), 5)


# --- policy -------------------------------------------------------------------------------------


def test_default_policy_and_reference_data_are_seeded_once(db, counter) -> None:
    with unit_of_work(db, counter) as session:
        assert reference.ensure_reference_data(session) == 1 + len(CATEGORIES) + len(ROOT_CAUSES)
        assert reference.ensure_reference_data(session) == 0
        policy = sla_policy.active_policy(session)
        rows = session.query(SlaPolicy).all()
    assert [r.branch_id for r in rows] == ["HQ"]
    assert policy.id == DEFAULT_POLICY_ID
    assert policy.target(1) == sla_policy.Target(60, 24 * 60)
    assert policy.target(2) == sla_policy.Target(120, 48 * 60)
    assert policy.target(3) == sla_policy.Target(240, 72 * 60)
    assert (policy.calendar, policy.timezone, policy.warn_ratio) == ("24x7", "Asia/Shanghai", 0.75)


def test_category_target_overrides_the_grade_target() -> None:
    policy = sla_policy.default_policy()
    policy = sla_policy.Policy(
        **{
            **policy.__dict__,
            "targets": (*policy.targets, sla_policy.TargetRule(2, "loss", 30, 600)),
        }
    )
    assert policy.target(2, "loss") == sla_policy.Target(30, 600)
    assert policy.target(2, "delay") == sla_policy.Target(120, 2880)


def test_broken_head_office_policy_falls_back_with_a_log(db, counter, caplog) -> None:
    with unit_of_work(db, counter) as session:
        reference.ensure_reference_data(session)
        session.add(
            SlaPolicy(branch_id="HQ", name="broken", version=9, timezone="Mars/Olympus", targets=[])
        )
        session.flush()
        assert sla_policy.active_policy(session).id == DEFAULT_POLICY_ID
    assert "Mars/Olympus" in caplog.text


def install_office_policy(db: Any, actor: Any, tz: str = "Asia/Shanghai") -> None:
    """A head-office policy with office hours and the National Day holidays (wins: version 2)."""
    with unit_of_work(db, actor) as session:
        reference.ensure_reference_data(session)
        session.add(
            SlaPolicy(
                branch_id="HQ",
                name="office hours",
                version=2,
                calendar="working_hours",
                working_hours=OFFICE,
                timezone=tz,
                warn_ratio=0.75,
                targets=[
                    {"grade": g, "response_minutes": r, "resolution_minutes": s}
                    for g, r, s in DEFAULT_TARGETS
                ],
                escalation={"supervisor_ratio": 1.0, "head_office_ratio": 1.5},
            )
        )
        for day, workday in NATIONAL_DAY.items():
            session.add(Holiday(branch_id="HQ", day=day, name="国庆", is_workday=workday))


# --- a complaint across a holiday and a pause ---------------------------------------------------


def test_complaint_spanning_a_holiday_and_a_pause(db, counter, make_customer, clock, call) -> None:
    install_office_policy(db, counter)
    customer = make_customer("李四")
    clock(local("2025-10-01 16:00"))  # Wednesday before National Day
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "counter", "damage", "box crushed", grade=None),
    )
    assert view.grade == 2  # damage below the high-value threshold
    # response 120 min: Wed 16:00-18:00 -> due 18:00; warning at 90 min = 17:30
    assert view.response_due_at == local("2025-10-01 18:00")
    assert view.response_warn_at == local("2025-10-01 17:30")
    # resolution 2880 min = 6 office days: Wed 120, holidays 2-8 Oct, Thu 9 (600), Fri 10
    # (1080), Sat 11 make-up (1560), Mon 13 (2040), Tue 14 (2520), Wed 15: 180 + 13:00-16:00
    assert view.resolution_due_at == local("2025-10-15 16:00")

    clock(local("2025-10-01 17:00"))
    view = call(counter, workflow.accept_complaint, complaint_id=view.id)
    assert view.responded_at == local("2025-10-01 17:00")
    assert not view.response_breached

    clock(local("2025-10-09 10:00"))
    view = call(counter, workflow.wait_for_customer, complaint_id=view.id, note="photos of the box")
    assert view.paused_since == local("2025-10-09 10:00")

    clock(local("2025-10-10 14:00"))
    view = call(counter, workflow.resume_complaint, complaint_id=view.id)
    # paused: Thu 10-12 (120) + 13-18 (300) + Fri 9-12 (180) + 13-14 (60) = 660 min
    assert view.paused_seconds == 660 * 60
    # due moves by 660 business minutes: 3540 from the start -> Thu 16 ends at 3480,
    # Fri 17 Oct 09:00 + 60
    assert view.resolution_due_at == local("2025-10-17 10:00")
    # warning: 2160 + 660 = 2820 -> Tue 14 ends at 2520, Wed 15: 180 + 13:00 + 120 = 15:00
    assert view.resolution_warn_at == local("2025-10-15 15:00")

    clock(local("2025-10-16 11:00"))
    view = call(counter, workflow.give_feedback, complaint_id=view.id, note="replacement sent")
    clock(local("2025-10-16 15:00"))
    view = call(
        counter,
        workflow.close_complaint,
        complaint_id=view.id,
        root_cause="rough_handling",
        corrective_action="brief the loading team",
    )
    assert view.status == "closed"
    assert not view.response_breached and not view.resolution_breached
    assert view.escalation_level == 0


def test_breach_while_waiting_is_not_counted_but_after_resume_it_is(
    db, counter, make_customer, clock, call
) -> None:
    customer = make_customer()
    clock(local("2025-11-24 09:00"))  # default policy: 24x7
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "phone", "delay", "late"),
    )
    assert view.grade == 3  # resolution 72 h
    call(counter, workflow.accept_complaint, complaint_id=view.id)
    clock(local("2025-11-24 10:00"))
    call(counter, workflow.wait_for_customer, complaint_id=view.id)
    clock(local("2025-11-28 10:00"))  # 96 h later, still waiting: the clock stands
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session).breaches == 0
    view = call(counter, workflow.resume_complaint, complaint_id=view.id)
    assert view.resolution_due_at == local("2025-12-01 09:00")  # 72 h + 96 h paused
    clock(local("2025-12-01 09:00"))
    with unit_of_work(db, counter) as session:
        result = sla.sweep(session=session)
    assert result.breaches == 1
    assert call(counter, views.get_complaint, complaint_id=view.id).resolution_breached


# --- breaches and escalations -------------------------------------------------------------------


def _events(db: Any, actor: Any, complaint_id: str) -> list[tuple[str, dict[str, Any]]]:
    with unit_of_work(db, actor) as session:
        rows = session.query(ComplaintEvent).filter_by(complaint_id=complaint_id).all()
        return sorted(((e.kind, dict(e.data)) for e in rows), key=lambda k: (k[0], str(k[1])))


def test_breach_stays_recorded_after_a_late_fix(db, counter, make_customer, clock, call) -> None:
    customer = make_customer()
    clock(local("2025-11-24 09:00"))
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "counter", "loss", "gone"),
    )
    assert view.grade == 1  # respond within 60 min
    clock(local("2025-11-24 09:59"))
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session).breaches == 0
    clock(local("2025-11-24 10:20"))  # nobody swept since: the late accept records the breach
    view = call(counter, workflow.accept_complaint, complaint_id=view.id)
    assert view.response_breached
    assert view.escalation_level == 1  # supervisor at 100% of the response target
    # handled fast afterwards: the breach is not erased
    view = call(counter, workflow.give_feedback, complaint_id=view.id, note="found it")
    view = call(
        counter,
        workflow.close_complaint,
        complaint_id=view.id,
        root_cause="sorting_error",
        corrective_action="re-label the chute",
    )
    assert view.response_breached and not view.resolution_breached
    kinds = [k for k, _d in _events(db, counter, view.id)]
    assert kinds.count("sla_breached") == 1
    assert kinds.count("escalated") == 1


def test_sweep_records_breaches_and_escalations_once(
    db, counter, make_customer, clock, call
) -> None:
    customer = make_customer()
    clock(local("2025-11-24 09:00"))
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "counter", "loss", "gone"),
    )
    clock(local("2025-11-24 09:46"))  # 76%: warned, nothing to record
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session) == sla.SweepResult(0, 0, 0, 0)
    clock(local("2025-11-24 10:00"))  # exactly the response target: breached, supervisor
    with unit_of_work(db, counter) as session:
        first = sla.sweep(session=session)
        again = sla.sweep(session=session)
    assert (first.breaches, first.escalations) == (1, 1)
    assert (again.breaches, again.escalations) == (0, 0)
    clock(local("2025-11-24 10:30"))  # 150% of the response target: head office
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session).escalations == 1
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session).escalations == 0
    events = _events(db, counter, view.id)
    assert [d["level"] for k, d in events if k == "escalated"] == [1, 2]
    assert [d["target"] for k, d in events if k == "sla_breached"] == ["response"]
    view = call(counter, views.get_complaint, complaint_id=view.id)
    assert view.escalation_level == 2
    # resolution 24 h: breach recorded by the sweep a day later, once
    clock(local("2025-11-25 09:00"))
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session).breaches == 1
        assert sla.sweep(session=session).breaches == 0


def test_sweep_repairs_instants_changed_elsewhere(db, counter, make_customer, clock, call) -> None:
    """A complaint synced from another PC of the branch has stale local instants."""
    customer = make_customer()
    clock(local("2025-11-24 09:00"))
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "counter", "delay", "x"),
    )
    with unit_of_work(db, counter) as session:  # the other PC regraded it to 1 (synced columns)
        session.execute(Complaint.__table__.update().values(grade=1).where(Complaint.id == view.id))
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session).recomputed == 1
    view = call(counter, views.get_complaint, complaint_id=view.id)
    assert view.response_due_at == local("2025-11-24 10:00")
    assert view.response_warn_at == local("2025-11-24 09:45")


def test_regrade_recomputes_due_times_but_keeps_breaches(
    db, counter, supervisor, *, make_customer, clock, call
) -> None:
    customer = make_customer()
    clock(local("2025-11-24 09:00"))
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "counter", "loss", "gone"),
    )
    clock(local("2025-11-24 10:05"))
    with unit_of_work(db, counter) as session:
        sla.sweep(session=session)
    view = call(
        supervisor, workflow.regrade_complaint, complaint_id=view.id, grade=3, reason="found"
    )
    assert view.grade == 3
    assert view.response_due_at == local("2025-11-24 13:00")  # 4 h
    assert view.resolution_due_at == local("2025-11-27 09:00")  # 72 h
    assert view.response_breached  # recorded at 10:00 under grade 1, stays


def test_event_times_are_utc_and_shown_in_shanghai(db, counter, make_customer, clock, call) -> None:
    customer = make_customer()
    clock(datetime(2025, 11, 24, 16, 30, tzinfo=UTC))  # 00:30 on the 25th in Shanghai
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "counter", "delay", "x"),
    )
    assert re.fullmatch(r"BR001-20251125-[2-9][A-Z]0001", view.number)  # local date; PC code
    assert view.received_at.astimezone(SHANGHAI).day == 25


def test_late_sweep_dates_breaches_and_escalations_when_the_targets_passed(
    db, counter, make_customer, clock, call
) -> None:
    """The app was closed: the first sweep (or step) records what happened at its real time."""
    customer = make_customer()
    clock(local("2025-11-24 09:00"))
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "counter", "loss", "gone"),
    )
    clock(local("2025-11-24 11:00"))  # nobody looked for two hours
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session) == sla.SweepResult(1, 1, 2, 0)
    events = {
        (e.kind, e.data.get("level")): e
        for e in call(counter, cs_events.complaint_events, complaint_id=view.id)
    }
    # response 60 min: missed and supervisor at 10:00; head office at 150 % = 10:30
    assert events[("sla_breached", None)].at == local("2025-11-24 10:00")
    assert events[("escalated", 1)].at == local("2025-11-24 10:00")
    assert events[("escalated", 2)].at == local("2025-11-24 10:30")
    recorded = {e.data["recorded_at"] for (kind, _l), e in events.items() if kind != "received"}
    assert recorded == {local("2025-11-24 11:00").astimezone(UTC).isoformat()}
    assert all(e.actor_name == "SLA monitor" for (k, _l), e in events.items() if k != "received")
    kinds = [e.kind for e in call(counter, cs_events.complaint_events, complaint_id=view.id)]
    assert kinds == ["received", "sla_breached", "escalated", "escalated"]


def test_a_wall_clock_stepped_back_during_a_pause_adds_no_negative_time(
    db, counter, make_customer, clock, call
) -> None:
    """The PC clock is corrected backwards while the complaint waits: the pause counts 0, not
    minus, and a breach already recorded stays."""
    customer = make_customer()
    clock(local("2025-11-24 09:00"))
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "counter", "loss", "gone"),
    )
    clock(local("2025-11-24 10:10"))
    call(counter, workflow.accept_complaint, complaint_id=view.id)  # 10 min late: response missed
    call(counter, workflow.wait_for_customer, complaint_id=view.id)
    clock(local("2025-11-24 09:40"))  # clock corrected by half an hour backwards
    view = call(counter, workflow.resume_complaint, complaint_id=view.id)
    assert view.paused_seconds == 0
    assert view.resolution_due_at == local("2025-11-25 09:00")  # 24 h, unchanged
    assert view.response_breached
    with unit_of_work(db, counter) as session:
        assert sla.sweep(session=session).breaches == 0


def test_a_pause_over_a_holiday_costs_no_business_time(
    db, counter, make_customer, clock, call
) -> None:
    """Waiting for the customer across National Day: only working time paused moves the due."""
    install_office_policy(db, counter)
    customer = make_customer("王五")
    clock(local("2025-09-30 09:00"))  # Tuesday
    view = call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(customer, "phone", "delay", "late"),
    )
    assert view.grade == 3  # resolution 4320 business minutes = 9 office days
    call(counter, workflow.accept_complaint, complaint_id=view.id)
    clock(local("2025-10-01 17:00"))  # Wed: 480 + 420 = 900 minutes used
    call(counter, workflow.wait_for_customer, complaint_id=view.id)
    clock(local("2025-10-09 09:30"))  # Thu after the holidays: paused 60 (Wed) + 30 = 90
    view = call(counter, workflow.resume_complaint, complaint_id=view.id)
    assert view.paused_seconds == 90 * 60
    # 4320 + 90 = 4410 from Tue 30 Sep 09:00: Tue 480, Wed 960, Thu 9 1440, Fri 10 1920,
    # Sat 11 (make-up) 2400, Mon 13 2880, Tue 14 3360, Wed 15 3840, Thu 16 4320, Fri 17: 90
    # -> 10:30
    assert view.resolution_due_at == local("2025-10-17 10:30")


def test_sweep_run_from_a_clerks_window_is_audited_as_the_system(
    db, counter, make_customer, clock, call
) -> None:
    from branch_crm.models import AuditEntry

    customer = make_customer()
    clock(local("2025-11-24 09:00"))
    view = call(
        counter, intake.take_complaint, data=intake.ComplaintInput(customer, "counter", "loss", "x")
    )
    with unit_of_work(db, counter) as session:
        before = {e.id for e in session.query(AuditEntry)}
    assert before
    clock(local("2025-11-24 10:30"))  # breached, escalated twice
    with unit_of_work(db, counter) as session:  # the clerk's session runs the sweep
        assert sla.sweep(session=session).escalations == 2
        new = [e for e in session.query(AuditEntry) if e.id not in before]
    assert {(e.entity, e.entity_id) for e in new} >= {("complaint", view.id)}
    assert [e.entity for e in new].count("complaint_event") == 3  # a breach, two escalations
    assert all(e.actor_id is None for e in new)  # the system's, not the clerk's
