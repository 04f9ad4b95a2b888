"""200 branches pushing 500 changes each, concurrently, against one head office (issue 5):
all acknowledged? p95 push latency. SQLite and PostgreSQL head office.

Head office runs in its own process (``branch-crm-hq serve``; ``--workers`` 1 for SQLite,
2 for PostgreSQL). Each branch is a real branch database (a copy of one migrated template
with its own node id), registered over HTTP, with 500 changes queued through the capture
triggers (customers and phones, 20 changes per local transaction, so one batch of 500).
The branches' sync clients run in 4 load processes x 50 threads, released together at one
instant; each times its push (request, head office's transaction, acknowledgement settled).

Figures per database: ``concurrent_push_p95_<db>`` (ms) with p50/max, wall time, changes/s
and ``acknowledged`` (branches whose outbox emptied; head office's batch rows must hold
every change). ``--quick``: 4 branches x 60 changes, SQLite, one load process, head office in
a thread (a smoke run, not a figure). Baseline: the median push latency of one branch
pushing the same 500 changes
alone, measured in the same run (ratio = how much slower a push gets under the load).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bench._sync_common import (
    fill_changes,
    hq_child,
    hq_database,
    isolated_env,
    machine_load,
    outbox_count,
)

LOAD_PROCESSES = 4
SOLO_RUNS = 5


def _template(folder: Path) -> Path:
    """A migrated, empty branch database to copy."""
    from branch_crm.db import open_database

    path = folder / "template.db"
    db = open_database(path)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


def _codes(database_url: str, branches: list[str]) -> list[str]:
    """One registration code per branch, written in one head-office transaction."""
    from branch_crm.hq.admin import add_branch
    from branch_crm.hq.db import WRITE_OPTION, make_null_pool_engine

    engine = make_null_pool_engine(database_url)
    try:
        options = {WRITE_OPTION: True}
        with engine.connect().execution_options(**options) as conn, conn.begin():
            return [add_branch(conn, code, code) for code in branches]
    finally:
        engine.dispose()


def _prepare(
    template: Path, folder: Path, hq: Any, codes: list[str], changes: int, *, first: int = 0
) -> list[dict[str, str]]:
    """Copies of the template, each registered as its own branch, with changes queued."""
    from branch_crm.db import open_database
    from branch_crm.services.settings import values as app_settings
    from branch_crm.services.syncing.service import register_branch, stored_token

    specs = []
    registrations = _codes(hq.database_url, codes)
    for index, (code, registration) in enumerate(zip(codes, registrations, strict=True)):
        path = folder / f"{code}.db"
        shutil.copyfile(template, path)
        with sqlite3.connect(path) as raw:
            raw.execute("UPDATE sync_state SET node_id = ? WHERE id = 1", (uuid.uuid4().hex[:16],))
        db = open_database(path)
        with db.session() as session:
            app_settings.put(session, None, "branch.code", code)
            register_branch(session=session, url=hq.base_url, code=registration)
        token = stored_token(db)
        db.dispose()
        fill_changes(path, code, changes, first=first + index * changes)  # own phone numbers
        specs.append({"db": str(path), "url": hq.base_url, "token": str(token)})
    return specs


def push_once(spec: dict[str, str]) -> float:
    """Seconds one branch takes to push its whole outbox (the push phase of run_once)."""
    from branch_crm.db import open_database
    from branch_crm.sync.client import SyncClient

    db = open_database(spec["db"])
    try:
        client = SyncClient(db, base_url=spec["url"], token=spec["token"], timeout=120)
        start = time.perf_counter()
        with client._http() as http:  # the push phase alone, as run_once runs it
            client._push_all(http)
        return time.perf_counter() - start
    finally:
        db.dispose()


def worker(spec_file: str) -> None:
    """Load process: push every branch of the spec in its own thread at the start instant."""
    job = json.loads(Path(spec_file).read_text())
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def one(spec: dict[str, str]) -> None:
        try:
            seconds: float | None = push_once(spec)
            error = None
        except Exception as exc:  # reported, counted as not acknowledged
            seconds, error = None, f"{type(exc).__name__}: {exc}"[:300]
        with lock:
            results.append({"db": spec["db"], "seconds": seconds, "error": error})

    threads = [threading.Thread(target=one, args=(spec,)) for spec in job["branches"]]
    time.sleep(max(0.0, job["start_at"] - time.time()))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sys.stdout.write(json.dumps(results) + "\n")


def _storm(
    specs: list[dict[str, str]], folder: Path, load_processes: int
) -> tuple[list[dict[str, Any]], float]:
    """Run every branch's push at once from ``load_processes`` processes; (results, wall s)."""
    start_at = time.time() + 1.5 * load_processes + 1  # every process has imported by then
    processes = []
    root = Path(__file__).resolve().parents[1]
    for index in range(load_processes):
        share = specs[index::load_processes]
        spec_file = folder / f"load-{index}.json"
        spec_file.write_text(json.dumps({"branches": share, "start_at": start_at}))
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "bench.sync_concurrency", str(spec_file)],
                cwd=root,
                env=dict(os.environ),
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    results: list[dict[str, Any]] = []
    for process in processes:
        out, _err = process.communicate(timeout=1800)
        results += json.loads(out.strip().splitlines()[-1])
    wall = time.time() - start_at
    return results, wall


