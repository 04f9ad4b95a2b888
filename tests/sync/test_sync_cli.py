"""``branch-crm sync`` as a scheduled task runs it: register, one round, status; the exit
code says whether the round worked. Also where the token is kept (keyring or a user-only
file)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_help import run_cli
from tests.support.sync import add_customer


def test_register_sync_and_status_from_the_command_line(
    hq: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from branch_crm.db import open_database
    from branch_crm.services.settings import values as app_settings

    path = tmp_path / "branch.db"
    db = open_database(path)
    with db.session() as session:
        app_settings.put(session, None, "branch.code", "BR1")
    add_customer(db, "BR1", "张三", "13812340000")
    db.dispose()
    code = hq.add_branch("BR1", "一号网点")

    failed, _out, err = run_cli(capsys, "--db", str(path), "sync")
    assert failed == 1 and "not registered" in err  # a scheduled task sees the failure

    wrong, _out, err = run_cli(capsys, "--db", str(path), "sync", "register", hq.base_url, "nope")
    assert wrong != 0 and "registration" in err.lower()

    ok, out, _err = run_cli(capsys, "--db", str(path), "sync", "register", hq.base_url, code)
    assert ok == 0 and "registered as branch BR1 (一号网点)" in out
    again, _out, err = run_cli(capsys, "--db", str(path), "sync", "register", hq.base_url, code)
    assert again != 0  # a registration code works once

    done, out, _err = run_cli(capsys, "--db", str(path), "sync")
    assert done == 0 and out.startswith("sync done: ") and " 0 new conflicts" in out
    _code, out, _err = run_cli(capsys, "--db", str(path), "sync", "status", "--json")
    status = json.loads(out)
    assert status["registered"] and status["pending_changes"] == 0 and not status["last_error"]

    from branch_crm.hq.testing import free_port

    with sqlite3.connect(path) as raw:  # head office moves away (nobody listens there)
        raw.execute("UPDATE sync_state SET hq_url = ?", (f"http://127.0.0.1:{free_port()}",))
    down, _out, err = run_cli(capsys, "--db", str(path), "sync")
    assert down == 1 and "sync failed: Cannot reach head office" in err
    _code, out, _err = run_cli(capsys, "--db", str(path), "sync", "status")
    assert "last error: Cannot reach head office" in out


def test_token_goes_to_the_credential_store_when_there_is_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from branch_crm.sync import tokens

    stored: dict[tuple[str, str], str] = {}
    fake = type(
        "FakeKeyring",
        (),
        {
            "set_password": staticmethod(lambda s, u, p: stored.__setitem__((s, u), p)),
            "get_password": staticmethod(lambda s, u: stored.get((s, u))),
            "delete_password": staticmethod(lambda s, u: stored.pop((s, u))),
        },
    )
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setenv("BRANCH_CRM_KEYRING", "on")
    assert tokens.save_token("node1", "abc.secret") == "keyring"
    assert stored == {(tokens.SERVICE, "node1"): "abc.secret"}
    assert not tokens._fallback_file().exists()  # nothing written to disk
    assert tokens.load_token("node1") == "abc.secret"
    tokens.delete_token("node1")
    assert tokens.load_token("node1") is None


def test_without_a_credential_store_the_token_file_is_the_users_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from branch_crm.sync import tokens

    def unavailable(*_args: object) -> None:
        raise RuntimeError("no backend")

    broken = type("NoKeyring", (), {"set_password": unavailable, "get_password": unavailable})
    monkeypatch.setitem(sys.modules, "keyring", broken)
    monkeypatch.setenv("BRANCH_CRM_KEYRING", "on")
    where = tokens.save_token("node2", "def.secret")
    assert Path(where) == tokens._fallback_file()
    if os.name == "posix":
        assert stat.S_IMODE(Path(where).stat().st_mode) == 0o600
    assert tokens.load_token("node2") == "def.secret"
