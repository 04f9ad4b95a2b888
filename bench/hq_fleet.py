"""A fleet of branches syncing with one head office on PostgreSQL, over real HTTP on loopback.

``python -m bench hq_fleet [--size N]``: N branches (default 2,000), one PC each, set up in
bulk (branch and token rows written directly, as registration would leave them). Head office
runs as ``branch-crm-hq serve --workers W`` (uvicorn worker processes, each with a pool of
``BENCH_FLEET_POOL`` connections, default 4 + 4 overflow) for each W of
``BENCH_FLEET_WORKERS`` (default ``1,2``). The simulator (``BENCH_FLEET_SHARDS`` processes,
default 2, asyncio + httpx) has every PC push once every ``BENCH_FLEET_INTERVAL`` seconds
(default 300, each PC at its own random moment of the interval, so N / interval pushes a
second reach head office: 6.7/s for 2,000 PCs) with 50-200 changes: new customers with a
monthly volume each, name changes of customers pushed before, complaints and survey
responses. Each W runs ``BENCH_FLEET_SECONDS`` (default 150). ``BENCH_FLEET_SUMMARIES=0``:
the dashboard's summaries are not kept (what keeping them costs a push).

Figures per W: push latency (from the request sent to the answer read, at the PC) p50, p95,
p99; pushes and changes per second reached; errors; CPU seconds per 1,000 changes of the
head-office processes (uvicorn master and workers, /proc) and of the PostgreSQL backends
serving the bench database (pg_stat_activity's pids, /proc), and their sum; what the active
backends were doing, sampled every second (running, or the wait event: a lock, I/O...).
The baseline of the latency is the target (p95 <= 1 s). The machine load (1-minute load
average) is printed: on a shared machine the figures are taken under that load.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench._sync_common import machine_load

DB_NAME = "bcrm_bench_fleet"
TARGET_P95_MS = 1000
TICKS = os.sysconf("SC_CLK_TCK")


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# --- set-up -------------------------------------------------------------------------------


def _urls() -> tuple[str, str]:
    from branch_crm.hq.testing import PG_ADMIN_URL

    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return admin, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def token_of(i: int) -> str:
    return f"tf{i:06d}.secret-{i:06d}-fleet"


def setup(branches: int) -> str:
    """A fresh, migrated bench database with ``branches`` branches of one PC each."""
    import psycopg
    from sqlalchemy import insert

    from branch_crm.hq import tables as t
    from branch_crm.hq.auth import digest
    from branch_crm.hq.db import make_null_pool_engine
    from branch_crm.hq.schema import migrate
    from branch_crm.sync.pc_codes import assigned_code

    admin, url = _urls()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    engine = make_null_pool_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(t.branch),
            [{"code": f"F{i:04d}", "name": f"网点{i}", "created_at": now} for i in range(branches)],
        )
        conn.execute(
            insert(t.node),
            [
                {
                    "token_id": token_of(i).split(".")[0],
                    "branch_code": f"F{i:04d}",
                    "node_id": f"pc{i:04d}",
                    "token_hash": digest(token_of(i).split(".", 1)[1]),
                    "created_at": now,
                    "cursor": 0,
                    "pc_code": assigned_code(0),
                }
                for i in range(branches)
            ],
        )
        if os.environ.get("BENCH_FLEET_SUMMARIES", "1") == "0":  # compare: none kept
            conn.execute(t.dash_summary.delete())
    engine.dispose()
    return url


# --- the simulated PCs --------------------------------------------------------------------


def _required(table: str) -> dict[str, Any]:
    """Wire values of a table's required columns (what a PC would fill), once per table."""
    from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text

    from branch_crm.hq import tables as t
    from branch_crm.hq.push.state import to_wire

    target = t.ENTITIES[table][0]
    now = datetime.now(UTC)
    row: dict[str, Any] = {}
    for column in target.columns:
        if column.nullable or column.name in ("id", "branch_id"):
            continue
        kind = getattr(column.type, "impl", column.type)
        if isinstance(kind, Boolean):
            row[column.name] = False
        elif isinstance(kind, Integer):
            row[column.name] = 0
        elif isinstance(kind, DateTime):
            row[column.name] = now
        elif isinstance(kind, Date):
            row[column.name] = date.today()
        elif isinstance(kind, String | Text):
            row[column.name] = "x"
        else:
            row[column.name] = {}
    return to_wire(target, row)


