"""The head-office dashboard's pages on a big head-office database (PostgreSQL).

``python -m bench dashboard [--size N]``: N rows of change history (default 10,000,000) for
200 branches, with the synced rows the pages read in proportion (per 1,000 changes: 60
customers, 360 monthly volumes, 30 complaints, 120 complaint events, 40 survey responses, 1
training session with 20 attendees), dated over the last two years. Built with set-based
``INSERT ... SELECT generate_series`` and kept between runs (database
``bcrm_bench_dash_<N>``; ``BENCH_DASH_REBUILD=1`` builds it again).

The rows are put in with SQL, not pushed, so the dashboard's summaries (hq.summary) are
then counted by :func:`branch_crm.hq.summary.rebuild`, timed (``summary rebuild``), as
``branch-crm-hq dashboard rebuild`` does; after that every push keeps them (``push with
summaries``: a push of 100 changes -- customers, volumes, complaints, survey responses --
applied and rolled back, median of 5, baseline: the same push with no summaries kept).

Each page is built as the service builds it (its queries and its HTML), from the summaries,
three times after a warm-up; the figure is the median. The baseline is the same page counted
live from the synced rows, as before the summaries (once, no warm-up; ``BENCH_DASH_LIVE=0``
skips it); ``raw_sql_ms`` is the page's SQL statements run raw through psycopg. Target: every
page within 500 ms.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, event, text
from sqlalchemy.engine import Connection, Engine

from branch_crm.hq import summary
from branch_crm.hq import tables as t
from branch_crm.hq.db import make_engine
from branch_crm.hq.schema import migrate
from branch_crm.hq.testing import PG_ADMIN_URL
from branch_crm.hq.web import pages
from branch_crm.hq.web.accounts import Account
from branch_crm.hq.web.figures import branches
from branch_crm.hq.web.periods import parse_period
from branch_crm.hq.web.render import PageContext, page_html
from branch_crm.i18n import translator

BRANCHES = 200
TARGET_MS = 500
NOW = "(now() at time zone 'utc')"


def _branch(i: str) -> str:
    return f"'B' || lpad(({i} % {BRANCHES})::text, 3, '0')"


def _ago(i: str, days: int = 730) -> str:
    """A moment within the last ``days`` days, spread by ``i``."""
    return f"{NOW} - (({i} * 7919) % ({days} * 1440)) * interval '1 minute'"


def _default(column: Any) -> str:
    kind = column.type
    kind = getattr(kind, "impl", kind)  # UtcDateTime: a DateTime underneath
    if isinstance(kind, Boolean):
        return "false"
    if isinstance(kind, Integer):
        return "0"
    if isinstance(kind, DateTime):
        return NOW
    if isinstance(kind, Date):
        return "current_date"
    if isinstance(kind, String | Text):
        return "'x'"
    return "'{}'"


def _fill(conn: Connection, table: str, count: int, values: dict[str, str]) -> None:
    """INSERT ... SELECT over generate_series(1, count) AS i; unnamed required columns get a
    constant."""
    if count <= 0:
        return
    target = t.ENTITIES[table][0] if table in t.ENTITIES else t.hq_metadata.tables[table]
    names, exprs = [], []
    for column in target.columns:
        if column.name in values:
            expr = values[column.name]
        elif column.name == "id":
            expr = f"'{table[:3]}' || i"
        elif column.name == "branch_id":
            expr = _branch("i")
        elif column.nullable:
            continue
        else:
            expr = _default(column)
        names.append(f'"{column.name}"')
        exprs.append(expr)
    conn.execute(
        text(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} "
            f"FROM generate_series(1::bigint, {count}) AS i"
        )
    )


def build(engine: Engine, size: int) -> None:
    """The head-office rows of ``size`` changes and 200 branches (see the module text)."""
    migrate(engine)
    per = size / 1000
    customers = int(60 * per)
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO hq_branch (code, name, created_at, last_push_at, last_pull_at) "
                f"SELECT {_branch('i')}, '网点 ' || i, {NOW}, {_ago('i', 2)}, {_ago('i', 2)} "
                f"FROM generate_series(0, {BRANCHES - 1}) AS i"
            )
        )
        _fill(conn, "hq_node", 2 * BRANCHES, {
            "token_id": "'tok' || i", "branch_code": _branch("i"), "token_hash": "md5(i::text)",
            "last_seen_at": _ago("i", 3), "pc_code": "chr((65 + i / 200)::int)",
            "revoked_at": f"CASE WHEN i % 50 = 0 THEN {NOW} END",
        })  # fmt: skip
        _fill(conn, "customer", customers, {
            "id": "'cus' || i", "name": "'客户' || i",
            "first_shipment_date": "current_date - ((i * 13) % 1500)::int",
            "created_at": _ago("i", 1500),
        })  # fmt: skip
        # six months of volumes for each customer (the months the tiers read)
        months = 6
        _fill(conn, "monthly_volume", customers * months, {
            "customer_id": f"'cus' || (i % {customers} + 1)",
            "branch_id": _branch(f"(i % {customers} + 1)"),
            "month": f"to_char(current_date - (i / {customers}) * interval '1 month', 'YYYY-MM')",
            "parcels": "CASE WHEN i % 7 = 0 THEN 0 ELSE (i * 37) % 3000 END",
            "revenue_cents": "(i * 37) % 300000",
        })  # fmt: skip
        categories = "(ARRAY['delay','damage','loss','wrong_delivery','tracking','attitude'])"
        _fill(conn, "complaint", int(30 * per), {
            "number": "'N' || i", "category": f"{categories}[i % 6 + 1]", "grade": "i % 3 + 1",
            "status": "CASE WHEN i % 10 < 8 THEN 'closed' ELSE 'in_progress' END",
            "received_at": _ago("i"), "resolution_due_at": _ago("i", 700),
            "resolved_at": f"CASE WHEN i % 10 < 8 THEN {_ago('i', 700)} END",
            "resolution_breached": "i % 9 = 0", "response_breached": "i % 13 = 0",
        })  # fmt: skip
        _fill(conn, "complaint_event", int(120 * per), {
            "complaint_id": f"'com' || (i % {max(1, int(30 * per))} + 1)", "kind": "'step'",
            "at": _ago("i"),
        })  # fmt: skip
        _fill(conn, "survey_response", int(40 * per), {
            "template_id": "'tpl'", "form_id": "'frm' || i", "channel": "'paper'",
            "answered_on": _ago("i"),
            "answers": (
                "json_build_object('timeliness', i % 5 + 1, 'accuracy', (i / 3) % 5 + 1, "
                "'service_attitude', (i / 7) % 5 + 1, 'nps', i % 11, 'ces', i % 7 + 1)"
            ),
        })  # fmt: skip
        sessions = max(1, int(per))
        _fill(conn, "training_session", sessions, {
            "title": "'培训 ' || i", "starts_at": _ago("i"), "trainer": "'讲师'",
        })  # fmt: skip
        _fill(conn, "training_attendee", int(20 * per), {
            "session_id": f"'tra' || (i % {sessions} + 1)",
            "branch_id": _branch(f"(i % {sessions} + 1)"), "name": "'员工'",
            "status": "(ARRAY['present','present','present','late','absent','excused'])[i % 6 + 1]",
        })  # fmt: skip
        _fill(conn, "sync_conflict", max(1, int(per / 2)), {
            "kind": "'phone'", "table_name": "'customer'", "row_id": "'r'",
            "status": "CASE WHEN i % 3 = 0 THEN 'resolved' ELSE 'open' END",
        })  # fmt: skip
        _fill(conn, "hq_change_log", size, {
            "seq": "i + 1000000000", "tx_id": "'tx' || (i / 50)", "partition": _branch("i"),
            "table_name": "(ARRAY['customer','monthly_volume','complaint','survey_response'])"
            "[i % 4 + 1]",
            "pk": "'row' || i", "op": "'upsert'", "data": "'{\"name\":\"x\"}'",
            "hlc": "lpad(i::text, 20, '0')", "at": _ago("i"),
        })  # fmt: skip
        conn.execute(text("CREATE TABLE bench_meta (size bigint)"))
        conn.execute(text(f"INSERT INTO bench_meta VALUES ({size})"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _database(size: int) -> tuple[str, float | None]:
    """The URL of the cached bench database (built now if missing) and the build time."""
    import psycopg

    name = f"bcrm_bench_dash_{size}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and os.environ.get("BENCH_DASH_REBUILD"):
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if exists:
            engine = make_engine(url)
            try:
                with engine.connect() as check:
                    done = check.execute(text("SELECT size FROM bench_meta")).scalar()
                if done == size:
                    migrate(engine)  # a database of an older version: upgraded, recounted
                    return url, None
            except Exception:  # an unfinished build: build again
                pass
            finally:
                engine.dispose()
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(url)
    started = time.perf_counter()
    build(engine, size)
    engine.dispose()
    return url, time.perf_counter() - started


def rebuild_summaries(url: str) -> tuple[float, dict[str, int]]:
    """Count the dashboard's summaries again (as the admin command does): seconds, rows."""
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        rows = summary.rebuild(conn)
    seconds = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE hq_dash_complaint_day, hq_dash_survey_day, "
                          "hq_dash_customer_month"))  # fmt: skip
    engine.dispose()
    return seconds, rows


