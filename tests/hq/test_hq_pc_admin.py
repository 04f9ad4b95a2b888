"""IT's registration commands (issue 10, item 11): ``branch add --days`` is 1 to 365,
``pc list`` shows every registered PC with its code, ``pc revoke`` stops one PC's sync (it
keeps its queue), and every admin action is logged without secrets."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from branch_crm.db import Database
from branch_crm.hq.auth import new_registration_code
from branch_crm.hq.cli import main
from branch_crm.hq.db import WRITE_OPTION
from branch_crm.hq.errors import BadPayload
from branch_crm.hq.testing import HqServer, registered_branch, running_hq
from branch_crm.models import Customer, SyncOutbox
from branch_crm.services.syncing.service import run_sync, stored_token, sync_status
from tests.support.cli_help import columns


@pytest.fixture
def office(hq_url: str) -> Iterator[HqServer]:
    with running_hq(hq_url) as server:
        yield server


def _hq(capsys: pytest.CaptureFixture[str], office: HqServer, *argv: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", "--db", office.database_url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("days", ["-3", "0", "366"])
def test_a_code_is_valid_1_to_365_days(capsys, hq_url: str, days: str) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", hq_url, "migrate"]) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "--db", hq_url, "branch", "add", "BR1", "--days", days]) == 2
    expected = f"error: A registration code is valid 1 to 365 days, not {days}.\n"
    assert capsys.readouterr() == ("", expected)
    assert main(["--lang", "zh_CN", "--db", hq_url, "branch", "add", "BR1", "--days", days]) == 2
    assert capsys.readouterr().err == f"错误：注册码的有效期为 1 至 365 天，不能是 {days} 天。\n"
    assert main(["--lang", "en", "--db", hq_url, "branch", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing was written


def test_1_and_365_days_are_accepted_and_the_service_checks_too(capsys, hq_url: str) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", hq_url, "migrate"]) == 0
    for days in ("1", "365"):
        assert main(["--lang", "en", "--db", hq_url, "branch", "add", "BR1", "--days", days]) == 0
        assert f"(valid {days} day" in capsys.readouterr().out
    from branch_crm.hq.db import make_null_pool_engine

    engine = make_null_pool_engine(hq_url)
    with (
        engine.connect().execution_options(**{WRITE_OPTION: True}) as conn,
        conn.begin(),
        pytest.raises(BadPayload, match="1 to 365 days, not 0"),
    ):
        new_registration_code(conn, "BR1", days=0)
    engine.dispose()


def _pc(office: HqServer, tmp_path: Path, branch: str, name: str) -> tuple[Database, Any]:
    return registered_branch(
        office.base_url, tmp_path / f"{name}.db", branch, office.add_branch(branch)
    )


def test_pc_list_shows_every_pc_with_its_code(capsys, office: HqServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dbs = [_pc(office, tmp_path, b, n)[0] for b, n in [("BR1", "a"), ("BR1", "b"), ("BR2", "c")]]
    assert _pc_rows(capsys, office) == [("BR1", "A"), ("BR1", "B"), ("BR2", "A")]
    code, out, _err = _hq(capsys, office, "pc", "list", "--branch", "BR2", "--json")
    (row,) = json.loads(out)
    assert code == 0 and (row["branch"], row["pc_code"], row["revoked_at"]) == ("BR2", "A", None)
    assert row["node_id"] and row["registered_at"] and len(row["token_id"]) == 16
    assert "token" not in row and not any("." in str(v) and len(str(v)) > 40 for v in row.values())

    code, out, _err = _hq(capsys, office, "pc", "list")
    header, *lines = out.splitlines()
    assert header.split("  ")[0] == "token id" and len(lines) == 3
    assert code == 0 and all("never" in line for line in lines)  # not synced yet
    assert main(["--lang", "zh_CN", "--db", office.database_url, "pc", "list"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split()[:4] == ["令牌编号", "网点", "电脑", "节点"]
    starts = [columns(header[: m.start()]) for m in re.finditer(r"\S+", header)]
    for line in lines:  # the cells start under their Chinese headings
        cells = [columns(line[: m.start()]) for m in re.finditer(r"\S+", line)]
        assert cells[:6] == starts[:6]
    code, _out, err = _hq(capsys, office, "pc", "list", "--branch", "BR9")
    assert (code, err) == (2, "error: no branch 'BR9'; add it first\n")
    for db in dbs:
        db.dispose()


def _pc_rows(capsys: pytest.CaptureFixture[str], office: HqServer) -> list[tuple[str, str]]:
    code, out, _err = _hq(capsys, office, "pc", "list", "--json")
    assert code == 0
    return [(r["branch"], r["pc_code"]) for r in json.loads(out)]


def _outbox(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(SyncOutbox)) or 0)


def test_a_revoked_pc_is_refused_with_a_clear_message_and_keeps_its_queue(
    capsys, office: HqServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db, _client = _pc(office, tmp_path, "BR1", "a")
    other, _ = _pc(office, tmp_path, "BR1", "b")
    assert run_sync(db).error is None
    token_id = json.loads(_hq(capsys, office, "pc", "list", "--json")[1])[0]["token_id"]
    code, out, err = _hq(capsys, office, "pc", "revoke", token_id)
    assert code == 0 and out.startswith(f"PC A of branch BR1 revoked (token {token_id})")
    assert json.loads(err.splitlines()[-1])["message"].startswith("admin: PC A of branch BR1")
    code, out, _err = _hq(capsys, office, "pc", "revoke", token_id)
    assert code == 0 and "was already revoked on" in out

    with db.session(actor_id="tester", branch_id="BR1") as session:
        session.add(Customer(name="张三"))
    queued = _outbox(db)
    result = run_sync(db)
    assert result.error is not None and "revoked this PC's token" in result.error
    assert "unsent changes are kept" in result.error
    assert _outbox(db) == queued > 0
    with db.session() as session:
        assert "revoked" in (sync_status(session=session).last_error or "")
    assert run_sync(other).error is None  # the branch's other PC syncs on
    rows = json.loads(_hq(capsys, office, "pc", "list", "--json")[1])
    assert [r["revoked_at"] is not None for r in rows] == [True, False]
    code, _out, err = _hq(capsys, office, "pc", "revoke", "0123456789abcdef")
    assert (code, err.splitlines()[-1]) == (2, "error: No PC has the token id 0123456789abcdef.")
    db.dispose()
    other.dispose()


def test_admin_actions_are_logged_without_secrets(
    capsys, caplog, office: HqServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="branch_crm.hq")
    code, out, err = _hq(capsys, office, "branch", "add", "BR1", "一号网点")
    registration_code = out.split("registration code ")[1].split(" ")[0]
    messages = [json.loads(line)["message"] for line in err.splitlines()]
    assert code == 0 and messages == [
        "admin: branch BR1 added",
        "admin: registration code issued for branch BR1, valid 7 days",
    ]
    db, _client = registered_branch(office.base_url, tmp_path / "a.db", "BR1", registration_code)
    token = stored_token(db)
    token_id = json.loads(_hq(capsys, office, "pc", "list", "--json")[1])[0]["token_id"]
    _hq(capsys, office, "pc", "revoke", token_id)
    _hq(capsys, office, "ref", "category", "late", "延误", "Late delivery")
    logged = [r.getMessage() for r in caplog.records if r.name == "branch_crm.hq"]
    assert any(m.startswith("admin: PC A of branch BR1 revoked") for m in logged)
    assert any(m.startswith("admin: reference_code ") for m in logged)
    assert any("registered for branch BR1 as PC A" in m for m in logged)
    assert token is not None
    secrets = [registration_code, registration_code.replace("-", ""), token.split(".")[1]]
    for message in logged:
        assert not any(s in message for s in secrets), message
    db.dispose()


def test_the_pc_code_migrations_go_down_and_up(hq_url: str, tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from branch_crm.db import make_engine as branch_engine
    from branch_crm.db import open_database
    from branch_crm.db.revisions import alembic_config as branch_config
    from branch_crm.hq.db import make_null_pool_engine
    from branch_crm.hq.schema import alembic_config, migrate

    engine = make_null_pool_engine(hq_url)
    migrate(engine)
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        command.downgrade(alembic_config(connection=conn), "hq0003")
    assert "pc_code" not in {c["name"] for c in inspect(engine).get_columns("hq_node")}
    migrate(engine)
    assert "pc_code" in {c["name"] for c in inspect(engine).get_columns("hq_node")}
    engine.dispose()

    open_database(tmp_path / "b.db").dispose()
    local = branch_engine(tmp_path / "b.db")
    with local.connect() as conn, conn.begin():
        command.downgrade(branch_config(connection=conn), "0009")
    assert "pc_code" not in {c["name"] for c in inspect(local).get_columns("sync_state")}
    local.dispose()
    database = open_database(tmp_path / "b.db")  # upgrades again
    assert "registration_key" in {
        c["name"] for c in inspect(database.engine).get_columns("sync_state")
    }
    database.dispose()
