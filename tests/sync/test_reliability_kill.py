"""Issue 5, test 3: the client process or the server process killed with SIGKILL at each
step of push and pull -> nothing lost, nothing applied twice, sync resumes.

Each scenario runs against a real head office on loopback, backed by SQLite and by
PostgreSQL. The process dies by ``os.kill(os.getpid(), SIGKILL)`` at a named step (see
killpoints.py), which the test checks (exit status and the step's log line): a step that
was never reached fails the test instead of passing vacuously.

Data: PC A of branch BR1 queues ~140 changes in ~40 local transactions (pushed in batches
of 25), PC B of the same branch has pushed its own ~140, and head office wrote 60 reference
codes, so A's pull spans several pages (40 changes a page). After the kill, A syncs again
in this process and must end with an empty outbox, its cursor at head office's last change,
both PCs equal to head office's partition (the oracle), and head office holding each of A's
changes exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    HqProcess,
    assert_exactly_once,
    assert_settled,
    integrity_ok,
    killed_by_sigkill,
    queued,
    read_kill_log,
    run_client_child,
    stored_token_of,
    write_reference_codes,
    write_work,
)

from branch_crm.hq.db import make_engine
from branch_crm.hq.testing import free_port, registered_branch, running_hq
from branch_crm.sync.client import SyncClient

pytestmark = pytest.mark.slow

BATCH = 25
PAGE = 40

CLIENT_KILLS = [
    "push_after_batch_marked@2",
    "push_after_ack_before_outbox_delete@2",
    "push_after_outbox_delete@2",
    "pull_after_receive_before_apply@2",
    "pull_after_apply_before_commit@2",
    "pull_after_commit@2",
    "round_before_success_recorded@1",
]
SERVER_KILLS = [
    "server_push_before_commit@2",
    "server_push_after_commit_before_response@2",
    "server_pull_before_commit@2",
    "server_pull_after_commit_before_response@2",
]


def _ok(result: Any) -> None:
    assert result.error is None, result.error


@pytest.mark.parametrize("kill_at", CLIENT_KILLS)
def test_client_killed_at_each_step(
    kill_at: str, hq: Any, make_branch: Any, tmp_path: Path
) -> None:
    db_b, client_b = make_branch("BR1", name="pc_b")
    write_work(db_b, "BR1", "B", "1392000")
    _ok(client_b.run_once())
    write_reference_codes(hq.engine, 60)
    db_a, client_a = make_branch("BR1", name="pc_a", batch_size=BATCH)
    captured = write_work(db_a, "BR1", "A", "1381000")
    assert captured > 4 * BATCH  # several batches, so "@2" falls mid-push

    log = tmp_path / "kills.log"
    child = run_client_child(
        db_a,
        hq.base_url,
        stored_token_of(db_a),
        kill_at=kill_at,
        kill_log=log,
        batch_size=BATCH,
        pull_limit=PAGE,
    )
    assert killed_by_sigkill(child.exitcode), (child.exitcode, child.output[-2000:])
    assert read_kill_log(log) == [kill_at]
    assert integrity_ok(db_a)
    if kill_at.startswith("push_after_batch_marked") or "before_outbox_delete" in kill_at:
        assert queued(db_a) > 0  # the unacknowledged batch is still there

    _ok(client_a.run_once())  # sync resumes
    _ok(client_b.run_once())
    assert_settled(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])
    assert_exactly_once(hq.engine, db_a, captured)


@pytest.fixture
def hq_process(hq_url: str, tmp_path: Path) -> Any:
    """Head office in a child process on a fixed port (not started yet), stopped afterwards."""
    server = HqProcess(hq_url, free_port(), tmp_path / "hq.out", pull_limit=PAGE)
    yield server
    server.stop()


@pytest.mark.parametrize("kill_at", SERVER_KILLS)
def test_server_killed_at_each_step(kill_at: str, hq_process: Any, tmp_path: Path) -> None:
    with running_hq(hq_process.database_url) as setup:  # migrate, register, PC B's data
        code_b, code_a = setup.add_branch("BR1"), setup.add_branch("BR1")
        db_b, client_b = registered_branch(setup.base_url, tmp_path / "pc_b.db", "BR1", code_b)
        db_a, _ = registered_branch(setup.base_url, tmp_path / "pc_a.db", "BR1", code_a)
        write_work(db_b, "BR1", "B", "1392000")
        _ok(client_b.run_once())
        write_reference_codes(setup.engine, 60)
    engine = make_engine(hq_process.database_url)
    url, token_a, token_b = hq_process.base_url, stored_token_of(db_a), stored_token_of(db_b)
    client_a = SyncClient(db_a, base_url=url, token=token_a, batch_size=BATCH)
    client_b = SyncClient(db_b, base_url=url, token=token_b)
    try:
        captured = write_work(db_a, "BR1", "A", "1381000")
        log = tmp_path / "kills.log"
        hq_process.start(kill_at=kill_at, kill_log=log)
        failed = client_a.run_once()
        assert failed.error is not None  # the server vanished mid-round
        assert killed_by_sigkill(hq_process.wait_killed())
        assert read_kill_log(log) == [kill_at]

        pending = queued(db_a)
        down = client_a.run_once()  # head office still down: an error in words, queue kept
        assert down.error is not None and "head office" in down.error.lower()
        assert queued(db_a) == pending

        hq_process.start()  # restarted, unarmed, same address
        _ok(client_a.run_once())
        _ok(client_b.run_once())
        assert_settled(engine, [(db_a, "BR1"), (db_b, "BR1")])
        assert_exactly_once(engine, db_a, captured)
    finally:
        engine.dispose()
        db_a.dispose()
        db_b.dispose()
