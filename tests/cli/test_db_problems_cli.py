"""A database file that is locked, read-only, damaged or from a newer version: every command
of the counter desk's CLI says so in one clear line and exits 2, never with a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from branch_crm.cli import main

COMMANDS = [
    ["search", "zs"],
    ["search", "5678", "--json"],
    ["staff", "list"],
    ["staff", "unlock", "nobody"],
    ["demo", "--customers", "5"],
]
EXPECTED = {
    "locked": "is in use by another program",
    "read-only": "cannot be written",
    "corrupt": "is damaged or is not a Branch CRM database",
    "too new": "was written by a newer version of Branch CRM",
}


def _filled(path: Path) -> Path:
    from branch_crm.db import open_database

    open_database(path).dispose()
    return path


@pytest.fixture
def problem(
    request: pytest.FixtureRequest, db_path: Path, read_only_file: Callable[[Path], None]
) -> Iterator[Path]:
    """The database file in the state named by the test's parameter."""
    kind = request.param
    if kind == "corrupt":
        db_path.write_bytes(b"not a database, just some bytes " * 200)
        yield db_path
        return
    _filled(db_path)
    if kind == "too new":
        raw = sqlite3.connect(db_path)
        raw.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        raw.commit()
        raw.close()
        yield db_path
        return
    if kind == "read-only":
        read_only_file(db_path)
        yield db_path
        return
    holder = sqlite3.connect(db_path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield db_path
    finally:
        holder.rollback()
        holder.close()


@pytest.mark.parametrize("problem", list(EXPECTED), indirect=True)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_reports_the_problem_in_one_line(
    problem: Path,
    command: list[str],
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kind = request.node.callspec.params["problem"]
    code = main([*command, "--db", str(problem)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert EXPECTED[kind] in lines[0] and str(problem) in lines[0]


def test_a_lock_taken_in_mid_command_is_a_clear_error(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening succeeded, then another program holds the file: still one line, exit 2."""
    from branch_crm.services.customers import search

    _filled(db_path)

    def locked(**_kwargs: object) -> list[object]:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(search, "search_customers", locked)
    assert main(["search", "zs", "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and EXPECTED["locked"] in err and "Traceback" not in err


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from branch_crm.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def _too_new(path: Path) -> None:
    _filled(path)
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    raw.commit()
    raw.close()


@pytest.mark.parametrize(
    ("make", "kind"),
    [(lambda p: p.write_bytes(b"garbage" * 500), "corrupt"), (_too_new, "too new")],
    ids=["corrupt", "too new"],
)
def test_a_real_process_prints_no_traceback(
    db_path: Path, make: Callable[[Path], object], kind: str
) -> None:
    make(db_path)
    done = _run("search", "zs", "--db", str(db_path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert EXPECTED[kind] in done.stderr
