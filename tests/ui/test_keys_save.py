"""Ctrl+S, typed, saves the form that has the focus, on every form: the profile's details and
its pickup-preferences tab (two Ctrl+S used to make the key ambiguous there), a new customer,
the take-a-complaint dialog, a complaint step, settings, a training session, a follow-up."""

from __future__ import annotations

from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from branch_crm.services.customers.preferences import get_preferences
from branch_crm.services.customers.profile import create_customer, get_customer
from branch_crm.services.customers.validation import CustomerInput
from tests.support.keyboard import type_text
from tests.support.ui import new_windows_closed  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.qt_log_ignore("This plugin does not support"),
    pytest.mark.usefixtures("new_windows_closed"),
]

CTRL = Qt.KeyboardModifier.ControlModifier


def ctrl_s(qtbot: Any, widget: QWidget | None = None) -> None:
    """Ctrl+S typed into ``widget`` (default: whatever has the focus)."""
    target = widget or QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, Qt.Key.Key_S, CTRL)


@pytest.fixture
def customer(ctx, ctx_write):  # type: ignore[no-untyped-def]
    data = CustomerInput(name="张三", phones=["13812345678"], address="上海市浦东新区")
    return ctx_write(ctx, create_customer, data=data)


@pytest.fixture
def profile(show, ctx, customer):  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    dialog = show(CustomerProfileDialog(ctx, customer_id=customer.id))
    yield dialog
    if shiboken6.isValid(dialog):
        dialog._close_confirmed = True
        dialog.close()


def test_ctrl_s_on_the_details_tab_saves_the_customer(qtbot, ctx, profile, customer) -> None:  # type: ignore[no-untyped-def]
    profile.form.company.setFocus()
    qtbot.keyClicks(profile.form.company, "Shunda")
    ctrl_s(qtbot)
    assert ctx.read(get_customer, customer_id=customer.id).company == "Shunda"
    assert profile.message.text() == "Saved."


def test_ctrl_s_on_the_preferences_tab_saves_the_preferences(qtbot, ctx, profile, customer) -> None:  # type: ignore[no-untyped-def]
    profile.tabs.setCurrentIndex(1)
    form = profile.preferences.form
    form.toggles[("mon", "morning")].setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    ctrl_s(qtbot)
    view = ctx.read(get_preferences, customer_id=customer.id)
    assert view is not None
    assert [tuple(w) for w in view.availability["mon"]] == [("08:00", "12:00")]
    assert profile.message.text() == "Pickup preferences saved."
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # changed again
    assert profile.message.text() == ""  # the "saved" banner does not stay stale
    form.notes.setFocus()  # from another field of the tab too
    qtbot.keyClicks(form.notes, "Ring twice")
    ctrl_s(qtbot)
    view = ctx.read(get_preferences, customer_id=customer.id)
    assert view.notes == "Ring twice" and "mon" not in view.availability


def test_ctrl_s_on_a_profile_button_saves_the_tab_in_front(qtbot, ctx, profile, customer) -> None:  # type: ignore[no-untyped-def]
    profile.tabs.setCurrentIndex(1)
    profile.preferences.form.call_before.setValue(15)
    profile.close_button.setFocus()
    ctrl_s(qtbot)
    assert ctx.read(get_preferences, customer_id=customer.id).call_before_minutes == 15


def test_ctrl_s_creates_a_new_customer(qtbot, show, ctx) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.search import search_customers
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    dialog = show(CustomerProfileDialog(ctx, prefill_phone="13900001111"))
    assert dialog.form.name.hasFocus()
    type_text(qtbot, dialog.form.name, "李四")
    ctrl_s(qtbot)
    assert dialog.customer_id is not None
    found = ctx.read(search_customers, query="13900001111")
    assert [hit.name for hit in found] == ["李四"]
    dialog._close_confirmed = True
    dialog.close()


def test_ctrl_s_takes_the_complaint(qtbot, show, ctx, customer) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.complaints import views
    from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog

    dialog = show(TakeComplaintDialog(ctx, customer_id=customer.id))
    assert dialog.waybill.hasFocus()  # the waybill typed first is not lost
    qtbot.keyClicks(QApplication.focusWidget(), "SF1234567890123")
    for key in (Qt.Key.Key_Tab, Qt.Key.Key_Tab, Qt.Key.Key_Down):  # channel, category: pick
        qtbot.keyClick(QApplication.focusWidget(), key)
    assert dialog.category.currentData() is not None
    dialog.description.setFocus()
    type_text(qtbot, dialog.description, "包裹晚到三天")
    ctrl_s(qtbot)
    taken = dialog.result_view
    assert taken is not None
    stored = ctx.read(views.get_complaint, complaint_id=taken.id)
    assert stored.waybill_no == "SF1234567890123"