class Pc:
    def __init__(self, i: int, schema: str) -> None:
        self.i, self.branch, self.node = i, f"F{i:04d}", f"pc{i:04d}"
        self.headers = {
            "Authorization": f"Bearer {token_of(i)}",
            "X-Sync-Schema": schema,
            "X-Sync-Protocol": "1",
            "Content-Type": "application/json",
        }
        self.customers: list[str] = []
        self.counter = 0
        self.pushes = 0


def _body(pc: Pc, templates: dict[str, dict[str, Any]], schema: str) -> dict[str, Any]:
    from branch_crm.sync.hlc import wall_ms

    n = random.randint(50, 200)
    now = datetime.now(UTC).isoformat(" ", "microseconds")[:26]
    month = now[:7]
    changes: list[dict[str, Any]] = []

    def add(table: str, pk: str, data: dict[str, Any], op: str = "insert") -> None:
        pc.counter += 1
        changes.append({
            "table": table, "pk": pk, "op": op, "tx": pc.counter, "schema_version": schema,
            "hlc": f"{wall_ms():013d}.{pc.counter:010d}.{pc.node}",
            "data": {**(templates[table] if op == "insert" else {}), "branch_id": pc.branch,
                     "updated_at": now, **data},
        })  # fmt: skip

    while len(changes) < n:
        roll = random.random()
        if roll < 0.15 and pc.customers:
            add("customer", random.choice(pc.customers), {"name": f"客户{pc.counter}"}, "update")
        elif roll < 0.55:
            cid = str(uuid.uuid4())
            add("customer", cid, {"name": f"客户{pc.counter}", "customer_type": "company",
                                  "created_at": now})  # fmt: skip
            parcels = random.randint(0, 3000)
            add("monthly_volume", str(uuid.uuid4()),
                {"customer_id": cid, "month": month, "parcels": parcels})  # fmt: skip
            pc.customers.append(cid)
        elif roll < 0.8:
            add("complaint", str(uuid.uuid4()), {
                "number": f"{pc.branch}-{pc.counter}", "category": "delay", "grade": 2,
                "status": "new", "received_at": now, "created_at": now,
                "customer_id": random.choice(pc.customers) if pc.customers else "none",
            })  # fmt: skip
        else:
            add("survey_response", str(uuid.uuid4()), {
                "template_id": "tpl", "form_id": str(uuid.uuid4()), "channel": "paper",
                "answered_on": now, "created_at": now,
                "answers": json.dumps({"timeliness": random.randint(1, 5),
                                       "nps": random.randint(0, 10)}),
            })  # fmt: skip
    return {
        "branch": pc.branch,
        "node": pc.node,
        "batch_id": uuid.uuid4().hex,
        "schema_version": schema,
        "changes": changes,
    }


async def _simulate(
    base_url: str, pcs: list[int], interval: float, seconds: float
) -> list[tuple[float, float, int, int]]:
    """(sent at, latency ms, status, changes) of every push of these PCs."""
    import httpx

    from branch_crm.db.revisions import head_revision

    schema = head_revision()
    templates = {
        name: _required(name)
        for name in ("customer", "monthly_volume", "complaint", "survey_response")
    }
    results: list[tuple[float, float, int, int]] = []
    start = time.monotonic()
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)

    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:

        async def one(i: int) -> None:
            pc = Pc(i, schema)
            await asyncio.sleep(min(random.uniform(0, interval), seconds))
            while time.monotonic() - start < seconds:
                due = time.monotonic() + interval
                body = json.dumps(_body(pc, templates, schema), ensure_ascii=False)
                sent = time.monotonic()
                try:
                    answer = await http.post("/api/v1/sync/push", content=body.encode(),
                                             headers=pc.headers)  # fmt: skip
                    status = answer.status_code
                    if status == 200 and answer.json().get("rejected"):
                        status = 299  # applied, some changes quarantined
                except httpx.HTTPError:
                    status = 0
                took = (time.monotonic() - sent) * 1000
                results.append((sent - start, took, status, body.count('"table"')))
                await asyncio.sleep(max(0.0, min(due, start + seconds) - time.monotonic()))

        await asyncio.gather(*(one(i) for i in pcs))
    return results