def _acknowledged_at_hq(database_url: str) -> int:
    from sqlalchemy import text

    from branch_crm.hq.db import make_null_pool_engine

    engine = make_null_pool_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT COALESCE(SUM(changes), 0) FROM hq_batch")).scalar_one()
            )
    finally:
        engine.dispose()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(kind: str, branches: int, changes: int, quick: bool) -> Iterator[dict[str, Any]]:
    """The figure for one head-office database kind."""
    metric = f"concurrent_push_p95_{kind}"
    with isolated_env() as folder, hq_database(kind, folder) as url:
        if url is None:
            yield {"metric": metric, "skipped": "PostgreSQL at 127.0.0.1:5432 unreachable"}
            return
        workers = 2 if kind == "postgresql" and not quick else 1
        with hq_child(url, folder, workers=workers, in_thread=quick) as hq:
            template = _template(folder)
            solo_codes = [f"S{i:03d}" for i in range(1 if quick else SOLO_RUNS)]
            solo = _prepare(template, folder, hq, solo_codes, changes)
            baseline = statistics.median(push_once(spec) for spec in solo)
            codes = [f"B{i:03d}" for i in range(branches)]
            specs = _prepare(template, folder, hq, codes, changes, first=len(solo) * changes)
            load_processes = 1 if quick else LOAD_PROCESSES
            results, wall = _storm(specs, folder, load_processes)
            ok = [r for r in results if r["error"] is None and outbox_count(Path(r["db"])) == 0]
            latencies = [r["seconds"] for r in results if r["seconds"] is not None]
            at_hq = _acknowledged_at_hq(url) - len(solo) * changes
            errors = sorted({r["error"] for r in results if r["error"]})
            p95 = _percentile(latencies, 0.95) if latencies else float("nan")
            yield {
                "metric": metric,
                "value": round(p95 * 1000, 1),
                "unit": "ms",
                "baseline": round(baseline * 1000, 1),
                "ratio": round(p95 / baseline, 2),
                "branches": branches,
                "changes_per_branch": changes,
                "acknowledged": len(ok),
                "changes_at_hq": at_hq,
                "all_acknowledged": len(ok) == branches and at_hq == branches * changes,
                "p50_ms": round(_percentile(latencies, 0.5) * 1000, 1) if latencies else None,
                "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
                "wall_s": round(wall, 2),
                "changes_per_s": round(branches * changes / wall),
                "hq_workers": workers,
                "load_processes": load_processes,
                "errors": errors[:3],
                "loadavg_1m": machine_load(),
            }


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """p95 push latency of 200 concurrent branches (--size: branches), SQLite and PostgreSQL."""
    branches = size or (4 if quick else 200)
    changes = 60 if quick else 500
    for kind in ("sqlite",) if quick else ("sqlite", "postgresql"):
        yield from measure(kind, branches, changes, quick)


if __name__ == "__main__":
    worker(sys.argv[1])
