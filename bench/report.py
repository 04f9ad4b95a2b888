"""Supervisor reports (issue 14): each report for a month of a branch with 100,000 customers
and 10,000 complaints in <= 5 s as .xlsx and <= 5 s as PDF.

The branch: the cached demo database of ``--size`` customers (default 100,000; ``--quick``
5,000; :func:`bench.lookup.demo_database`: customers, monthly volumes, the classification),
copied, then filled through raw sqlite3 (capture suspended) with size/10 complaints spread
over the last twelve months (the complaint queue bench's generator: real SLA instants, 10 %
open), size/20 survey responses (a fifth of them detractors with a follow-up task) and
size/2,000 training sessions of 20 people.

Figures, per report kind, for last month:

* ``report_<kind>_xlsx``: seconds for ``build_report`` on an open session plus
  ``write_report_xlsx``; baseline: the SQL statements the build ran (recorded), replayed on a
  bare ``sqlite3`` connection with ``fetchall``, in the same run. Target: <= 5 s.
* ``report_<kind>_pdf``: the same with ``printing.report_pdf.write_report_pdf`` (skipped, with
  a note, when that module is not there yet).

Each side runs three times, alternating; the best time of each counts.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

TARGET_S = 5.0
ROUNDS = 3
KINDS = ("complaints", "satisfaction", "customers", "training", "summary")


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _complaints(conn: sqlite3.Connection, customers: list[str], count: int, now: datetime) -> None:
    from bench.complaint_queue import _complaint_rows

    rng = random.Random(11)
    stamp = _stamp(now)
    rows = list(_complaint_rows(count, customers, now))
    columns = list(rows[0])
    sql = (
        f"INSERT INTO complaint (created_at, updated_at, compensation_requested_cents, "
        f"compensation_granted_cents, root_cause, {', '.join(columns)}) VALUES (?, ?, ?, ?, ?, "
        f"{', '.join('?' for _ in columns)})"
    )
    causes = ("line_haul_delay", "sorting_error", "courier_conduct", "capacity", "weather")
    conn.executemany(
        sql,
        (
            (
                stamp,
                stamp,
                (asked := rng.choice((0, 0, 0, 5000, 20000))),
                asked // 2,
                rng.choice(causes) if r["closed_at"] else None,
                *(_stamp(v) if isinstance(v, datetime) else v for v in r.values()),
            )
            for r in rows
        ),
    )


def _surveys(conn: sqlite3.Connection, customers: list[str], count: int, now: datetime) -> None:
    from branch_crm.ids import new_id

    rng = random.Random(12)
    template, items = conn.execute("SELECT id, items FROM survey_template LIMIT 1").fetchone()
    codes = [(i["code"], i["kind"]) for i in json.loads(items)]
    responses, tasks = [], []
    for _ in range(count):
        detractor = rng.random() < 0.2
        answers: dict[str, int] = {}
        for code, kind in codes:
            if kind == "scale5":
                answers[code] = rng.randint(1, 3) if detractor else rng.randint(3, 5)
            elif kind == "nps":
                answers[code] = rng.randint(0, 6) if detractor else rng.randint(7, 10)
            elif kind == "ces":
                answers[code] = rng.randint(1, 7)
        at = now - timedelta(days=rng.uniform(0, 365))
        rid, customer = new_id(), rng.choice(customers)
        responses.append(
            (rid, template, customer, "paper", json.dumps(answers), _stamp(at), _stamp(at))
        )
        if detractor:
            due = (at + timedelta(days=1)).date()
            status = rng.choice(("open", "done", "done", "cancelled"))
            tasks.append((new_id(), customer, due.isoformat(), status, rid, _stamp(at)))
    conn.executemany(
        "INSERT INTO survey_response (id, branch_id, template_id, customer_id, channel, answers,"
        " answered_on, created_at, updated_at) VALUES (?, 'BR001', ?, ?, ?, ?, ?, ?, ?)",
        ((*r, r[-1]) for r in responses),
    )
    conn.executemany(
        "INSERT INTO care_task (id, branch_id, customer_id, kind, due_on, status, title,"
        " source_id, created_at, updated_at) VALUES (?, 'BR001', ?, 'survey_follow_up', ?, ?,"
        " 'Survey follow-up', ?, ?, ?)",
        ((*t, t[-1]) for t in tasks),
    )


def _training(conn: sqlite3.Connection, sessions: int, now: datetime) -> None:
    from branch_crm.ids import new_id

    rng = random.Random(13)
    statuses = ("present", "present", "present", "late", "absent", "excused")
    for index in range(sessions):
        at = now - timedelta(days=365 * index / max(1, sessions))
        sid = new_id()
        conn.execute(
            "INSERT INTO training_session (id, branch_id, title, starts_at, content_points,"
            " created_at, updated_at) VALUES (?, 'BR001', ?, ?, '[]', ?, ?)",
            (sid, f"培训 {index}", _stamp(at), _stamp(at), _stamp(at)),
        )
        conn.executemany(
            "INSERT INTO training_attendee (id, branch_id, session_id, name, position, status,"
            " created_at, updated_at) VALUES (?, 'BR001', ?, ?, ?, ?, ?, ?)",
            (
                (new_id(), sid, f"员工{p}", p, rng.choice(statuses), _stamp(at), _stamp(at))
                for p in range(1, 21)
            ),
        )


def build(path: Path, size: int) -> None:
    """Copy the demo branch of ``size`` customers to ``path`` and add the activity."""
    from bench.lookup import demo_database
    from branch_crm.sync.capture import capture_suspended

    shutil.copyfile(demo_database(size), path)
    now = datetime.now(UTC)
    conn = sqlite3.connect(str(path))
    with conn, capture_suspended(conn):
        customers = [r[0] for r in conn.execute("SELECT id FROM customer")]
        _complaints(conn, customers, max(100, size // 10), now)
        _surveys(conn, customers, max(50, size // 20), now)
        _training(conn, max(3, size // 2000), now)
    conn.execute("ANALYZE")
    conn.close()


class _Recorder:
    """The SQL statements (and their parameters) an engine runs while on."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        if self.on:
            self.statements.append((statement, params))


