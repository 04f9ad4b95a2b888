"""Head office over real HTTP: health, OpenAPI, limits, schema handshake, registration,
logs without secrets, migrations on both databases, and the admin command line."""

from __future__ import annotations

import io
import json
import logging
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from branch_crm.hq.cli import main as hq_main
from branch_crm.hq.db import make_engine
from branch_crm.hq.logs import JsonFormatter
from branch_crm.hq.schema import migrate
from branch_crm.hq.tables import hq_metadata
from branch_crm.hq.testing import running_hq
from branch_crm.reference.defaults import default_reference
from branch_crm.sync.protocol import PROTOCOL_HEADER, SCHEMA_HEADER


def test_migrated_schema_matches_head_office_metadata(hq_url: str) -> None:
    engine = make_engine(hq_url)
    migrate(engine)
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diff = compare_metadata(MigrationContext.configure(conn), hq_metadata)
    engine.dispose()
    assert diff == []


def test_health_openapi_limits_and_handshake(hq_url: str) -> None:
    with (
        running_hq(hq_url, max_request_bytes=2000) as hq,
        httpx.Client(base_url=hq.base_url) as http,
    ):
        assert http.get("/healthz").json()["status"] == "ok"
        paths = http.get("/openapi.json").json()["paths"]
        assert {"/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/register"} <= set(paths)
        big = http.post("/api/v1/sync/push", content=b"x" * 5000)
        assert big.status_code == 413 and "too large" in big.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b"y" * 500

        chunked = http.post("/api/v1/sync/push", content=chunks())
        assert chunked.status_code == 413 and "too large" in chunked.json()["detail"]
        newer = http.get("/api/v1/sync/pull", headers={SCHEMA_HEADER: "9999", PROTOCOL_HEADER: "1"})
        assert newer.status_code == 409 and "Upgrade head office" in newer.json()["detail"]
        older = http.get("/api/v1/sync/pull", headers={SCHEMA_HEADER: "0001", PROTOCOL_HEADER: "1"})
        assert older.status_code == 409 and "too old" in older.json()["detail"]
        bad = http.post("/api/v1/register", json={"code": "x"})
        assert bad.status_code == 422 and "Malformed request" in bad.json()["detail"]


def test_registration_code_works_once_and_logs_hold_no_secrets(hq_url: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        with running_hq(hq_url) as hq, httpx.Client(base_url=hq.base_url) as http:
            code = hq.add_branch("BR9", "Nine")
            wrong = http.post("/api/v1/register", json={"code": code, "branch": "BR8"})
            assert wrong.status_code == 403
            answer = http.post("/api/v1/register", json={"code": code, "branch": "BR9"})
            assert answer.status_code == 200
            token = answer.json()["token"]
            again = http.post("/api/v1/register", json={"code": code, "branch": "BR9"})
            assert again.status_code == 401 and "used" in again.json()["detail"]
            http.get(
                "/api/v1/sync/pull",
                headers={
                    "Authorization": f"Bearer {token}",
                    SCHEMA_HEADER: "0003",
                    PROTOCOL_HEADER: "1",
                },
            )
            with hq.engine.connect() as conn:
                stored = conn.exec_driver_sql("SELECT token_hash FROM hq_node").scalars().all()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logs = stream.getvalue()
    secret = token.split(".", 1)[1]
    assert token not in logs and secret not in logs and code not in logs
    assert code.replace("-", "") not in logs
    assert secret not in stored and len(stored[0]) == 64  # only a SHA-256 hash is kept
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(entry.get("path") == "/api/v1/register" for entry in lines)


def test_cli_branch_add_list_and_reference_data(
    hq_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert hq_main(["--db", hq_url, "migrate"]) == 0
    assert hq_main(["--db", hq_url, "branch", "add", "BR1", "First branch"]) == 0
    out = capsys.readouterr().out
    assert "registration code" in out
    assert hq_main(["--db", hq_url, "ref", "category", "late", "延误", "Late"]) == 0
    assert hq_main(["--db", hq_url, "ref", "holiday", "2026-10-01", "国庆节"]) == 0
    capsys.readouterr()
    assert hq_main(["--db", hq_url, "branch", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    seeded = len(default_reference())  # the reference rows head office seeds wait too
    assert row["code"] == "BR1" and row["backlog"] == 2 + seeded  # both new ones wait for it
    assert hq_main(["--db", hq_url, "ref-list", "category"]) == 0
    assert "延误" in capsys.readouterr().out
    assert hq_main(["--db", hq_url, "branch", "add", "HQ"]) == 2


def test_branch_list_shows_each_branchs_app_and_schema_version(
    hq_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from branch_crm import __version__
    from branch_crm.db.revisions import head_revision
    from branch_crm.hq.testing import registered_branch

    with running_hq(hq_url) as hq:
        db, client = registered_branch(
            hq.base_url, tmp_path / "b.db", "BR7", hq.add_branch("BR7", "七号网点")
        )
        assert client.run_once().error is None
        db.dispose()
    capsys.readouterr()
    assert hq_main(["--db", hq_url, "branch", "list"]) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert line.startswith("BR7        七号网点") and line.endswith(
        f"{__version__:<8} {head_revision()}"
    )
    columns = sum(2 if unicodedata.east_asian_width(c) == "W" else 1 for c in line[:28])
    assert line[28:].startswith("  1 ") and header.index("PCs") == columns  # aligned
