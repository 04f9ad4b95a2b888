"""The follow-ups page driven by keyboard: order, filters, Done… / Cancel… / Reassign…,
opening the customer, role differences, both languages; the table model under qtmodeltester."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.care import follow_ups

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _page(ctx: Any, show: Any) -> Any:
    from branch_crm.ui.care.page import FollowUpsPage

    return show(FollowUpsPage(ctx))


def _customers(page: Any) -> list[str]:
    return [row.customer_name for row in page.model.rows]


def test_model_passes_qtmodeltester(qtmodeltester, qapp, db, counter, tasks) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.context import unit_of_work
    from branch_crm.timeutil import local_today
    from branch_crm.ui.care.model import DUE, NOTES, PHONE, FollowUpModel

    model = FollowUpModel()
    with unit_of_work(db, counter) as session:
        rows = follow_ups.list_follow_ups(session=session, actor=counter)
    model.set_rows(rows, local_today())
    qtmodeltester.check(model)
    assert model.data(model.index(0, DUE)) == "2 days overdue"
    assert model.data(model.index(1, DUE)) == "today"
    assert model.data(model.index(0, PHONE)) == "138 1234 5678"
    assert model.data(model.index(0, NOTES)) == "派送太慢"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(2, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert "派送太慢" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)


def test_lists_and_filters(qtbot, ctx, show, tasks) -> None:  # type: ignore[no-untyped-def]
    page = _page(ctx, show)
    assert _customers(page) == ["张三", "李四", "王五"]
    assert page.summary.text() == "3 open · 1 overdue"
    assert page.current_task_id() == tasks["overdue"][0]  # first row selected
    page.overdue.setChecked(True)
    assert _customers(page) == ["张三"]
    page.overdue.setChecked(False)
    page.scope.setCurrentIndex(page.scope.findData("mine"))
    assert _customers(page) == ["李四"]
    assert not page.reassign_button.isVisible()  # counter staff do not reassign


def test_done_by_keyboard_needs_a_note(qtbot, ctx, show, opened, tasks) -> None:  # type: ignore[no-untyped-def]
    page = _page(ctx, show)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(opened) == 1
    dialog = opened[0]
    assert dialog.objectName() == "careDoneDialog"
    assert "张三" in dialog.summary.text() and "派送太慢" in dialog.summary.text()
    qtbot.waitUntil(dialog.note.hasFocus, timeout=2000)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible()
    assert dialog.errors.message("note") == "Write what the customer was told."
    qtbot.keyClicks(dialog.note, "Apologised, redelivery tomorrow")
    with qtbot.waitSignal(ctx.bus.sig_data_changed) as changed:
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "care" in changed.args[0]
    assert not dialog.isVisible() and dialog.result_row.status == "done"
    assert _customers(page) == ["李四", "王五"]
    closed = ctx.read(follow_ups.get_follow_up, task_id=tasks["overdue"][0])
    assert closed.outcome == "Done: Apologised, redelivery tomorrow"


def test_cancel_with_delete_and_a_reason(qtbot, ctx, show, opened, tasks) -> None:  # type: ignore[no-untyped-def]
    page = _page(ctx, show)
    page.table.selectRow(1)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    dialog = opened[-1]
    assert dialog.objectName() == "careCancelDialog" and "李四" in dialog.summary.text()
    qtbot.keyClicks(dialog.note, "number not in use")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    assert _customers(page) == ["张三", "王五"]
    assert page.current_task_id() == tasks["later"][0]  # the next task takes its place
    assert ctx.read(follow_ups.get_follow_up, task_id=tasks["today"][0]).status == "cancelled"


def test_a_task_closed_elsewhere_meanwhile(ctx, show, opened, boxes, tasks, *, ctx_write) -> None:  # type: ignore[no-untyped-def]
    page = _page(ctx, show)
    page.mark_done()
    dialog = opened[-1]
    # another PC closed it first
    ctx_write(
        ctx, follow_ups.complete_follow_up, task_id=tasks["overdue"][0], note="called already"
    )
    dialog.note.setPlainText("me too")
    dialog.save()
    assert "already closed (done)" in boxes.errors[-1].message
    assert not dialog.isVisible()


def test_enter_opens_the_customer(qtbot, ctx, show, tasks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter import actions

    seen: list[str] = []
    monkeypatch.setattr(actions, "open_customer", lambda _ctx, cid: seen.append(cid))
    page = _page(ctx, show)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert seen == [tasks["today"][1]]
    page.customer_button.click()
    assert seen[-1] == tasks["today"][1]


def test_supervisor_reassigns(qtbot, supervisor_ctx, show, opened, tasks) -> None:  # type: ignore[no-untyped-def]
    page = _page(supervisor_ctx, show)
    assert page.reassign_button.isVisible() and page.reassign_button.isEnabled()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = opened[-1]
    assert dialog.objectName() == "careReassignDialog"
    assert dialog.choice.currentData() == "staff-supervisor"
    dialog.choice.setCurrentIndex(dialog.choice.findData("staff-courier"))
    dialog.ok_button.click()
    assert page.model.rows[0].assignee_name == "李快递"
    assert page.current_task_id() == tasks["overdue"][0]  # selection kept after reload


def test_courier_closes_and_postpones_own_tasks(qtbot, courier_ctx, show, opened, tasks) -> None:  # type: ignore[no-untyped-def]
    page = _page(courier_ctx, show)
    assert _customers(page) == ["王五"]
    assert not page.scope.isEnabled() and page.current_scope() == "mine"
    assert page.done_button.isEnabled() and page.postpone_button.isEnabled()
    assert not page.cancel_button.isEnabled()  # cancelling stays with the counter
    assert not page.reassign_button.isVisible()
    assert page.customer_button.isEnabled() and page.visit_button.isEnabled()
    page.cancel_task()
    assert opened == []  # Delete does nothing either
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialog = opened[-1]
    assert dialog.objectName() == "careDoneDialog"
    dialog.note.setPlainText("取件时已转告客户")
    dialog.ok_button.click()
    assert _customers(page) == []
    done = courier_ctx.read(follow_ups.get_follow_up, task_id=tasks["later"][0])
    assert done.status == "done"


def test_postpone_moves_the_due_date(qtbot, ctx, show, opened, tasks) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from branch_crm.timeutil import local_today
    from branch_crm.ui.care.dialogs import to_qdate

    page = _page(ctx, show)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = opened[-1]
    assert dialog.objectName() == "carePostponeDialog" and "张三" in dialog.summary.text()
    assert dialog.day.date() == to_qdate(local_today() + timedelta(days=1))
    dialog.day.setDate(to_qdate(local_today() + timedelta(days=7)))
    dialog.note.setText("客户出差")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    moved = ctx.read(follow_ups.get_follow_up, task_id=tasks["overdue"][0])
    assert moved.due_on == local_today() + timedelta(days=7)
    assert moved.notes is not None and moved.notes.endswith("客户出差")
    assert _customers(page) == ["李四", "王五", "张三"]
    assert page.current_task_id() == tasks["overdue"][0]  # still selected, further down


def test_chinese(qtbot, ctx, show, tasks) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language
    from branch_crm.ui.care.model import DUE

    page = _page(ctx, show)
    set_language("zh_CN")
    page.retranslate_ui()
    assert page.title.text() == "客户回访"
    assert page.done_button.text() == "完成(&D)…"
    assert page.summary.text() == "待办 3 · 逾期 1"
    assert page.model.headerData(DUE, Qt.Orientation.Horizontal) == "到期"
    assert page.model.data(page.model.index(0, DUE)) == "逾期 2 天"
    assert page.model.data(page.model.index(1, DUE)) == "今天"


def test_alt_keys_are_unique_in_both_languages(qtbot, ctx, show, tasks) -> None:  # type: ignore[no-untyped-def]
    import re

    from branch_crm.i18n import set_language

    page = _page(ctx, show)
    for language in ("en", "zh_CN"):
        set_language(language)
        page.retranslate_ui()
        texts = [
            w.text()
            for w in (page.scope_label, page.overdue, page.done_button, page.cancel_button,
                      page.postpone_button, page.reassign_button, page.visit_button,
                      page.customer_button)
        ]  # fmt: skip
        keys = [re.search(r"&(\w)", t).group(1).lower() for t in texts]  # type: ignore[union-attr]
        assert len(set(keys)) == len(keys), (language, texts)
