"""Backups carry the attachments' files: a shared, content-addressed store beside the copies
gets only the files not there yet, each checked after copying; a restore puts them back
(keeping the files already here); retention keeps every file a kept copy names; a backup
without files (an older version's) still restores."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from branch_crm.db import file_store
from branch_crm.errors import CrmError
from branch_crm.services.attachments import service
from branch_crm.services.backup import backup_now, daily_backup
from branch_crm.services.backup_files import FILES_DIR
from branch_crm.services.context import system_actor
from branch_crm.services.restore import apply_pending_restore, restore_database, stage_restore
from tests.support.accounts import BRANCH
from tests.support.attachments import a_complaint, jpeg, png

ADMIN = system_actor(BRANCH)


def _attach(call: Any, actor: Any, complaint: str, data: bytes, name: str) -> str:
    view = call(actor, service.attach_file, owner_kind="complaint", owner_id=complaint,
                data=data, name=name)  # fmt: skip
    return str(view.sha256)


def _stored(root: Path) -> set[str]:
    return {p.name for p in root.glob("??/*")} if root.is_dir() else set()


def test_backup_now_copies_only_new_files_checked_and_restore_puts_them_back(
    db: Any, call: Any, counter: Any, tmp_path: Path
) -> None:
    complaint = a_complaint(db, counter)
    first = _attach(call, counter, complaint, jpeg(), "dent.jpg")
    drive = tmp_path / "usb"
    drive.mkdir()
    copy = backup_now(db_path=db.path, folder=drive, actor=ADMIN)
    assert (copy.files.copied, copy.files.present) == (1, 0)
    assert _stored(drive / FILES_DIR) == {first}
    second = _attach(call, counter, complaint, png(), "label.png")
    again = backup_now(db_path=db.path, folder=drive, actor=ADMIN)
    assert (again.files.copied, again.files.present) == (1, 1)  # the first one stays as is
    live = file_store.store_root(db.path)
    newer = file_store.path_of(live, second).read_bytes()
    shutil.rmtree(live)  # the PC's disk lost the photos
    file_store.put(live, newer)  # a file only the current database has is kept
    db.dispose()
    result = restore_database(db_path=db.path, backup=copy.path)
    assert (result.files.copied, result.files.missing) == (1, 0)
    assert _stored(live) == {first, second}
    assert (
        file_store.path_of(live, first).read_bytes()
        == file_store.path_of(drive / FILES_DIR, first).read_bytes()
    )


def test_a_file_that_does_not_match_its_hash_fails_the_backup(
    db: Any, call: Any, counter: Any, tmp_path: Path
) -> None:
    sha = _attach(call, counter, a_complaint(db, counter), jpeg(), "dent.jpg")
    file_store.path_of(file_store.store_root(db.path), sha).write_bytes(b"bit rot")
    drive = tmp_path / "usb"
    drive.mkdir()
    with pytest.raises(CrmError, match="did not pass its check"):
        backup_now(db_path=db.path, folder=drive, actor=ADMIN)
    left = [p for p in drive.rglob("*") if p.is_file()]
    assert left == []  # no copy claims to be complete, no half file


def test_a_staged_restore_brings_the_files_back(
    db: Any, call: Any, counter: Any, tmp_path: Path
) -> None:
    sha = _attach(call, counter, a_complaint(db, counter), jpeg(), "dent.jpg")
    copy = backup_now(db_path=db.path, folder=tmp_path, actor=ADMIN)
    live = file_store.store_root(db.path)
    file_store.path_of(live, sha).unlink()
    stage_restore(db_path=db.path, backup=copy.path, actor=ADMIN)
    assert file_store.has(live, sha)  # put back at once: only adds to the store
    db.dispose()
    result = apply_pending_restore(db.path)
    assert result is not None and file_store.has(live, sha)


def test_retention_keeps_the_files_a_kept_copy_names(
    db: Any, call: Any, counter: Any, db_path: Path
) -> None:
    complaint = a_complaint(db, counter)
    gone = _attach(call, counter, complaint, jpeg(), "dent.jpg")
    first = daily_backup(db_path=db_path, keep=2, today=date(2026, 3, 1))
    assert first.files.copied == 1
    with db.engine.begin() as conn:  # the row is gone for good (as if never attached)
        conn.exec_driver_sql("DELETE FROM attachment WHERE sha256 = ?", (gone,))
    kept = _attach(call, counter, complaint, png(), "label.png")
    second = daily_backup(db_path=db_path, keep=2, today=date(2026, 3, 2))
    assert (second.files.copied, second.files_removed) == (1, 0)
    store = db_path.parent / "backups" / FILES_DIR
    assert _stored(store) == {gone, kept}  # the copy of March 1 still names it
    third = daily_backup(db_path=db_path, keep=2, today=date(2026, 3, 3))
    assert (third.files.copied, third.files.present) == (0, 1)
    assert [p.name[-14:-4] for p in third.removed] == ["2026-03-01"]
    assert third.files_removed == 1 and _stored(store) == {kept}


def test_an_old_backup_without_files_still_restores(
    db: Any, call: Any, counter: Any, tmp_path: Path
) -> None:
    sha = _attach(call, counter, a_complaint(db, counter), jpeg(), "dent.jpg")
    copy = backup_now(db_path=db.path, folder=tmp_path / ".", actor=ADMIN)
    shutil.rmtree(tmp_path / FILES_DIR)  # as a backup of the version before files were kept
    shutil.rmtree(file_store.store_root(db.path))
    db.dispose()
    result = restore_database(db_path=db.path, backup=copy.path)
    assert (result.files.copied, result.files.missing) == (0, 1)
    conn = sqlite3.connect(db.path)
    assert conn.execute("SELECT sha256 FROM attachment").fetchall() == [(sha,)]
    conn.close()
