"""Running head office for real (issue 18): ``/metrics`` in Prometheus' text format (counts
of a real sync, each branch's last contact, several workers added up, an optional token),
the access log naming the client's address and the branch, the API pages switched off in
production, the connection pool sized by settings (and a full pool answered 503), and
``branch rotate-code``."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI

from branch_crm.hq.app import count_push, create_app
from branch_crm.hq.auth import USED, register
from branch_crm.hq.cli import main
from branch_crm.hq.db import WRITE_OPTION, make_null_pool_engine
from branch_crm.hq.errors import Unauthorized
from branch_crm.hq.logs import JsonFormatter
from branch_crm.hq.metrics import LATENCY_BUCKETS, Metrics, render
from branch_crm.hq.settings import HqSettings
from branch_crm.hq.testing import HqServer, registered_branch, running_hq
from branch_crm.models import Customer
from branch_crm.services.syncing.service import run_sync
from branch_crm.sync.protocol import PushAck

SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? (\S+)$")


def parse_metrics(text: str) -> dict[str, float]:
    """Every sample of an exposition text, ``name{labels}`` -> value; every line is a
    comment (# HELP / # TYPE with a known type) or a well-formed sample."""
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            assert line.split()[3] in {"counter", "gauge", "histogram"}, line
            continue
        if line.startswith("# HELP "):
            continue
        match = SAMPLE.match(line)
        assert match is not None, f"not a sample: {line!r}"
        name, labels, value = match.groups()
        samples[name + (labels or "")] = float(value)
    return samples


@pytest.fixture
def office(hq_url: str) -> Iterator[HqServer]:
    with running_hq(hq_url) as server:
        yield server


def _customers(db: object, *names: str) -> None:
    with db.session(actor_id="tester", branch_id="BR1") as session:  # type: ignore[attr-defined]
        session.add_all(Customer(name=name) for name in names)


def test_metrics_count_a_real_sync_and_show_each_branch_last_contact(
    office: HqServer, tmp_path: Path
) -> None:
    db, _client = registered_branch(
        office.base_url, tmp_path / "a.db", "BR1", office.add_branch("BR1")
    )
    office.add_branch("BR2")  # no PC yet: no last contact
    _customers(db, "张一", "张二", "张三")
    before = time.time()
    result = run_sync(db)
    assert result.error is None and result.pushed > 0
    answer = httpx.get(f"{office.base_url}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    m = parse_metrics(answer.text)
    pushes = m['branch_crm_hq_pushes_total{result="applied"}']
    assert pushes >= 1 and m["branch_crm_hq_push_duration_seconds_count"] == pushes
    assert m["branch_crm_hq_changes_applied_total"] == result.pushed
    assert m["branch_crm_hq_changes_rejected_total"] == m["branch_crm_hq_conflicts_total"] == 0
    assert m["branch_crm_hq_pulls_total"] >= 1
    assert m["branch_crm_hq_changes_pulled_total"] >= result.pulled
    buckets = [m[f'branch_crm_hq_push_duration_seconds_bucket{{le="{b}"}}'] for b in ("0.01", "1")]
    assert buckets[0] <= buckets[1] <= m['branch_crm_hq_push_duration_seconds_bucket{le="+Inf"}']
    assert m['branch_crm_hq_push_duration_seconds_bucket{le="+Inf"}'] == pushes
    assert 0 < m["branch_crm_hq_push_duration_seconds_sum"] < 30
    contact = m['branch_crm_hq_branch_last_contact_timestamp_seconds{branch="BR1"}']
    assert before - 1 <= contact <= time.time() + 1
    assert not any('branch="BR2"' in key for key in m)
    assert m["branch_crm_hq_branches"] == 2 and m['branch_crm_hq_pcs{state="active"}'] == 1
    assert m['branch_crm_hq_http_responses_total{status="200"}'] >= 3  # register, push, pull

    with office.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        token_id = conn.exec_driver_sql("SELECT token_id FROM hq_node").scalar_one()
    assert main(["--db", office.database_url, "pc", "revoke", token_id]) == 0
    assert run_sync(db).error is not None
    m = parse_metrics(httpx.get(f"{office.base_url}/metrics").text)
    assert m['branch_crm_hq_pcs{state="revoked"}'] == 1
    assert m['branch_crm_hq_http_responses_total{status="401"}'] >= 1
    db.dispose()


def test_a_batch_sent_again_is_counted_once() -> None:
    metrics = Metrics()
    ack = PushAck(batch_id="b1", accepted=5, server_hlc="x")
    count_push(metrics, ack, 0.2)
    count_push(metrics, ack.model_copy(update={"duplicate": True}), 0.01)
    m = parse_metrics(render(metrics.combined(), []))
    assert m['branch_crm_hq_pushes_total{result="applied"}'] == 1
    assert m['branch_crm_hq_pushes_total{result="duplicate"}'] == 1
    assert m["branch_crm_hq_changes_applied_total"] == 5
    assert m["branch_crm_hq_push_duration_seconds_count"] == 1
    assert m['branch_crm_hq_push_duration_seconds_bucket{le="0.1"}'] == 0
    assert m['branch_crm_hq_push_duration_seconds_bucket{le="0.25"}'] == 1


def test_workers_add_up_through_their_shared_folder(tmp_path: Path) -> None:
    one, two = Metrics(str(tmp_path), name="101"), Metrics(str(tmp_path), name="102")
    one.count("pulls_total", 2)
    two.count("pulls_total", 3)
    two.observe("pull_duration_seconds", 7.0)
    two.count("http_responses_total", status="200")
    deadline = time.monotonic() + 5
    while not (tmp_path / "102.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # the background thread writes within a second
    for metrics in (one, two):  # whichever worker answers the scrape: the same sums
        m = parse_metrics(render(metrics.combined(), []))
        assert m["branch_crm_hq_pulls_total"] == 5
        assert m["branch_crm_hq_pull_duration_seconds_count"] == 1
        assert m['branch_crm_hq_pull_duration_seconds_bucket{le="5"}'] == 0
        assert m['branch_crm_hq_pull_duration_seconds_bucket{le="10"}'] == 1
        assert m['branch_crm_hq_http_responses_total{status="200"}'] == 1
    (tmp_path / "103.json").write_text("{broken")  # a file being replaced: skipped
    assert parse_metrics(render(one.combined(), []))["branch_crm_hq_pulls_total"] == 5
    assert len(LATENCY_BUCKETS) == 11


class AppClient:
    """Requests straight to the application (no server, no lifespan)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hq") as client:
                return await client.get(path, headers=headers)

        return anyio.run(send)

    def __enter__(self) -> AppClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.app.state.engine.dispose()


def _client(tmp_path: Path, **settings: object) -> AppClient:
    url = f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
    return AppClient(create_app(HqSettings(database_url=url, **settings)))  # type: ignore[arg-type]


def test_a_metrics_token_keeps_metrics_private(tmp_path: Path) -> None:
    with _client(tmp_path, metrics_token="s3cret-metrics") as client:
        refused = client.get("/metrics", headers={"Accept-Language": "zh-CN"})
        assert refused.status_code == 401
        assert refused.json()["detail"] == "查看指标需要 BRANCH_CRM_HQ_METRICS_TOKEN 中设置的令牌。"
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
        assert ok.status_code == 503  # not migrated: the database part fails, as a 503
        assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("settings", "served"),
    [
        ({}, True),
        ({"environment": "development"}, True),
        ({"environment": "production"}, False),
        ({"environment": "production", "docs": True}, True),
        ({"environment": "development", "docs": False}, False),
    ],
)
def test_the_api_pages_are_off_in_production(
    tmp_path: Path, settings: dict[str, object], served: bool
) -> None:
    with _client(tmp_path, **settings) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (client.get(path).status_code == 200) is served, path
        assert client.get("/healthz").status_code == 200  # kept either way
        if served:
            assert "swagger-ui" in client.get("/docs").text


def test_production_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANCH_CRM_HQ_ENVIRONMENT", "production")
    assert HqSettings().docs_enabled() is False
    monkeypatch.setenv("BRANCH_CRM_HQ_DOCS", "true")
    assert HqSettings().docs_enabled() is True


def test_the_access_log_names_the_client_and_the_branch(
    office: HqServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db, _client = registered_branch(
        office.base_url, tmp_path / "a.db", "BR1", office.add_branch("BR1")
    )
    caplog.set_level(logging.INFO, logger="branch_crm.hq")
    _customers(db, "张一")
    assert run_sync(db).error is None
    httpx.get(f"{office.base_url}/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    lines = [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if getattr(r, "path", None) is not None
    ]
    push = next(line for line in lines if line["path"] == "/api/v1/sync/push")
    assert (push["client"], push["branch"], push["status"]) == ("127.0.0.1", "BR1", 200)
    pull = next(line for line in lines if line["path"] == "/api/v1/sync/pull")
    assert (pull["client"], pull["branch"]) == ("127.0.0.1", "BR1")
    health = next(line for line in lines if line["path"] == "/healthz")
    assert health["client"] == "203.0.113.7" and "branch" not in health  # behind a local proxy
    db.dispose()


def test_pool_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BRANCH_CRM_HQ_POOL_SIZE", "3")
    monkeypatch.setenv("BRANCH_CRM_HQ_MAX_OVERFLOW", "2")
    monkeypatch.setenv("BRANCH_CRM_HQ_POOL_TIMEOUT", "7.5")
    settings = HqSettings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(settings)  # the clock's read fails and is logged: nothing connects
    pool = app.state.engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 2, 7.5)
    app.state.engine.dispose()
    monkeypatch.setenv("BRANCH_CRM_HQ_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="pool_size"):
        HqSettings()


@pytest.mark.postgres
def test_a_full_pool_is_answered_503(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.postgres import fresh_postgres_database

    with fresh_postgres_database() as url:
        app = create_app(
            HqSettings(database_url=url, pool_size=1, max_overflow=0, pool_timeout=0.3)
        )
        client = AppClient(app)
        with app.state.engine.connect():  # the only connection
            answer = client.get("/healthz", headers={"Accept-Language": "en"})
            assert answer.status_code == 503
            assert answer.json()["detail"] == (
                "Head office's database is unavailable just now; try again later."
            )
        assert client.get("/healthz").status_code == 200  # given back: served again
        app.state.engine.dispose()


def test_rotate_code_cancels_the_unused_codes_and_issues_a_new_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
    assert main(["--db", url, "migrate"]) == 0
    codes = []
    for _ in range(3):
        assert main(["--lang", "en", "--db", url, "branch", "add", "BR1"]) == 0
        codes.append(capsys.readouterr().out.split("registration code ")[1].split()[0])
    engine = make_null_pool_engine(url)

    def redeem(code: str, node: str) -> str:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            return register(conn, code=code, branch="BR1", node_id=node).token_id

    redeem(codes[0], "node-a")  # used: not cancelled, its PC keeps its token
    assert main(["--lang", "en", "--db", url, "branch", "rotate-code", "BR1", "--days", "2"]) == 0
    out, err = capsys.readouterr()
    first, second = out.splitlines()
    assert first == "branch BR1: 2 unused registration codes cancelled."
    assert second.startswith("branch BR1: registration code ") and "(valid 2 days, once)" in second
    assert "admin: 2 unused registration codes of branch BR1 cancelled" in err
    assert codes[0] not in err and codes[1] not in err  # never a secret in the log
    for old in codes[1:]:
        with pytest.raises(Unauthorized) as refused:
            redeem(old, "node-b")
        assert refused.value.message == USED
    assert redeem(second.split("registration code ")[1].split()[0], "node-b")
    engine.dispose()
    assert main(["--lang", "zh_CN", "--db", url, "branch", "rotate-code", "BR1"]) == 0
    zh = capsys.readouterr().out
    assert zh.startswith("网点 BR1：已作废 0 个未使用的注册码。\n网点 BR1：注册码")
    assert main(["--lang", "en", "--db", url, "branch", "rotate-code", "BR9"]) == 2
    assert capsys.readouterr().err == "error: no branch 'BR9'; add it first\n"
