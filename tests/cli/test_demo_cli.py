"""``branch-crm demo``: fills a new file, prints the staff accounts, refuses a full database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from branch_crm.cli import main
from tests.support.cli_help import run_cli


def test_demo_fills_and_prints_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.db"
    code, out, err = run_cli(capsys, "demo", "--db", str(path), "--customers", "150", "--seed", "3")
    assert code == 0
    assert "150 demo customers written to" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    for username, role_name in (
        ("admin", "Administrator"),
        ("supervisor", "Supervisor"),
        ("counter", "Counter staff"),
        ("courier", "Pickup courier"),
    ):
        assert lines[username].endswith(f" {role_name}")  # the translated role, not its code
    assert "Creating demo customers" in err and "150 / 150 (100 %)" in err
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM customer").fetchone()[0] == 150
    conn.close()


def test_global_db_option_and_refusal_of_a_full_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.db"
    assert run_cli(capsys, "--db", str(path), "demo", "--customers", "20")[0] == 0
    code, out, err = run_cli(capsys, "--db", str(path), "demo", "--customers", "20")
    assert code == 2
    assert "already holds 20 customers" in err
    assert "Traceback" not in err + out


def test_bad_count_is_refused_by_the_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--db", str(tmp_path / "x.db"), "--customers", "none"])
    assert exited.value.code == 2
    assert "'none' is not a positive whole number" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()
