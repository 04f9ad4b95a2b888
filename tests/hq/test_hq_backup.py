"""``branch-crm-hq backup`` / ``restore`` (issue 18): a branch syncs to head office over
loopback HTTP, head office is backed up, restored into a fresh empty database and served
again at the same address, and the branch syncs on -- pushes and pulls more changes,
nothing lost, nothing twice. A restore refuses a database that is not empty (unless
``--force``), a backup of the other kind of database, and says clearly when pg_dump is
missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from branch_crm.db import Database
from branch_crm.hq import tables as t
from branch_crm.hq.backup import SEQUENCE_GAP
from branch_crm.hq.cli import main
from branch_crm.hq.db import make_null_pool_engine
from branch_crm.hq.testing import free_port, registered_branch, running_hq
from branch_crm.models import Customer
from branch_crm.services.syncing.service import run_sync
from tests.support.postgres import fresh_postgres_database


@contextmanager
def _database(kind: str, path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+pysqlite:///{path}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Head office's database and a second, empty one of the same kind to restore into."""
    with ExitStack() as stack:
        first = stack.enter_context(_database(request.param, tmp_path / "hq.db"))
        second = stack.enter_context(_database(request.param, tmp_path / "restored.db"))
        yield first, second


def _hq(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", "--db", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _add_customers(db: Database, names: list[str]) -> None:
    with db.session(actor_id="tester", branch_id="BR1") as session:
        session.add_all(Customer(name=name) for name in names)


def _names(db: Database) -> list[str]:
    with db.session() as session:
        return sorted(session.scalars(select(Customer.name)))


def _hq_names(url: str) -> list[str]:
    engine = make_null_pool_engine(url)
    try:
        with engine.connect() as conn:
            customer = t.ENTITIES["customer"][0]
            return sorted(conn.scalars(select(customer.c.name)))
    finally:
        engine.dispose()


def _synced(db: Database) -> None:
    result = run_sync(db)
    assert result.error is None, result.error


def test_backup_restore_into_an_empty_database_and_the_branch_syncs_on(
    capsys: pytest.CaptureFixture[str], two_databases: tuple[str, str], tmp_path: Path
) -> None:
    original, fresh = two_databases
    port = free_port()
    with running_hq(original, port=port) as hq:
        pc_a, pc_b = (
            registered_branch(hq.base_url, tmp_path / name, "BR1", hq.add_branch("BR1"))[0]
            for name in ("a.db", "b.db")
        )
        _add_customers(pc_a, ["张一", "张二"])
        _synced(pc_a)
        _synced(pc_b)
        assert _names(pc_b) == ["张一", "张二"]
        backup = tmp_path / "hq.backup"
        code, out, err = _hq(capsys, original, "backup", str(backup))
    assert code == 0 and out.startswith(f"backup written to {backup} (")
    logged = [json.loads(line)["message"] for line in err.splitlines()]
    assert any(m.startswith("admin: backup written to") for m in logged)
    assert backup.stat().st_size > 0 and not list(tmp_path.glob("*.partial"))

    code, out, err = _hq(capsys, fresh, "restore", str(backup))
    assert code == 0, err
    assert f"The change log goes on at {SEQUENCE_GAP}" not in out  # past the newest restored
    next_seq = int(out.split("goes on at ")[1].split(".")[0])
    assert next_seq > SEQUENCE_GAP
    code, _out, err = _hq(capsys, fresh, "restore", str(backup))  # not empty any more
    assert code == 2
    assert "error: The database is not empty (" in err
    assert "Restore into an empty database, or add --force" in err

    with running_hq(fresh, port=port) as hq:  # the same address: the branch is none the wiser
        assert _hq_names(fresh) == ["张一", "张二"]
        _add_customers(pc_a, ["张三"])
        _add_customers(pc_b, ["李四"])
        _synced(pc_a)
        _synced(pc_b)
        _synced(pc_a)
        code, _out, _err = _hq(capsys, fresh, "ref", "holiday", "2031-10-01", "国庆节")
        assert code == 0
        _synced(pc_a)
        _synced(pc_b)
        assert hq.server_errors == []
    everyone = ["张一", "张二", "张三", "李四"]
    assert _names(pc_a) == _names(pc_b) == sorted(everyone)  # nothing lost, nothing twice
    assert _hq_names(fresh) == sorted(everyone)
    engine = make_null_pool_engine(fresh)
    with engine.connect() as conn:
        newest = conn.scalar(select(func.max(t.change_log.c.seq)))
        holidays = conn.scalar(
            select(func.count())
            .select_from(t.ENTITIES["holiday"][0])
            .where(t.ENTITIES["holiday"][0].c.name == "国庆节")
        )
    engine.dispose()
    assert newest is not None and newest >= next_seq and holidays == 1
    for db in (pc_a, pc_b):
        with db.session() as session:
            from branch_crm.models import Holiday

            assert session.scalar(select(func.count()).where(Holiday.name == "国庆节")) == 1
        db.dispose()


def test_force_restores_over_a_database_that_is_not_empty(
    capsys: pytest.CaptureFixture[str], two_databases: tuple[str, str], tmp_path: Path
) -> None:
    original, other = two_databases
    for url, branch in ((original, "BR1"), (other, "BR9")):
        assert _hq(capsys, url, "migrate")[0] == 0
        assert _hq(capsys, url, "branch", "add", branch)[0] == 0
    backup = tmp_path / "hq.backup"
    assert _hq(capsys, original, "backup", str(backup))[0] == 0
    code, out, _err = _hq(capsys, other, "restore", "--force", str(backup))
    assert code == 0 and "restored" in out
    code, out, _err = _hq(capsys, other, "branch", "list", "--json")
    assert [row["code"] for row in json.loads(out)] == ["BR1"]


def test_a_backup_of_the_other_kind_or_no_backup_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sqlite_url = f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
    assert _hq(capsys, sqlite_url, "migrate")[0] == 0
    fake_pg = tmp_path / "pg.backup"
    fake_pg.write_bytes(b"PGDMP\x01\x0e\x00rest")
    target = f"sqlite+pysqlite:///{tmp_path / 'new.db'}"
    code, _out, err = _hq(capsys, target, "restore", str(fake_pg))
    assert code == 2
    assert err == (
        f"error: {fake_pg} is a backup of a postgresql database; this head office uses sqlite.\n"
    )
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")
    code, _out, err = _hq(capsys, target, "restore", str(text_file))
    assert (code, err) == (2, f"error: {text_file} is not a backup of head office's database.\n")
    code, _out, err = _hq(capsys, target, "restore", str(tmp_path / "missing"))
    assert (code, err) == (2, f"error: There is no backup at {tmp_path / 'missing'}.\n")
    code, _out, err = _hq(capsys, f"sqlite+pysqlite:///{tmp_path / 'none.db'}", "backup", "x")
    assert (code, err) == (2, f"error: There is no database at {tmp_path / 'none.db'}.\n")
    assert not (tmp_path / "none.db").exists()


def test_without_pg_dump_the_backup_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, no pg_restore
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    code, _out, err = _hq(capsys, url, "backup", str(tmp_path / "x.backup"))
    assert code == 2
    assert err.startswith("error: pg_dump was not found. Install PostgreSQL's client programs")
    assert "apt install postgresql-client" in err
    assert main(["--lang", "zh_CN", "--db", url, "backup", str(tmp_path / "x.backup")]) == 2
    assert capsys.readouterr().err.startswith("错误：未找到 pg_dump。")


@pytest.mark.postgres
def test_a_failing_pg_dump_leaves_no_file_and_says_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/bcrm_no_such_database_18"
    file = tmp_path / "x.backup"
    code, _out, err = _hq(capsys, url, "backup", str(file))
    assert code == 2 and err.startswith("error: pg_dump failed: ")
    assert "bcrm_no_such_database_18" in err
    assert not file.exists() and not list(tmp_path.iterdir())
