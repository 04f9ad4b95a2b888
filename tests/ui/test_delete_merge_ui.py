"""Issue 19 in the window: the undo bar after a delete (button and Ctrl+Z, gone after a few
seconds), the Deleted items window, and the merge dialog driven from the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from branch_crm.services.customers.profile import create_customer
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.services.deletion import list_deleted
from branch_crm.ui.records import actions
from branch_crm.ui.records.deleted_dialog import DeletedItemsDialog
from branch_crm.ui.records.merge_dialog import MergeDialog, MergePickDialog
from branch_crm.ui.widgets.undo_bar import UndoBar, offer_undo, undo_bar

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _customer(ctx: Any, name: str, phone: str, **extra: Any) -> str:
    from branch_crm.services.context import unit_of_work

    with unit_of_work(ctx.db, ctx.actor) as session:
        data = CustomerInput(name=name, phones=[phone], **extra)
        return str(create_customer(session=session, actor=ctx.actor, data=data).id)


def _live(ctx: Any, customer_id: str) -> bool:
    with ctx.db.engine.connect() as conn:
        value = conn.exec_driver_sql(
            "SELECT deleted_at FROM customer WHERE id = ?", (customer_id,)
        ).scalar()
    return value is None


def _dialog(cls: type) -> Any:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, cls) and w.isVisible()]
    assert found, f"no {cls.__name__} open"
    return found[-1]


def test_undo_bar_runs_once_by_ctrl_z_and_goes_away(qtbot: Any, show: Any) -> None:
    window = show(QWidget())
    window.resize(800, 500)
    calls: list[int] = []
    bar = offer_undo(window, "Deleted customer 张三", lambda: calls.append(1))
    assert bar.isVisible() and "张三" in bar.label.text()
    assert "Ctrl+Z" in bar.button.text()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert calls == [1] and not bar.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert calls == [1]  # nothing to undo any more
    assert undo_bar(window) is bar  # one bar per window


def test_undo_bar_times_out(qtbot: Any, show: Any) -> None:
    window = show(QWidget())
    bar = undo_bar(window)
    bar.offer("Deleted", lambda: None, seconds=0)
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=2000)
    assert not bar.shortcut.isEnabled()


def test_delete_customer_then_undo_restores_it(qtbot: Any, supervisor_ctx: Any, show: Any) -> None:
    ctx = supervisor_ctx
    cid = _customer(ctx, "张三", "13812345678")
    host = show(QWidget())
    actions.delete_customer(ctx, cid, host)
    reason = _dialog(actions.ReasonDialog)
    qtbot.keyClicks(reason.reason, "duplicate card")
    qtbot.keyClick(reason.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not _live(ctx, cid), timeout=2000)
    bar = host.findChild(UndoBar, "undo_bar")
    assert bar is not None and bar.isVisible() and "张三" in bar.label.text()
    bar.button.click()
    assert _live(ctx, cid)


def test_counter_staff_cannot_delete_customers(ctx: Any, boxes: Any, show: Any) -> None:
    cid = _customer(ctx, "张三", "13812345678")
    actions.delete_customer(ctx, cid, show(QWidget()))
    assert boxes.errors and _live(ctx, cid)


def test_deleted_items_window_restores_the_selected_row(
    qtbot: Any, supervisor_ctx: Any, boxes: Any, show: Any
) -> None:
    from branch_crm.services import deletion
    from branch_crm.services.context import unit_of_work

    ctx = supervisor_ctx
    cid = _customer(ctx, "李四", "13900001111")
    with unit_of_work(ctx.db, ctx.actor) as session:
        deletion.delete_customer(session=session, actor=ctx.actor, customer_id=cid, reason="dup")
    dialog = show(DeletedItemsDialog(ctx))
    assert dialog.table.rowCount() == 1
    assert [dialog.table.item(0, c).text() for c in (0, 1, 4)] == ["Customer", "李四", "dup"]
    assert dialog.restore_button.isEnabled()
    dialog.table.setFocus()
    assert dialog.restore_button.shortcut().toString() == "Alt+R"
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # Enter on the row restores it
    assert _live(ctx, cid), boxes.errors
    assert dialog.table.rowCount() == 0 and ctx.read(list_deleted) == []


def press_shortcut(window: Any, keys: str) -> None:
    """Run the window's own shortcut for ``keys``: exactly one, enabled, for the window.
    (Qt's offscreen platform sometimes drops an Alt+digit chord sent to a dialog of a
    worker process that ran other windows first; the chord itself is Qt's business.)"""
    from PySide6.QtGui import QKeySequence, QShortcut

    found = [
        s for s in window.findChildren(QShortcut) if s.key() == QKeySequence(keys) and s.isEnabled()
    ]
    assert len(found) == 1, f"{keys}: {len(found)} shortcuts"
    assert found[0].context() == Qt.ShortcutContext.WindowShortcut
    found[0].activated.emit()


def test_merge_dialog_by_keyboard(qtbot: Any, supervisor_ctx: Any, show: Any) -> None:
    ctx = supervisor_ctx
    keep = _customer(ctx, "王五", "13900000001")
    other = _customer(ctx, "王五(2)", "13900000002", address="上海市浦东新区")
    host = show(QWidget())
    actions.merge_with(ctx, keep, host)
    picker = _dialog(MergePickDialog)
    qtbot.keyClicks(picker.search, "0002")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picker.results.count() == 1 and picker.picked() == other
    qtbot.keyClick(picker.results, Qt.Key.Key_Return)
    dialog = _dialog(MergeDialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    left, right = dialog.radios["address"]
    assert right.isChecked()  # the kept record has no address: the other one's is offered
    name_left, name_right = dialog.radios["name"]
    assert name_left.isChecked()
    name_right.setFocus()
    qtbot.keyClick(name_right, Qt.Key.Key_Space)
    assert name_right.isChecked() and not name_left.isChecked()
    press_shortcut(dialog, "Alt+1")
    assert name_left.isChecked() and left.isChecked()
    press_shortcut(dialog, "Alt+2")
    assert name_right.isChecked() and right.isChecked()
    dialog.ok.click()
    assert not _live(ctx, other)
    from branch_crm.services.customers.profile import get_customer

    view = ctx.read(get_customer, customer_id=keep)
    assert view.name == "王五(2)" and view.address == "上海市浦东新区"
