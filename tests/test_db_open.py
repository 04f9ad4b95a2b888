"""A database file that cannot be used gets a clear, typed error, never a traceback."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from branch_crm.db import open_database
from branch_crm.errors import DatabaseCorrupt, DatabaseLocked, DatabaseReadOnly, DatabaseTooNew


def test_new_file_is_created_and_migrated(db_path: Path) -> None:
    database = open_database(db_path)
    database.dispose()
    assert db_path.exists()


def test_garbage_file_is_reported_as_corrupt(db_path: Path) -> None:
    db_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseCorrupt) as info:
        open_database(db_path)
    assert str(db_path) in info.value.message


def test_truncated_database_is_reported_as_corrupt(db_path: Path) -> None:
    open_database(db_path).dispose()
    data = db_path.read_bytes()
    db_path.write_bytes(data[:100] + b"\x00" * 50 + data[150:4096])
    for extra in ("-wal", "-shm"):
        Path(str(db_path) + extra).unlink(missing_ok=True)
    with pytest.raises(DatabaseCorrupt):
        open_database(db_path)


def test_locked_database_is_reported(db_path: Path) -> None:
    open_database(db_path).dispose()
    holder = sqlite3.connect(db_path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseLocked) as info:
            open_database(db_path)
        assert "another program" in info.value.message
    finally:
        holder.rollback()
        holder.close()


def test_read_only_file_is_reported(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # permissions are simulated: CI runs as root, which ignores file modes
    open_database(db_path).dispose()
    real_access = os.access

    def fake_access(path: object, mode: int) -> bool:
        if mode == os.W_OK and Path(str(path)) == db_path:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", fake_access)
    with pytest.raises(DatabaseReadOnly):
        open_database(db_path)


def test_read_only_folder_is_reported(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_database(db_path).dispose()
    real_access = os.access

    def fake_access(path: object, mode: int) -> bool:
        if mode == os.W_OK and Path(str(path)) in (db_path, db_path.parent):
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", fake_access)
    with pytest.raises(DatabaseReadOnly) as info:
        open_database(db_path)
    assert "cannot be written" in info.value.message


def test_database_from_a_newer_version_is_refused(db_path: Path) -> None:
    open_database(db_path).dispose()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseTooNew) as info:
        open_database(db_path)
    assert "newer version" in info.value.message
