"""Change capture: any code path is captured, pulls are not re-queued, transactions stay whole."""

from __future__ import annotations

import json
import sqlite3

from branch_crm.db import Database
from branch_crm.sync.capture import capture_suspended
from branch_crm.sync.client import apply_page
from branch_crm.sync.outbox import next_batch
from branch_crm.sync.protocol import PullResponse, ServerChange
from tests.support.sync import add_customer, column, pulled_customer


def _outbox(db: Database) -> list[tuple[str, str, str, dict[str, object], int]]:
    conn = sqlite3.connect(str(db.path))
    rows = conn.execute("SELECT table_name, pk, op, data, tx_id FROM sync_outbox ORDER BY seq")
    result = [(t, p, o, json.loads(d), tx) for t, p, o, d, tx in rows]
    conn.close()
    return result


def test_raw_sql_update_through_plain_sqlite3_is_captured(db: Database) -> None:
    customer = add_customer(db, "BR001", "张三", "13812345678")
    raw = sqlite3.connect(str(db.path))
    raw.execute("UPDATE customer SET notes = 'raw', local_no = 7 WHERE id = ?", (customer,))
    raw.commit()
    raw.close()
    last = _outbox(db)[-1]
    assert last[:3] == ("customer", customer, "update")
    assert last[3] == {"notes": "raw"}  # only changed, synced columns (local_no is local-only)


def test_tombstone_and_hard_delete_are_captured_as_deletes(db: Database) -> None:
    customer = add_customer(db, "BR001", "李四")
    raw = sqlite3.connect(str(db.path))
    raw.execute(
        "UPDATE customer SET deleted_at = '2026-01-01 00:00:00.000000' WHERE id = ?", (customer,)
    )
    raw.commit()
    other = add_customer(db, "BR001", "王五")
    raw.execute("DELETE FROM audit_entry")
    raw.execute("DELETE FROM customer WHERE id = ?", (other,))
    raw.commit()
    raw.close()
    ops = [(t, p, o) for t, p, o, _d, _tx in _outbox(db) if t == "customer"]
    assert ("customer", customer, "delete") in ops
    assert ("customer", other, "delete") in ops


def test_a_transaction_is_never_split_across_batches(db: Database) -> None:
    with db.session(actor_id="t", branch_id="BR001", audit=False) as session:
        from branch_crm.models import Customer

        session.add_all(Customer(name=f"c{i}") for i in range(1500))
    for i in range(3):
        add_customer(db, "BR001", f"single {i}")
    first = next_batch(db.engine, 1000)
    assert first is not None
    assert len(first.changes) == 1500  # one transaction larger than a batch travels whole
    assert len({c.tx for c in first.changes}) == 1


def test_small_transactions_fill_batches_up_to_the_limit(db: Database) -> None:
    for i in range(7):
        add_customer(db, "BR001", f"c{i}", f"1391234560{i}")
    queued = _outbox(db)
    txs = list(dict.fromkeys(row[4] for row in queued))  # queue order
    size = len(queued) // len(txs)
    assert size > 1 and len(queued) == size * len(txs)  # alike transactions of a few rows
    limit = 2 * size + size // 2  # room for two whole transactions, not for a third
    batches = []
    for _ in txs:  # at most one batch per transaction (a loop that cannot run away)
        if (batch := next_batch(db.engine, limit, resend=False)) is None:
            break
        batches.append([(c.table, c.pk, c.op, c.tx) for c in batch.changes])
    # every batch but the last holds exactly two whole transactions, in queue order
    expected = [
        [(t, p, o, tx) for t, p, o, _d, tx in queued if tx in txs[start : start + 2]]
        for start in range(0, len(txs), 2)
    ]
    assert [len(b) for b in batches] == [2 * size, 2 * size, 2 * size, size]
    assert batches == expected


def test_applying_pulled_changes_is_not_queued_again(db: Database) -> None:
    before = len(_outbox(db))
    page = PullResponse(
        changes=[
            ServerChange(
                seq=1,
                table="customer",
                pk="0190c0de-0000-7000-8000-000000000001",
                op="insert",
                data=pulled_customer("来自总部"),
                hlc="1767225600000.0000000000.hq",
                tx="t1",
            )
        ],
        next_cursor=1,
        has_more=False,
        server_hlc="1767225600000.0000000001.hq",
        server_time_ms=1767225600000,
    )
    assert apply_page(db, page, expected_cursor=0) == 1
    assert column(db, "customer", "0190c0de-0000-7000-8000-000000000001", "name") == "来自总部"
    assert len(_outbox(db)) == before
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT cursor, suppress FROM sync_state").one() == (1, 0)


def test_capture_suspended_for_bulk_loads(db: Database) -> None:
    with db.engine.begin() as conn, capture_suspended(conn):
        conn.exec_driver_sql(
            "INSERT INTO customer (id, name, name_pinyin, name_initials, customer_type, "
            "need_tags, marketing_consent, branch_id, created_at, updated_at) "
            "VALUES ('x1', 'demo', '', '', 'individual', '', 0, 'BR001', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    assert _outbox(db) == []
    add_customer(db, "BR001", "after")  # capture is back on after the block
    assert any(t == "customer" for t, *_ in _outbox(db))