def test_ctrl_s_saves_the_settings(qtbot, show, admin_ctx, db) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.settings import values as settings
    from branch_crm.ui.shell.settings_dialog import SettingsDialog

    dialog = show(SettingsDialog(admin_ctx))
    name = dialog.editors["branch.name"]
    name.setFocus()
    name.selectAll()
    type_text(qtbot, name, "浦东网点")
    ctrl_s(qtbot)
    with db.session() as session:
        assert settings.get(session, "branch.name") == "浦东网点"


def test_ctrl_s_saves_a_training_session(qtbot, show, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.training.session_dialog import SessionDialog

    dialog = show(SessionDialog(supervisor_ctx))
    type_text(qtbot, dialog.title_edit, "安全培训")
    dialog.trainer_edit.setFocus()
    type_text(qtbot, dialog.trainer_edit, "王经理")
    dialog.location_edit.setFocus()
    type_text(qtbot, dialog.location_edit, "上海分拨")
    ctrl_s(qtbot)
    assert dialog.saved is not None and dialog.saved.title == "安全培训"


def test_ctrl_s_saves_a_complaint_step(qtbot, ctx, ctx_write, customer) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.complaints import intake
    from branch_crm.services.complaints.events import complaint_events
    from branch_crm.ui.complaints.detail import open_complaint

    data = intake.ComplaintInput(customer.id, "counter", "delay", "parcel late")
    taken = ctx_write(ctx, intake.take_complaint, data=data)
    detail = open_complaint(ctx, taken.id)
    qtbot.waitExposed(detail)
    detail.activateWindow()
    qtbot.waitUntil(detail.isActiveWindow, timeout=2000)
    qtbot.keyClick(detail.focusWidget() or detail, Qt.Key.Key_F8)  # Note
    qtbot.waitUntil(lambda: detail.step_dialog is not None and detail.step_dialog.isVisible())
    step = detail.step_dialog
    step.activateWindow()
    qtbot.waitUntil(step.isActiveWindow, timeout=2000)
    qtbot.keyClicks(step.widgets["note"], "called the customer back")
    ctrl_s(qtbot, step.widgets["note"])
    notes = [e.note for e in ctx.read(complaint_events, complaint_id=taken.id)]
    assert "called the customer back" in notes
    detail.close()


def test_ctrl_s_in_an_open_attendance_cell_commits_it_and_saves(  # type: ignore[no-untyped-def]
    qtbot, show, supervisor_ctx, db, supervisor
) -> None:
    from branch_crm.services.training import sessions
    from branch_crm.ui.training.attendance_dialog import AttendanceDialog
    from tests.support.keyboard import cell_editor
    from tests.support.services import run_service
    from tests.support.training import session_input

    view = run_service(db, supervisor, sessions.create_session, data=session_input(2))
    dialog = show(AttendanceDialog(supervisor_ctx, view))
    qtbot.keyClick(dialog.table, Qt.Key.Key_1)  # row 1 present, on to row 2
    qtbot.keyClick(dialog.table, Qt.Key.Key_F2)  # its remarks, the editor open
    editor = cell_editor(qtbot, dialog.table)
    type_text(qtbot, editor, "迟到十分钟")
    ctrl_s(qtbot, editor)  # not committed with Enter first
    assert dialog.saved is not None and not dialog.isVisible()
    after = run_service(db, supervisor, sessions.get_session, session_id=view.id)
    assert [(a.status, a.remarks) for a in after.attendees] == [
        ("present", None),
        ("expected", "迟到十分钟"),
    ]


def test_ctrl_s_in_an_open_attendee_cell_of_a_session_saves_it(  # type: ignore[no-untyped-def]
    qtbot, show, supervisor_ctx, db, supervisor
) -> None:
    from branch_crm.services.training import sessions
    from branch_crm.ui.training.session_dialog import SessionDialog
    from tests.support.keyboard import cell_editor
    from tests.support.services import run_service
    from tests.support.training import session_input

    view = run_service(db, supervisor, sessions.create_session, data=session_input(1))
    dialog = show(SessionDialog(supervisor_ctx, view))
    table = dialog.attendees
    table.setFocus()
    table.setCurrentCell(0, 0)
    table.editItem(table.item(0, 0))
    editor = cell_editor(qtbot, table)
    editor.selectAll()
    type_text(qtbot, editor, "司机甲")
    ctrl_s(qtbot, editor)
    after = run_service(db, supervisor, sessions.get_session, session_id=view.id)
    assert [a.name for a in after.attendees] == ["司机甲"]
