"""Initial pull of 1,000,000 rows by a new PC (issue 5): peak memory, bounded and not growing
with the rows, and resumable after an interruption.

Head office (PostgreSQL when reachable, else SQLite; its own process) holds a branch's
partition of ``--size`` rows: half customers, half their phones, as entity rows plus their
change-log entries. They are cloned from one customer and one phone pushed through the real
sync path, and bulk-inserted (COPY on PostgreSQL) -- a head office that already has a big
branch, which a newly installed PC then joins.

1. A new PC pulls everything with ``SyncClient.run_once`` in a child process that reports
   its RSS after every page. Figures: RSS at 25 %, 50 % and 100 % of the rows (250k, 500k
   and 1M at the default size) and the child's peak (VmHWM); baseline: the child's RSS after
   start-up, before the first page. ``rss_growth_mb`` = RSS at 100 % - RSS at 25 %.
2. Another new PC starts the same pull and is killed with SIGKILL once half the rows are in;
   a second process resumes from the committed cursor. Figures: rows at the branch after the
   resume (must equal head office's), rows the resumed process pulled (about half: it did
   not start over), and the pull rate.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bench._sync_common import (
    HqChild,
    branch,
    hq_child,
    hq_database,
    isolated_env,
    machine_load,
    peak_rss_mb,
    rss_mb,
)

CHUNK = 20_000


# --- child: one pulling PC ------------------------------------------------------------------


def child(db_path: str, url: str, token: str) -> None:
    """Pull everything, printing {"rows", "rss_mb"} after every applied page."""
    from branch_crm.db import open_database
    from branch_crm.sync import client

    db = open_database(db_path)
    original = client.apply_page
    state = {"rows": 0}

    def apply_page(database: Any, page: Any, *, expected_cursor: int) -> int:
        applied = original(database, page, expected_cursor=expected_cursor)
        state["rows"] += len(page.changes)
        line = {"rows": state["rows"], "rss_mb": round(rss_mb(), 1)}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        return applied

    client.apply_page = apply_page  # type: ignore[assignment]
    sys.stdout.write(json.dumps({"rows": 0, "rss_mb": round(rss_mb(), 1), "start": True}) + "\n")
    sys.stdout.flush()
    result = client.SyncClient(db, base_url=url, token=token, timeout=120).run_once()
    final = {"done": True, "pulled": result.pulled, "error": result.error}
    final["peak_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.write(json.dumps(final) + "\n")
    db.dispose()


def _start_child(db: Any, url: str, token: str) -> subprocess.Popen[str]:
    root = Path(__file__).resolve().parents[1]
    return subprocess.Popen(
        [sys.executable, "-m", "bench.sync_initial_pull", str(db.path), url, token],
        cwd=root,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        text=True,
    )


def _lines(process: subprocess.Popen[str]) -> Iterator[dict[str, Any]]:
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("{"):
            yield json.loads(line)


# --- head office with a big partition --------------------------------------------------------


def _templates(hq: HqChild, folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Push one customer with a phone the real way; return head office's rows and log."""
    from sqlalchemy import text

    from branch_crm.hq.db import make_null_pool_engine

    db, client = branch(hq, folder / "seed.db", "BR1")
    from branch_crm.models import Customer, CustomerPhone

    with db.session(actor_id="bench", branch_id="BR1") as session:
        customer = Customer(name="模板客户", address="上海市浦东新区世纪大道100号")
        session.add(customer)
        session.flush()
        session.add(CustomerPhone(customer_id=customer.id, phone="13800000000"))
    assert client.run_once().error is None
    db.dispose()
    engine = make_null_pool_engine(hq.database_url)
    templates: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in ("customer", "customer_phone"):
            row = conn.execute(text(f"SELECT * FROM {table}")).mappings().one()
            log = (
                conn.execute(
                    text(
                        "SELECT tx_id, partition, table_name, pk, op, data, hlc, origin, at "
                        "FROM hq_change_log WHERE table_name = :t AND op = 'insert'"
                    ),
                    {"t": table},
                )
                .mappings()
                .one()
            )
            templates[table] = (dict(row), dict(log))
    engine.dispose()
    return templates["customer"], templates["customer_phone"]


