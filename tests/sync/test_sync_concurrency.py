"""Many branches pushing at the same instant: every push is applied and acknowledged.

Head office serves a request's route in a worker thread (40 of them) and holds at most a
pool's worth of database connections (20). A connection taken by a FastAPI dependency was
held while its route waited for a thread; with more requests than connections, every thread
ended up waiting for a connection that no running route would give back, and the service
stood still until the pool timed out (HTTP 500 after 30 s). On SQLite, writers also fought
over the file lock through SQLite's polling busy handler, so some waited minutes.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from branch_crm.hq import tables as t
from branch_crm.hq.db import FifoLock
from branch_crm.sync.outbox import next_batch
from branch_crm.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER
from tests.support.sync import add_customer

PUSHES = 90  # well over the pool's 20 connections and the 40 worker threads


def _bodies(db: Any, client: Any, count: int) -> list[bytes]:
    """``count`` push bodies of one new customer each, every id (rows, batch) fresh."""
    add_customer(db, "BR1", "并发测试")
    batch = next_batch(db.engine, 1000)
    assert batch is not None
    text = batch.request_json(client.branch, client.node_id, client.schema).decode()
    ids = {change["pk"] for change in json.loads(text)["changes"]} | {batch.batch_id}
    pattern = re.compile("|".join(re.escape(i) for i in ids))
    bodies = []
    for _ in range(count):
        fresh = {i: str(uuid.uuid4()) for i in ids}
        bodies.append(pattern.sub(lambda m, new=fresh: new[m.group(0)], text).encode())
    return bodies


def test_ninety_pushes_at_one_instant_are_all_acknowledged(hq: Any, make_branch: Any) -> None:
    db, client = make_branch("BR1")
    bodies = _bodies(db, client, PUSHES)
    headers = {
        "Authorization": f"Bearer {client.token}",
        SCHEMA_HEADER: client.schema,
        PROTOCOL_HEADER: str(PROTOCOL_VERSION),
        "Content-Type": "application/json",
    }
    start = threading.Barrier(PUSHES)

    def push(body: bytes) -> tuple[int, float]:
        with httpx.Client(base_url=hq.base_url, timeout=120) as http:
            start.wait()
            began = time.monotonic()
            response = http.post("/api/v1/sync/push", content=body, headers=headers)
            return response.status_code, time.monotonic() - began

    with ThreadPoolExecutor(PUSHES) as pool:
        results = list(pool.map(push, bodies))
    statuses = sorted({status for status, _seconds in results})
    assert statuses == [200], statuses
    # nothing waited for a pool timeout (30 s): the queue moved all along
    assert max(seconds for _status, seconds in results) < 25
    with hq.engine.connect() as conn:
        customers = conn.scalar(
            select(func.count())
            .select_from(t.ENTITIES["customer"][0])
            .where(t.ENTITIES["customer"][0].c.name == "并发测试")
        )
        batches = conn.scalar(select(func.count()).select_from(t.batch))
    assert customers == PUSHES
    assert batches == PUSHES


def _wait_until(condition: Callable[[], bool], what: str, seconds: float = 5.0) -> None:
    """Poll ``condition`` until it holds; fail the test (not hang it) after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.001)


def test_the_write_lock_is_granted_in_the_order_it_was_asked_for() -> None:
    lock = FifoLock()
    lock.acquire()
    granted: list[int] = []
    threads = []
    for index in range(12):
        # daemon threads: a lock that never hands over fails the test instead of the exit
        thread = threading.Thread(
            target=lambda i=index: (lock.acquire(), granted.append(i)), daemon=True
        )
        thread.start()
        threads.append(thread)
        _wait_until(  # queued before the next one asks
            lambda n=index + 1: len(lock._waiters) == n, f"waiter {index} queued"
        )
    for handed in range(1, 13):
        lock.release()  # passes the lock to the longest waiter, from any thread
        _wait_until(lambda n=handed: len(granted) == n, f"lock handed over {handed} times")
    lock.release()
    for thread in threads:
        thread.join(5)
    assert granted == list(range(12))
    assert lock._held is False
    lock.acquire()  # free again: taken at once
    lock.release()