def _shard(base_url: str, pcs: list[int], interval: float, seconds: float, out: str) -> None:
    results = asyncio.run(_simulate(base_url, pcs, interval, seconds))
    Path(out).write_text(json.dumps(results))


# --- CPU time of head office and its database -----------------------------------------------


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (0 if gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


class CpuMeter:
    """CPU seconds used since it started by the server tree and the database's backends."""

    def __init__(self, server_pid: int, admin_url: str) -> None:
        import psycopg

        self.server_pid = server_pid
        self.pg = psycopg.connect(admin_url, autocommit=True)
        self.start: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.waited: dict[str, int] = {}
        self.sample(first=True)

    def _pids(self) -> list[tuple[str, int]]:
        server = [self.server_pid, *_children(self.server_pid)]
        rows = self.pg.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (DB_NAME,),
        ).fetchall()
        return [("server", p) for p in server] + [("postgres", int(r[0])) for r in rows]

    def waits(self) -> None:
        """Count what the database's active backends wait on now (lock, I/O, CPU...)."""
        rows = self.pg.execute(
            "SELECT coalesce(wait_event_type || ':' || wait_event, 'running'), count(*) "
            "FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
            "AND pid <> pg_backend_pid() GROUP BY 1",
            (DB_NAME,),
        ).fetchall()
        for name, n in rows:
            self.waited[str(name)] = self.waited.get(str(name), 0) + int(n)

    def sample(self, first: bool = False) -> None:
        for key in self._pids():
            used = _cpu_s(key[1])
            if first:
                self.start[key] = used
            else:
                self.start.setdefault(key, 0.0)  # a backend started meanwhile: all its time
            self.last[key] = max(self.last.get(key, 0.0), used)

    def used(self) -> dict[str, float]:
        out = {"server": 0.0, "postgres": 0.0}
        for key, last in self.last.items():
            out[key[0]] += max(0.0, last - self.start.get(key, 0.0))
        return out

    def close(self) -> None:
        self.pg.close()


# --- one run per worker count --------------------------------------------------------------