def _clones(
    customer: tuple[dict[str, Any], dict[str, Any]],
    phone: tuple[dict[str, Any], dict[str, Any]],
    pairs: int,
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(table, entity row, change-log row) for ``pairs`` customers and their phones."""
    from branch_crm.ids import new_id

    c_row, c_log = customer
    p_row, p_log = phone
    c_data, p_data = json.loads(c_log["data"]), json.loads(p_log["data"])
    ms, _counter, node = str(c_log["hlc"]).split(".")
    for i in range(pairs):
        cid, pid = new_id(), new_id()
        hlc_c = f"{int(ms):013d}.{2 * i + 1:010d}.{node}"
        hlc_p = f"{int(ms):013d}.{2 * i + 2:010d}.{node}"
        name, number = f"客户{i:07d}", f"1{i:010d}"
        yield (
            "customer",
            {**c_row, "id": cid, "name": name},
            {**c_log, "pk": cid, "hlc": hlc_c,
             "data": json.dumps({**c_data, "id": cid, "name": name}, ensure_ascii=False)},
        )  # fmt: skip
        yield (
            "customer_phone",
            {**p_row, "id": pid, "customer_id": cid, "phone": number},
            {**p_log, "pk": pid, "hlc": hlc_p,
             "data": json.dumps({**p_data, "id": pid, "customer_id": cid,
                                 "phone": number}, ensure_ascii=False)},
        )  # fmt: skip


def fill_partition(hq: HqChild, folder: Path, rows: int) -> float:
    """Bulk-load ``rows`` rows into branch BR1's partition; returns the seconds taken."""
    from branch_crm.hq.db import make_null_pool_engine

    customer, phone = _templates(hq, folder)
    engine = make_null_pool_engine(hq.database_url)
    pg = engine.dialect.name == "postgresql"
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        batch: dict[str, list[dict[str, Any]]] = {"customer": [], "customer_phone": [], "log": []}
        for table, entity, log in _clones(customer, phone, rows // 2):
            batch[table].append(entity)
            batch["log"].append(log)
            if len(batch["log"]) >= CHUNK:
                _flush(cursor, batch, pg)
        _flush(cursor, batch, pg)
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - start


def _flush(cursor: Any, batch: dict[str, list[dict[str, Any]]], pg: bool) -> None:
    for key, rows in batch.items():
        if not rows:
            continue
        table = "hq_change_log" if key == "log" else key
        columns = list(rows[0])
        quoted = ", ".join(f'"{c}"' for c in columns)
        if pg:
            with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(
                f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',
                [tuple(_sqlite_value(row[c]) for c in columns) for row in rows],
            )
        rows.clear()


def _sqlite_value(value: Any) -> Any:
    from datetime import date, datetime

    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _branch_rows(db_path: Path) -> int:
    with sqlite3.connect(db_path) as raw:
        return int(
            raw.execute(
                "SELECT (SELECT COUNT(*) FROM customer) + (SELECT COUNT(*) FROM customer_phone)"
            ).fetchone()[0]
        )


# --- the measurements -------------------------------------------------------------------------


def _memory_run(hq: HqChild, folder: Path, total: int) -> dict[str, Any]:
    from branch_crm.services.syncing.service import stored_token

    db, _client = branch(hq, folder / "pc_new.db", "BR1")
    process = _start_child(db, hq.base_url, str(stored_token(db)))
    marks = {"25%": total // 4, "50%": total // 2, "100%": total}
    seen: dict[str, float] = {}
    baseline = final = None
    start = time.perf_counter()
    for line in _lines(process):
        if line.get("start"):
            baseline = line["rss_mb"]
            start = time.perf_counter()
        elif line.get("done"):
            final = line
        else:
            for name, rows in marks.items():
                if name not in seen and line["rows"] >= rows:
                    seen[name] = line["rss_mb"]
    seconds = time.perf_counter() - start
    process.wait(60)
    assert final is not None and final["error"] is None, final
    at_branch = _branch_rows(db.path)
    db.dispose()
    return {
        "baseline": baseline,
        "rss": seen,
        "peak": final["peak_mb"],
        "pulled": final["pulled"],
        "seconds": seconds,
        "rows_at_branch": at_branch,
    }


def _resume_run(hq: HqChild, folder: Path, total: int) -> dict[str, Any]:
    from branch_crm.services.syncing.service import stored_token

    db, _client = branch(hq, folder / "pc_resume.db", "BR1")
    token = str(stored_token(db))
    process = _start_child(db, hq.base_url, token)
    killed_at = 0
    for line in _lines(process):
        if not line.get("start") and line.get("rows", 0) >= total // 2:
            killed_at = line["rows"]
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(60)
    assert process.returncode == -signal.SIGKILL, process.returncode
    before = _branch_rows(db.path)
    resumed = _start_child(db, hq.base_url, token)
    final = None
    for line in _lines(resumed):
        if line.get("done"):
            final = line
    resumed.wait(60)
    assert final is not None and final["error"] is None, final
    after = _branch_rows(db.path)
    db.dispose()
    return {"killed_after_rows": killed_at, "rows_before_resume": before,
            "resumed_pulled": final["pulled"], "rows_after_resume": after}  # fmt: skip


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Peak memory of a 1,000,000-row initial pull, and its resumption after a kill."""
    total = size or (4_000 if quick else 1_000_000)
    total -= total % 2
    kinds = ("sqlite",) if quick else ("postgresql", "sqlite")
    for kind in kinds:
        with isolated_env() as folder, hq_database(kind, folder) as url:
            if url is None:
                continue  # no PostgreSQL here: the SQLite head office below
            with hq_child(url, folder, in_thread=quick) as hq:
                fill_seconds = fill_partition(hq, folder, total)
                expected = total + 2  # plus the template customer and phone
                memory = _memory_run(hq, folder, expected)
                resume = _resume_run(hq, folder, expected)
            growth = memory["rss"]["100%"] - memory["rss"]["25%"]
            yield {
                "metric": f"initial_pull_peak_rss_{kind}",
                "value": memory["peak"],
                "unit": "MB",
                "baseline": memory["baseline"],
                "ratio": round(memory["peak"] / memory["baseline"], 2),
                "rows": expected,
                "rss_at_25pct_mb": memory["rss"]["25%"],
                "rss_at_50pct_mb": memory["rss"]["50%"],
                "rss_at_100pct_mb": memory["rss"]["100%"],
                "rss_growth_mb": round(growth, 1),
                "rows_at_branch": memory["rows_at_branch"],
                "pull_rows_per_s": round(memory["pulled"] / memory["seconds"]),
                "pull_seconds": round(memory["seconds"], 1),
                "hq_fill_seconds": round(fill_seconds, 1),
                "loadavg_1m": machine_load(),
            }
            yield {
                "metric": f"initial_pull_resume_{kind}",
                "value": resume["rows_after_resume"],
                "unit": "rows",
                "baseline": expected,
                "ratio": round(resume["rows_after_resume"] / expected, 4),
                "complete": resume["rows_after_resume"] == expected,
                "killed_after_rows": resume["killed_after_rows"],
                "rows_committed_before_resume": resume["rows_before_resume"],
                "resumed_process_pulled": resume["resumed_pulled"],
                "loadavg_1m": machine_load(),
            }
            break  # one head office is enough (PostgreSQL when reachable)


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], sys.argv[3])