class Captured:
    """The SQL statements (with parameters) a page ran."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.on = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        if self.on:
            self.statements.append((statement, params))


def _median_ms(action: Callable[[], Any], repeat: int) -> float:
    action()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _once_ms(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def measure(url: str, repeat: int, live: bool) -> Iterator[dict[str, Any]]:
    import psycopg

    engine = make_engine(url)
    captured = Captured()
    event.listen(engine, "before_cursor_execute", captured)
    admin = Account("bench", "bench", "Bench", "admin", None, True)
    period = parse_period("last_month", None, None)
    now = datetime.now(UTC)
    raw_url = url.replace("postgresql+psycopg://", "postgresql://")
    with engine.connect() as conn:
        first = branches(conn)[0]
    pg = psycopg.connect(raw_url, autocommit=True)  # one connection, as the pool gives
    jobs: list[tuple[str, Callable[[Connection, PageContext], Any]]] = [
        (f"page {path or '/'} (200 branches)", lambda c, x, fn=fn: fn(c, x, now))
        for path, fn in pages.PAGES.items()
    ]
    jobs += [
        ("page /branches/CODE", lambda c, x: pages.branch_page(c, x, now, first)),
        (
            "page /branches/CODE/complaints",
            lambda c, x: pages.complaint_list_page(c, x, now, first, open_only=False),
        ),
        (
            "page /branches/CODE/training",
            lambda c, x: pages.training_list_page(c, x, now, first),
        ),
    ]
    for name, job in jobs:
        for period in (
            parse_period("this_month", None, None),
            parse_period("last_month", None, None),
        ):
            ctx = PageContext(admin, "zh_CN", "csrf", period, "", translator("zh_CN"))

            def page(job: Any = job, ctx: PageContext = ctx) -> str:
                with engine.connect() as conn:
                    return page_html(job(conn, ctx), ctx)

            captured.statements, captured.on = [], True
            page()
            captured.on = False
            statements = list(captured.statements)
            value = _median_ms(page, repeat)

            def raw(statements: list[tuple[str, Any]] = statements) -> None:
                for statement, params in statements:
                    pg.execute(statement, params).fetchall()

            raw_ms = _median_ms(raw, repeat)
            baseline = None
            if live:  # the same page counted live: the summaries' build record hidden
                with engine.connect() as conn:
                    conn.execute(text("DELETE FROM hq_dash_summary"))
                    baseline = _once_ms(
                        lambda conn=conn, ctx=ctx, job=job: page_html(job(conn, ctx), ctx)
                    )
                    conn.rollback()
            yield {
                "metric": f"{name} [{period.kind}]",
                "value": round(value, 1),
                "unit": "ms",
                "baseline": None if baseline is None else round(baseline, 1),
                "baseline_is": "the same page counted live from the synced rows (no summaries)",
                "raw_sql_ms": round(raw_ms, 1),
                "statements": len(statements),
                "target_ms": TARGET_MS,
                "within_target": value <= TARGET_MS,
            }
    pg.close()
    engine.dispose()


def measure_push(url: str, repeat: int = 5) -> Iterator[dict[str, Any]]:
    """A push of 100 changes to branch B001 (20 customers, 40 volumes, 20 complaints, 20
    survey responses), applied and rolled back: with the summaries kept, and without."""
    from branch_crm.db.revisions import head_revision
    from branch_crm.hq.auth import NodeAuth
    from branch_crm.hq.db import WRITE_OPTION
    from branch_crm.hq.push.apply import apply_push
    from branch_crm.hq.push.state import to_wire
    from branch_crm.sync.hlc import HybridClock, wall_ms
    from branch_crm.sync.protocol import Change, PushRequest

    engine = make_engine(url)
    schema = head_revision()
    auth = NodeAuth("tok0", "B001", "nb001")
    clock = HybridClock("hq")
    now = datetime.now(UTC)
    month = now.strftime("%Y-%m")

    def rows() -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        base = {"branch_id": "B001", "created_at": now, "updated_at": now}
        for i in range(20):
            cid = str(uuid.uuid4())
            out.append(
                (
                    "customer",
                    {
                        **base,
                        "id": cid,
                        "name": f"客户{i}",
                        "customer_type": "company",
                        "name_pinyin": "",
                        "name_initials": "",
                        "need_tags": "",
                        "marketing_consent": False,
                    },
                )
            )
            for back in (0, 1):
                out.append(
                    (
                        "monthly_volume",
                        {
                            **base,
                            "customer_id": cid,
                            "month": add_months_key(month, -back),
                            "parcels": 100 * (i + 1),
                            "revenue_cents": 0,
                        },
                    )
                )
            out.append(
                (
                    "complaint",
                    {
                        **base,
                        "number": f"BX-{uuid.uuid4().hex[:8]}",
                        "category": "delay",
                        "grade": 2,
                        "status": "new",
                        "received_at": now,
                        "channel": "phone",
                        "customer_id": cid,
                    },
                )
            )
            out.append(
                (
                    "survey_response",
                    {
                        **base,
                        "template_id": "tpl",
                        "form_id": f"f{i}",
                        "channel": "paper",
                        "answered_on": now,
                        "answers": {"timeliness": 4, "nps": 9},
                    },
                )
            )
        return out

    def push(keep: bool) -> float:
        changes = []
        for n, (table, values) in enumerate(rows()):
            target = t.ENTITIES[table][0]
            full = {c.name: _py_default(c) for c in target.columns if not c.nullable}
            full.update(values)
            pk = str(full.pop("id", None) or uuid.uuid4())
            changes.append(
                Change(
                    table=table,
                    pk=pk,
                    op="insert",
                    tx=n,
                    schema_version=schema,
                    data=to_wire(target, full),
                    hlc=f"{wall_ms():013d}.{n:010d}.nb001",
                )
            )
        request = PushRequest(
            branch="B001",
            node="nb001",
            batch_id=uuid.uuid4().hex,
            schema_version=schema,
            changes=changes,
        )
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn:
            conn.begin()
            if not keep:
                conn.execute(text("DELETE FROM hq_dash_summary"))
            started = time.perf_counter()
            ack = apply_push(conn, request, auth, clock)
            took = (time.perf_counter() - started) * 1000
            conn.rollback()
        assert not ack.rejected, ack.rejected[:3]
        return took

    push(True)
    kept = statistics.median(push(True) for _ in range(repeat))
    bare = statistics.median(push(False) for _ in range(repeat))
    engine.dispose()
    yield {
        "metric": "push of 100 changes with summaries kept",
        "value": round(kept, 1),
        "unit": "ms",
        "baseline": round(bare, 1),
        "baseline_is": "the same push with no summaries kept",
    }


def add_months_key(month: str, delta: int) -> str:
    from branch_crm.timeutil import add_months

    return add_months(month, delta)


def _py_default(column: Any) -> Any:
    kind = getattr(column.type, "impl", column.type)
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 0
    if isinstance(kind, DateTime):
        return datetime.now(UTC)
    if isinstance(kind, Date):
        return datetime.now(UTC).date()
    if isinstance(kind, String | Text):
        return "x"
    return {}


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    size = size or (100_000 if quick else 10_000_000)
    url, built = _database(size)
    yield {
        "metric": "database",
        "value": size,
        "unit": "changes",
        "branches": BRANCHES,
        "build_s": None if built is None else round(built, 1),
        "cached": built is None,
    }
    if os.environ.get("BENCH_DASH_SUMMARY_REBUILD", "1") != "0":
        seconds, rows = rebuild_summaries(url)
        yield {"metric": "summary rebuild", "value": round(seconds, 1), "unit": "s", "rows": rows}
    yield from measure(url, 3, os.environ.get("BENCH_DASH_LIVE", "1") != "0")
    yield from measure_push(url)
