"""Sign-in and first-admin dialogs, typed into like a user would; their writes run on a
database thread, so another program's lock never freezes them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import time_machine
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog

from branch_crm import i18n
from branch_crm.services.settings import values as settings
from branch_crm.ui.shell.first_admin_dialog import FirstAdminDialog
from branch_crm.ui.shell.login_dialog import LoginDialog
from branch_crm.ui.tasks import TaskRunner
from tests.support.accounts import BRANCH, PASSWORDS
from tests.support.locking import TICK_MS, Ticks, other_program

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def make_login(show, db, **kwargs):
    return show(LoginDialog(db, BRANCH, branch_name="浦东网点", **kwargs))


def type_credentials(qtbot, dialog, username: str, password: str, *, wait: bool = True) -> None:
    """Type and press Enter; with ``wait`` until the database thread answered."""
    dialog.username.clear()
    dialog.username.setFocus()
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Tab)
    assert dialog.password.hasFocus()
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    if wait:
        answered(qtbot, dialog)


def answered(qtbot, dialog, timeout: int = 5000) -> None:
    """Wait (bounded) until the dialog's write came back."""
    qtbot.waitUntil(lambda: not dialog.writing(), timeout=timeout)


def test_enter_signs_in(qtbot, show, db, staffed) -> None:
    dialog = make_login(show, db)
    assert dialog.username.hasFocus()
    type_credentials(qtbot, dialog, "wang", PASSWORDS["wang"])
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None
    assert dialog.actor.staff_id == staffed["wang"].staff_id
    assert dialog.actor.branch_id == BRANCH


def test_wrong_password_is_shown_and_field_cleared(qtbot, show, db, staffed) -> None:
    dialog = make_login(show, db)
    type_credentials(qtbot, dialog, "wang", "not-the-password")
    assert dialog.isVisible()
    assert dialog.actor is None
    assert dialog.error_message() == "Wrong user name or password."
    assert dialog.password.text() == ""
    assert dialog.password.hasFocus()
    qtbot.keyClicks(dialog.password, "x")  # typing again hides the old message
    assert dialog.error_message() == ""


def test_empty_fields_named(qtbot, show, db, staffed) -> None:
    dialog = make_login(show, db)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)
    assert dialog.error_message() == "Enter your user name."
    qtbot.keyClicks(dialog.username, "wang")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)
    assert dialog.error_message() == "Enter your password."


def test_lockout_message_names_the_time(qtbot, show, db, staffed) -> None:
    with db.session() as session:
        settings.put(session, None, "auth.max_failed_logins", 2)
        settings.put(session, None, "auth.lockout_minutes", 30)
    instant = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
    with time_machine.travel(instant, tick=False):
        dialog = make_login(show, db)
        type_credentials(qtbot, dialog, "wang", "wrong-one")
        type_credentials(qtbot, dialog, "wang", "wrong-two")
        assert "locked until 14:30" in dialog.error_message()
        type_credentials(qtbot, dialog, "wang", PASSWORDS["wang"])
        assert "locked until 14:30" in dialog.error_message()
        assert dialog.actor is None


def test_escape_quits(qtbot, show, db, staffed) -> None:
    dialog = make_login(show, db)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.actor is None


def test_demo_accounts_hint(qtbot, show, db, staffed) -> None:
    plain = make_login(show, db)
    assert plain.demo.isHidden()
    demo = make_login(show, db, demo_accounts=["counter / counter-1234  (Counter staff)"])
    assert demo.demo.isVisible()
    assert "counter / counter-1234" in demo.demo.text()


def test_language_box_switches_live(qtbot, show, db, staffed) -> None:
    dialog = make_login(show, db)
    assert dialog.ok_button.text() == "Sign in"
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    assert i18n.current_language() == "zh_CN"
    assert dialog.ok_button.text() == "登录"
    assert dialog.windowTitle() != "Sign in — Branch CRM"


