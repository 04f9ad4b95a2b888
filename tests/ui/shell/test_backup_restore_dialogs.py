"""File → Back up now… and Restore from a backup… (issue 19)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.backup import backup_now
from branch_crm.services.context import system_actor
from branch_crm.services.restore import pending_restore
from tests.support.accounts import BRANCH
from tests.support.sync import add_customer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_back_up_now_shows_progress_and_where_the_copy_went(
    admin_ctx, show, qtbot, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.backup_dialog import BackupDialog

    for i in range(50):
        add_customer(admin_ctx.db, BRANCH, f"客户{i}")
    drive = tmp_path / "usb"
    drive.mkdir()
    dialog = show(BackupDialog(admin_ctx))
    seen: list[int] = []
    dialog.progress.valueChanged.connect(seen.append)
    dialog.folder.setText(str(drive))
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_path is not None, timeout=10_000)
    assert dialog.progress.isVisible() and seen[-1] == 100
    assert dialog.result_path is not None and dialog.result_path.parent == drive
    assert str(dialog.result_path) in dialog.status.text() and "checked" in dialog.status.text()
    admin_ctx.tasks.wait_idle()
    assert _count(admin_ctx.db.path, "SELECT COUNT(*) FROM audit_entry WHERE action='backup'") == 1


def test_back_up_to_a_missing_drive_says_so_in_the_dialog(admin_ctx, show, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.backup_dialog import BackupDialog

    dialog = show(BackupDialog(admin_ctx))
    dialog.folder.setText(str(tmp_path / "E-drive"))
    qtbot.keyClick(dialog.start, Qt.Key.Key_Space)
    assert "not reachable" in dialog.status.text() and dialog.start.isEnabled()
    assert not dialog.progress.isVisible()


def _backup(ctx, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    add_customer(ctx.db, BRANCH, "备份里的客户")
    return backup_now(db_path=ctx.db.path, folder=tmp_path, actor=system_actor(BRANCH)).path


def test_restore_shows_the_facts_and_the_sync_explanation_cancel_does_nothing(
    admin_ctx, show, qtbot, tmp_path, boxes
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.restore_dialog import RestoreDialog

    path = _backup(admin_ctx, tmp_path)
    with admin_ctx.db.engine.begin() as conn:  # registered: the sync words apply
        conn.exec_driver_sql("UPDATE sync_state SET branch_code = ?", (BRANCH,))
    add_customer(admin_ctx.db, BRANCH, "备份后的客户")
    dialog = show(RestoreDialog(admin_ctx, path=path))
    assert dialog.restore.isEnabled()
    assert dialog.fact_labels["branch"][1].text().startswith(BRANCH)
    assert "this version's" in dialog.fact_labels["schema"][1].text()
    assert "1 customers" in dialog.fact_labels["contents"][1].text()
    words = dialog.explanation.text()
    assert "not received yet: the restore loses them" in words  # the later customer
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and pending_restore(admin_ctx.db.path) is None
    assert _count(admin_ctx.db.path, "SELECT COUNT(*) FROM customer") == 2
    assert boxes.confirms == []


def test_restore_refuses_a_file_that_is_no_backup(admin_ctx, show, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.restore_dialog import RestoreDialog

    bad = tmp_path / "photo.db"
    bad.write_bytes(b"\xff\xd8\xff not a database")
    dialog = show(RestoreDialog(admin_ctx, path=bad))
    assert "not a Branch CRM backup" in dialog.status.text()
    assert not dialog.restore.isEnabled()


def test_restore_is_staged_for_the_next_start(admin_ctx, show, qtbot, tmp_path, boxes) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.restore_dialog import RestoreDialog

    path = _backup(admin_ctx, tmp_path)
    dialog = show(RestoreDialog(admin_ctx, path=path))
    qtbot.mouseClick(dialog.restore, Qt.MouseButton.LeftButton)
    assert len(boxes.confirms) == 1 and "start it again" in boxes.infos[0]
    staged = pending_restore(admin_ctx.db.path)
    assert staged is not None and staged.source == str(path)


def test_the_file_menu_offers_backup_and_restore_to_admins_only(admin_ctx, ctx, qapp) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow

    admin_window, counter_window = MainWindow(admin_ctx), MainWindow(ctx)
    try:
        texts = [a.text() for a in admin_window.file_menu.actions()]
        assert "&Back up now…" in texts and "&Restore from a backup…" in texts
        assert not counter_window.backup_actions
    finally:
        admin_window.close()
        counter_window.close()
