"""The client never calls its database damaged for a sync problem (issue 10, item 6): any
failure of a round is recorded in words and returned, the status and the command line show
it, and only SQLite's own word for a damaged file makes the database "damaged"."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from oracle import assert_converged

from branch_crm.cli import main
from branch_crm.db.problems import as_database_error, is_corrupt
from branch_crm.errors import DatabaseCorrupt, DatabaseLocked
from tests.support.sync import add_customer

REFUSE = (
    "CREATE TRIGGER test_refuse BEFORE INSERT ON customer "
    "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
)


def test_a_change_that_cannot_be_applied_is_a_sync_error_in_words(
    hq: Any, make_branch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from branch_crm.services.syncing.service import sync_status

    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    customer = add_customer(db_a, "BR1", "张三", "13800001111")
    assert c_a.run_once().error is None
    with sqlite3.connect(db_b.path) as raw:  # something on PC b refuses the pulled row
        raw.execute(REFUSE)

    result = c_b.run_once()
    assert result.error == (
        f"Could not apply changes from head office: customer {customer}: refused by a test trigger"
    )
    with db_b.session() as session:
        assert sync_status(session=session).last_error == result.error
    code = main(["--db", str(db_b.path), "sync"])
    out, err = capsys.readouterr()
    assert code == 1 and "sync failed: Could not apply changes from head office" in err
    main(["--db", str(db_b.path), "sync", "status"])
    out, err = capsys.readouterr()
    assert "last error: Could not apply changes from head office" in out
    for word in ("damaged", "backup"):
        assert word not in (out + err + result.error).lower()

    with sqlite3.connect(db_b.path) as raw:  # the cause is gone: the next round works
        raw.execute("DROP TRIGGER test_refuse")
    assert c_b.run_once().error is None
    with db_b.session() as session:
        assert sync_status(session=session).last_error is None
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])


def test_a_page_whose_commit_fails_even_when_checked_row_by_row_is_an_error_in_words(
    hq: Any, make_branch: Any
) -> None:
    """Not a row the page wrote: a local trigger writes a row naming one that does not exist.
    The safety net cannot wait that one out; the round says which changes failed."""
    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    add_customer(db_a, "BR1", "王五", "13800003333")
    assert c_a.run_once().error is None
    with sqlite3.connect(db_b.path) as raw:
        raw.executescript(
            "CREATE TABLE test_note (customer_id VARCHAR(36) REFERENCES customer (id));"
            "CREATE TRIGGER test_dangling AFTER INSERT ON customer BEGIN "
            "INSERT INTO test_note VALUES ('not-a-customer'); END;"
        )
    result = c_b.run_once()
    assert result.error is not None
    assert result.error.startswith("Could not apply changes from head office: the changes after")
    assert result.error.endswith("FOREIGN KEY constraint failed")
    with sqlite3.connect(db_b.path) as raw:
        raw.execute("DROP TRIGGER test_dangling")
    assert c_b.run_once().error is None


def test_an_unexpected_failure_of_a_round_is_returned_not_raised(
    hq: Any, make_branch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.sync import client as client_module

    db, client = make_branch("BR1")
    add_customer(db, "BR1", "李四", "13800002222")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in preparing a batch")

    monkeypatch.setattr(client_module, "next_batch", broken)
    result = client.run_once()
    assert result.error is not None and "a bug in preparing a batch" in result.error
    assert "damaged" not in result.error
    monkeypatch.undo()
    assert client.run_once().error is None


@pytest.mark.parametrize(
    ("error", "corrupt"),
    [
        (sqlite3.DatabaseError("database disk image is malformed"), True),
        (sqlite3.DatabaseError("file is not a database"), True),
        (sqlite3.IntegrityError("FOREIGN KEY constraint failed"), False),
        (sqlite3.IntegrityError("NOT NULL constraint failed: staff.failed_logins"), False),
        (sqlite3.OperationalError("no such table: sync_parked"), False),
        (sqlite3.OperationalError("refused by a test trigger"), False),
    ],
)
def test_only_a_damaged_file_is_called_damaged(error: Exception, corrupt: bool) -> None:
    problem = as_database_error(error, Path("branch.db"))
    assert is_corrupt(error) is corrupt
    assert isinstance(problem, DatabaseCorrupt) is corrupt
    assert ("damaged" in problem.message) is corrupt
    assert ("backup" in problem.message) is corrupt
    if not corrupt:
        assert "branch.db" in problem.message and str(error) in problem.message


def test_sqlite_error_codes_decide_without_the_words(tmp_path: Path) -> None:
    """SQLite's own error code says "damaged" whatever the message's words."""
    error = sqlite3.DatabaseError("some words")
    error.sqlite_errorname = "SQLITE_CORRUPT_INDEX"  # type: ignore[attr-defined]
    assert is_corrupt(error)
    locked = as_database_error(sqlite3.OperationalError("database is locked"), tmp_path)
    assert isinstance(locked, DatabaseLocked)


def test_a_damaged_file_is_still_called_damaged(tmp_path: Path) -> None:
    from branch_crm.db import open_database

    path = tmp_path / "junk.db"
    path.write_bytes(b"not a database at all " * 300)
    with pytest.raises(DatabaseCorrupt, match="damaged"):
        open_database(path)


def test_a_sync_error_is_kept_neutral_and_read_in_the_readers_language(
    hq: Any, make_branch: Any
) -> None:
    from branch_crm.i18n import set_language
    from branch_crm.services.syncing.service import sync_status

    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    add_customer(db_a, "BR1", "张三", "13800001111")
    assert c_a.run_once().error is None
    with sqlite3.connect(db_b.path) as raw:
        raw.execute(REFUSE)
    set_language("zh_CN")  # the round runs while the PC speaks Chinese
    try:
        chinese = c_b.run_once().error or ""
    finally:
        set_language("en")
    assert chinese.startswith("无法应用总部发来的更改")  # the round said it in Chinese
    with db_b.session() as session:
        status = sync_status(session=session)
    assert (status.last_error or "").startswith("Could not apply changes from head office")
    with sqlite3.connect(db_b.path) as raw:
        stored = raw.execute("SELECT last_error FROM sync_state WHERE id = 1").fetchone()[0]
    assert stored.startswith("Could not apply changes")  # English words for the log


def test_an_old_free_text_sync_error_still_shows(make_branch: Any) -> None:
    from branch_crm.services.syncing.service import sync_status

    db_b, _c_b = make_branch("BR1", name="pc_b")
    with sqlite3.connect(db_b.path) as raw:
        raw.execute("UPDATE sync_state SET last_error = '无法连接总部' WHERE id = 1")
    with db_b.session() as session:
        assert sync_status(session=session).last_error == "无法连接总部"
