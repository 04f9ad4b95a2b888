"""What keeping the dashboard's summaries (hq.summary) costs a push, on the dashboard bench's
head-office database (``bcrm_bench_dash_<N>``, built by ``python -m bench dashboard`` and
reused here; default N = 10,000,000).

``python -m bench push_cost [--size N] [--quick]``: three pushes of 100 changes to branch
B001, each applied and rolled back, timed N times (default 25; ``--quick`` 5) with the
summaries kept and without (the build record removed in the same transaction), the two
interleaved so load on the machine touches both alike; the figure is the median, the
baseline the median without summaries, ``overhead_ms`` the median of the paired differences
(steadier than the two medians when other work shares the machine):

* ``new rows``: the dashboard bench's push (20 new customers, 40 volumes, 20 complaints, 20
  survey responses);
* ``name edits``: 100 existing customers renamed (nothing the summaries count changes);
* ``volume edits``: 100 existing volumes of one month with other parcels.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from bench.dashboard import _database, _py_default, add_months_key
from branch_crm.db.revisions import head_revision
from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth
from branch_crm.hq.db import WRITE_OPTION, make_engine
from branch_crm.hq.push.apply import apply_push
from branch_crm.hq.push.state import to_wire
from branch_crm.sync.hlc import HybridClock, wall_ms
from branch_crm.sync.protocol import Change, PushRequest
from branch_crm.timeutil import local_today, month_key

Rows = list[tuple[str, str, str, dict[str, Any]]]  # table, pk, op, values


def _new_rows() -> Rows:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    month = month_key(local_today())
    base = {"branch_id": "B001", "created_at": now, "updated_at": now}
    out: Rows = []
    for i in range(20):
        cid = str(uuid.uuid4())
        out.append(("customer", cid, "insert", {**base, "name": f"客户{i}",
                    "customer_type": "company", "marketing_consent": False}))  # fmt: skip
        for back in (0, 1):
            out.append(("monthly_volume", str(uuid.uuid4()), "insert", {**base,
                        "customer_id": cid, "month": add_months_key(month, -back),
                        "parcels": 100 * (i + 1), "revenue_cents": 0}))  # fmt: skip
        out.append(("complaint", str(uuid.uuid4()), "insert", {**base,
                    "number": f"BX-{uuid.uuid4().hex[:8]}", "category": "delay", "grade": 2,
                    "status": "new", "received_at": now, "channel": "phone",
                    "customer_id": cid}))  # fmt: skip
        out.append(("survey_response", str(uuid.uuid4()), "insert", {**base,
                    "template_id": "tpl", "form_id": f"f{i}", "channel": "paper",
                    "answered_on": now, "answers": {"timeliness": 4, "nps": 9}}))  # fmt: skip
    return out


def _existing(engine: Engine, table: str, where: Any) -> list[dict[str, Any]]:
    target = t.ENTITIES[table][0]
    query = select(target).where(target.c.branch_id == "B001", target.c.deleted_at.is_(None))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.where(where).limit(100))]


def _edits(
    rows: list[dict[str, Any]], table: str, change: Callable[[dict[str, Any]], None]
) -> Rows:
    out: Rows = []
    for row in rows:
        values = dict(row)
        change(values)
        out.append((table, str(values["id"]), "update", values))
    return out


def _timer(engine: Engine) -> Callable[[Callable[[], Rows], bool], float]:
    schema = head_revision()
    auth = NodeAuth("tok0", "B001", "nb001")
    clock = HybridClock("hq")
    counter = iter(range(10**9))

    def push(make: Callable[[], Rows], keep: bool) -> float:
        changes = []
        for table, pk, op, values in make():
            target = t.ENTITIES[table][0]
            full = {c.name: _py_default(c) for c in target.columns if not c.nullable}
            full.update(values)
            full.pop("id", None)
            n = next(counter)
            changes.append(Change(table=table, pk=pk, op=op, tx=n, schema_version=schema,
                                  data=to_wire(target, full),
                                  hlc=f"{wall_ms():013d}.{n % 10**10:010d}.nb001"))  # fmt: skip
        request = PushRequest(branch="B001", node="nb001", batch_id=uuid.uuid4().hex,
                              schema_version=schema, changes=changes)  # fmt: skip
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

    return push


def measure(url: str, repeat: int) -> Iterator[dict[str, Any]]:
    engine = make_engine(url)
    month = month_key(local_today())
    customer, volume = t.ENTITIES["customer"][0], t.ENTITIES["monthly_volume"][0]
    customers = _existing(engine, "customer", customer.c.created_at.isnot(None))
    volumes = _existing(engine, "monthly_volume", volume.c.month == month)

    def rename(v: dict[str, Any]) -> None:
        v["name"] = f"{v['name']}·"
        v["address"] = "新地址"

    def parcels(v: dict[str, Any]) -> None:
        v["parcels"] = int(v["parcels"] or 0) + 7

    scenarios: dict[str, Callable[[], Rows]] = {
        "new rows": _new_rows,
        "name edits": lambda: _edits(customers, "customer", rename),
        "volume edits": lambda: _edits(volumes, "monthly_volume", parcels),
    }
    push = _timer(engine)
    for name, make in scenarios.items():
        push(make, True)  # warm-up
        push(make, False)
        kept, bare = [], []
        for _ in range(repeat):
            kept.append(push(make, True))
            bare.append(push(make, False))
        yield {
            "metric": f"push of 100 changes ({name}) with summaries kept",
            "value": round(statistics.median(kept), 1),
            "unit": "ms",
            "baseline": round(statistics.median(bare), 1),
            "baseline_is": "the same push with no summaries kept (interleaved)",
            "changes": len(make()),
            "overhead_ms": round(
                statistics.median(k - b for k, b in zip(kept, bare, strict=True)), 1
            ),
        }
    engine.dispose()


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    url, _built = _database(size or 10_000_000)
    yield from measure(url, 5 if quick else 25)
