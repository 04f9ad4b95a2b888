"""The care plan for N customers (issue 15: 100,000 in <= 5 s): the first run of a day (it
creates the day's tasks) and a second run (idempotent: nothing new), against the floor of
writing the same task rows with one raw INSERT ... SELECT (no ids, no capture triggers).
Each figure also gives ``cpu_s``, this process's CPU seconds over the run (on a shared
machine the wall time mostly measures the other processes).

The database: N customers (a fifth of them A, B or C each for visits, half with birthdays
and consent, first-shipment dates), classification figures with a tenth dormant and 3 %
at churn risk, and a visit for a third of the classed customers; planned on 2027-02-04, so
the Spring Festival greetings to A/B customers fall in the look-ahead.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from branch_crm.ids import new_id

DAY = date(2027, 2, 4)
NOW = "2026-12-01 08:00:00.000000"


def _rows(size: int, rng: random.Random) -> Iterable[tuple[Any, ...]]:
    for i in range(size):
        cls = rng.choice(["A", "B", "C", None, None])
        birthday = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
        first = date(2015, 1, 1) + timedelta(days=rng.randrange(4000))
        yield (new_id(), "BR001", NOW, NOW, f"客户{i}", f"kehu{i}", "kh", "individual", "",
               rng.random() < 0.5, birthday.isoformat(), first.isoformat(), cls)  # fmt: skip


def build(path: Path, size: int) -> None:
    """A branch database with ``size`` customers, their figures and some visits."""
    from branch_crm.db import open_database

    open_database(path).dispose()
    rng = random.Random(size)
    raw = sqlite3.connect(str(path))
    with raw:
        raw.execute("UPDATE sync_state SET suppress = 1 WHERE id = 1")
        raw.executemany(
            "INSERT INTO customer (id, branch_id, created_at, updated_at, name, name_pinyin,"
            " name_initials, customer_type, need_tags, marketing_consent, birthday,"
            " first_shipment_date, visit_class) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _rows(size, rng),
        )
        ids = [r[0] for r in raw.execute("SELECT id, visit_class FROM customer")]
        stats = []
        for cid in ids:
            roll = rng.random()
            lifecycle = "dormant" if roll < 0.1 else "active"
            stats.append((cid, lifecycle, 1 if 0.1 <= roll < 0.13 else 0, "2026-05"))
        raw.executemany(
            "INSERT INTO customer_stats (customer_id, tier, stage, lifecycle, churn_risk,"
            " recency_score, frequency_score, monetary_score, last_month_parcels,"
            " avg_month_parcels, last_shipment_month, search_rank, computed_for)"
            " VALUES (?, 'ordinary', 'loyal', ?, ?, 3, 3, 3, 12, 40, ?, 0, '2027-01')",
            stats,
        )
        classed = [
            r[0] for r in raw.execute("SELECT id FROM customer WHERE visit_class IS NOT NULL")
        ]
        visits = [
            (
                new_id(),
                "BR001",
                NOW,
                NOW,
                cid,
                f"2027-01-{rng.randrange(1, 28):02d} 02:00:00.000000",
            )
            for cid in classed[::3]
        ]
        raw.executemany(
            "INSERT INTO visit (id, branch_id, created_at, updated_at, customer_id, at, kind,"
            " notes) VALUES (?, ?, ?, ?, ?, ?, 'visit', 'ok')",
            visits,
        )
        raw.execute("UPDATE sync_state SET suppress = 0 WHERE id = 1")
    raw.close()


def _plan(path: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, tasks created) of one run and commit."""
    from branch_crm.db import open_database
    from branch_crm.services.care.plan import plan_care
    from branch_crm.services.context import system_actor, unit_of_work

    db = open_database(path)
    try:
        actor = system_actor("BR001")
        start, cpu = time.perf_counter(), time.process_time()
        with unit_of_work(db, actor) as session:
            result = plan_care(session=session, actor=actor, today=DAY)
        return time.perf_counter() - start, time.process_time() - cpu, result.total
    finally:
        db.dispose()


def _floor(path: Path) -> float:
    """Writing the same task rows with one raw INSERT ... SELECT into a bare table."""
    raw = sqlite3.connect(str(path))
    try:
        raw.execute("CREATE TEMP TABLE floor AS SELECT * FROM care_task LIMIT 0")
        start = time.perf_counter()
        with raw:
            raw.execute("INSERT INTO temp.floor SELECT * FROM care_task")
        return time.perf_counter() - start
    finally:
        raw.close()


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield the first and the second run's seconds against the raw floor."""
    size = size or (10_000 if quick else 100_000)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "care.db"
        build(path, size)
        first, first_cpu, created = _plan(path)
        second, second_cpu, again = _plan(path)
        floor = _floor(path)
        assert again == 0, "the second run created tasks"
        yield {
            "metric": "care_plan_first_run",
            "value": round(first, 3),
            "unit": "s",
            "baseline": round(floor, 3),
            "size": size,
            "tasks_created": created,
            "cpu_s": round(first_cpu, 3),
            "limit": 5.0,
        }
        yield {
            "metric": "care_plan_second_run",
            "value": round(second, 3),
            "unit": "s",
            "baseline": round(floor, 3),
            "size": size,
            "tasks_created": again,
            "cpu_s": round(second_cpu, 3),
        }
