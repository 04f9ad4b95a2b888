"""Back up now and restore (issue 19): consistent copies while the app writes, checked,
named, atomic; a backup's facts and the refusals; the restore keeps the old file aside."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from branch_crm.db import open_database
from branch_crm.errors import CrmError, PermissionDenied
from branch_crm.services.backup import backup_now, copy_database, daily_backup, list_backups
from branch_crm.services.backup_facts import current_facts, inspect_backup
from branch_crm.services.context import system_actor
from branch_crm.services.restore import (
    apply_pending_restore,
    pending_restore,
    restore_database,
    stage_restore,
)
from tests.support.accounts import BRANCH
from tests.support.sync import add_customer

ADMIN = system_actor(BRANCH)


def _customers(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0])
    finally:
        conn.close()


def test_a_backup_during_constant_writes_is_consistent_and_blocks_nobody(db, tmp_path) -> None:
    for i in range(300):
        add_customer(db, BRANCH, f"客户{i}", f"1380000{i:04d}")
    stop = threading.Event()
    waits: list[float] = []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            started = time.monotonic()
            add_customer(db, BRANCH, f"写入{i}", f"1390000{i % 10000:04d}")  # + phone, one tx
            waits.append(time.monotonic() - started)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    steps: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        steps.append((done, total))
        time.sleep(0.02)  # a slow drive: the writer gets many turns during the copy

    try:
        time.sleep(0.2)
        copy = backup_now(
            db_path=db.path, folder=tmp_path, actor=ADMIN, progress=progress, pages=16
        )
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join()
    assert len(steps) > 3 and steps[-1][0] == steps[-1][1]  # in steps, to the end
    assert [d for d, _t in steps] == sorted(d for d, _t in steps)  # never started over
    print(f"FIGURES writes={len(waits)} max_wait_ms={max(waits) * 1000:.0f} steps={len(steps)}")
    assert len(waits) > 20 and max(waits) < 1.0  # the writer went on, never held long
    conn = sqlite3.connect(copy.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        orphans = conn.execute(  # a snapshot: no customer without the phone of its transaction
            "SELECT COUNT(*) FROM customer c WHERE NOT EXISTS "
            "(SELECT 1 FROM customer_phone p WHERE p.customer_id = c.id)"
        ).fetchone()[0]
        copied = conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0]
    finally:
        conn.close()
    assert orphans == 0
    assert 300 < copied < _customers(db.path)  # taken mid-stream, as one moment
    assert not list(tmp_path.glob("*.part"))


def test_backup_now_names_checks_and_refuses_clearly(db, tmp_path, counter) -> None:
    from branch_crm.services.settings import values as settings

    with db.session() as session:
        settings.put(session, None, "branch.code", BRANCH)
    copy = backup_now(db_path=db.path, folder=tmp_path, actor=ADMIN)
    facts = copy.facts
    assert copy.path.name.startswith(f"BranchCRM-{BRANCH}-{facts.pc_code}-")
    assert facts.taken_at is not None and facts.schema_state == "same"
    with pytest.raises(PermissionDenied):
        backup_now(db_path=db.path, folder=tmp_path, actor=counter)
    with pytest.raises(CrmError, match="does not exist or is not reachable"):
        backup_now(db_path=db.path, folder=tmp_path / "no-drive", actor=ADMIN)
    second = backup_now(db_path=db.path, folder=tmp_path, actor=ADMIN)
    assert second.path != copy.path and copy.path.exists()


def test_a_stopped_copy_leaves_nothing(db, tmp_path) -> None:
    for i in range(200):
        add_customer(db, BRANCH, f"客户{i}")

    def stop(done: int, total: int) -> None:
        if done < total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backup_now(db_path=db.path, folder=tmp_path, actor=ADMIN, progress=stop, pages=4)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("branch.db")) == []


def test_what_is_not_a_backup_is_refused_in_one_sentence(db, tmp_path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(CrmError, match="not a Branch CRM backup"):
        inspect_backup(text)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(CrmError, match="not one of Branch CRM"):
        inspect_backup(other)
    with pytest.raises(CrmError, match="no backup file"):
        inspect_backup(tmp_path / "missing.db")


def _copy(db, folder: Path, sql: str = "") -> Path:  # type: ignore[no-untyped-def]
    target = folder / "copy.db"
    copy_database(db.path, target)
    if sql:
        conn = sqlite3.connect(target)
        conn.execute(sql)
        conn.commit()
        conn.close()
    return target


def test_newer_schema_other_branch_and_other_pc_are_refused(db, tmp_path) -> None:
    from branch_crm.services.settings import values as settings

    with db.session() as session:
        settings.put(session, None, "branch.code", BRANCH)
    with pytest.raises(CrmError, match="newer version"):
        restore_database(
            db_path=db.path,
            backup=_copy(db, tmp_path, "UPDATE alembic_version SET version_num = '9999'"),
        )
    with pytest.raises(CrmError, match="backup of branch BR777"):
        restore_database(
            db_path=db.path,
            backup=_copy(db, tmp_path, "UPDATE sync_state SET branch_code = 'BR777'"),
        )
    with db.engine.begin() as conn:  # this PC registered as BR001
        conn.exec_driver_sql("UPDATE sync_state SET branch_code = ?", (BRANCH,))
    with pytest.raises(CrmError, match="another PC of the branch"):
        restore_database(
            db_path=db.path, backup=_copy(db, tmp_path, "UPDATE sync_state SET node_id = 'x1'")
        )


def test_restore_keeps_the_current_database_aside_and_refuses_while_open(db, tmp_path) -> None:
    add_customer(db, BRANCH, "备份前")
    backup = backup_now(db_path=db.path, folder=tmp_path, actor=ADMIN).path
    add_customer(db, BRANCH, "备份后")
    with pytest.raises(CrmError, match="in use"):
        restore_database(db_path=db.path, backup=backup)  # the engine holds it open
    db.dispose()
    result = restore_database(db_path=db.path, backup=backup)
    assert result.set_aside is not None
    assert _customers(result.set_aside) == 2 and _customers(db.path) == 1
    reopened = open_database(db.path)
    reopened.dispose()


def test_a_restore_staged_by_the_window_is_done_at_the_next_start(db, tmp_path) -> None:
    add_customer(db, BRANCH, "备份前")
    backup = backup_now(db_path=db.path, folder=tmp_path / ".", actor=ADMIN).path
    add_customer(db, BRANCH, "备份后")
    pending = stage_restore(db_path=db.path, backup=backup, actor=ADMIN)
    assert pending_restore(db.path) == pending and _customers(db.path) == 2  # not yet
    db.dispose()
    result = apply_pending_restore(db.path)
    assert result is not None and result.source == str(backup)
    assert _customers(db.path) == 1 and pending_restore(db.path) is None
    assert apply_pending_restore(db.path) is None
    assert current_facts(db.path) is not None


def test_daily_copies_are_kept_for_a_number_of_days(db, db_path) -> None:
    removed = {}
    for day in (1, 2, 3, 10, 11):  # the PC was off for a week
        result = daily_backup(db_path=db_path, keep=3, today=date(2026, 3, day))
        removed[day] = len(result.removed)
    assert [p.name[-14:-4] for p in list_backups(db_path)] == ["2026-03-10", "2026-03-11"]
    assert removed == {1: 0, 2: 0, 3: 0, 10: 3, 11: 0}
    conn = sqlite3.connect(result.path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_daily_copies_go_to_the_folder_the_settings_name(db, db_path, tmp_path) -> None:
    from branch_crm.services.backup import scheduled_backup
    from branch_crm.services.settings import values as settings

    share = tmp_path / "share"
    with db.session() as session:
        settings.put(session, None, "backup.folder", str(share))
        settings.put(session, None, "backup.keep_days", 2)
    with db.session() as session:
        result = scheduled_backup(session=session, db_path=db_path, today=date(2026, 3, 1))
    assert result.path.parent == share and result.created
