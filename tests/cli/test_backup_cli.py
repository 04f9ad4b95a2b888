"""``branch-crm backup`` and ``branch-crm restore``: exit codes and messages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from branch_crm.cli import main
from tests.support.accounts import BRANCH
from tests.support.sync import add_customer


@pytest.fixture
def filled(db) -> Path:  # type: ignore[no-untyped-def]
    add_customer(db, BRANCH, "张三", "13812345678")
    db.dispose()
    return Path(db.path)


def _count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_backup_to_a_folder_then_restore(filled: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    drive = tmp_path / "usb"
    drive.mkdir()
    assert main(["--db", str(filled), "backup", "--to", str(drive)]) == 0
    out = capsys.readouterr().out
    copies = list(drive.glob("BranchCRM-*.db"))
    assert len(copies) == 1 and f"Backed up to {copies[0]}" in out and "checked" in out
    assert _count(filled, "SELECT COUNT(*) FROM audit_entry WHERE action = 'backup'") == 1

    add_customer_file = sqlite3.connect(filled)  # a change after the backup (any writer)
    add_customer_file.execute("UPDATE customer SET name = '李四'")
    add_customer_file.commit()
    add_customer_file.close()

    assert main(["--db", str(filled), "restore", str(copies[0])]) == 1  # not confirmed
    captured = capsys.readouterr()
    assert "add --yes" in captured.err and _count(filled, "SELECT COUNT(*) FROM customer") == 1
    assert "Branch" in captured.out and "1 customers" in captured.out

    assert main(["--db", str(filled), "restore", str(copies[0]), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Restored. The replaced database is kept as" in out
    aside = list(filled.parent.glob("branch.db.replaced-*"))
    assert len(aside) == 1
    assert _count(filled, "SELECT COUNT(*) FROM customer WHERE name = '张三'") == 1
    assert _count(aside[0], "SELECT COUNT(*) FROM customer WHERE name = '李四'") == 1
    assert _count(filled, "SELECT COUNT(*) FROM audit_entry WHERE action = 'restore'") == 1


def test_backup_to_the_default_folder(filled: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", str(filled), "backup"]) == 0
    assert len(list((filled.parent / "backups").glob("BranchCRM-*.db"))) == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not a database at all", "is not a Branch CRM backup (not a database file)."),
        (None, "There is no backup file"),
    ],
)
def test_a_bad_file_is_exit_2_with_one_line(  # type: ignore[no-untyped-def]
    filled: Path, tmp_path: Path, capsys, content: bytes | None, expected: str
) -> None:
    bad = tmp_path / "bad.db"
    if content is not None:
        bad.write_bytes(content)
    assert main(["--db", str(filled), "restore", str(bad), "--yes"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert captured.out == ""


def test_a_folder_that_is_not_there_is_exit_2(filled: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", str(filled), "backup", "--to", str(tmp_path / "E:")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not reachable" in err[0]
