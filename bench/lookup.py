"""Counter lookup on N customers (issue 2: p95 <= 10 ms per query kind, <= 5x raw sqlite3).

A demo database of ``--size`` customers (default 1,000,000; ``--quick`` 20,000) is built once
with ``services.demo.fill.fill_demo`` and cached (see :func:`demo_database`). Per query kind --
full phone, last 4 digits, name part, pinyin initials, plus company -- a few hundred
realistic queries drawn from the database's own customers run through
``search_customers`` (the service call on an open session, until the hit rows are ready) and
through one raw ``sqlite3`` statement doing the same work on the same file: the same index
walks as the service's plan for that query, merged, de-duplicated and joined to the result
rows in SQL (the floor). Each query runs once untimed (both ways) before the timed pass;
service and raw calls alternate so both see the same cache state. The two result lists are
compared; any difference is reported as ``mismatches``.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 4
"""Bump when demo data changes shape, so cached databases are rebuilt."""
KINDS = ("full phone", "last 4", "name part", "pinyin initials", "company")
TARGET_MS = 10.0
TARGET_RATIO = 5.0


def cache_dir() -> Path:
    """Where demo databases for benchmarks are kept (BRANCH_CRM_BENCH_CACHE overrides)."""
    override = os.environ.get("BRANCH_CRM_BENCH_CACHE")
    path = Path(override) if override else Path(tempfile.gettempdir()) / "branch-crm-bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _progress(stage: str, done: int, total: int) -> None:
    if stage != "customers" or done == total or done % 100_000 == 0:
        sys.stderr.write(f"  demo: {stage} {done:,}/{total:,}\n")


def demo_database(size: int, seed: int = 1) -> Path:
    """A demo database of ``size`` customers, built once per size, seed and schema version."""
    from branch_crm.db.revisions import head_revision
    from branch_crm.services.demo.fill import fill_demo

    name = f"demo-{size}-s{seed}-r{head_revision()}-g{GENERATOR_VERSION}.db"
    path = cache_dir() / name
    if path.exists():
        return path
    partial = path.with_name(path.name + ".partial")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    sys.stderr.write(f"building {path} ({size:,} customers)\n")
    started = time.perf_counter()
    fill_demo(partial, customers=size, seed=seed, progress=_progress, complaints=False)
    partial.replace(path)
    sys.stderr.write(f"built in {time.perf_counter() - started:.0f} s\n")
    return path


def p95(values: list[float]) -> float:
    """95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


# --- queries ---------------------------------------------------------------------------------


def _samples(raw: sqlite3.Connection, count: int, seed: int) -> dict[str, list[str]]:
    """Realistic typed texts per kind, from customers spread over the whole database."""
    top = raw.execute("SELECT max(local_no) FROM search_doc").fetchone()[0] or 0
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(1, top + 1), min(top, count * 3)))
    rows = raw.execute(
        "SELECT name, initials, phone, company FROM search_doc WHERE local_no IN "
        "(SELECT value FROM json_each(?))",
        (str(picked),),
    ).fetchall()
    rng.shuffle(rows)
    mobiles = [r[2] for r in rows if r[2].startswith("1")]
    companies = [r[3] for r in rows if r[3]]
    return {
        "full phone": mobiles[:count],
        "last 4": [p[-4:] for p in mobiles[:count]],
        "name part": [_name_part(rng, r[0]) for r in rows[:count]],
        "pinyin initials": [_initials(rng, r[1]) for r in rows[:count]],
        "company": [_company_part(rng, c) for c in companies[:count]],
    }


def _name_part(rng: random.Random, name: str) -> str:
    """What a counter clerk types for a name: surname + first given character, the given
    name, or the whole name."""
    choice = rng.randrange(3)
    if choice == 0 or len(name) < 2:
        return name[:2]
    if choice == 1:
        return name[1:]
    return name


def _initials(rng: random.Random, initials: str) -> str:
    first = initials.split(" ", maxsplit=1)[0]
    return first if rng.random() < 0.7 else first[: max(2, len(first) - 1)]


def _company_part(rng: random.Random, company: str) -> str:
    """Two to four characters from inside the company name (e.g. the brand)."""
    start = rng.randrange(0, max(1, len(company) - 4))
    return company[start : start + rng.choice((2, 2, 3, 4))]


# --- the raw baseline ------------------------------------------------------------------------


def _strip_limit(sql: str) -> str:
    return sql[: -len(" LIMIT ?")] if sql.endswith(" LIMIT ?") else sql


