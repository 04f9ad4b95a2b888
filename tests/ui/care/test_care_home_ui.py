"""The home screen's "Today" card: the tasks due today and overdue for me / everyone with
their reasons, its one-key actions calling the services (done, postpone, reassign for
supervisors only, record the visit, open the customer), a courier closing their own tasks,
refresh on data changes, both languages; the feature registers card, page and timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.care import follow_ups
from branch_crm.timeutil import local_today

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

CTRL = Qt.KeyboardModifier.ControlModifier


def _card(ctx: Any, show: Any) -> Any:
    from branch_crm.ui.care.home_card import TodayCard

    return show(TodayCard(ctx))


def _names(card: Any) -> list[str]:
    return [row.customer_name for row in card.model.rows]


def _cell(card: Any, row: int, column: int) -> str:
    return str(card.model.data(card.model.index(row, column)))


@pytest.fixture
def courier_task(db, counter):  # type: ignore[no-untyped-def]
    """A birthday call due today assigned to the courier: (task id, customer id)."""
    from branch_crm.models import CareTask, Customer
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, counter) as session:
        customer = Customer(name="钱七")
        session.add(customer)
        session.flush()
        task = CareTask(customer_id=customer.id, kind="birthday", due_on=local_today(),
                        status="open", title="Birthday call",
                        assignee_id="staff-courier")  # fmt: skip
        session.add(task)
        session.flush()
        return task.id, customer.id


def test_lists_due_and_overdue_for_everyone_and_for_me(
    *, qtbot: Any, ctx: Any, show: Any, tasks: Any
) -> None:
    from branch_crm.ui.care.model import DUE, REASON

    card = _card(ctx, show)
    assert card.title() == "Today: calls, visits and greetings"
    assert card.current_scope() == "all" and card.scope.isEnabled()
    assert _names(card) == ["张三", "李四"]  # 王五's task is due in 3 days: not today's
    assert card.summary.text() == "1 overdue · 1 due today: 2 calls"
    assert _cell(card, 0, DUE) == "2 days overdue"
    assert _cell(card, 0, REASON) == "Survey follow-up: NPS 3"
    assert _cell(card, 1, DUE) == "today"
    assert card.current_task_id() == tasks["overdue"][0]
    card.scope.setCurrentIndex(card.scope.findData("mine"))
    assert _names(card) == ["李四"]
    assert not card.reassign_button.isVisible()  # counter staff do not reassign


def test_done_with_a_note_closes_the_task(
    *, qtbot: Any, ctx: Any, show: Any, opened: Any, tasks: Any
) -> None:
    card = _card(ctx, show)
    card.table.setFocus()
    qtbot.keyClick(card.table, Qt.Key.Key_D, CTRL)
    dialog = opened[-1]
    assert dialog.objectName() == "careDoneDialog" and "张三" in dialog.summary.text()
    dialog.note.setPlainText("已道歉，明早重新派送")
    qtbot.waitUntil(dialog.note.hasFocus, timeout=2000)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, CTRL)
    assert not dialog.isVisible()
    closed = ctx.read(follow_ups.get_follow_up, task_id=tasks["overdue"][0])
    assert closed.status == "done" and closed.outcome == "Done: 已道歉，明早重新派送"
    assert _names(card) == ["李四"]
    assert card.current_task_id() == tasks["today"][0]  # the next task takes its place


def test_postpone_moves_the_date_off_today(
    *, qtbot: Any, ctx: Any, show: Any, opened: Any, tasks: Any
) -> None:
    from branch_crm.ui.care.dialogs import to_qdate

    card = _card(ctx, show)
    card.table.selectRow(1)
    card.table.setFocus()
    qtbot.keyClick(card.table, Qt.Key.Key_T, CTRL)
    dialog = opened[-1]
    assert dialog.objectName() == "carePostponeDialog" and "李四" in dialog.summary.text()
    dialog.day.setDate(to_qdate(local_today() + timedelta(days=4)))
    qtbot.waitUntil(dialog.day.hasFocus, timeout=2000)
    qtbot.keyClick(dialog.day, Qt.Key.Key_S, CTRL)
    assert not dialog.isVisible()
    moved = ctx.read(follow_ups.get_follow_up, task_id=tasks["today"][0])
    assert moved.due_on == local_today() + timedelta(days=4) and moved.status == "open"
    assert _names(card) == ["张三"]


def test_reassign_is_for_supervisors_only(
    *, qtbot: Any, ctx: Any, supervisor_ctx: Any, show: Any, opened: Any, tasks: Any
) -> None:
    counter_card = _card(ctx, show)
    counter_card.table.setFocus()
    qtbot.keyClick(counter_card.table, Qt.Key.Key_R, CTRL)
    assert opened == [] and not counter_card.reassign_button.isEnabled()
    counter_card.close()

    card = _card(supervisor_ctx, show)
    assert card.reassign_button.isVisible() and card.reassign_button.isEnabled()
    card.table.selectRow(1)
    card.table.setFocus()
    qtbot.keyClick(card.table, Qt.Key.Key_R, CTRL)
    dialog = opened[-1]
    assert dialog.objectName() == "careReassignDialog"
    dialog.choice.setCurrentIndex(dialog.choice.findData("staff-courier"))
    dialog.ok_button.click()
    handed = supervisor_ctx.read(follow_ups.get_follow_up, task_id=tasks["today"][0])
    assert handed.assignee_id == "staff-courier"
    assert card.model.rows[1].assignee_name == "李快递"
    assert card.current_task_id() == tasks["today"][0]  # selection kept after the reload


def test_courier_sees_and_closes_own_tasks(
    *, qtbot: Any, courier_ctx: Any, show: Any, opened: Any, tasks: Any, courier_task: Any
) -> None:
    card = _card(courier_ctx, show)
    assert _names(card) == ["钱七"]  # only theirs; 王五's is not due yet
    assert not card.scope.isEnabled() and card.current_scope() == "mine"
    assert card.summary.text() == "0 overdue · 1 due today: 1 call"
    assert card.done_button.isEnabled() and card.postpone_button.isEnabled()
    assert not card.reassign_button.isVisible()
    card.table.setFocus()
    qtbot.keyClick(card.table, Qt.Key.Key_D, CTRL)
    dialog = opened[-1]
    dialog.note.setPlainText("送件时祝客户生日快乐")
    dialog.ok_button.click()
    assert courier_ctx.read(follow_ups.get_follow_up, task_id=courier_task[0]).status == "done"
    assert _names(card) == []
    assert card.summary.text() == "Nothing due today."
    assert card.empty_state.is_shown()
    assert not card.done_button.isEnabled() and not card.customer_button.isEnabled()


def test_enter_opens_the_customer(
    *, qtbot: Any, ctx: Any, show: Any, tasks: Any, monkeypatch: Any
) -> None:
    from branch_crm.ui.counter import actions

    seen: list[str] = []
    monkeypatch.setattr(actions, "open_customer", lambda _ctx, cid: seen.append(cid))
    card = _card(ctx, show)
    card.table.setFocus()
    qtbot.keyClick(card.table, Qt.Key.Key_Down)
    qtbot.keyClick(card.table, Qt.Key.Key_Return)
    assert seen == [tasks["today"][1]]
    card.customer_button.click()
    assert seen[-1] == tasks["today"][1]


def test_card_refreshes_on_care_changes(
    *, qtbot: Any, ctx: Any, show: Any, tasks: Any, ctx_write: Any
) -> None:
    card = _card(ctx, show)
    ctx_write(ctx, follow_ups.complete_follow_up, task_id=tasks["overdue"][0], note="已告知")
    with qtbot.waitSignal(card.sig_loaded):
        ctx.bus.changed("care")
    assert card.listed.overdue == 0 and _names(card) == ["李四"]


def test_home_page_shows_the_card_first_and_across(
    *, qtbot: Any, ctx: Any, show: Any, tasks: Any, opened: Any
) -> None:
    from branch_crm.ui.main_window import MainWindow
    from branch_crm.ui.pages import PAGES

    window = show(MainWindow(ctx, pages=[s for s in PAGES if s.key in ("home", "care")]))
    home = window.page("home")
    card = home.cards[0]
    assert card.objectName() == "careTodayCard"
    assert home.grid.getItemPosition(home.grid.indexOf(card)) == (0, 0, 1, 2)
    # the Done shortcut works while the home page is shown, wherever the focus is
    window.nav.setFocus()
    qtbot.keyClick(window.nav, Qt.Key.Key_D, CTRL)
    assert [d.row.id for d in opened] == [tasks["overdue"][0]]
    opened[0].reject()
    # "All follow-ups" shows the page with the selected task selected
    card.table.selectRow(1)
    card.open_button.click()
    assert window.current_page_key() == "care"
    assert window.page("care").current_task_id() == tasks["today"][0]
    # on the follow-ups page the card's keys are inactive: Ctrl+D is the page's
    qtbot.keyClick(window.nav, Qt.Key.Key_D, CTRL)
    assert opened[-1].parent() is window.page("care")


def test_feature_has_its_card_timeline_and_icons(qapp) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.care.timeline import care_timeline
    from branch_crm.services.timeline import SOURCES
    from branch_crm.ui.counter.timeline_icons import TIMELINE_ICONS
    from branch_crm.ui.icons import ICONS
    from branch_crm.ui.pages import PAGES
    from branch_crm.ui.shell.home import HOME_CARDS

    assert care_timeline in SOURCES
    assert TIMELINE_ICONS["care_done"] == "care_done"
    assert HOME_CARDS[0].__name__ == "_today_card"
    assert {"care_tasks", "care_done", "care_cancel", "care_assign"} <= set(ICONS)
    assert {"care_postpone", "care_visit", "visit_plan"} <= set(ICONS)
    plan = next(p for p in PAGES if p.key == "visit_plan")
    assert plan.permission == "report.view" and plan.shortcut == "Ctrl+Shift+P"


def test_chinese_card(qtbot, ctx, show, tasks) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language
    from branch_crm.ui.care.model import DUE

    card = _card(ctx, show)
    set_language("zh_CN")
    card.retranslate_ui()
    assert card.title() == "今日：电话、拜访与问候"
    assert card.summary.text() == "逾期 1 · 今日到期 1：电话 2 个"
    assert card.done_button.text() == "完成(&D)…"
    assert card.postpone_button.text() == "推迟(&P)…"
    assert card.visit_button.text() == "记录拜访(&V)…"
    assert _cell(card, 1, DUE) == "今天"