def _raw(path: Path, statements: list[tuple[str, Any]]) -> float:
    conn = sqlite3.connect(str(path))
    try:
        started = time.perf_counter()
        for statement, params in statements:
            conn.execute(statement, params).fetchall()
        return time.perf_counter() - started
    finally:
        conn.close()


def _pdf_writer() -> Callable[..., Any] | None:
    try:
        from branch_crm.printing.report_pdf import write_report_pdf
    except ImportError:
        return None
    return write_report_pdf


def _timed(db: Any, recorder: _Recorder, kind: str, write: Callable[..., Any], out: Path) -> float:
    from branch_crm.services.context import system_actor
    from branch_crm.services.reports.build import build_report
    from branch_crm.services.reports.model import Period
    from branch_crm.timeutil import local_today

    end = local_today().replace(day=1) - timedelta(days=1)
    period = Period(end.replace(day=1), end)
    started = time.perf_counter()
    recorder.statements.clear()
    recorder.on = True
    with db.session() as session:
        report = build_report(kind, session=session, actor=system_actor("BR001"), period=period)
    recorder.on = False
    write(report, out)
    return time.perf_counter() - started


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield the figures (see the module docstring)."""
    from branch_crm.db import open_database
    from branch_crm.excel.report_xlsx import write_report_xlsx

    size = size or (5_000 if quick else 100_000)
    writers: list[tuple[str, Callable[..., Any] | None]] = [
        ("xlsx", write_report_xlsx),
        ("pdf", _pdf_writer()),
    ]
    with tempfile.TemporaryDirectory(prefix="report-bench-") as folder:
        path = Path(folder) / "branch.db"
        started = time.perf_counter()
        build(path, size)
        sys.stderr.write(f"branch ready in {time.perf_counter() - started:.0f} s\n")
        db = open_database(path)
        recorder = _Recorder(db.engine)
        try:
            for kind in KINDS:
                for suffix, write in writers:
                    metric = f"report_{kind}_{suffix}"
                    if write is None:
                        yield {"metric": metric, "skipped": "printing.report_pdf is missing"}
                        continue
                    out = Path(folder) / f"{kind}.{suffix}"
                    times, raw = [], []
                    for _round in range(ROUNDS):
                        times.append(_timed(db, recorder, kind, write, out))
                        raw.append(_raw(path, list(recorder.statements)))
                    best, floor = min(times), min(raw)
                    yield {
                        "metric": metric,
                        "customers": size,
                        "complaints": max(100, size // 10),
                        "statements": len(recorder.statements),
                        "value": round(best, 3),
                        "unit": "s",
                        "baseline": round(floor, 3),
                        "ratio": round(best / floor, 2) if floor else None,
                        "target_s": TARGET_S,
                        "ok": best <= TARGET_S,
                    }
        finally:
            db.dispose()
