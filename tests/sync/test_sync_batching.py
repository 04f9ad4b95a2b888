"""The bulk paths of sync behave exactly like one change at a time: pulled pages applied in
grouped statements, batches prepared ahead of their turn (pipelined push)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from branch_crm.db import Database, open_database
from branch_crm.models import synced_tables
from branch_crm.sync.client import apply_page
from branch_crm.sync.outbox import next_batch, pending_count
from branch_crm.sync.protocol import PullResponse, ServerChange
from tests.support.sync import STAMP, add_customer, pulled_customer

CLASHING_PHONE = "13900000002"
SECOND_CLASH = "13900000005"


def _hlc(n: int) -> str:
    return f"{1767225600000 + n:013d}.0000000000.hq"


def _phone(customer: str, phone: str) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "phone": phone,
        "kind": "mobile",
        "position": 0,
        "branch_id": "BR001",
        "created_at": STAMP,
        "updated_at": STAMP,
    }


PULLED = "0190c0de-0000-7000-8000-"


def _pk(n: int) -> str:
    return f"{PULLED}{n:012d}"


def _changes() -> list[tuple[str, str, str, dict[str, Any]]]:
    """Interleaved tables, a unique clash in the middle of a group, updates of rows inserted
    on the same page, one row updated twice with the same columns, an update of a row that
    is not here, and a tombstone that frees the clashing phone at the end."""
    c1, c2, c3, c4 = _pk(1), _pk(2), _pk(3), _pk(4)
    p1, p2, p3, p4 = _pk(11), _pk(12), _pk(13), _pk(14)
    return [
        ("customer", c1, "insert", pulled_customer("一")),
        ("customer_phone", p1, "insert", _phone(c1, "13900000001")),
        ("customer", c2, "insert", pulled_customer("二")),
        ("customer_phone", p2, "insert", _phone(c2, CLASHING_PHONE)),
        ("customer", c3, "insert", pulled_customer("三")),
        ("customer_phone", p3, "insert", _phone(c3, "13900000003")),
        ("customer", c2, "update", {"name": "二改"}),
        ("customer_phone", p1, "update", {"position": 1}),
        ("customer", c4, "insert", pulled_customer("四")),
        ("customer", c4, "update", {"notes": "同页更新"}),
        ("customer", c1, "update", {"notes": "第一次"}),
        ("customer", c1, "update", {"notes": "第二次"}),
        ("customer", _pk(99), "update", {"notes": "不在这里"}),
        ("customer_phone", p2, "update", {"position": 2}),
        ("customer_phone", p4, "insert", _phone(c4, SECOND_CLASH)),  # parked: its update
        ("customer_phone", p4, "update", {"position": 3}),  # goes to the parked copy
    ]


def _page(changes: list[tuple[str, str, str, dict[str, Any]]], first_seq: int) -> PullResponse:
    return PullResponse(
        changes=[
            ServerChange(
                seq=first_seq + i, table=t, pk=pk, op=op, data=data, hlc=_hlc(first_seq + i), tx="t"
            )
            for i, (t, pk, op, data) in enumerate(changes)
        ],
        next_cursor=first_seq + len(changes) - 1,
        has_more=False,
        server_hlc=_hlc(10_000),
        server_time_ms=1767225600000,
    )


def _state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "customer": "SELECT id, name, notes, deleted_at FROM customer ORDER BY id",
        "customer_phone": "SELECT id, customer_id, phone, position FROM customer_phone ORDER BY id",
        "sync_parked": "SELECT table_name, pk, data, clocks FROM sync_parked ORDER BY pk",
        "sync_clock": "SELECT table_name, pk, clocks FROM sync_clock ORDER BY table_name, pk",
    }
    with sqlite3.connect(db.path) as raw:  # the pulled rows (the local one differs by id)
        return {
            name: [row for row in raw.execute(sql) if PULLED in str(row[:2])]
            for name, sql in queries.items()
        }


def _local_clash(path: Path) -> Database:
    db = open_database(path)
    add_customer(db, "BR001", "本地", CLASHING_PHONE)
    add_customer(db, "BR001", "本地二", SECOND_CLASH)
    return db


def test_a_page_applied_in_groups_equals_one_change_at_a_time(tmp_path: Path) -> None:
    changes = _changes()
    grouped, single = _local_clash(tmp_path / "grouped.db"), _local_clash(tmp_path / "single.db")
    try:
        applied = apply_page(grouped, _page(changes, 1), expected_cursor=0)
        one_by_one = sum(
            apply_page(single, _page([change], i + 1), expected_cursor=i)
            for i, change in enumerate(changes)
        )
        assert applied == one_by_one == len(changes) - 1  # all but the row that is not here
        state = _state(grouped)
        assert state == _state(single)
        parked = {row[1]: json.loads(row[2]) for row in state["sync_parked"]}
        assert set(parked) == {_pk(12), _pk(14)}  # only the clashing phones
        assert parked[_pk(14)]["position"] == 3 and parked[_pk(12)]["position"] == 2
        names = {row[0]: (row[1], row[2]) for row in state["customer"]}
        assert names[_pk(2)] == ("二改", None) and names[_pk(1)] == ("一", "第二次")
        assert names[_pk(4)] == ("四", "同页更新") and _pk(99) not in names
        phones = {row[0]: row[3] for row in state["customer_phone"]}
        assert phones[_pk(11)] == 1 and _pk(12) not in phones and _pk(13) in phones
    finally:
        grouped.dispose()
        single.dispose()


def test_no_trigger_on_a_synced_table_touches_another_synced_table(db: Database) -> None:
    """The applier groups a page's statements by table; that keeps the result only while
    no trigger of one synced table reads or writes another (capture triggers aside: they
    write the outbox, and are suspended while a page is applied)."""
    synced = {cls.__table__.name for cls in synced_tables()}  # type: ignore[attr-defined]
    with sqlite3.connect(db.path) as raw:
        triggers = raw.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name NOT LIKE 'sync_capture_%'"
        ).fetchall()
    assert triggers  # the check looks at something
    for name, table, sql in triggers:
        if table not in synced:
            continue
        body = sql.split("BEGIN", 1)[1]
        named = set(re.findall(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?', body, re.IGNORECASE))
        assert not (named & synced) - {table}, (name, named & synced)


def test_batches_left_marked_by_an_interrupted_round_go_first_and_in_order(
    hq: Any, make_branch: Any
) -> None:
    db, client = make_branch("BR1", batch_size=4)
    for i in range(8):
        add_customer(db, "BR1", f"c{i}", f"1360000000{i}")
    first = next_batch(db.engine, 4)  # prepared ahead, then the round died: never sent
    second = next_batch(db.engine, 4, resend=False, in_flight=first.batch_id if first else None)
    assert first is not None and second is not None and first.batch_id != second.batch_id
    assert next_batch(db.engine, 4, in_flight=first.batch_id).batch_id == second.batch_id  # type: ignore[union-attr]
    result = client.run_once()
    assert result.error is None and pending_count_of(db) == 0
    with hq.engine.connect() as conn:
        order = conn.exec_driver_sql(
            "SELECT tx_id FROM hq_change_log WHERE partition = 'BR1' GROUP BY tx_id "
            "ORDER BY MIN(seq)"
        ).scalars()
        batches = list(order)
        customers = conn.exec_driver_sql("SELECT COUNT(*) FROM customer").scalar_one()
    assert batches[:2] == [first.batch_id, second.batch_id]
    assert len(batches) > 2 and customers == 8


def pending_count_of(db: Database) -> int:
    with db.engine.connect() as conn:
        return pending_count(conn)
