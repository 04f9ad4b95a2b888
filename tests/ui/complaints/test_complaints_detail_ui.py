"""Complaint detail: actions by keyboard, disabled with a reason for the role or state, step
forms keep their messages, supervisors' steps, the timeline."""

from __future__ import annotations

from typing import Any

import pytest
from complaint_ui_helpers import press
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from branch_crm.services.complaints import workflow
from branch_crm.ui.complaints.detail import ComplaintDetailDialog, open_complaint

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def complaint(ctx, add_customer, take) -> Any:  # type: ignore[no-untyped-def]
    return take(add_customer("张三", "13812345678"), "damage", compensation_requested_cents=50000)


def _detail(qtbot, ctx, complaint_id: str) -> ComplaintDetailDialog:  # type: ignore[no-untyped-def]
    dialog = open_complaint(ctx, complaint_id)
    qtbot.waitExposed(dialog)
    return dialog


def _status(dialog: ComplaintDetailDialog, status: str):  # type: ignore[no-untyped-def]
    return lambda: dialog.view is not None and dialog.view.status == status


def _form_open(dialog: ComplaintDetailDialog):  # type: ignore[no-untyped-def]
    return lambda: dialog.step_dialog is not None and dialog.step_dialog.isVisible()


def _timeline(dialog: ComplaintDetailDialog) -> list[str]:
    tree = dialog.timeline
    return [tree.topLevelItem(i).text(1) for i in range(tree.topLevelItemCount())]


def test_actions_follow_state_and_role(qtbot, ctx, complaint) -> None:  # type: ignore[no-untyped-def]
    dialog = _detail(qtbot, ctx, complaint.id)
    buttons = dialog.buttons
    assert buttons["accept"].isEnabled()
    assert "F2" in buttons["accept"].text() and "F2" in buttons["accept"].toolTip()
    assert not buttons["wait"].isEnabled()
    assert "possible when" in buttons["wait"].toolTip()
    assert not buttons["regrade"].isEnabled()
    assert buttons["regrade"].toolTip().startswith("Only a supervisor may regrade.")
    assert not buttons["close"].isEnabled()  # counter: only after feedback
    press(qtbot, dialog, Qt.Key.Key_F2, _status(dialog, "in_progress"))
    assert dialog.fact_labels["assignee"][1].text() == "Counter"
    assert buttons["wait"].isEnabled() and not buttons["accept"].isEnabled()
    assert _timeline(dialog)[:2] == ["Accepted, handling started", "Complaint received"]


def test_wait_resume_feedback_close_reopen(qtbot, ctx, boxes, complaint) -> None:  # type: ignore[no-untyped-def]
    dialog = _detail(qtbot, ctx, complaint.id)
    press(qtbot, dialog, Qt.Key.Key_F2, _status(dialog, "in_progress"))
    press(qtbot, dialog, Qt.Key.Key_F3, _form_open(dialog))
    form = dialog.step_dialog
    qtbot.keyClicks(form.widgets["note"], "photos of the box")
    form.ok_button.click()
    assert dialog.view.status == "waiting_customer"
    assert "paused" in dialog.fact_labels["resolution"][1].text()
    dialog.step_dialog = None
    press(qtbot, dialog, Qt.Key.Key_F4, _status(dialog, "in_progress"))
    press(qtbot, dialog, Qt.Key.Key_F5, _form_open(dialog))
    form = dialog.step_dialog
    form.ok_button.click()  # no note: the form stays with the message beside the field
    assert form.isVisible()
    assert form.errors.labels["note"].text() == "Say what the customer was told."
    form.widgets["note"].setPlainText("replacement on its way")
    form.ok_button.click()
    assert not form.isVisible() and dialog.view.status == "feedback_given"
    dialog.step_dialog = None
    press(qtbot, dialog, Qt.Key.Key_F6, _form_open(dialog))
    form = dialog.step_dialog
    confirmed = form.widgets["customer_confirmed"]
    assert not confirmed.isChecked() and confirmed.isEnabled()  # not pre-ticked; tickable
    cause: QComboBox = form.widgets["root_cause"]
    cause.setCurrentIndex(cause.findData("rough_handling"))
    form.widgets["corrective_action"].setPlainText("brief the loading team")
    form.ok_button.click()  # unticked: counter staff may not close without the customer
    qtbot.waitUntil(lambda: bool(boxes.errors), timeout=2000)
    assert "supervisor" in boxes.errors[-1].message and dialog.view.status == "feedback_given"
    assert form.isVisible()
    qtbot.keyClick(confirmed, Qt.Key.Key_Space)  # ticked by keyboard
    assert confirmed.isChecked()
    form.widgets["corrective_action"].setPlainText("")
    form.ok_button.click()
    assert "corrective" in form.errors.labels["corrective_action"].text().lower() or (
        form.errors.labels["corrective_action"].text()
    )
    form.widgets["corrective_action"].setPlainText("brief the loading team")
    form.ok_button.click()
    assert dialog.view.status == "closed"
    assert dialog.fact_labels["root_cause"][1].text() == "Rough handling: brief the loading team"
    assert dialog.buttons["reopen"].isEnabled() and dialog.buttons["note"].isEnabled()
    dialog.step_dialog = None
    press(qtbot, dialog, Qt.Key.Key_F7, _form_open(dialog))
    dialog.step_dialog.widgets["note"].setPlainText("still broken")
    dialog.step_dialog.ok_button.click()
    assert dialog.view.status == "in_progress" and dialog.view.reopen_count == 1
    assert _timeline(dialog)[0] == "Reopened: customer not satisfied"


