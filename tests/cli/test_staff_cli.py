"""``branch-crm staff ...`` and ``--help`` (which must work without starting Qt)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from branch_crm.cli import main
from tests.support.cli_help import run_cli


@pytest.mark.parametrize("argv", [["--help"], ["staff", "--help"], ["staff", "add", "--help"]])
def test_help_works(capsys, argv) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    assert "usage: branch-crm" in capsys.readouterr().out


def test_help_in_a_fresh_process_does_not_load_qt() -> None:
    code = (
        "import sys; from branch_crm.cli import main\n"
        "try:\n    main(['staff', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "reset-password" in done.stdout


def test_add_list_reset_unlock(capsys, db_path) -> None:
    db = ["--db", str(db_path)]
    code, out, _err = run_cli(capsys, *db, "staff", "add", "Zhang", "--role", "admin", "--name",
                              "张伟", "--password", "first-pass")  # fmt: skip
    assert code == 0 and "zhang" in out
    code, out, _err = run_cli(capsys, *db, "staff", "list", "--json")
    rows = json.loads(out)
    assert [(r["username"], r["role"], r["active"]) for r in rows] == [("zhang", "admin", True)]

    from branch_crm.db import open_database
    from branch_crm.errors import AuthenticationError
    from branch_crm.services.staff.sign_in import authenticate

    database = open_database(db_path)
    try:
        for _attempt in range(5):
            with pytest.raises(AuthenticationError), database.session() as session:
                authenticate(session=session, username="zhang", password="bad", branch_id="BR001")
    finally:
        database.dispose()
    code, out, _err = run_cli(capsys, *db, "staff", "list")
    assert "locked until" in out
    code, out, _err = run_cli(capsys, *db, "staff", "unlock", "zhang")
    assert code == 0
    code, out, _err = run_cli(capsys, *db, "staff", "list")
    assert "active" in out and "locked" not in out
    code, out, _err = run_cli(
        capsys, *db, "staff", "reset-password", "zhang", "--password", "next-pass"
    )
    assert code == 0
    database = open_database(db_path)
    try:
        with database.session() as session:
            actor = authenticate(
                session=session, username="zhang", password="next-pass", branch_id="BR001"
            )
        assert actor.username == "zhang"
    finally:
        database.dispose()


def test_bad_input_names_each_field(capsys, db_path) -> None:
    code, _out, err = run_cli(capsys, "--db", str(db_path), "staff", "add", "x y", "--role",
                              "counter", "--name", "X", "--password", "short")  # fmt: skip
    assert code == 2
    assert "error: username:" in err and "error: password:" in err
    assert "Traceback" not in err


def test_unknown_user_is_a_one_line_error(capsys, db_path) -> None:
    code, _out, err = run_cli(capsys, "--db", str(db_path), "staff", "unlock", "nobody")
    assert code == 2
    assert err.strip() == "error: There is no staff account nobody."


def test_password_needs_a_terminal_or_option(capsys, db_path, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, _out, err = run_cli(capsys, "--db", str(db_path), "staff", "add", "wang", "--role",
                              "counter", "--name", "王芳")  # fmt: skip
    assert code == 2 and "--password" in err


def test_list_shows_translated_role_names_and_json_keeps_the_code(capsys, db_path) -> None:
    from tests.support.cli_help import columns

    db = ["--db", str(db_path)]
    for username, role, name in (("liu", "courier", "刘洋"), ("zhou", "supervisor", "周敏")):
        code, out, _err = run_cli(capsys, *db, "staff", "add", username, "--role", role, "--name",
                                  name, "--password", "first-pass")  # fmt: skip
        assert code == 0
    assert "Account zhou (Supervisor) created." in out
    code, out, _err = run_cli(capsys, *db, "staff", "list")
    lines = dict(line.split(maxsplit=1) for line in out.splitlines())
    assert lines["liu"].startswith("Pickup courier ")
    assert lines["zhou"].startswith("Supervisor ")
    rows = json.loads(run_cli(capsys, *db, "staff", "list", "--json")[1])
    assert [(r["username"], r["role"], r["role_name"]) for r in rows] == [
        ("liu", "courier", "Pickup courier"),
        ("zhou", "supervisor", "Supervisor"),
    ]

    code, out, _err = run_cli(capsys, "--lang", "zh_CN", *db, "staff", "list")
    assert code == 0
    liu, zhou = out.splitlines()
    assert "揽件员" in liu and "主管" in zhou

    def column_of(line: str, text: str) -> int:  # terminal column (CJK characters take two)
        return columns(line[: line.index(text)])

    assert column_of(liu, "刘洋") == column_of(zhou, "周敏")  # names line up in Chinese too
    assert (
        json.loads(run_cli(capsys, "--lang", "zh_CN", *db, "staff", "list", "--json")[1])[0]["role"]
        == "courier"
    )  # the code does not change with the language
