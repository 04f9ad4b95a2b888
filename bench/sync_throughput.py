"""Sync throughput: 100,000 changes branch -> head office and head office -> branch
(issue 5; target >= 10,000 changes/s end to end on PostgreSQL), for a SQLite and a
PostgreSQL head office.

Set-up per head-office database: ``branch-crm-hq serve`` runs in its own process (one
worker); PC A of branch BR1 queues ``--size`` changes (new customers and their phones, 20
changes per local transaction, written through the real capture triggers).

* ``push_<db>``: PC A's sync client sends its whole outbox (batches of 1000, each
  acknowledged before the next, as ``SyncClient.run_once`` does; its push phase is timed on
  its own), from the branch outbox to head office's tables, clocks and change log;
  baseline: the same rows inserted raw into copies of head office's two tables in the same
  database (one ``executemany`` per table on SQLite, ``COPY`` on PostgreSQL).
* ``pull_<db>``: a new PC B of the same branch runs ``SyncClient.run_once`` and receives
  all those changes (pages of 1000 applied with the merge rules); baseline: the same rows
  inserted raw with ``executemany`` into copies of the two tables in B's SQLite database.
``--quick`` serves head office in a thread of the bench process (a smoke run, not a figure).

* ``capture``: how fast the branch captured the changes while writing them (trigger cost);
  baseline: the same inserts with capture suspended.

ratio = value / baseline (the share of the raw database speed the sync path reaches).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bench._sync_common import (
    branch,
    customer_rows,
    fill_changes,
    hq_child,
    hq_database,
    isolated_env,
    machine_load,
    outbox_count,
)

TABLES = ("customer", "customer_phone")


def _raw_branch_baseline(db_path: Path, code: str, changes: int) -> float:
    """Rows/s of the same inserts with capture suspended (branch side)."""
    from branch_crm.sync.capture import capture_suspended

    pairs = list(customer_rows(code, changes // 2, start=10_000_000))
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        raw.execute("BEGIN")
        with capture_suspended(raw):
            start = time.perf_counter()
            for table, index in zip(TABLES, (0, 1), strict=True):
                rows = [pair[index] for pair in pairs]
                columns = list(rows[0])
                sql = (
                    f'INSERT INTO "{table}" ({", ".join(columns)}) '
                    f"VALUES ({', '.join('?' * len(columns))})"
                )
                raw.executemany(sql, [tuple(r[c] for c in columns) for r in rows])
            elapsed = time.perf_counter() - start
        raw.execute("ROLLBACK")
    finally:
        raw.close()
    return changes / elapsed


def _hq_rows(engine: Any) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Head office's rows of the two tables (what the push wrote)."""
    from sqlalchemy import select

    from branch_crm.hq import tables as t

    result = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = t.ENTITIES[name][0]
            rows = conn.execute(select(table)).all()
            result[name] = ([c.name for c in table.columns], [tuple(r) for r in rows])
    return result


def _raw_hq_baseline(database_url: str) -> float:
    """Rows/s inserting head office's pushed rows again, raw, into copies of its tables."""
    from branch_crm.hq.db import make_null_pool_engine

    engine = make_null_pool_engine(database_url)
    try:
        data = _hq_rows(engine)
        total = sum(len(rows) for _cols, rows in data.values())
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            pg = engine.dialect.name == "postgresql"
            for name in TABLES:
                cursor.execute(f'DROP TABLE IF EXISTS "bench_{name}"')
                like = f'(LIKE "{name}")' if pg else f'AS SELECT * FROM "{name}" WHERE 0'
                cursor.execute(f'CREATE TABLE "bench_{name}" {like}')
            raw.commit()
            start = time.perf_counter()
            for name in TABLES:
                columns, rows = data[name]
                quoted = ", ".join(f'"{c}"' for c in columns)
                if pg:
                    with cursor.copy(f'COPY "bench_{name}" ({quoted}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join("?" * len(columns))
                    cursor.executemany(
                        f'INSERT INTO "bench_{name}" ({quoted}) VALUES ({marks})', rows
                    )
            raw.commit()
            elapsed = time.perf_counter() - start
            for name in TABLES:
                cursor.execute(f'DROP TABLE "bench_{name}"')
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()
    return total / elapsed


def _raw_pull_baseline(db_path: Path) -> float:
    """Rows/s inserting the pulled rows again, raw, into copies of the branch tables."""
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        data = {}
        for name in TABLES:
            cur = raw.execute(f'SELECT * FROM "{name}"')
            data[name] = ([d[0] for d in cur.description], cur.fetchall())
            raw.execute(f'CREATE TABLE "bench_{name}" AS SELECT * FROM "{name}" WHERE 0')
        total = sum(len(rows) for _c, rows in data.values())
        start = time.perf_counter()
        raw.execute("BEGIN")
        for name in TABLES:
            columns, rows = data[name]
            marks = ", ".join("?" * len(columns))
            raw.executemany(f'INSERT INTO "bench_{name}" VALUES ({marks})', rows)
        raw.execute("COMMIT")
        elapsed = time.perf_counter() - start
        for name in TABLES:
            raw.execute(f'DROP TABLE "bench_{name}"')
    finally:
        raw.close()
    return total / elapsed


def _push(client: Any) -> float:
    """Seconds to send the whole outbox (the push phase of ``SyncClient.run_once``)."""
    start = time.perf_counter()
    with client._http() as http:  # the push phase alone, as run_once runs it
        client._push_all(http)
    return time.perf_counter() - start


def measure(kind: str, changes: int, *, quick: bool = False) -> Iterator[dict[str, Any]]:
    """Figures for one head-office database kind."""
    with isolated_env() as folder, hq_database(kind, folder) as url:
        if url is None:
            yield {"metric": f"push_{kind}", "skipped": "PostgreSQL at 127.0.0.1:5432 unreachable"}
            return
        with hq_child(url, folder, in_thread=quick) as hq:
            db_a, client_a = branch(hq, folder / "pc_a.db", "BR1")
            capture_seconds = fill_changes(db_a.path, "BR1", changes)
            queued = outbox_count(db_a.path)
            assert queued == changes, (queued, changes)
            if kind == "sqlite":
                yield _figure(
                    "capture",
                    changes / capture_seconds,
                    _raw_branch_baseline(db_a.path, "BR1", changes),
                    changes,
                )
            push_seconds = _push(client_a)
            assert outbox_count(db_a.path) == 0
            yield _figure(f"push_{kind}", changes / push_seconds, _raw_hq_baseline(url), changes)
            db_b, client_b = branch(hq, folder / "pc_b.db", "BR1")
            start = time.perf_counter()
            result = client_b.run_once()
            pull_seconds = time.perf_counter() - start
            assert result.error is None and result.pulled >= changes, result
            yield _figure(
                f"pull_{kind}", result.pulled / pull_seconds, _raw_pull_baseline(db_b.path), changes
            )
            db_a.dispose()
            db_b.dispose()


def _figure(metric: str, value: float, baseline: float, changes: int) -> dict[str, Any]:
    return {
        "metric": metric,
        "value": round(value),
        "unit": "changes/s",
        "baseline": round(baseline),
        "ratio": round(value / baseline, 4),
        "changes": changes,
        "target": 10_000 if metric.startswith(("push_", "pull_")) else None,
        "loadavg_1m": machine_load(),
    }


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Push and pull throughput with a SQLite and a PostgreSQL head office."""
    changes = size or (2_000 if quick else 100_000)
    changes -= changes % 20
    for kind in ("sqlite", "postgresql"):
        yield from measure(kind, changes, quick=quick)
