"""Issue 5, test 4: every k-th HTTP call fails or times out (a fault-injecting proxy on
loopback between the branch and a real head office, SQLite and PostgreSQL) -> the queue
still empties, with no new local write, and nothing arrives twice.

PC A of branch BR1 queues ~140 changes (pushed in batches of 20) and pulls 60 head-office
reference codes plus PC B's ~140 changes in pages of 40. Rounds are repeated without any new
local write until one succeeds with an empty queue; every round either makes progress or
leaves the queue as it was, and every failed round leaves an error in words.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from reliability_support import (
    assert_exactly_once,
    assert_settled,
    queued,
    stored_token_of,
    write_reference_codes,
    write_work,
)

from branch_crm.services.syncing.service import sync_status
from branch_crm.sync import client as sync_client
from branch_crm.sync.client import SyncClient
from tests.support.faultproxy import Fault, FaultProxy

pytestmark = pytest.mark.slow

CLIENT_TIMEOUT = 0.5
FAULTS = {
    "502_every_2nd": [(Fault("http_502"), 2)],
    "reset_every_3rd": [(Fault("reset"), 3)],
    "answer_lost_every_2nd": [(Fault("reset_after_forward"), 2)],
    "timeout_every_3rd": [(Fault("timeout", delay=CLIENT_TIMEOUT * 3), 3)],
    "mixed": [
        (Fault("reset"), 3),
        (Fault("http_502"), 5),
        (Fault("timeout_after_forward", delay=CLIENT_TIMEOUT * 3), 7),
    ],
}
WORDS = {
    "http_502": "HTTP 502",
    "reset": "Cannot reach head office",
    "reset_after_forward": "Cannot reach head office",
    "timeout": "did not answer in time",
    "timeout_after_forward": "did not answer in time",
}


@pytest.mark.parametrize("plan", sorted(FAULTS))
def test_every_kth_call_fails_and_the_queue_still_empties(
    plan: str, hq: Any, make_branch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_client, "PULL_LIMIT", 40)
    db_b, client_b = make_branch("BR1", name="pc_b")
    write_work(db_b, "BR1", "B", "1392000")
    assert client_b.run_once().error is None
    write_reference_codes(hq.engine, 60)
    db_a, _ = make_branch("BR1", name="pc_a")
    captured = write_work(db_a, "BR1", "A", "1381000")

    with FaultProxy(hq.base_url) as proxy:
        for fault, every in FAULTS[plan]:
            proxy.add_rule(fault, every=every)
        client = SyncClient(
            db_a,
            base_url=proxy.url,
            token=stored_token_of(db_a),
            timeout=CLIENT_TIMEOUT,
            batch_size=20,
        )
        errors: list[str] = []
        backlog = [queued(db_a)]
        for _round in range(60):
            result = client.run_once()
            backlog.append(queued(db_a))
            if result.error is None:
                break
            errors.append(result.error)
            with db_a.session() as session:
                assert sync_status(session=session).last_error == result.error
        else:
            pytest.fail(f"no successful round in 60 attempts: {errors[-3:]}")
        faults = dict(proxy.stats.faults)

    assert sum(faults.values()) >= 2, faults  # the faults really fired
    assert errors, "every round succeeded: the proxy injected nothing that mattered"
    expected_words = {WORDS[kind] for kind in faults}
    assert {w for w in expected_words if any(w in e for e in errors)} == expected_words
    assert backlog[-1] == 0
    assert all(later <= earlier for earlier, later in pairwise(backlog))
    with db_a.session() as session:
        status = sync_status(session=session)
    assert status.last_error is None and status.pending_changes == 0
    assert client_b.run_once().error is None
    assert_settled(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])
    assert_exactly_once(hq.engine, db_a, captured)
