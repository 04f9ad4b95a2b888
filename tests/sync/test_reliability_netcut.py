"""Issue 5, test 5: the network cut mid-batch, then restored -> convergence.

A fault-injecting proxy between the branch and a real head office (SQLite and PostgreSQL)
cuts the line in the middle of a body: halfway through uploading a push batch, halfway
through head office's acknowledgement (the batch is committed there, the branch cannot
know), or halfway through a page of pulled changes. The line then stays down for a few
rounds (every connection reset), during which nothing may be lost or half-applied, and is
restored: the next round must converge.
"""

from __future__ import annotations

from typing import Any

import pytest
from reliability_support import (
    assert_exactly_once,
    assert_settled,
    hq_count,
    integrity_ok,
    node_id,
    queued,
    stored_token_of,
    write_reference_codes,
    write_work,
)

from branch_crm.sync.client import SyncClient
from tests.support.faultproxy import Fault, FaultProxy

pytestmark = pytest.mark.slow

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
CUTS = {
    # where the line breaks: (path, fault, which request to that path)
    "upload_of_3rd_batch": (PUSH, Fault("cut_request", at=0.5), 3),
    "ack_of_3rd_batch": (PUSH, Fault("cut_response", at=0.5), 3),
    "first_pulled_page": (PULL, Fault("cut_response", at=0.5), 1),
    "second_pulled_page": (PULL, Fault("cut_response", at=0.3), 2),
}


def _cursor(db: Any) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT cursor FROM sync_state WHERE id = 1").scalar_one())


@pytest.mark.parametrize("cut", sorted(CUTS))
def test_network_cut_mid_batch_then_restored(
    cut: str, hq: Any, make_branch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.sync import client as sync_client

    monkeypatch.setattr(sync_client, "PULL_LIMIT", 150)
    db_b, client_b = make_branch("BR1", name="pc_b")
    write_work(db_b, "BR1", "B", "1392000", n=60)
    assert client_b.run_once().error is None
    write_reference_codes(hq.engine, 120)
    db_a, _ = make_branch("BR1", name="pc_a")
    captured = write_work(db_a, "BR1", "A", "1381000", n=60)
    path, fault, nth = CUTS[cut]

    with FaultProxy(hq.base_url) as proxy:
        proxy.add_rule(fault, path=path, every=nth, times=1)
        client = SyncClient(
            db_a, base_url=proxy.url, token=stored_token_of(db_a), timeout=5, batch_size=40
        )
        before = queued(db_a)
        cursor_before = _cursor(db_a)
        result = client.run_once()
        assert result.error is not None and "head office" in result.error.lower()
        assert proxy.stats.faults[fault.kind] == 1
        assert integrity_ok(db_a)
        batches = hq_count(
            hq.engine, "SELECT COUNT(*) FROM hq_batch WHERE node_id = :n", n=node_id(db_a)
        )
        if path == PUSH:
            # the batches before the cut were acknowledged and left the queue; the cut one
            # is whole at head office (acknowledgement lost) or absent (upload cut), never half
            sent = 40 * (nth - 1)
            assert queued(db_a) == before - sent
            assert batches == (nth if fault.kind == "cut_response" else nth - 1)
            assert _cursor(db_a) == cursor_before  # pull never started
        else:
            assert queued(db_a) == 0  # every push went through
            pages_applied = nth - 1
            assert (_cursor(db_a) > cursor_before) == (pages_applied > 0)

        proxy.set_network(False)  # the line stays down for a while
        for _ in range(3):
            down = client.run_once()
            assert down.error is not None and "Cannot reach head office" in down.error
        assert queued(db_a) == (before - 40 * (nth - 1) if path == PUSH else 0)

        proxy.set_network(True)  # restored
        restored = client.run_once()
        assert restored.error is None, restored.error

    assert client_b.run_once().error is None
    assert_settled(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])
    assert_exactly_once(hq.engine, db_a, captured)