def test_compensation_above_the_limit_needs_a_supervisor(
    qtbot, ctx, supervisor_ctx, boxes, complaint, *, ctx_write
) -> None:  # type: ignore[no-untyped-def]
    ctx_write(ctx, workflow.accept_complaint, complaint_id=complaint.id)
    dialog = _detail(qtbot, ctx, complaint.id)
    press(qtbot, dialog, Qt.Key.Key_F9, _form_open(dialog))
    form = dialog.step_dialog
    assert form.widgets["amount_cents"].value() == 500.0  # the requested amount
    form.widgets["note"].setPlainText("broken vase")
    form.ok_button.click()
    assert form.isVisible() and "needs a supervisor" in boxes.errors[-1].message
    form.reject()
    dialog.close()
    boss = ComplaintDetailDialog(supervisor_ctx, complaint.id)
    qtbot.addWidget(boss)
    boss.run_action("compensation")
    boss.step_dialog.widgets["note"].setPlainText("broken vase")
    boss.step_dialog.ok_button.click()
    assert boss.view.compensation_granted_cents == 50000
    assert "granted ¥500.00" in boss.fact_labels["compensation"][1].text()


def test_supervisor_regrades_and_closes_without_confirmation(
    qtbot, supervisor_ctx, boxes, complaint
) -> None:  # type: ignore[no-untyped-def]
    dialog = ComplaintDetailDialog(supervisor_ctx, complaint.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.buttons["regrade"].isEnabled() and dialog.buttons["close"].isEnabled()
    dialog.run_action("regrade")
    form = dialog.step_dialog
    form.widgets["grade"].setCurrentIndex(form.widgets["grade"].findData(1))
    form.widgets["reason"].setPlainText("VIP")
    form.ok_button.click()
    assert dialog.view.grade == 1
    dialog.run_action("close")
    form = dialog.step_dialog
    assert not form.widgets["customer_confirmed"].isChecked()
    form.widgets["root_cause"].setCurrentIndex(form.widgets["root_cause"].findData("other"))
    form.widgets["corrective_action"].setPlainText("duplicate of another complaint")
    form.ok_button.click()
    assert dialog.view.status == "closed"
    assert _timeline(dialog)[0].startswith("Closed without the customer's confirmation")


def test_a_courier_sees_every_action_disabled(qtbot, db, courier, boxes, complaint) -> None:  # type: ignore[no-untyped-def]
    from tests.support.ui import make_ctx

    dialog = ComplaintDetailDialog(make_ctx(db, courier), complaint.id)
    qtbot.addWidget(dialog)
    assert not any(b.isEnabled() for b in dialog.buttons.values())
    assert dialog.buttons["accept"].toolTip().startswith("Pickup courier may not")
    dialog.run_action("accept")  # a disabled action does nothing
    assert dialog.view.status == "received"


def test_language_switch_retranslates(qtbot, ctx, complaint) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    dialog = _detail(qtbot, ctx, complaint.id)
    set_language("zh_CN")
    try:
        dialog.retranslate_ui()
        assert dialog.buttons["accept"].text() != "Accept and start (F2)"
        assert "F2" in dialog.buttons["accept"].text()
    finally:
        set_language("en")
