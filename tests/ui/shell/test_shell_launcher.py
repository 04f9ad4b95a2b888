"""The app start: database error dialogs (locked, corrupt, too new, read-only), first admin
and sign-in flow, courier mode, sign out and in again, the daily backup after start."""

from __future__ import annotations

import sqlite3
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from branch_crm.errors import DatabaseCorrupt, DatabaseLocked, DatabaseReadOnly, DatabaseTooNew
from branch_crm.ui.shell import db_error, launcher, new_database
from branch_crm.ui.shell.launcher import Shell
from tests.support.accounts import PASSWORDS

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Database error dialogs asked for (never shown modally)."""
    shown: list[Any] = []
    monkeypatch.setattr(db_error, "show_database_error", lambda exc, parent=None: shown.append(exc))
    return shown


def args(path: Path, **extra: Any) -> Namespace:
    values = {"db": path, "lang": None, "demo_if_new": False, "courier": False, **extra}
    return Namespace(**values)


@pytest.fixture
def closed(db, db_path, staffed):
    """The staffed database, closed again: (path, actors by user name)."""
    db.dispose()
    return db_path, staffed


def run_shell(qapp: QApplication, path: Path, **extra: Any) -> tuple[int, Shell]:
    shell = Shell(qapp, args(path, **extra))
    return shell.run(), shell


def test_corrupt_file_gets_a_dialog_and_exit_code(qapp, tmp_path, dialogs) -> None:
    path = tmp_path / "branch.db"
    path.write_bytes(b"this is not a database at all" * 100)
    code, _shell = run_shell(qapp, path)
    assert code == 2
    assert len(dialogs) == 1 and isinstance(dialogs[0], DatabaseCorrupt)
    assert dialogs[0].path == str(path)


def test_locked_file_gets_a_dialog(qapp, db_path, db, dialogs) -> None:
    holder = sqlite3.connect(db_path, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _shell = run_shell(qapp, db_path)
    finally:
        holder.rollback()
        holder.close()
    assert code == 2
    assert isinstance(dialogs[0], DatabaseLocked)


def test_too_new_file_gets_a_dialog(qapp, db_path, db, dialogs) -> None:
    db.dispose()
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    raw.commit()
    raw.close()
    code, _shell = run_shell(qapp, db_path)
    assert code == 2
    assert isinstance(dialogs[0], DatabaseTooNew)


def test_unwritable_place_gets_a_dialog(qapp, tmp_path, dialogs, monkeypatch) -> None:
    monkeypatch.setattr(new_database, "ask_database_path", lambda path, **_kw: path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    code, _shell = run_shell(qapp, blocker / "branch.db")  # even root cannot create it
    assert code == 2
    assert isinstance(dialogs[0], DatabaseReadOnly)


def test_read_only_file_gets_a_dialog(qapp, db_path, db, dialogs, read_only_file) -> None:
    db.dispose()
    read_only_file(db_path)
    code, _shell = run_shell(qapp, db_path)
    assert code == 2
    assert len(dialogs) == 1 and isinstance(dialogs[0], DatabaseReadOnly)
    assert "cannot be written" in dialogs[0].message and dialogs[0].path == str(db_path)


def test_the_real_dialog_is_shown_with_its_close_button(qapp, tmp_path, monkeypatch) -> None:
    """Without the test double: the message box itself comes up (accepted at once here)."""
    path = tmp_path / "branch.db"
    path.write_bytes(b"garbage" * 500)
    seen: list[QMessageBox] = []

    def accept_at_once(box: QMessageBox) -> int:
        seen.append(box)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", accept_at_once)
    code, _shell = run_shell(qapp, path)
    assert code == 2
    assert [box.text() for box in seen] == ["Database damaged"]
    assert seen[0].objectName() == "database_error_box"
    assert str(path) in seen[0].informativeText()


@pytest.mark.parametrize(
    ("error", "title", "advice"),
    [
        (DatabaseLocked("in use", "/x/branch.db"), "Database in use", "Close the other"),
        (DatabaseReadOnly("no write", "/x/branch.db"), "Database cannot be written", "--db"),
        (DatabaseCorrupt("damaged", "/x/branch.db"), "Database damaged", "backups folder"),
        (DatabaseTooNew("newer", "/x/branch.db"), "Database from a newer version", "newer version"),
    ],
)
def test_error_box_says_what_and_what_to_do(qapp, error, title, advice) -> None:
    box = db_error.build_database_error_box(error)
    assert box.text() == title
    assert box.icon() == QMessageBox.Icon.Critical
    assert error.message in box.informativeText()
    assert advice in box.informativeText()
    assert "File: /x/branch.db" in box.informativeText()
    box.deleteLater()


def test_first_start_asks_for_an_admin(qapp, db_path, monkeypatch) -> None:
    monkeypatch.setattr(new_database, "ask_database_path", lambda path, **_kw: path)
    asked: list[str] = []
    monkeypatch.setattr(Shell, "_first_admin", lambda self: asked.append("first") or None)
    monkeypatch.setattr(Shell, "_login_dialog", lambda self: asked.append("login") or None)
    code, _shell = run_shell(qapp, db_path)
    assert code == 0  # quitting at the first dialog is not an error
    assert asked == ["first"]


def test_autologin_opens_main_window_in_courier_mode(qapp, closed, monkeypatch, tmp_path) -> None:
    db_path, _staffed = closed
    shown: list[str | None] = []
    hooks = launcher.StartupHooks(
        autologin=("li", PASSWORDS["li"]), on_shown=shown.append, quit_when_shown=True
    )
    monkeypatch.setattr(launcher, "TEST_HOOKS", hooks)
    code, shell = run_shell(qapp, db_path, courier=True)
    assert code == 0
    assert shown == ["courier"]
    assert shell.db is None  # disposed at the end


def test_wrong_autologin_falls_back_to_the_dialog(qapp, closed, monkeypatch) -> None:
    db_path, _staffed = closed
    monkeypatch.setattr(launcher, "TEST_HOOKS", launcher.StartupHooks(("li", "wrong-password")))
    asked: list[str] = []
    monkeypatch.setattr(Shell, "_login_dialog", lambda self: asked.append("login") or None)
    code, _shell = run_shell(qapp, db_path)
    assert (code, asked) == (0, ["login"])


def test_no_environment_variable_signs_anybody_in(qapp, closed, monkeypatch) -> None:
    """The old BRANCH_CRM_AUTOLOGIN and friends are no product feature any more."""
    db_path, _staffed = closed
    monkeypatch.setenv("BRANCH_CRM_AUTOLOGIN", f"li:{PASSWORDS['li']}")
    monkeypatch.setenv("BRANCH_CRM_EXIT_AFTER_SHOWN", "1")
    asked: list[str] = []
    monkeypatch.setattr(Shell, "_login_dialog", lambda self: asked.append("login") or None)
    code, shell = run_shell(qapp, db_path)
    assert (code, asked) == (0, ["login"])
    assert shell.hooks == launcher.StartupHooks()


def test_sign_out_and_in_again(qtbot, qapp, closed, monkeypatch) -> None:
    db_path, staffed = closed
    shell = Shell(qapp, args(db_path))
    assert shell.open()
    monkeypatch.setattr(Shell, "_login_dialog", lambda self: staffed["chen"])
    monkeypatch.setattr(Shell, "_start_backup", lambda self: None)
    shell.show_main_window(staffed["wang"])
    first = shell.window
    assert first is not None and first.ctx.actor.username == "wang"
    first.action_sign_out.trigger()
    second = shell.window
    assert second is not None and second is not first
    assert second.ctx.actor.username == "chen"
    assert "audit" in second.page_keys()
    monkeypatch.setattr(Shell, "_login_dialog", lambda self: None)
    quits: list[int] = []
    monkeypatch.setattr(qapp, "quit", lambda: quits.append(1))
    second.action_sign_out.trigger()  # Esc at the sign-in dialog quits
    qtbot.waitUntil(lambda: bool(quits), timeout=2000)
    assert shell.window is None
    shell._dispose()


def test_backup_runs_after_the_window_is_shown(qtbot, qapp, closed) -> None:
    from branch_crm.services.backup import list_backups

    db_path, staffed = closed
    shell = Shell(qapp, args(db_path))
    assert shell.open()
    shell.show_main_window(staffed["wang"])
    qtbot.waitUntil(lambda: len(list_backups(db_path)) == 1, timeout=10000)
    assert shell.ctx is not None and shell.ctx.tasks.wait_idle(10)
    shell.quit()
    shell._dispose()


def test_language_comes_from_settings(qapp, db, db_path, staffed) -> None:
    from branch_crm import i18n
    from branch_crm.services.settings import values as settings

    with db.session() as session:
        settings.put(session, None, "language", "zh_CN")
    db.dispose()
    shell = Shell(qapp, args(db_path))
    assert shell.open()
    assert i18n.current_language() == "zh_CN"
    assert shell.branch_name == "浦东网点"
    shell._dispose()


def test_main_window_opens_on_the_lookup_with_the_search_box_focused(qtbot, qapp, closed) -> None:
    db_path, staffed = closed
    shell = Shell(qapp, args(db_path))
    assert shell.open()
    shell._start_backup = lambda: None  # type: ignore[method-assign]
    shell.show_main_window(staffed["wang"])
    window = shell.window
    assert window is not None
    assert window.current_page_key() == "lookup"
    qtbot.waitUntil(
        lambda: qapp.focusWidget() is not None and qapp.focusWidget().objectName() == "searchBox",
        timeout=3000,
    )
    shell.quit()
    shell._dispose()


def test_courier_mode_opens_with_the_search_box_focused(qtbot, qapp, closed) -> None:
    db_path, staffed = closed
    shell = Shell(qapp, args(db_path, courier=True))
    assert shell.open()
    shell._start_backup = lambda: None  # type: ignore[method-assign]
    shell.show_main_window(staffed["li"])
    assert shell.window is not None and shell.window.current_page_key() == "courier"
    qtbot.waitUntil(
        lambda: qapp.focusWidget() is not None and qapp.focusWidget().objectName() == "searchBox",
        timeout=3000,
    )
    qtbot.keyClicks(qapp.focusWidget(), "zs")
    page = shell.window.page("courier")
    assert page is not None and page.lookup.search_box.text() == "zs"  # type: ignore[attr-defined]
    shell.quit()
    shell._dispose()


def test_reset_layout_forgets_remembered_window_sizes(qapp, tmp_path, dialogs) -> None:
    from branch_crm.cli import build_parser
    from branch_crm.ui.widgets import screen_fit

    store = screen_fit.settings()
    store.setValue("layout/v1/probe/geometry", b"remembered")
    store.sync()
    path = tmp_path / "branch.db"
    path.write_bytes(b"not a database" * 100)  # the app stops early: the reset came first
    assert run_shell(qapp, path)[0] == 2
    assert screen_fit.settings().value("layout/v1/probe/geometry") == b"remembered"
    assert build_parser().parse_args(["--reset-layout"]).reset_layout
    assert run_shell(qapp, path, reset_layout=True)[0] == 2
    assert screen_fit.settings().value("layout/v1/probe/geometry") is None


def test_a_language_picked_at_sign_in_is_saved_by_the_windows_writer(
    qtbot, qapp, closed, monkeypatch
) -> None:
    from branch_crm import i18n
    from branch_crm.db import open_database
    from branch_crm.services.settings import values as settings

    db_path, staffed = closed
    shell = Shell(qapp, args(db_path))
    assert shell.open() and shell.stored_language == ""

    def pick_chinese_and_sign_in(self: Shell) -> Any:
        assert self.sign_in_tasks is not None  # the sign-in's own database thread
        i18n.set_language("zh_CN")  # the language box of the dialog
        return staffed["wang"]

    monkeypatch.setattr(Shell, "_login_dialog", pick_chinese_and_sign_in)
    monkeypatch.setattr(Shell, "_start_backup", lambda self: None)
    actor = shell.sign_in()
    assert actor is not None and shell.sign_in_tasks is None  # stopped before the window
    shell.show_main_window(actor)
    assert shell.ctx is not None and shell.ctx.tasks.wait_idle(10)
    assert shell.stored_language == "zh_CN"
    shell.quit()
    shell._dispose()
    db = open_database(db_path)
    with db.session() as session:
        assert settings.get(session, "language") == "zh_CN"
    db.dispose()


def test_a_new_demo_database_keeps_its_accounts_for_the_sign_in_hint(
    qapp, tmp_path, monkeypatch
) -> None:
    from branch_crm.ui.shell import demo_fill

    # a small demo: 30 customers instead of DEMO_CUSTOMERS (the keyword's default)
    monkeypatch.setattr(demo_fill.fill_demo_with_progress, "__kwdefaults__", {"customers": 30})
    reported: list[list[str]] = []
    shell = Shell(
        qapp, args(tmp_path / "demo.db", demo_if_new=True), on_demo_accounts=reported.append
    )
    assert shell.open()  # filled in a thread, the accounts stored from it
    assert reported and any("admin" in line for line in reported[0])
    assert shell.demo_accounts == reported[0]  # read back from the settings
    shell._dispose()


def test_a_restore_staged_in_the_window_is_done_at_the_next_start(
    qapp, db, db_path, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.backup import backup_now
    from branch_crm.services.context import system_actor
    from branch_crm.services.restore import pending_restore, stage_restore
    from branch_crm.ui import messages
    from tests.support.sync import add_customer

    said: list[str] = []
    monkeypatch.setattr(messages, "info", lambda _p, text, *a, **k: said.append(text))
    actor = system_actor("BR001")
    add_customer(db, "BR001", "备份前")
    copy = backup_now(db_path=db_path, folder=tmp_path, actor=actor)
    add_customer(db, "BR001", "备份后")
    stage_restore(db_path=db_path, backup=copy.path, actor=actor)
    db.dispose()
    shell = Shell(qapp, args(db_path))
    assert shell.open()
    assert shell.db is not None and pending_restore(db_path) is None
    with shell.db.engine.connect() as conn:
        names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM customer")]
        restores = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM audit_entry WHERE action = 'restore'"
        ).scalar_one()
    assert names == ["备份前"] and restores == 1
    assert len(said) == 1 and "was restored" in said[0] and ".replaced-" in said[0]
    shell._dispose()
