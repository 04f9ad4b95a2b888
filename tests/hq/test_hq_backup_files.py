"""``branch-crm-hq backup`` / ``restore`` carry the attachments' files: the backup copies
the files the database names into a files store beside the dump (only those not there yet),
the restore copies them back into the files folder (hash-checked), a branch PC downloads a
restored file; a damaged file in the store is refused, an old backup without a store says
its files are missing, and ``--no-files`` leaves the files alone."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from branch_crm.hq import tables as t
from branch_crm.hq.backup import FILES_STORE
from branch_crm.hq.cli import main
from branch_crm.hq.db import make_null_pool_engine
from branch_crm.hq.files import FileStore
from branch_crm.hq.testing import free_port, registered_branch, running_hq
from branch_crm.timeutil import utcnow
from tests.support.attachments import a_complaint, jpeg
from tests.support.postgres import fresh_postgres_database
from tests.support.services import run_service


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


def _actor(branch: str) -> Any:
    from branch_crm.models import Role
    from branch_crm.services.context import Actor

    return Actor("staff-counter", "counter", "Counter", Role.COUNTER, branch)


def test_files_go_into_the_backup_and_come_back_for_a_branch_pc(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    two_databases: tuple[str, str],
    tmp_path: Path,
) -> None:
    from branch_crm.services.attachments import service

    original, fresh = two_databases
    live, emptied = tmp_path / "files", tmp_path / "files-after-the-fire"
    port = free_port()
    with running_hq(original, port=port, files_dir=str(live)) as hq:
        (pc_a, client_a), (pc_b, client_b) = (
            registered_branch(hq.base_url, tmp_path / name, "BR1", hq.add_branch("BR1"))
            for name in ("a.db", "b.db")
        )
        complaint = a_complaint(pc_a, _actor("BR1"))
        view = run_service(pc_a, _actor("BR1"), service.attach_file, owner_kind="complaint",
                           owner_id=complaint, data=jpeg(), name="box.jpg")  # fmt: skip
        sent = client_a.run_once()
        assert sent.error is None and sent.file_error is None and sent.files_sent == 1
        assert client_b.run_once().error is None
    monkeypatch.setenv("BRANCH_CRM_HQ_FILES_DIR", str(live))
    dump = tmp_path / "backups" / "hq.backup"
    dump.parent.mkdir()
    code, out, err = _hq(capsys, original, "backup", str(dump))
    assert code == 0, err
    store = dump.parent / FILES_STORE
    assert out.splitlines()[1] == (
        f"files: 1 copied, 0 already present, 0 missing, 0 damaged (store {store})"
    )
    kept = FileStore(store).path(view.sha256)
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == view.sha256
    assert not [p for p in store.rglob("*") if p.name.endswith(".tmp")]
    logged = [json.loads(line)["message"] for line in err.splitlines()]
    assert any(m.startswith("admin: backup files to ") and "1 copied" in m for m in logged)
    # the next backup in the folder shares the store: nothing copied twice
    code, out, _err = _hq(capsys, original, "backup", str(dump.with_name("hq2.backup")))
    assert code == 0 and "files: 0 copied, 1 already present, 0 missing" in out

    monkeypatch.setenv("BRANCH_CRM_HQ_FILES_DIR", str(emptied))  # a new, empty files folder
    code, out, err = _hq(capsys, fresh, "restore", str(dump))
    assert code == 0, err
    assert out.splitlines()[1] == (
        f"files: 1 copied, 0 already present, 0 missing, 0 damaged (store {store})"
    )
    assert any(
        json.loads(line)["message"].startswith("admin: backup files from ")
        for line in err.splitlines()
    )
    with running_hq(fresh, port=port, files_dir=str(emptied)):  # same address for the PCs
        path = client_b.fetch_file(view.sha256)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == view.sha256
    for db in (pc_a, pc_b):
        db.dispose()


def _head_office_with_a_file(
    capsys: pytest.CaptureFixture[str], url: str, files: Path, data: bytes
) -> str:
    """A migrated head office whose files folder holds ``data``, recorded for BR1 and BR2
    (one file, two rows); its hash."""
    assert _hq(capsys, url, "migrate")[0] == 0
    sha = hashlib.sha256(data).hexdigest()
    FileStore(files).path(sha).parent.mkdir(parents=True)
    FileStore(files).path(sha).write_bytes(data)
    engine = make_null_pool_engine(url)
    with engine.begin() as conn:
        for branch in ("BR1", "BR2"):
            conn.execute(insert(t.file).values(branch_code=branch, sha256=sha, size=len(data),
                                               stored_at=utcnow()))  # fmt: skip
    engine.dispose()
    return sha


def test_a_damaged_file_in_the_store_is_refused_and_an_old_backup_says_files_are_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
    live, emptied = tmp_path / "files", tmp_path / "new-files"
    monkeypatch.setenv("BRANCH_CRM_HQ_FILES_DIR", str(live))
    sha = _head_office_with_a_file(capsys, url, live, b"%PDF-1.4 a scanned waybill")
    dump = tmp_path / "hq.backup"
    assert _hq(capsys, url, "backup", str(dump))[0] == 0
    kept = FileStore(tmp_path / FILES_STORE).path(sha)
    kept.write_bytes(b"%PDF-1.4 a scanned waybilL")  # same size, one byte off

    monkeypatch.setenv("BRANCH_CRM_HQ_FILES_DIR", str(emptied))
    code, out, err = _hq(capsys, f"sqlite+pysqlite:///{tmp_path / 'a.db'}", "restore", str(dump))
    assert code == 0, err
    assert "files: 0 copied, 0 already present, 0 missing, 1 damaged" in out
    assert "cannot be opened on the branch PCs until their file is put back" in out
    assert not FileStore(emptied).path(sha).exists()
    assert not [p for p in emptied.rglob("*") if p.is_file()]  # no temporary left either

    other = tmp_path / "elsewhere" / "hq.backup"  # a backup moved without its store
    other.parent.mkdir()
    other.write_bytes(dump.read_bytes())
    code, out, err = _hq(capsys, f"sqlite+pysqlite:///{tmp_path / 'b.db'}", "restore", str(other))
    assert code == 0, err
    store = other.parent / FILES_STORE
    assert f"files: 0 copied, 0 already present, 1 missing, 0 damaged (store {store})" in out
    assert f"There is no files store at {store} (a backup made without files?)" in out


def test_no_files_leaves_the_files_alone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
    live, emptied = tmp_path / "files", tmp_path / "new-files"
    monkeypatch.setenv("BRANCH_CRM_HQ_FILES_DIR", str(live))
    sha = _head_office_with_a_file(capsys, url, live, b"photo bytes")
    dump = tmp_path / "hq.backup"
    code, out, _err = _hq(capsys, url, "backup", "--no-files", str(dump))
    assert code == 0 and "files: not copied (--no-files)" in out
    assert dump.exists() and not (tmp_path / FILES_STORE).exists()
    store = tmp_path / "my-store"
    code, out, _err = _hq(capsys, url, "backup", "--files-store", str(store), str(dump))
    assert (
        code == 0
        and f"files: 1 copied, 0 already present, 0 missing, 0 damaged (store {store})" in out
    )

    monkeypatch.setenv("BRANCH_CRM_HQ_FILES_DIR", str(emptied))
    restored = f"sqlite+pysqlite:///{tmp_path / 'a.db'}"
    code, out, _err = _hq(capsys, restored, "restore", "--no-files", "--files-store", str(store),
                          str(dump))  # fmt: skip
    assert code == 0 and "files: not restored (--no-files)" in out
    assert not emptied.exists()
    restored = f"sqlite+pysqlite:///{tmp_path / 'b.db'}"
    code, out, _err = _hq(capsys, restored, "restore", "--files-store", str(store), str(dump))
    assert code == 0 and "files: 1 copied" in out
    assert FileStore(emptied).path(sha).read_bytes() == b"photo bytes"
