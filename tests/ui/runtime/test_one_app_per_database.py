"""One desktop app per database, by an OS lock beside the file (db.instance_lock): a second
app that cannot reach the first (another Windows user, another PC) says so and quits; the
command-line jobs still run while the app holds the lock; a crashed holder leaves no lock."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from argparse import Namespace
from pathlib import Path

from branch_crm import cli
from branch_crm.db.instance_lock import DatabaseLock, lock_path
from branch_crm.ui import messages
from branch_crm.ui.shell import single_instance
from branch_crm.ui.shell.launcher import Shell
from branch_crm.ui.shell.single_instance import SingleInstance

SRC = str(Path(__file__).resolve().parents[3] / "src")
HOLDER = textwrap.dedent(
    """
    import sys
    from branch_crm.db.instance_lock import DatabaseLock
    lock = DatabaseLock(sys.argv[1])
    print("held" if lock.acquire() else "busy", flush=True)
    sys.stdin.read()  # hold it until the test closes our input (or kills us)
    """
)


def hold_in_another_process(path: Path) -> subprocess.Popen[str]:
    """A process holding the app's lock on ``path``, as a running app on another Windows
    user's session would (its local socket is out of reach: there is none here)."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def test_the_lock_is_beside_the_database_and_exclusive(tmp_path) -> None:
    path = tmp_path / "branch.db"
    first, second = DatabaseLock(path), DatabaseLock(tmp_path / "." / "branch.db")
    try:
        assert first.acquire() and first.held
        assert lock_path(path) == tmp_path / "branch.db.lock"
        assert not second.acquire()  # another claim, even in this process
        first.release()
        assert second.acquire()
    finally:
        first.release()
        second.release()


def test_a_crashed_holder_leaves_no_lock(tmp_path) -> None:
    path = tmp_path / "branch.db"
    child = hold_in_another_process(path)
    here = DatabaseLock(path)
    try:
        assert not here.acquire()
        child.kill()  # no clean-up at all
        child.wait(timeout=10)
        assert here.acquire()  # the OS released it with the process
    finally:
        here.release()
        if child.poll() is None:
            child.kill()


def test_a_second_app_out_of_reach_says_so_and_quits(qapp, db, db_path, monkeypatch) -> None:
    db.dispose()
    child = hold_in_another_process(db_path)
    shown: list[str] = []
    monkeypatch.setattr(messages, "show_error", lambda _parent, text, *_a: shown.append(text))
    opened: list[bool] = []
    monkeypatch.setattr(Shell, "open", lambda self: opened.append(True) or False)
    monkeypatch.setattr(single_instance, "CONNECT_WAIT_MS", 300)  # nobody will answer
    try:
        shell = Shell(qapp, Namespace(db=db_path, lang=None, demo_if_new=False, courier=False))
        assert shell.run() == 0
        assert opened == []  # it never touched the database
        assert len(shown) == 1
        assert f"already open on the database {db_path}" in shown[0]
        assert "another Windows user" in shown[0]
        instance = SingleInstance(db_path)
        assert not instance.claim(wait_ms=50) and not instance.answered
    finally:
        child.kill()
        child.wait(timeout=10)


def test_jobs_run_while_the_app_holds_the_database(db, db_path, tmp_path, monkeypatch) -> None:
    db.dispose()
    child = hold_in_another_process(db_path)  # the app is open on it
    monkeypatch.setenv("BRANCH_CRM_DATA_DIR", str(tmp_path))
    try:
        assert cli.main(["--lang", "en", "--db", str(db_path), "complaints", "sweep"]) == 0
        assert cli.main(["--lang", "en", "--db", str(db_path), "sync", "status"]) == 0
    finally:
        child.kill()
        child.wait(timeout=10)
