"""Taking complaints and the closed-loop workflow: validation, grade rules, numbers, legal and
illegal transitions by role, the append-only timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from branch_crm.errors import InvalidTransition, PermissionDenied, ValidationError
from branch_crm.models import ComplaintEvent
from branch_crm.services.complaints import events as cs_events
from branch_crm.services.complaints import grading, intake, labels, views, workflow
from branch_crm.services.context import unit_of_work
from branch_crm.services.pc_code import this_pc_code
from branch_crm.services.settings import values as settings
from tests.support.clock import local


def take(call: Any, actor: Any, customer: str, category: str = "delay", **kw: Any) -> Any:
    data = intake.ComplaintInput(customer, kw.pop("channel", "counter"), category, "text", **kw)
    return call(actor, intake.take_complaint, data=data)


# --- taking a complaint -------------------------------------------------------------------------


def test_every_bad_field_is_named(db, counter, call) -> None:
    data = intake.ComplaintInput(
        customer_id="nobody",
        channel="fax",
        category="weather",
        description="  ",
        waybill_no="12-34",
        compensation_requested_cents=-5,
        grade=4,
    )
    with pytest.raises(ValidationError) as caught:
        call(counter, intake.take_complaint, data=data)
    assert set(caught.value.fields) == {
        "customer_id",
        "channel",
        "category",
        "description",
        "waybill_no",
        "compensation_requested_cents",
        "grade",
    }
    assert "SF1234567890123" in caught.value.fields["waybill_no"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sf 1234-5678-90123", "SF1234567890123"),
        ("773012345678", "773012345678"),
        ("JDVA00012345678", "JDVA00012345678"),
        ("ea123456789cn", "EA123456789CN"),
        ("", None),
        (None, None),
    ],
)
def test_waybill_numbers_are_normalised(raw: str | None, expected: str | None) -> None:
    assert intake.normalize_waybill(raw) == expected


@pytest.mark.parametrize("raw", ["1234567", "ABCDE12345678", "SF12345678901234567890X", "顺丰123"])
def test_odd_waybill_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="waybill"):
        intake.normalize_waybill(raw)


def test_complaint_is_taken_with_number_event_and_due_times(
    db, counter, make_customer, clock, call
) -> None:
    customer = make_customer()
    clock(local("2025-11-24 09:00"))
    first = take(call, counter, customer, waybill_no="sf1234567890123")
    second = take(call, counter, make_customer("王五"), channel="phone")
    clock(local("2025-11-25 00:01"))
    third = take(call, counter, make_customer("赵六"))
    with db.session() as session:
        pc = this_pc_code(session)  # provisional: this database never registered
    assert (first.number, second.number, third.number) == (
        f"BR001-20251124-{pc}0001",
        f"BR001-20251124-{pc}0002",
        f"BR001-20251125-{pc}0001",
    )
    assert first.status == "received" and first.waybill_no == "SF1234567890123"
    assert first.response_due_at == local("2025-11-24 13:00")  # grade 3: 4 h
    events = call(counter, cs_events.complaint_events, complaint_id=first.id)
    assert [(e.kind, e.actor_name, e.to_status) for e in events] == [
        ("received", "Counter", "received")
    ]


# --- grade rules --------------------------------------------------------------------------------


def _suggest(call: Any, actor: Any, customer: str | None, category: str, cents: int = 0) -> Any:
    return call(
        actor,
        grading.suggest_grade,
        customer_id=customer,
        category=category,
        compensation_requested_cents=cents,
    )


def test_grade_rules(db, counter, make_customer, call) -> None:
    plain = make_customer("普通")
    assert _suggest(call, counter, plain, "delay").grade == 3
    assert _suggest(call, counter, plain, "delay").reason == "Standard complaint"
    assert _suggest(call, counter, plain, "loss").grade == 1
    assert _suggest(call, counter, plain, "damage", 99_999).grade == 2
    high = _suggest(call, counter, plain, "damage", 100_000)
    assert (high.grade, high.rules[0].code) == (1, "high_value_damage")
    assert "¥1,000.00" in high.reason
    assert _suggest(call, counter, plain, "wrong_delivery").grade == 2
    strategic = _suggest(call, counter, make_customer("大客户", tier="strategic"), "billing")
    assert (strategic.grade, strategic.reason) == (1, "Strategic customer")
    assert _suggest(call, counter, make_customer("重点", tier="key"), "billing").grade == 2
    # several rules: the most urgent decides, all are listed
    both = _suggest(call, counter, make_customer("重点2", tier="key"), "loss")
    assert [r.code for r in both.rules] == ["loss", "key"]


def test_high_value_threshold_is_a_setting(db, counter, admin, make_customer, call) -> None:
    with unit_of_work(db, admin) as session:
        settings.put(session, admin, "complaint.high_value_cents", 50_000)
    assert _suggest(call, counter, make_customer(), "damage", 50_000).grade == 1


def test_repeat_complaint_within_30_days_is_grade_1(
    db, counter, make_customer, clock, call
) -> None:
    customer = make_customer()
    clock(local("2025-10-02 10:00"))
    take(call, counter, customer)
    clock(local("2025-11-02 10:00"))  # 31 days later: not a repeat
    assert take(call, counter, customer).grade == 3
    clock(local("2025-11-21 10:00"))  # 19 days after the last one
    repeat = take(call, counter, customer)
    assert repeat.grade == 1
    assert repeat.grade_reason is None  # as suggested
    assert [r.text for r in repeat.grade_rules] == ["Repeat complaint: 1 earlier within 30 days"]
    with unit_of_work(db, counter) as session:
        assert views.is_repeat_complainer(session, customer)
        assert not views.is_repeat_complainer(session, make_customer("新客户"))


def test_a_deleted_complaint_does_not_make_a_repeat_complainer(
    db, counter, make_customer, clock, call
) -> None:
    from branch_crm.models import Complaint
    from branch_crm.timeutil import utcnow

    customer = make_customer()
    clock(local("2025-10-02 10:00"))
    first = take(call, counter, customer)
    clock(local("2025-10-05 10:00"))
    take(call, counter, customer)
    with unit_of_work(db, counter) as session:
        assert views.is_repeat_complainer(session, customer)
        session.get(Complaint, first.id).deleted_at = utcnow()  # e.g. keyed in by mistake
    with unit_of_work(db, counter) as session:
        assert not views.is_repeat_complainer(session, customer)


def test_grade_override_needs_a_reason_and_lowering_needs_a_supervisor(
    db, counter, supervisor, make_customer, call
) -> None:
    customer = make_customer()
    with pytest.raises(ValidationError) as caught:
        take(call, counter, customer, grade=1)
    assert "grade_reason" in caught.value.fields
    raised = take(call, counter, customer, grade=1, grade_reason="customer is a journalist")
    assert (raised.grade, raised.suggested_grade) == (1, 3)  # the refused try left nothing
    other = make_customer("王五")
    up = take(call, counter, other, "delay", grade=2, grade_reason="medicine inside")
    assert (up.grade, up.suggested_grade, up.grade_reason) == (2, 3, "medicine inside")
    lost = make_customer("赵六")
    with pytest.raises(PermissionDenied, match="supervisor"):
        take(call, counter, lost, "loss", grade=3, grade_reason="found already")
    down = take(call, supervisor, lost, "loss", grade=3, grade_reason="found already")
    assert (down.grade, down.suggested_grade) == (3, 1)


def test_a_courier_may_take_but_not_work_a_complaint(db, courier, make_customer, call) -> None:
    view = take(call, courier, make_customer(), channel="courier")
    with pytest.raises(PermissionDenied, match="Pickup courier may not"):
        call(courier, workflow.accept_complaint, complaint_id=view.id)


# --- transitions ----------------------------------------------------------------------------------


def _to(call: Any, actor: Any, view: Any, status: str) -> Any:
    """Drive a fresh complaint to ``status`` through legal steps."""
    steps = {
        "received": [],
        "in_progress": [(workflow.accept_complaint, {})],
        "waiting_customer": [(workflow.accept_complaint, {}), (workflow.wait_for_customer, {})],
        "feedback_given": [
            (workflow.accept_complaint, {}),
            (workflow.give_feedback, {"note": "fixed"}),
        ],
        "closed": [
            (workflow.accept_complaint, {}),
            (workflow.give_feedback, {"note": "fixed"}),
            (
                workflow.close_complaint,
                {"root_cause": "other", "corrective_action": "none needed"},
            ),
        ],
    }[status]
    for fn, kwargs in steps:
        view = call(actor, fn, complaint_id=view.id, **kwargs)
    assert view.status == status
    return view


ILLEGAL = [
    ("received", workflow.wait_for_customer, {}),
    ("received", workflow.resume_complaint, {}),
    ("received", workflow.give_feedback, {"note": "x"}),
    ("received", workflow.reopen_complaint, {"note": "x"}),
    ("in_progress", workflow.accept_complaint, {}),
    ("in_progress", workflow.resume_complaint, {}),
    ("in_progress", workflow.reopen_complaint, {"note": "x"}),
    ("in_progress", workflow.close_complaint, {"root_cause": "other", "corrective_action": "x"}),
    ("waiting_customer", workflow.give_feedback, {"note": "x"}),
    ("waiting_customer", workflow.wait_for_customer, {}),
    ("feedback_given", workflow.accept_complaint, {}),
    ("feedback_given", workflow.give_feedback, {"note": "x"}),
    ("closed", workflow.accept_complaint, {}),
    ("closed", workflow.wait_for_customer, {}),
    ("closed", workflow.grant_compensation, {"amount_cents": 100, "note": "x"}),
    ("closed", workflow.close_complaint, {"root_cause": "other", "corrective_action": "x"}),
]


@pytest.mark.parametrize(("status", "fn", "kwargs"), ILLEGAL)
def test_illegal_transitions_are_refused_clearly(
    db, supervisor, *, make_customer, call, status: str, fn: Any, kwargs: dict[str, Any]
) -> None:
    view = _to(call, supervisor, take(call, supervisor, make_customer()), status)
    with unit_of_work(db, supervisor) as session:
        before = session.query(ComplaintEvent).count()
    with pytest.raises(InvalidTransition) as caught:
        call(supervisor, fn, complaint_id=view.id, **kwargs)
    assert labels.status_label(status) in caught.value.message
    assert "possible when" in caught.value.message
    with unit_of_work(db, supervisor) as session:
        assert session.query(ComplaintEvent).count() == before
    assert call(supervisor, views.get_complaint, complaint_id=view.id).status == status


def test_full_loop_with_reopen(db, counter, make_customer, clock, call) -> None:
    clock(local("2025-11-24 09:00"))
    view = take(call, counter, make_customer())
    clock(local("2025-11-24 09:30"))
    view = call(counter, workflow.accept_complaint, complaint_id=view.id, note="calling the hub")
    assert view.assignee_id == counter.staff_id and view.assignee_name == "Counter"
    clock(local("2025-11-24 11:00"))
    view = call(
        counter, workflow.give_feedback, complaint_id=view.id, note="parcel arrives tomorrow"
    )
    assert view.resolved_at == local("2025-11-24 11:00")
    clock(local("2025-11-24 15:00"))  # four hours later the customer says it is not enough
    view = call(counter, workflow.reopen_complaint, complaint_id=view.id, note="wants a refund")
    assert (view.status, view.reopen_count, view.resolved_at) == ("in_progress", 1, None)
    assert view.paused_seconds == 4 * 3600  # the customer held our answer for 4 h
    assert view.resolution_due_at == local("2025-11-27 13:00")  # 72 h + 4 h
    clock(local("2025-11-25 10:00"))
    view = call(counter, workflow.give_feedback, complaint_id=view.id, note="refund approved")
    clock(local("2025-11-25 12:00"))
    view = call(
        counter,
        workflow.close_complaint,
        complaint_id=view.id,
        root_cause="line_haul_delay",
        corrective_action="escalate late trunk arrivals to the hub manager",
        note="customer satisfied",
    )
    assert (view.status, view.root_cause, view.root_cause_label) == (
        "closed",
        "line_haul_delay",
        "Line-haul delay",
    )
    clock(local("2025-11-26 09:00"))
    view = call(
        counter, workflow.reopen_complaint, complaint_id=view.id, note="refund not received"
    )
    assert (view.status, view.reopen_count, view.closed_at) == ("in_progress", 2, None)
    events = call(counter, cs_events.complaint_events, complaint_id=view.id)
    assert [e.kind for e in events] == [
        "received",
        "accepted",
        "feedback",
        "reopened",
        "feedback",
        "closed",
        "reopened",
    ]
    assert events[1].note == "calling the hub"
    assert events[5].title.startswith("Closed, confirmed by the customer (root cause: Line-haul")
    assert all(e.actor_name == "Counter" for e in events)
    assert [(e.from_status, e.to_status) for e in events[1:3]] == [
        ("received", "in_progress"),
        ("in_progress", "feedback_given"),
    ]


def test_closing_needs_root_cause_and_corrective_action(db, counter, make_customer, call) -> None:
    view = _to(call, counter, take(call, counter, make_customer()), "feedback_given")
    with pytest.raises(ValidationError) as caught:
        call(
            counter,
            workflow.close_complaint,
            complaint_id=view.id,
            root_cause="",
            corrective_action="",
        )
    assert set(caught.value.fields) == {"root_cause", "corrective_action"}
    with pytest.raises(ValidationError):
        call(
            counter,
            workflow.close_complaint,
            complaint_id=view.id,
            root_cause="bad_luck",
            corrective_action="x",
        )


def test_feedback_and_reopen_need_a_note(db, counter, make_customer, call) -> None:
    view = _to(call, counter, take(call, counter, make_customer()), "in_progress")
    with pytest.raises(ValidationError) as caught:
        call(counter, workflow.give_feedback, complaint_id=view.id, note=" ")
    assert caught.value.fields == {"note": "Say what the customer was told."}


# --- supervisor-only steps ------------------------------------------------------------------


def test_supervisor_only_steps(db, counter, supervisor, make_customer, call) -> None:
    view = _to(call, counter, take(call, counter, make_customer()), "in_progress")
    with pytest.raises(PermissionDenied, match="Only a supervisor may regrade"):
        call(counter, workflow.regrade_complaint, complaint_id=view.id, grade=1, reason="vip")
    with pytest.raises(PermissionDenied, match="supervisor"):
        call(
            counter,
            workflow.close_complaint,
            complaint_id=view.id,
            root_cause="other",
            corrective_action="x",
            customer_confirmed=False,
        )
    with pytest.raises(ValidationError) as caught:
        call(supervisor, workflow.regrade_complaint, complaint_id=view.id, grade=1, reason="")
    assert "reason" in caught.value.fields
    view = call(supervisor, workflow.regrade_complaint, complaint_id=view.id, grade=1, reason="vip")
    assert view.grade == 1
    view = call(
        supervisor,
        workflow.close_complaint,
        complaint_id=view.id,
        root_cause="customer_side",
        corrective_action="none",
        customer_confirmed=False,
        note="customer unreachable for 5 days",
    )
    assert view.status == "closed"
    events = call(supervisor, cs_events.complaint_events, complaint_id=view.id)
    assert events[-1].title.startswith("Closed without the customer's confirmation")
    assert events[-2].title == "Regraded from grade 3 to grade 1"


def test_compensation_above_the_branch_limit_needs_a_supervisor(
    db, counter, supervisor, make_customer, call
) -> None:
    view = _to(call, counter, take(call, counter, make_customer()), "in_progress")
    view = call(
        counter, workflow.grant_compensation, complaint_id=view.id, amount_cents=20_000, note="ok"
    )
    assert view.compensation_granted_cents == 20_000  # exactly the default limit of ¥200
    with pytest.raises(PermissionDenied, match="above ¥200"):
        call(
            counter,
            workflow.grant_compensation,
            complaint_id=view.id,
            amount_cents=20_001,
            note="x",
        )
    view = call(
        supervisor,
        workflow.grant_compensation,
        complaint_id=view.id,
        amount_cents=50_000,
        note="box",
    )
    assert view.compensation_granted_cents == 50_000
    titles = [e.title for e in call(counter, cs_events.complaint_events, complaint_id=view.id)]
    assert titles[-2:] == ["Compensation granted: ¥200.00", "Compensation granted: ¥500.00"]


def test_available_steps_explain_refusals(counter, supervisor) -> None:
    steps = workflow.available_steps(counter, "in_progress")
    assert steps["wait"] is None and steps["feedback"] is None and steps["note"] is None
    assert steps["regrade"] == "Only a supervisor may regrade."
    assert "possible when" in (steps["resume"] or "")
    assert workflow.available_steps(supervisor, "in_progress")["force_close"] is None
    assert workflow.available_steps(supervisor, "closed")["reopen"] is None


def test_take_over_assigns_me(db, counter, supervisor, make_customer, call) -> None:
    view = _to(call, counter, take(call, counter, make_customer()), "in_progress")
    view = call(supervisor, workflow.assign_to_me, complaint_id=view.id)
    assert (view.assignee_id, view.assignee_name) == (supervisor.staff_id, "Supervisor")
    assert call(counter, cs_events.complaint_events, complaint_id=view.id)[-1].title == (
        "Assigned to Supervisor"
    )


def test_events_are_never_rewritten(db, counter, make_customer, call) -> None:
    view = _to(call, counter, take(call, counter, make_customer()), "closed")
    with unit_of_work(db, counter) as session:
        stamps = {(e.id, e.updated_at) for e in session.query(ComplaintEvent)}
    call(counter, workflow.add_note, complaint_id=view.id, note="customer called to thank us")
    with unit_of_work(db, counter) as session:
        after = {(e.id, e.updated_at) for e in session.query(ComplaintEvent)}
    assert stamps < after and len(after - stamps) == 1


def test_customer_complaints_newest_first(db, counter, make_customer, clock, call) -> None:
    customer = make_customer()
    clock(local("2025-11-21 09:00"))
    older = take(call, counter, customer)
    clock(local("2025-11-21 09:00") + timedelta(days=1))
    newer = take(call, counter, customer)
    listed = call(counter, views.customer_complaints, customer_id=customer)
    assert [v.id for v in listed] == [newer.id, older.id]


def test_complaints_on_the_customer_timeline_and_repeat_flag(db, counter, clock, call) -> None:
    from branch_crm.services import timeline
    from branch_crm.services.customers import profile, validation

    data = validation.CustomerInput(name="张三", phones=["13812345678"])
    customer = call(counter, profile.create_customer, data=data).id
    assert not call(counter, profile.get_customer, customer_id=customer).repeat_complainer
    clock(local("2025-11-21 09:00"))
    first = take(call, counter, customer, "loss")
    clock(local("2025-11-21 10:00"))
    _to(call, counter, first, "closed")
    clock(local("2025-11-23 09:00"))
    second = take(call, counter, customer, "billing")
    entries = [
        e
        for e in call(counter, timeline.customer_timeline, customer_id=customer)
        if e.kind.startswith("complaint")
    ]
    # the second one came 2 days after the first: a repeat complaint (grade 1 by that rule)
    assert [(e.kind, e.title) for e in entries] == [
        ("complaint", "Repeat complaint: Billing"),
        ("complaint_closed", "Complaint: Loss"),
        ("complaint", "Complaint: Loss"),
    ]
    assert entries[0].detail == f"Complaint received · Grade 1 · {second.number}"
    assert entries[1].detail.startswith(
        f"Closed, confirmed by the customer (root cause: Other) · Grade 1 · {first.number}"
    )
    assert entries[0].actor_name == "Counter"
    assert call(counter, profile.get_customer, customer_id=customer).repeat_complainer
