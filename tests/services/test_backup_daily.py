"""Daily rotating backup: one consistent copy per day, the newest N kept."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from branch_crm.errors import CrmError
from branch_crm.services.backup import backup_dir, daily_backup, list_backups
from branch_crm.services.settings import values as settings


def test_one_copy_per_day_readable_and_consistent(db, db_path) -> None:
    with db.session() as session:
        settings.put(session, None, "branch.name", "浦东网点")
    first = daily_backup(db_path=db_path, today=date(2026, 3, 1))
    assert first.created and first.path.name == "branch.db.2026-03-01.bak"
    again = daily_backup(db_path=db_path, today=date(2026, 3, 1))
    assert not again.created  # once a day
    copy = sqlite3.connect(first.path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        row = copy.execute("SELECT value FROM local_setting WHERE key = 'branch.name'").fetchone()
        assert json.loads(row[0]) == {"value": "浦东网点"}
    finally:
        copy.close()
    assert not list(backup_dir(db_path).glob("*.part"))


def test_keeps_the_newest(db, db_path) -> None:
    start = date(2026, 3, 1)
    for day in range(10):
        result = daily_backup(db_path=db_path, keep=7, today=start + timedelta(days=day))
    assert len(result.removed) == 1
    names = [p.name for p in list_backups(db_path)]
    assert names == [f"branch.db.2026-03-{d:02d}.bak" for d in range(4, 11)]


def test_other_files_in_the_folder_are_left_alone(db, db_path) -> None:
    folder = backup_dir(db_path)
    folder.mkdir()
    (folder / "other.db.2020-01-01.bak").write_text("x", encoding="utf-8")
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    for day in range(3):
        daily_backup(db_path=db_path, keep=1, today=date(2026, 1, 1 + day))
    assert (folder / "other.db.2020-01-01.bak").exists() and (folder / "notes.txt").exists()
    assert len(list_backups(db_path)) == 1


def test_missing_database_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(CrmError, match="no database file"):
        daily_backup(db_path=tmp_path / "missing.db")


def test_unwritable_backup_place_is_a_clear_error(db, db_path) -> None:
    backup_dir(db_path).write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(CrmError, match="daily backup"):
        daily_backup(db_path=db_path, today=date(2026, 3, 1))