def test_first_admin_dialog_creates_admin(qtbot, show, db) -> None:
    from branch_crm.services.staff.accounts import needs_first_admin

    dialog = show(FirstAdminDialog(db))
    assert dialog.fields["branch_id"].hasFocus()
    for name, text in (
        ("branch_id", "br009"),
        ("branch_name", "静安网点"),
        ("username", "zhou"),
        ("display_name", "周涛"),
        ("password", "good-password"),
        ("password_again", "good-password"),
    ):
        if text.isascii():
            qtbot.keyClicks(dialog.fields[name], text)
        else:  # QTest types ASCII only; an input method commits Chinese text like this
            dialog.fields[name].insert(text)
    qtbot.keyClick(dialog.fields["password_again"], Qt.Key.Key_Return)
    answered(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.branch_id == "BR009"
    with db.session() as session:
        assert not needs_first_admin(session=session)
        assert settings.get(session, "branch.name") == "静安网点"


def test_first_admin_dialog_errors_beside_fields(qtbot, show, db) -> None:
    from branch_crm.services.staff.accounts import needs_first_admin

    dialog = show(FirstAdminDialog(db))
    qtbot.keyClicks(dialog.fields["password"], "short")
    qtbot.keyClicks(dialog.fields["password_again"], "shorter")
    qtbot.keyClick(dialog.fields["password_again"], Qt.Key.Key_Return)
    assert dialog.errors.message("password_again") == "The two passwords differ."
    dialog.fields["password_again"].setText("short")  # editing clears the message
    assert dialog.errors.message("password_again") == ""
    qtbot.keyClick(dialog.fields["password_again"], Qt.Key.Key_Return)
    answered(qtbot, dialog)
    shown = dialog.errors.messages()
    assert set(shown) == {"branch_id", "username", "display_name", "password"}
    assert "at least 8" in shown["password"]
    assert dialog.isVisible()
    assert dialog.fields["branch_id"].hasFocus()  # the first bad field
    with db.session() as session:
        assert needs_first_admin(session=session)


def test_sign_in_on_a_locked_database_names_the_file(
    qtbot, show, db, staffed, lock_database
) -> None:
    dialog = make_login(show, db)
    with lock_database(db):  # signing in records the sign-in: it must write
        type_credentials(qtbot, dialog, "wang", PASSWORDS["wang"])
    assert dialog.isVisible() and dialog.actor is None
    assert dialog.error_message() == (
        f"The database {db.path} is busy: another program is using it. Try again in a moment."
    )
    assert dialog.ok_button.isEnabled()  # the next try is possible at once
    type_credentials(qtbot, dialog, "wang", PASSWORDS["wang"])  # the lock is gone
    assert dialog.actor is not None


HOLD_S = 1.0
"""How long another program holds the write lock (well inside the 5 s busy timeout)."""


def test_sign_in_waits_for_another_programs_lock_while_the_dialog_goes_on(
    qtbot, show, db, staffed
) -> None:
    tasks = TaskRunner()
    dialog = make_login(show, db, tasks=tasks)
    holder = other_program(db)
    # the GUI thread itself releases the lock: were the sign-in holding the event loop, this
    # could not run before the busy timeout, and the sign-in would fail
    QTimer.singleShot(int(HOLD_S * 1000), holder.rollback)
    with Ticks() as ticks:
        started = time.monotonic()
        type_credentials(qtbot, dialog, "wang", PASSWORDS["wang"], wait=False)
        assert time.monotonic() - started < 0.5  # sent to the database thread
        assert dialog.writing() and not dialog.ok_button.isEnabled()
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # a second Enter: nothing more
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=6000)
        waited = time.monotonic() - started
    holder.close()
    tasks.shutdown()
    assert waited >= HOLD_S * 0.9  # it did wait for the lock ...
    assert ticks.longest_gap() < 0.5  # ... while the event loop went on
    assert len(ticks.times) >= HOLD_S * 1000 / TICK_MS / 3
    assert dialog.actor is not None and dialog.actor.username == "wang"
    assert dialog.error_message() == ""


def test_first_admin_waits_for_another_programs_lock_then_says_busy(
    qtbot, show, db, lock_database
) -> None:
    from branch_crm.services.staff.accounts import needs_first_admin

    dialog = show(FirstAdminDialog(db))
    for name, text in (
        ("branch_id", "br009"),
        ("branch_name", "Jingan"),
        ("username", "zhou"),
        ("display_name", "Zhou Tao"),
        ("password", "good-password"),
        ("password_again", "good-password"),
    ):
        dialog.fields[name].setText(text)
    with lock_database(db), Ticks() as ticks:  # the app waits 50 ms for the lock here
        qtbot.keyClick(dialog.fields["password_again"], Qt.Key.Key_Return)
        answered(qtbot, dialog)
    assert ticks.longest_gap() < 0.5
    assert dialog.isVisible() and dialog.actor is None
    assert "is busy: another program is using it" in dialog.error_message()
    with db.session() as session:
        assert needs_first_admin(session=session)  # nothing half-written
    qtbot.keyClick(dialog.fields["password_again"], Qt.Key.Key_Return)  # the lock is gone
    answered(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.branch_id == "BR009"