def baseline_sql(steps: list[Any], limit: int) -> tuple[str, list[Any]]:
    """One SQL statement running the plan's walks, merged best-first, joined to the rows."""
    parts: list[str] = []
    params: list[Any] = []
    for q, (_label, sql, args) in enumerate(steps):
        inner = _strip_limit(sql)
        parts.append(
            f"SELECT {q} AS q, local_no, row_number() OVER () AS seq FROM ({inner} LIMIT {limit})"
        )
        params += list(args)
    walks = " UNION ALL ".join(parts)
    sql = (
        f"WITH w AS ({walks}), best AS (SELECT local_no, min(q * 100000 + seq) AS o FROM w "
        f"GROUP BY local_no ORDER BY o LIMIT {limit}) "
        "SELECT d.customer_id, d.name, d.phone, d.company, d.tier FROM best "
        "JOIN search_doc d ON d.local_no = best.local_no ORDER BY best.o"
    )
    return sql, params


# --- measuring -------------------------------------------------------------------------------


def _service(session: Any, query: str) -> tuple[float, list[tuple[Any, ...]]]:
    from branch_crm.services.customers.search import search_customers

    start = time.perf_counter()
    hits = search_customers(session=session, query=query)
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, [(h.customer_id, h.name, h.phone, h.company, h.tier) for h in hits]


def _raw(raw: sqlite3.Connection, text: str) -> tuple[float, list[Any]]:
    """The same work on a bare sqlite3 connection: the plan's own lookups (e.g. choosing the
    rarest piece of a long text), then its walks merged into one statement."""
    from branch_crm.services.customers.search import plan

    start = time.perf_counter()
    sql, params = baseline_sql(plan(raw, text), 50)
    rows = raw.execute(sql, params).fetchall()
    return (time.perf_counter() - start) * 1000, rows


def _measure_kind(session: Any, raw: sqlite3.Connection, texts: list[str]) -> dict[str, Any]:
    for text in texts:  # warm-up, both ways
        _service(session, text)
        _raw(raw, text)
    service: list[float] = []
    floor: list[float] = []
    mismatches = 0
    hits = 0
    for i, text in enumerate(texts):
        if i % 2:  # alternate who goes first: the first one pays for pages not yet cached
            raw_took, expected = _raw(raw, text)
            took, got = _service(session, text)
        else:
            took, got = _service(session, text)
            raw_took, expected = _raw(raw, text)
        service.append(took)
        floor.append(raw_took)
        hits += len(got)
        mismatches += got != [tuple(r) for r in expected]
    return {"service": service, "raw": floor, "mismatches": mismatches, "hits": hits}


def _figure(kind: str, size: int, result: dict[str, Any]) -> dict[str, Any]:
    value, baseline = p95(result["service"]), p95(result["raw"])
    return {
        "metric": f"lookup_p95[{kind}]",
        "value": round(value, 3),
        "unit": "ms",
        "baseline": round(baseline, 3),
        "ratio": round(value / baseline, 2) if baseline else None,
        "p50": round(statistics.median(result["service"]), 3),
        "baseline_p50": round(statistics.median(result["raw"]), 3),
        "queries": len(result["service"]),
        "avg_hits": round(result["hits"] / max(1, len(result["service"])), 1),
        "mismatches": result["mismatches"],
        "target_ms": TARGET_MS,
        "target_ratio": TARGET_RATIO,
        "size": size,
    }


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield p95 per query kind (service vs raw floor) and the database size."""
    from branch_crm.db import open_database
    from branch_crm.models import Role
    from branch_crm.services.context import Actor, unit_of_work

    size = size or (20_000 if quick else 1_000_000)
    count = 60 if quick else 300
    path = demo_database(size)
    db = open_database(path)
    raw = sqlite3.connect(str(path))
    raw.execute("PRAGMA cache_size=-32000")  # the same page cache as the app's connections
    actor = Actor(None, "bench", "Bench", Role.COUNTER, "BR001")
    try:
        with unit_of_work(db, actor) as session:
            from branch_crm.services.customers.search import search_customers

            search_customers(session=session, query="1", catch_up=True)  # index pending first
            samples = _samples(raw, count, seed=size)
            for kind in KINDS:
                yield _figure(kind, size, _measure_kind(session, raw, samples[kind]))
    finally:
        raw.close()
        db.dispose()
    yield {
        "metric": "lookup_db_size",
        "value": round(path.stat().st_size / 1e6, 1),
        "unit": "MB",
        "baseline": None,
        "size": size,
    }
