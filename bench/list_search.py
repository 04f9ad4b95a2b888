"""Find anything: the list pages' search on 100,000 complaints (issue 19: results as you type
without a visible pause; target p95 <= 100 ms per input kind).

The database: the lookup bench's demo customers (``--size`` customers, default 100,000;
``--quick`` 5,000; built once and cached, see bench/lookup.py), then with raw sqlite3 and
capture suspended ``--size`` complaints (10 % open; 70 % with a waybill; numbers running per
PC and day), size / 2 survey forms with a response each, size / 3 follow-ups (opened by those
responses) and four audit entries per complaint (size * 4).

Per input kind (a complaint number's last 4 digits, a whole number, a whole waybill, its
last 6 digits, a whole phone, a phone's last 4 digits, a name, pinyin initials, a survey
serial) ``SAMPLES`` texts drawn from the data run through the services the pages call
(``find_complaints`` for the queue, ``list_follow_ups``, ``list_responses``,
``query_audit``, ``go_to_targets``) on an open read session. Baseline: the very statements
the service sent (captured from SQLAlchemy) replayed on a bare ``sqlite3`` connection with
``fetchall``, in the same run. Figures: p95 and median in ms per list and kind.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SAMPLES = 30
TARGET_MS = 100.0


def p95(values: list[float]) -> float:
    """95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def _customers_database(size: int, folder: Path) -> Path:
    """A copy of the cached demo database of ``size`` customers (migrated when older)."""
    from bench.lookup import cache_dir, demo_database

    cached = sorted(cache_dir().glob(f"demo-{size}-s1-r*-g4.db"))
    source = cached[-1] if cached else demo_database(size)
    target = folder / "branch.db"
    shutil.copyfile(source, target)
    return target


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _fill(path: Path, size: int) -> None:
    """Complaints, follow-ups, survey forms and responses, audit entries (raw SQL)."""
    from branch_crm.db import open_database
    from branch_crm.ids import new_id
    from branch_crm.sync.capture import capture_suspended

    open_database(path).dispose()  # migrate a cached copy of an older schema
    rng = random.Random(19)
    conn = sqlite3.connect(str(path))
    customers = [r[0] for r in conn.execute("SELECT id FROM customer WHERE deleted_at IS NULL")]
    template = conn.execute("SELECT id FROM survey_template LIMIT 1").fetchone()[0]
    now = datetime.now(UTC)
    complaints = []
    day, seq = "", 0
    for i in range(size):
        received = now - timedelta(minutes=10 * (size - i))
        seq = seq + 1 if f"{received:%Y%m%d}" == day else 1
        day = f"{received:%Y%m%d}"
        status = "in_progress" if i >= size * 0.9 else "closed"
        waybill = None
        if rng.random() < 0.7:
            waybill = rng.choice(("SF", "JD", "")) + str(rng.randrange(10**11, 10**12))
        number = f"BR001-{day}-A{seq:04d}"  # 144 a day: a running number per PC and day
        complaints.append((new_id(), rng.choice(customers), number, waybill, status, received))
    stamp = _stamp(now)
    with conn, capture_suspended(conn):
        conn.executemany(
            "INSERT INTO complaint (id, branch_id, created_at, updated_at, customer_id, number, "
            "waybill_no, status, received_at, channel, category, description, grade, "
            "suggested_grade, paused_seconds, response_breached, resolution_breached, "
            "escalation_level, reopen_count, compensation_requested_cents, "
            "compensation_granted_cents) VALUES (?, 'BR001', ?, ?, ?, ?, ?, ?, ?, 'counter', "
            "'delay', 'bench', 3, 3, 0, 0, 0, 0, 0, 0, 0)",
            ((c[0], stamp, stamp, c[1], c[2], c[3], c[4], _stamp(c[5])) for c in complaints),
        )
        forms = []
        for i in range(size // 2):
            printed = now - timedelta(minutes=20 * (size // 2 - i))
            serial = f"BR001-A{printed:%y%m%d}{i:05d}{rng.choice('0123456789ABCDEF')}"
            forms.append((new_id(), serial, rng.choice(customers), printed, new_id()))
        conn.executemany(
            "INSERT INTO survey_form (id, branch_id, created_at, updated_at, serial, "
            "template_id, customer_id, printed_at, status) "
            "VALUES (?, 'BR001', ?, ?, ?, ?, ?, ?, 'returned')",
            ((f[0], stamp, stamp, f[1], template, f[2], _stamp(f[3])) for f in forms),
        )
        conn.executemany(
            "INSERT INTO survey_response (id, branch_id, created_at, updated_at, form_id, "
            "template_id, customer_id, channel, answers, answered_on) "
            "VALUES (?, 'BR001', ?, ?, ?, ?, ?, 'paper', '{\"nps\": 8}', ?)",
            ((f[4], stamp, stamp, f[0], template, f[2], _stamp(f[3])) for f in forms),
        )
        tasks = [
            (new_id(), stamp, stamp, f[2], (now + timedelta(days=i % 30)).date().isoformat(), f[4])
            for i, f in enumerate(forms[: size // 3])
        ]
        conn.executemany(
            "INSERT INTO care_task (id, branch_id, created_at, updated_at, customer_id, kind, "
            "due_on, status, title, source_id) VALUES (?, 'BR001', ?, ?, ?, "
            "'survey_follow_up', ?, 'open', 'Survey follow-up', ?)",
            tasks,
        )
        conn.executemany(
            "INSERT INTO audit_entry (id, branch_id, created_at, updated_at, at, action, "
            "entity, entity_id, changes) VALUES (?, 'BR001', ?, ?, ?, ?, ?, ?, '{}')",
            (
                (new_id(), stamp, stamp, _stamp(c[5]), action, entity, target)
                for c in complaints
                for action, entity, target in (
                    ("create", "complaint", c[0]),
                    ("update", "complaint", c[0]),
                    ("update", "complaint", c[0]),
                    ("update", "customer", c[1]),
                )
            ),
        )
    conn.execute("ANALYZE")
    conn.close()


def _texts(raw: sqlite3.Connection, rng: random.Random) -> dict[str, list[str]]:
    """Realistic typed texts per input kind, from the data itself."""

    def pick(sql: str) -> list[str]:
        rows = [r[0] for r in raw.execute(sql) if r[0]]
        return rng.sample(rows, min(SAMPLES, len(rows)))

    numbers = pick("SELECT number FROM complaint WHERE rowid % 97 = 0")
    waybills = pick("SELECT waybill_no FROM complaint WHERE rowid % 97 = 0")
    docs = list(raw.execute("SELECT name, initials, phone FROM search_doc WHERE phone != ''"))
    people = rng.sample(docs, min(SAMPLES, len(docs)))
    serials = pick("SELECT serial FROM survey_form WHERE rowid % 97 = 0")
    return {
        "number last 4": [n[-4:] for n in numbers],
        "number last 5": [n[-5:] for n in numbers],
        "whole number": numbers,
        "waybill": waybills,
        "waybill last 6": [w[-6:] for w in waybills],
        "phone": [p[2] for p in people],
        "phone last 4": [p[2][-4:] for p in people],
        "name": [p[0] for p in people],
        "pinyin initials": [p[1].split(" ")[0] for p in people],
        "serial": serials,
    }


class _Capture:
    """The statements a service sends, for the raw replay."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements: list[tuple[str, Any]] = []
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn: Any, _cursor: Any, sql: str, params: Any, *_args: Any) -> None:
        self.statements.append((sql, params))

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._on_execute)


def _replay(raw: sqlite3.Connection, statements: list[tuple[str, Any]]) -> None:
    for sql, params in statements:
        raw.execute(sql, params if params is not None else ()).fetchall()


def _measure(
    db: Any, raw: sqlite3.Connection, call: Callable[[Any], Any], texts: list[str]
) -> tuple[list[float], list[float]]:
    """(service ms, raw ms) per text; each text runs once untimed first, both ways."""
    from branch_crm.services.dbapi import raw_connection

    service: list[float] = []
    bare: list[float] = []
    with db.session() as session:
        for text in texts:
            capture = _Capture(db.engine)
            call(session, text)
            capture.close()
            statements = list(capture.statements)
            raw_connection(session)  # the lookup's cached statements stay warm
            _replay(raw, statements)
            start = time.perf_counter()
            call(session, text)
            service.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            _replay(raw, statements)
            bare.append((time.perf_counter() - start) * 1000)
    return service, bare


def _lists(actor: Any) -> dict[str, Callable[[Any, str], Any]]:
    from branch_crm.services.care.follow_ups import list_follow_ups
    from branch_crm.services.complaints.search import find_complaints
    from branch_crm.services.goto import go_to_targets
    from branch_crm.services.staff.audit import AuditFilter, query_audit
    from branch_crm.services.surveys.responses import list_responses

    return {
        "complaints": lambda s, t: find_complaints(session=s, text=t),
        "follow_ups": lambda s, t: list_follow_ups(session=s, actor=actor, search=t),
        "survey_responses": lambda s, t: list_responses(session=s, actor=actor, search=t),
        "audit": lambda s, t: query_audit(session=s, actor=actor, flt=AuditFilter(search=t)),
        "go_to": lambda s, t: go_to_targets(session=s, actor=actor, text=t),
    }


RELEVANT = {
    "complaints": ("number last 4", "number last 5", "whole number", "waybill",
                   "waybill last 6", "phone", "phone last 4", "name", "pinyin initials"),
    "follow_ups": ("phone", "phone last 4", "name", "pinyin initials", "serial"),
    "survey_responses": ("serial", "phone", "phone last 4", "name", "pinyin initials"),
    "audit": ("whole number", "number last 4", "waybill", "phone last 4", "name",
              "pinyin initials"),
    "go_to": ("whole number", "waybill", "serial", "phone", "number last 4"),
}  # fmt: skip


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield one figure per list and input kind (see the module docstring)."""
    from branch_crm.db import open_database
    from branch_crm.models import Role
    from branch_crm.services.context import Actor

    size = size or (5_000 if quick else 100_000)
    folder = tempfile.TemporaryDirectory(prefix="bench-list-search-")
    started = time.perf_counter()
    path = _customers_database(size, Path(folder.name))
    _fill(path, size)
    build_s = round(time.perf_counter() - started, 1)
    sys.stderr.write(f"  list_search: database built in {build_s} s\n")
    raw = sqlite3.connect(str(path))
    texts = _texts(raw, random.Random(7))
    db = open_database(path)
    actor = Actor("staff-bench", "supervisor", "Bench", Role.SUPERVISOR, "BR001")
    common = {"size": size, "samples": SAMPLES, "build_s": build_s}
    for name, call in _lists(actor).items():
        for kind in RELEVANT[name]:
            service, bare = _measure(db, raw, call, texts[kind])
            value, floor = p95(service), p95(bare)
            yield {"metric": f"{name}: {kind}", "value": round(value, 2), "unit": "ms p95",
                   "median": round(statistics.median(service), 2), "baseline": round(floor, 2),
                   "target": TARGET_MS, "ok": value <= TARGET_MS, **common}  # fmt: skip
    raw.close()
    db.dispose()
    folder.cleanup()
