"""The whole loop from the UI, by the right roles: counter staff take a complaint in the
dialog, it shows in the queue, breaches and escalates as the clock passes (recorded by the
timer, nobody opening it), counter staff work it by keyboard, a supervisor closes it without
the customer's confirmation, counter staff reopen it; a courier may take but not work one."""

from __future__ import annotations

import pytest
from complaint_ui_helpers import press
from PySide6.QtCore import Qt

from branch_crm.errors import PermissionDenied
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints import workflow
from branch_crm.ui.complaints.detail import ComplaintDetailDialog, open_complaint
from branch_crm.ui.complaints.queue_model import STATE
from branch_crm.ui.complaints.queue_page import ComplaintQueuePage
from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog
from tests.support.clock import local
from tests.support.ui import make_ctx

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _take_by_keyboard(qtbot, ctx, phone_digits: str) -> TakeComplaintDialog:  # type: ignore[no-untyped-def]
    dialog = TakeComplaintDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    lookup = dialog.customer.lookup
    lookup.set_debounce(0)
    qtbot.keyClicks(lookup.search_box, phone_digits)
    lookup.run_search_now()
    qtbot.keyClick(lookup.search_box, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.waybill, "SF1234567890123")
    dialog.category.setCurrentIndex(dialog.category.findData("loss"))
    dialog.description.setPlainText("物流显示已签收，但客户没收到")
    _ctrl_enter(qtbot, dialog, dialog.description)
    assert dialog.result_view is not None, dialog.errors.messages()
    return dialog


def _ctrl_enter(qtbot, window, widget) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+Enter in ``widget`` of the (activated) ``window``: records the form."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _queue(qtbot, ctx) -> ComplaintQueuePage:  # type: ignore[no-untyped-def]
    page = ComplaintQueuePage(ctx)
    qtbot.addWidget(page)
    page.show()
    return page


def test_taken_breached_escalated_worked_closed_reopened(
    qtbot, ctx, supervisor_ctx, boxes, *, real_customer, clock
) -> None:  # type: ignore[no-untyped-def]
    clock(local("2025-11-24 09:00"))
    real_customer("张三", "13812345678")
    taken = _take_by_keyboard(qtbot, ctx, "5678").result_view
    assert taken is not None and taken.grade == 1  # loss: respond within 1 h
    page = _queue(qtbot, ctx)
    assert page.model.total() == 1
    assert page.model.index(0, STATE).data() == "On time"

    clock(local("2025-11-24 09:50"))  # 83 % of the response target
    page.tick()
    assert page.model.state_at(0) == cq.WARNED
    clock(local("2025-11-24 10:40"))  # past 150 %: breached, head office
    with qtbot.waitSignal(page.sig_loaded, timeout=2000):
        page.timer.timeout.emit()  # the page's own refresh: tick, then sweep
    assert page.model.state_at(0) == cq.BREACHED
    assert "escalated to Head office" in page.model.index(0, STATE).data(
        Qt.ItemDataRole.ToolTipRole
    )

    detail = open_complaint(ctx, taken.id)
    qtbot.waitExposed(detail)
    tree = detail.timeline
    titles = [tree.topLevelItem(i).text(1) for i in range(tree.topLevelItemCount())]
    assert titles == [
        "Escalated to Head office",
        "Escalated to Supervisor",
        "Response target missed",
        "Complaint received",
    ]
    assert detail.fact_labels["escalation"][1].text() == "Head office"
    press(qtbot, detail, Qt.Key.Key_F2, lambda: detail.view.status == "in_progress")
    press(qtbot, detail, Qt.Key.Key_F5, lambda: detail.step_dialog is not None)
    form = detail.step_dialog
    qtbot.keyClicks(form.widgets["note"], "we are tracing the parcel")
    _ctrl_enter(qtbot, form, form.widgets["note"])
    assert not form.isVisible() and detail.view.status == "feedback_given"
    assert not detail.buttons["regrade"].isEnabled()  # counter staff: not theirs
    detail.close()

    boss = ComplaintDetailDialog(supervisor_ctx, taken.id)
    qtbot.addWidget(boss)
    boss.run_action("close")
    form = boss.step_dialog
    form.widgets["customer_confirmed"].setChecked(False)  # the customer cannot be reached
    form.widgets["root_cause"].setCurrentIndex(form.widgets["root_cause"].findData("sorting_error"))
    form.widgets["corrective_action"].setPlainText("re-label the chute")
    form.ok_button.click()
    assert boss.view.status == "closed"
    with qtbot.waitSignal(page.sig_loaded, timeout=2000):
        ctx.bus.changed("complaint")  # (the supervisor worked in a context of their own)
    assert page.model.total() == 0

    clock(local("2025-11-24 15:00"))
    again = ComplaintDetailDialog(ctx, taken.id)
    qtbot.addWidget(again)
    again.run_action("reopen")
    again.step_dialog.widgets["note"].setPlainText("the customer still has nothing")
    with qtbot.waitSignal(page.sig_loaded, timeout=2000):  # the step announces the change
        again.step_dialog.ok_button.click()
    assert again.view.status == "in_progress" and again.view.response_breached
    row = page.model.row_of(taken.id)
    assert row >= 0 and page.model.state_at(row) == cq.BREACHED  # the breach stays


def test_a_courier_takes_a_complaint_but_cannot_work_it(
    qtbot, db, courier, boxes, *, real_customer, ctx, ctx_write
) -> None:  # type: ignore[no-untyped-def]
    real_customer("李四", "13712340000")
    courier_ctx = make_ctx(db, courier)
    taken = _take_by_keyboard(qtbot, courier_ctx, "0000").result_view
    assert taken is not None and taken.created_by == courier.staff_id
    detail = ComplaintDetailDialog(courier_ctx, taken.id)
    qtbot.addWidget(detail)
    assert not any(button.isEnabled() for button in detail.buttons.values())
    with pytest.raises(PermissionDenied):
        ctx_write(courier_ctx, workflow.accept_complaint, complaint_id=taken.id)


def test_waybill_is_checked_as_soon_as_it_is_typed(qtbot, ctx, boxes) -> None:  # type: ignore[no-untyped-def]
    dialog = TakeComplaintDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    dialog.waybill.setFocus()
    qtbot.keyClicks(dialog.waybill, "12-34")
    qtbot.keyClick(dialog.waybill, Qt.Key.Key_Tab)
    assert "8 to 20 digits" in dialog.errors.message("waybill_no")
    assert dialog.focusWidget() is dialog.channel  # the message does not hold the cursor back
    dialog.waybill.setFocus()
    dialog.waybill.clear()  # editing clears the message
    assert dialog.errors.message("waybill_no") == ""
    qtbot.keyClicks(dialog.waybill, "sf 1234-5678-90123")
    qtbot.keyClick(dialog.waybill, Qt.Key.Key_Tab)
    assert dialog.waybill.text() == "SF1234567890123"
    assert dialog.errors.message("waybill_no") == ""
