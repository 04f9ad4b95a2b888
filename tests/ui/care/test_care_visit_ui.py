"""The visit dialog: opened for a visit task of the Today card (customer and task filled in)
and from the customer profile; saving records the visit, closes the task and shows it on the
customer's timeline; problems show under their fields; both languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.care import follow_ups
from branch_crm.services.care.visits import list_visits
from branch_crm.services.timeline import customer_timeline
from branch_crm.timeutil import local_today

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def visit_task(db, counter):  # type: ignore[no-untyped-def]
    """A class-B customer with a visit task due today: (task id, customer id)."""
    from branch_crm.models import CareTask, Customer, CustomerPhone
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, counter) as session:
        customer = Customer(name="顺达贸易", visit_class="B", account_manager_id="staff-counter")
        session.add(customer)
        session.flush()
        session.add(CustomerPhone(customer_id=customer.id, phone="13812345678", position=0))
        task = CareTask(customer_id=customer.id, kind="visit", due_on=local_today(),
                        status="open", title="Visit due (class B); no visit recorded yet",
                        assignee_id="staff-counter")  # fmt: skip
        session.add(task)
        session.flush()
        return task.id, customer.id


def test_visit_from_the_today_card_closes_its_task_and_shows_on_the_timeline(
    qtbot: Any, ctx: Any, show: Any, opened: Any, visit_task: Any
) -> None:
    from branch_crm.ui.care.dialogs import to_qdate
    from branch_crm.ui.care.home_card import TodayCard

    task_id, customer_id = visit_task
    card = show(TodayCard(ctx))
    assert [r.kind for r in card.model.rows] == ["visit"]
    card.table.setFocus()
    qtbot.keyClick(card.table, Qt.Key.Key_V, CTRL | SHIFT)
    dialog = opened[-1]
    assert dialog.objectName() == "careVisitDialog"
    assert "顺达贸易  138 1234 5678" in dialog.summary.text()
    assert "Visit due (class B)" in dialog.summary.text()
    assert dialog.kind.currentData() == "visit" and dialog.staff.currentData() == "staff-counter"
    qtbot.waitUntil(dialog.outcome.hasFocus, timeout=2000)
    # nothing written yet: the outcome is required, the message shows under it
    qtbot.keyClick(dialog.outcome, Qt.Key.Key_S, CTRL)
    assert dialog.isVisible() and dialog.errors.message("outcome") == "Write what came of it."
    dialog.outcome.setPlainText("客户满意，下月增加冷链件")
    dialog.next_step.setText("发送冷链报价")
    dialog.has_next.setChecked(True)
    dialog.next_visit.setDate(to_qdate(local_today() + timedelta(days=10)))
    with qtbot.waitSignal(ctx.bus.sig_data_changed) as changed:
        qtbot.keyClick(dialog.outcome, Qt.Key.Key_Return, CTRL)
    assert {"visit", "care"} <= changed.args[0]
    assert not dialog.isVisible()
    assert dialog.result_view.closed_task_ids == (task_id,)
    assert ctx.read(follow_ups.get_follow_up, task_id=task_id).status == "done"
    [visit] = ctx.read(list_visits, customer_id=customer_id)
    assert visit.kind == "visit" and visit.outcome == "客户满意，下月增加冷链件"
    assert visit.next_visit_on == local_today() + timedelta(days=10)
    assert visit.task_id == task_id and visit.staff_id == "staff-counter"
    entries = ctx.read(customer_timeline, customer_id=customer_id)
    shown = next(e for e in entries if e.kind == "visit")
    assert shown.title == "On-site visit: 客户满意，下月增加冷链件"
    assert "Next step: 发送冷链报价" in shown.detail
    assert card.model.rows == []  # done: off the Today card


def test_a_birthday_task_proposes_a_phone_call(ctx: Any, show: Any, tasks: Any) -> None:
    from branch_crm.ui.care.visit_dialog import VisitDialog, proposed_kind

    row = ctx.read(follow_ups.get_follow_up, task_id=tasks["later"][0])
    dialog = show(VisitDialog.for_task(ctx, row))
    assert dialog.kind.currentData() == "call"  # a survey follow-up: by phone
    assert proposed_kind("greeting") == "message" and proposed_kind(None) == "visit"
    dialog.kind.setCurrentIndex(dialog.kind.findData("message"))
    dialog.outcome.setPlainText("已发微信")
    dialog.save()
    assert ctx.read(follow_ups.get_follow_up, task_id=tasks["later"][0]).status == "done"
    assert ctx.read(list_visits, customer_id=row.customer_id)[0].kind == "message"


def test_next_visit_must_come_after_the_visit(
    *, qtbot: Any, ctx: Any, show: Any, visit_task: Any
) -> None:
    from PySide6.QtCore import QDateTime

    from branch_crm.ui.care.visit_dialog import VisitDialog

    dialog = show(VisitDialog(ctx, visit_task[1], "顺达贸易"))
    dialog.outcome.setPlainText("聊过了")
    dialog.when.setDateTime(QDateTime(dialog.when.date().addDays(-3), dialog.when.time()))
    dialog.has_next.setChecked(True)
    dialog.next_visit.setMinimumDate(dialog.when.date())
    dialog.next_visit.setDate(dialog.when.date())
    dialog.save()
    assert dialog.isVisible()
    assert dialog.errors.message("next_visit_on") == "The next visit comes after this one."
    assert ctx.read(list_visits, customer_id=visit_task[1]) == []


def test_record_visit_from_the_profile(
    *, qtbot: Any, ctx: Any, show: Any, opened: Any, visit_task: Any
) -> None:
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    task_id, customer_id = visit_task
    profile = show(CustomerProfileDialog(ctx, customer_id=customer_id))
    button = profile.findChild(type(profile.save_button), "customerAction_care_visit")
    assert button is not None and button.text() == "&Record visit…"
    assert "(Ctrl+Shift+V)" in button.toolTip()
    qtbot.keyClick(profile, Qt.Key.Key_V, CTRL | SHIFT)
    dialog = opened[-1]
    assert dialog.objectName() == "careVisitDialog" and dialog.task is None
    assert dialog.customer_text == "顺达贸易  138 1234 5678"
    dialog.kind.setCurrentIndex(dialog.kind.findData("call"))
    dialog.outcome.setPlainText("电话回访，客户对时效满意")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    # the plan's due visit task closes with any contact recorded
    assert dialog.result_view.closed_task_ids == (task_id,)
    titles = [e.title for e in profile.side.timeline.entries()]
    assert "Phone call: 电话回访，客户对时效满意" in titles
    profile._close_confirmed = True
    profile.close()


def test_chinese_dialog(ctx: Any, show: Any, visit_task: Any) -> None:
    from branch_crm.i18n import set_language
    from branch_crm.ui.care.visit_dialog import VisitDialog

    set_language("zh_CN")
    dialog = show(VisitDialog(ctx, visit_task[1], "顺达贸易"))
    assert dialog.windowTitle() == "记录拜访或电话"
    assert dialog.labels["outcome"].text() == "结果(&O)："
    assert [dialog.kind.itemText(i) for i in range(3)] == ["上门拜访", "电话回访", "短信/微信消息"]
    assert dialog.ok_button.text() == "保存拜访"
