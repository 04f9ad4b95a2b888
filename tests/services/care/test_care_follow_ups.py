"""Care follow-ups: the open list (order, filters, names), done/cancel/reassign, the audit
log, sync capture, and closed tasks on the customer's timeline."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from branch_crm.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from branch_crm.i18n import set_language
from branch_crm.models import AuditEntry, CareTask, SyncOutbox
from branch_crm.services.care import follow_ups
from branch_crm.timeutil import local_today


def test_open_list_puts_overdue_and_today_first(call, counter, make_customer, make_task):  # type: ignore[no-untyped-def]
    zhang = make_customer("张三", "13812345678")
    li = make_customer("李四", "13900001111")
    later = make_task(zhang, 3, title="later")
    today = make_task(li, 0, title="today", assignee_id="staff-counter")
    overdue = make_task(zhang, -2, title="overdue", assignee_id="staff-supervisor")
    done = make_task(li, -5, title="closed already")
    call(counter, follow_ups.complete_follow_up, task_id=done, note="已电话告知")

    rows = call(counter, follow_ups.list_follow_ups)
    assert [r.id for r in rows] == [overdue, today, later]
    first = rows[0]
    assert (first.customer_name, first.phone) == ("张三", "13812345678")  # primary phone
    assert first.title == "overdue" and first.notes == "派送太慢"
    assert first.assignee_name == "赵主管"
    assert first.is_overdue(local_today()) and first.days_overdue(local_today()) == 2
    assert not rows[1].is_overdue(local_today()) and rows[1].days_overdue(local_today()) == 0
    assert rows[2].assignee_name is None

    assert [r.id for r in call(counter, follow_ups.list_follow_ups, scope="mine")] == [today]
    assert [r.id for r in call(counter, follow_ups.list_follow_ups, overdue_only=True)] == [overdue]
    counts = call(counter, follow_ups.follow_up_counts)
    assert counts == follow_ups.FollowUpCounts(open=3, overdue=1, due_today=1, mine=1)


def test_overdue_follows_the_branch_day(call, counter, make_customer, make_task):  # type: ignore[no-untyped-def]
    from datetime import date

    make_task(make_customer(), due_on=date(2026, 3, 1))
    with time_machine.travel("2026-03-01 12:00:00+00:00", tick=False):
        assert call(counter, follow_ups.follow_up_counts) == follow_ups.FollowUpCounts(1, 0, 1, 0)
    # 23:30 UTC is already 2 March in Shanghai: the task is overdue there
    with time_machine.travel("2026-03-01 23:30:00+00:00", tick=False):
        assert call(counter, follow_ups.follow_up_counts) == follow_ups.FollowUpCounts(1, 1, 0, 0)
        assert len(call(counter, follow_ups.list_follow_ups, overdue_only=True)) == 1


def test_unknown_scope_is_refused(call, counter) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        call(counter, follow_ups.list_follow_ups, scope="everything")
    assert "scope" in err.value.fields


def test_done_needs_a_note_and_is_recorded(db, call, counter, make_customer, make_task):  # type: ignore[no-untyped-def]
    cid = make_customer()
    task_id = make_task(cid, -1)
    for bad in ("", "   ", "x"):
        with pytest.raises(ValidationError) as err:
            call(counter, follow_ups.complete_follow_up, task_id=task_id, note=bad)
        assert err.value.fields == {"note": "Write what the customer was told."}
    with pytest.raises(ValidationError) as err:
        call(counter, follow_ups.complete_follow_up, task_id=task_id, note="x" * 501)
    assert "500" in err.value.fields["note"]

    view = call(
        counter, follow_ups.complete_follow_up, task_id=task_id, note="  已致歉，\n明天重新派送 "
    )
    assert view.status == "done" and view.done_at is not None
    assert view.outcome == "Done: 已致歉， 明天重新派送"
    assert view.notes == "派送太慢\n已致歉， 明天重新派送"  # words as typed, no English prefix
    assert view.outcome_message == {
        "msg": "Done: {note}",
        "args": {"note": "已致歉， 明天重新派送"},
    }
    set_language("zh_CN")
    try:
        assert view.outcome == "已完成：已致歉， 明天重新派送"  # in the reader's language
    finally:
        set_language("en")
    assert call(counter, follow_ups.list_follow_ups) == []

    with db.session() as session:
        task = session.get(CareTask, task_id)
        assert task is not None and task.updated_by == "staff-counter"
        audit = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "care_task", AuditEntry.action == "update"
            )
        ).all()
        assert len(audit) == 1 and audit[0].actor_id == "staff-counter"
        assert audit[0].changes["status"] == ["open", "done"]
        captured = session.scalars(
            select(SyncOutbox).where(SyncOutbox.table_name == "care_task", SyncOutbox.pk == task_id)
        ).all()
    assert [c.op for c in captured] == ["insert", "update"]
    changed = json.loads(captured[-1].data)
    assert changed["status"] == "done" and "已致歉" in changed["notes"] and changed["done_at"]

    with pytest.raises(InvalidTransition, match="already closed"):
        call(counter, follow_ups.complete_follow_up, task_id=task_id, note="again")


def test_cancel_needs_a_reason(call, supervisor, make_customer, make_task):  # type: ignore[no-untyped-def]
    task_id = make_task(make_customer(), 0, notes=None)
    with pytest.raises(ValidationError) as err:
        call(supervisor, follow_ups.cancel_follow_up, task_id=task_id, reason=" ")
    assert err.value.fields == {"reason": "Write why the follow-up is cancelled."}
    view = call(supervisor, follow_ups.cancel_follow_up, task_id=task_id, reason="两次未接通")
    assert view.status == "cancelled" and view.notes == "两次未接通"
    assert view.outcome == "Cancelled: 两次未接通"
    assert view.done_at is None
    with pytest.raises(InvalidTransition):
        call(supervisor, follow_ups.cancel_follow_up, task_id=task_id, reason="again")
    with pytest.raises(NotFound):
        call(supervisor, follow_ups.cancel_follow_up, task_id="no-such-task", reason="gone")


def test_courier_sees_and_closes_only_own_tasks(  # type: ignore[no-untyped-def]
    call, courier, counter, make_customer, make_task
):
    cid = make_customer()
    own = make_task(cid, 0, assignee_id="staff-courier")
    other = make_task(cid, -1, assignee_id="staff-counter")
    make_task(cid, -1)
    assert [r.id for r in call(courier, follow_ups.list_follow_ups, scope="all")] == [own]
    assert call(courier, follow_ups.follow_up_counts) == follow_ups.FollowUpCounts(1, 0, 1, 1)
    assert call(courier, follow_ups.get_follow_up, task_id=own).id == own
    with pytest.raises(NotFound):
        call(courier, follow_ups.get_follow_up, task_id=other)
    with pytest.raises(PermissionDenied, match="Pickup courier may not close follow-ups"):
        call(courier, follow_ups.cancel_follow_up, task_id=own, reason="not me")
    assert not follow_ups.may_work(courier) and follow_ups.may_work(counter)
    # a courier may mark their own task done (issue 15), no one else's
    assert call(courier, follow_ups.complete_follow_up, task_id=own, note="已上门").status == "done"
    assert follow_ups.may_close(courier, "staff-courier")
    assert not follow_ups.may_close(courier, "staff-counter")
    # counter staff may work anyone's task
    assert (
        call(counter, follow_ups.complete_follow_up, task_id=other, note="已告知").status == "done"
    )


def test_only_supervisors_reassign(call, counter, supervisor, make_customer, make_task):  # type: ignore[no-untyped-def]
    task_id = make_task(make_customer(), 0, assignee_id="staff-counter")
    with pytest.raises(PermissionDenied):
        call(
            counter, follow_ups.reassign_follow_up, task_id=task_id, assignee_id="staff-supervisor"
        )
    with pytest.raises(PermissionDenied):
        call(counter, follow_ups.assignable_staff)
    choices = dict(call(supervisor, follow_ups.assignable_staff))
    assert choices["staff-courier"] == "李快递 (Pickup courier)" and "staff-gone" not in choices
    with pytest.raises(ValidationError) as err:
        call(supervisor, follow_ups.reassign_follow_up, task_id=task_id, assignee_id="staff-gone")
    assert "assignee" in err.value.fields
    view = call(
        supervisor, follow_ups.reassign_follow_up, task_id=task_id, assignee_id="staff-courier"
    )
    assert (view.assignee_id, view.assignee_name) == ("staff-courier", "李快递")
    assert call(counter, follow_ups.list_follow_ups, scope="mine") == []
    view = call(supervisor, follow_ups.reassign_follow_up, task_id=task_id, assignee_id=None)
    assert view.assignee_id is None


def test_other_branches_and_deleted_tasks_are_not_listed(  # type: ignore[no-untyped-def]
    db, call, counter, make_customer, make_task
):
    from branch_crm.timeutil import utcnow

    cid = make_customer()
    foreign = make_task(cid, 0)
    gone = make_task(cid, 0)
    with db.session() as session:
        session.get(CareTask, foreign).branch_id = "BR999"  # type: ignore[union-attr]
        session.get(CareTask, gone).deleted_at = utcnow()  # type: ignore[union-attr]
    assert call(counter, follow_ups.list_follow_ups) == []
    with pytest.raises(NotFound):
        call(counter, follow_ups.complete_follow_up, task_id=foreign, note="not ours")


def test_a_detractor_survey_opens_a_task_that_can_be_closed(  # type: ignore[no-untyped-def]
    call, counter, make_customer
):
    from branch_crm.reference.defaults import DEFAULT_ITEMS
    from branch_crm.services.surveys import entry as se_entry
    from branch_crm.services.timeline import customer_timeline

    cid = make_customer("王五", "13700002222")
    answers: dict[str, int | None] = {
        c: 4 for c, kind, _zh, _en in DEFAULT_ITEMS if kind == "scale5"
    }
    answers.update(nps=3, ces=6)
    result = call(
        counter, se_entry.record_direct_response, customer_id=cid, channel="phone",
        data=se_entry.ResponseInput(answers, suggestion="快递员态度差"),
    )  # fmt: skip
    rows = call(counter, follow_ups.list_follow_ups)
    assert [r.id for r in rows] == [result.follow_up_task_id]
    row = rows[0]
    assert row.customer_name == "王五" and "NPS 3" in row.title and row.notes == "快递员态度差"
    assert row.due_on == local_today() + timedelta(days=1)
    assert follow_ups.kind_label(row.kind) == "Survey follow-up"

    call(counter, follow_ups.complete_follow_up, task_id=row.id, note="已致歉并更换快递员")
    entries = [
        e for e in call(counter, customer_timeline, customer_id=cid) if e.kind == "care_done"
    ]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.title == f"Follow-up done: {row.title}"
    assert entry.detail == "Done: 已致歉并更换快递员" and entry.actor_name == "王柜台"


def test_cancelled_task_on_the_timeline(call, counter, make_customer, make_task):  # type: ignore[no-untyped-def]
    from branch_crm.services.timeline import customer_timeline

    cid = make_customer()
    task_id = make_task(cid, 0, title="Birthday call", kind="birthday")
    call(counter, follow_ups.cancel_follow_up, task_id=task_id, reason="客户已注销手机号")
    entries = [
        e for e in call(counter, customer_timeline, customer_id=cid) if e.kind.startswith("care")
    ]
    assert [(e.kind, e.title, e.detail) for e in entries] == [
        ("care_cancelled", "Follow-up cancelled: Birthday call", "Cancelled: 客户已注销手机号")
    ]


def test_chinese_messages(call, counter, courier, make_customer, make_task) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    task_id = make_task(make_customer(), 0, assignee_id="staff-courier")
    set_language("zh_CN")
    with pytest.raises(ValidationError) as err:
        call(counter, follow_ups.complete_follow_up, task_id=task_id, note="")
    assert err.value.fields["note"] == "请填写告知客户的内容。"
    with pytest.raises(PermissionDenied) as denied:
        call(courier, follow_ups.cancel_follow_up, task_id=task_id, reason="不是我的")
    assert "揽件员" in denied.value.message
    view = call(counter, follow_ups.complete_follow_up, task_id=task_id, note="已告知")
    assert view.outcome == "已完成：已告知"
    assert follow_ups.kind_label("survey_follow_up") == "问卷回访"