def _serve(url: str, workers: int, port: int) -> subprocess.Popen[bytes]:
    pool = _env_int("BENCH_FLEET_POOL", 4)
    env = {
        **os.environ,
        "BRANCH_CRM_HQ_DATABASE_URL": url,
        "BRANCH_CRM_HQ_POOL_SIZE": str(pool),
        "BRANCH_CRM_HQ_MAX_OVERFLOW": str(pool),
        "BRANCH_CRM_HQ_LOG_LEVEL": "WARNING",
        "BRANCH_CRM_HQ_ENVIRONMENT": "production",
    }
    command = [sys.executable, "-m", "branch_crm.hq.cli", "serve", "--workers", str(workers),
               "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    from branch_crm.hq.testing import _wait_until_up

    _wait_until_up(f"http://127.0.0.1:{port}")
    time.sleep(2 + workers)  # every worker up
    return process


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run_workers(
    url: str, workers: int, branches: int, interval: float, seconds: float
) -> Iterator[dict[str, Any]]:
    from branch_crm.hq.testing import free_port

    admin, _ = _urls()
    port = free_port()
    server = _serve(url, workers, port)
    shards = _env_int("BENCH_FLEET_SHARDS", 2)
    folder = Path(f"/tmp/bench-fleet-{os.getpid()}")
    folder.mkdir(exist_ok=True)
    meter = CpuMeter(server.pid, admin)
    size_sql = "SELECT pg_database_size(%s)"
    size_before = int(meter.pg.execute(size_sql, (DB_NAME,)).fetchone()[0])  # type: ignore[index]
    loads = [machine_load()]
    try:
        ctx = multiprocessing.get_context("spawn")
        procs = []
        for s in range(shards):
            pcs = list(range(s, branches, shards))
            out = str(folder / f"shard{s}.json")
            p = ctx.Process(target=_shard, args=(f"http://127.0.0.1:{port}", pcs, interval,
                                                 seconds, out))  # fmt: skip
            p.start()
            procs.append((p, out))
        started = time.monotonic()
        ticks = 0
        while any(p.is_alive() for p, _ in procs):
            time.sleep(1)
            meter.waits()
            ticks += 1
            if ticks % 5 == 0:
                meter.sample()
            loads.append(machine_load())
        elapsed = time.monotonic() - started
        meter.sample()
        grown = int(meter.pg.execute(size_sql, (DB_NAME,)).fetchone()[0]) - size_before  # type: ignore[index]
        results: list[tuple[float, float, int, int]] = []
        for _p, out in procs:
            results += [tuple(r) for r in json.loads(Path(out).read_text())]  # type: ignore[misc]
    finally:
        meter.close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    # the first interval's pushes are the steady rate only after every PC has started once;
    # every push counts (the PCs start at random moments, so the rate is even from the start)
    ok = [r for r in results if r[2] in (200, 299)]
    latencies = [r[1] for r in ok]
    changes = sum(r[3] for r in ok)
    cpu = meter.used()
    total_cpu = cpu["server"] + cpu["postgres"]
    per_k = 1000 / changes if changes else 0.0
    p95 = _pct(latencies, 0.95)
    yield {
        "metric": f"push latency p95, {workers} worker(s)",
        "value": round(p95, 1),
        "unit": "ms",
        "baseline": TARGET_P95_MS,
        "baseline_is": "the target (p95 <= 1 s)",
        "p50_ms": round(_pct(latencies, 0.50), 1),
        "p99_ms": round(_pct(latencies, 0.99), 1),
        "mean_ms": round(statistics.mean(latencies), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "within_target": p95 <= TARGET_P95_MS,
        "workers": workers,
        "branches": branches,
        "interval_s": interval,
        "seconds": seconds,
        "elapsed_s": round(elapsed, 1),
        "pushes": len(ok),
        "pushes_per_s": round(len(ok) / seconds, 2),
        "changes": changes,
        "changes_per_s": round(changes / seconds, 1),
        "errors": len(results) - len(ok),
        "quarantined_pushes": sum(1 for r in ok if r[2] == 299),
        "cpu_s_per_1000_changes": round(total_cpu * per_k, 3),
        "server_cpu_s_per_1000_changes": round(cpu["server"] * per_k, 3),
        "postgres_cpu_s_per_1000_changes": round(cpu["postgres"] * per_k, 3),
        "cpu_cores_busy": round(total_cpu / seconds, 2),
        "database_mb_per_1000_changes": round(grown / 1e6 * per_k, 3),
        "backend_states_sampled_each_second": dict(
            sorted(meter.waited.items(), key=lambda kv: -kv[1])[:6]
        ),
        "machine_load_1min": {
            "min": min(loads),
            "max": max(loads),
            "mean": round(statistics.mean(loads), 2),
        },
        "machine_cores": os.cpu_count(),
    }


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    branches = size or (100 if quick else 2000)
    interval = float(os.environ.get("BENCH_FLEET_INTERVAL", "30" if quick else "300"))
    seconds = float(os.environ.get("BENCH_FLEET_SECONDS", "20" if quick else "150"))
    counts = [
        int(w) for w in os.environ.get("BENCH_FLEET_WORKERS", "1" if quick else "1,2").split(",")
    ]
    started = time.perf_counter()
    url = setup(branches)
    yield {"metric": "fleet set-up", "value": round(time.perf_counter() - started, 1),
           "unit": "s", "branches": branches}  # fmt: skip
    for workers in counts:
        yield from run_workers(url, workers, branches, interval, seconds)
