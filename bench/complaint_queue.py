"""Complaint queue with 100,000 complaints (10,000 open): load and refresh (issue 3: <= 200 ms).

A branch database is filled with ``--size`` complaints (default 100,000; 10 % open; --quick
5,000) through raw sqlite3 with capture suspended, SLA instants computed by the real SLA code
(24x7 default policy). Figures (median of several runs, milliseconds):

* ``queue_load``: the service snapshot (SQL + rows + labels) plus filling the Qt table model;
  baseline: the same SELECT run through a bare ``sqlite3`` connection with ``fetchall``;
* ``queue_tick``: the 30-second refresh as time passes (states, time left, order; no query);
* ``queue_counts``: the aggregate behind the status bar and home card;
* ``sla_sweep_idle``: the timer's sweep when nothing became due (stale check of all open rows);
* ``queue_widget_reload``: the real ComplaintQueuePage reloading (service, model, table repaint)
  after a data change, synchronous task runner.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

OPEN_SHARE = 0.1
RUNS = 7


def _ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``fn`` in ms (after one warm-up call) and its last result."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _complaint_rows(size: int, customers: list[str], now: datetime) -> Iterable[tuple[Any, ...]]:
    from branch_crm.ids import new_id
    from branch_crm.reference.defaults import CATEGORIES
    from branch_crm.services.complaints import business_calendar, clock, sla
    from branch_crm.services.complaints import policy as sla_policy

    rng = random.Random(3)
    policy = sla_policy.default_policy()
    cal = business_calendar.BusinessCalendar("Asia/Shanghai")
    categories = [c[0] for c in CATEGORIES]
    n_open = int(size * OPEN_SHARE)
    for i in range(size):
        is_open = i < n_open
        grade = rng.choice((1, 2, 3, 3, 3))
        target = policy.target(grade)
        age = timedelta(hours=rng.uniform(0, 80) if is_open else rng.uniform(80, 24 * 365))
        received = now - age
        responded = received + timedelta(minutes=rng.uniform(5, target.response_minutes * 1.2))
        status = rng.choice(("received", "in_progress", "in_progress", "waiting_customer"))
        if not is_open:
            status = "closed"
        if status == "received" or responded > now:
            status, responded = "received", None
        paused = (
            now - timedelta(minutes=rng.uniform(1, 600)) if status == "waiting_customer" else None
        )
        if paused is not None and responded is not None and paused < responded:
            paused = responded
        clocks = clock.Clocks(received, responded, None, paused, 0, status)
        sched = clock.schedule(policy, cal, clocks, target)
        verdict = clock.judge(sched, clocks, min(now, paused or now))
        closed = (
            received + timedelta(minutes=target.resolution_minutes * 0.5) if not is_open else None
        )
        row = dict(
            id=new_id(), branch_id="BR001", number=f"BR001-B{i:07d}",
            customer_id=customers[i % len(customers)], channel="counter",
            category=rng.choice(categories), description="bench", grade=grade,
            suggested_grade=grade, status=status, received_at=received, responded_at=responded,
            resolved_at=closed, closed_at=closed, paused_since=paused, paused_seconds=0,
            response_breached=verdict.response_breached,
            resolution_breached=verdict.resolution_breached, escalation_level=verdict.level,
            sla_policy_id=policy.id, reopen_count=0,
            response_due_at=sched.response_due_at, resolution_due_at=sched.resolution_due_at,
            response_warn_at=sched.response_warn_at, resolution_warn_at=sched.resolution_warn_at,
            sla_check_at=verdict.check_at if is_open else None,
            assignee_id="staff-counter" if rng.random() < 0.2 else None,
        )  # fmt: skip
        row["sla_basis"] = sla.basis(row[name] for name in sla.BASIS_COLUMNS)
        yield row


def build(path: Path, size: int) -> None:
    """A migrated branch database with ``size`` complaints for size/5 customers."""
    from branch_crm.db import open_database
    from branch_crm.ids import new_id
    from branch_crm.services.complaints import reference
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.sync.capture import capture_suspended

    db = open_database(path)
    with unit_of_work(db, system_actor("BR001"), audit=False) as session:
        reference.ensure_reference_data(session)
    db.dispose()
    now = datetime.now(UTC)
    stamp = _stamp(now)
    customers = [new_id() for _ in range(max(10, size // 5))]
    conn = sqlite3.connect(str(path))
    with conn, capture_suspended(conn):
        conn.executemany(
            "INSERT INTO customer (id, branch_id, created_at, updated_at, name, name_pinyin, "
            "name_initials, customer_type, need_tags, marketing_consent) "
            "VALUES (?, 'BR001', ?, ?, ?, '', '', 'individual', '', 0)",
            [(cid, stamp, stamp, f"客户{i}") for i, cid in enumerate(customers)],
        )
        rows = list(_complaint_rows(size, customers, now))
        columns = list(rows[0])
        sql = (
            f"INSERT INTO complaint (created_at, updated_at, compensation_requested_cents, "
            f"compensation_granted_cents, {', '.join(columns)}) VALUES (?, ?, 0, 0, "
            f"{', '.join('?' for _ in columns)})"
        )
        conn.executemany(
            sql,
            (
                (stamp, stamp, *(_stamp(v) if isinstance(v, datetime) else v for v in r.values()))
                for r in rows
            ),
        )
    conn.execute("ANALYZE")
    conn.close()


def _raw_sql() -> str:
    from sqlalchemy.dialects import sqlite

    from branch_crm.services.complaints.queue import _query

    compiled = _query().compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    return str(compiled)


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield the figures (see the module docstring)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from branch_crm.db import open_database
    from branch_crm.models import Role
    from branch_crm.services.complaints import queue as cq
    from branch_crm.services.complaints import sla
    from branch_crm.services.context import Actor, unit_of_work
    from branch_crm.ui.complaints.queue_model import ComplaintQueueModel

    size = size or (5_000 if quick else 100_000)
    runs = 3 if quick else RUNS
    app = QApplication.instance() or QApplication([])
    folder = tempfile.TemporaryDirectory(prefix="bench-complaints-")
    path = Path(folder.name) / "branch.db"
    started = time.perf_counter()
    build(path, size)
    build_s = time.perf_counter() - started
    n_open = int(size * OPEN_SHARE)
    common = {"size": size, "open": n_open}

    raw = sqlite3.connect(str(path))
    sql = _raw_sql()
    baseline, raw_rows = _ms(lambda: raw.execute(sql).fetchall(), runs)
    raw.close()
    assert len(raw_rows) == n_open, (len(raw_rows), n_open)

    db = open_database(path)
    actor = Actor("staff-counter", "counter", "Counter", Role.COUNTER, "BR001")
    model = ComplaintQueueModel()

    def load() -> int:
        with unit_of_work(db, actor) as session:
            snapshot = cq.queue_snapshot(session=session)
        model.set_snapshot(snapshot, time.time())
        return model.rowCount()

    value, rows = _ms(load, runs)
    assert rows == n_open
    yield {"metric": "queue_load", "value": round(value, 2), "unit": "ms",
           "baseline": round(baseline, 2), **common, "build_s": round(build_s, 1)}  # fmt: skip
    later = [time.time() + 60 * i for i in range(1, runs + 2)]
    value, _ = _ms(lambda: model.tick(later.pop(0) if later else time.time()), runs)
    yield {"metric": "queue_tick", "value": round(value, 2), "unit": "ms",
           "baseline": round(baseline, 2), **common}  # fmt: skip

    def counts() -> Any:
        with unit_of_work(db, actor) as session:
            return cq.queue_counts(session=session, actor=actor)

    value, result = _ms(counts, runs)
    assert result.open == n_open
    yield {"metric": "queue_counts", "value": round(value, 2), "unit": "ms",
           "baseline": round(baseline, 2), **common}  # fmt: skip

    def idle_sweep() -> Any:
        with unit_of_work(db, actor) as session:
            return sla.sweep(session=session)

    idle_sweep()  # the first sweep may record what became due while building
    value, result = _ms(idle_sweep, runs)
    assert (result.breaches, result.escalations, result.recomputed) == (0, 0, 0), result
    yield {"metric": "sla_sweep_idle", "value": round(value, 2), "unit": "ms",
           "baseline": round(baseline, 2), **common}  # fmt: skip

    yield from _widget(app, db, actor, baseline=baseline, runs=runs, common=common)
    db.dispose()
    folder.cleanup()


def _widget(
    app: Any, db: Any, actor: Any, *, baseline: float, runs: int, common: dict[str, Any]
) -> Iterable[dict[str, Any]]:
    """The real page: reload after a data change, until the table has repainted."""
    from branch_crm.ui.complaints.queue_page import ComplaintQueuePage
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    ctx = AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=True))
    page = ComplaintQueuePage(ctx)
    page.resize(1280, 800)
    page.show()
    app.processEvents()

    def reload() -> int:
        page.reload()
        page.table.viewport().repaint()
        app.processEvents()
        return page.model.rowCount()

    value, rows = _ms(reload, runs)
    assert rows == common["open"]
    yield {"metric": "queue_widget_reload", "value": round(value, 2), "unit": "ms",
           "baseline": round(baseline, 2), **common}  # fmt: skip

    def tick() -> None:
        page.tick()
        page.table.viewport().repaint()
        app.processEvents()

    value, _ = _ms(tick, runs)
    yield {"metric": "queue_widget_tick", "value": round(value, 2), "unit": "ms",
           "baseline": round(baseline, 2), **common}  # fmt: skip
    page.close()
    page.deleteLater()
    app.processEvents()
