"""Registration is atomic and idempotent (issue 10, item 11): a one-time code gives exactly one
token however many clients send it at once; a PC whose answer was lost sends the same code
and key again and gets the same token; PCs get their codes in turn, never the same one."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from branch_crm.db import Database, open_database
from branch_crm.hq import tables as t
from branch_crm.models import SyncState
from branch_crm.services.settings import values as app_settings
from branch_crm.services.syncing.service import SyncError, register_branch, stored_token
from branch_crm.sync.client import SyncClient
from branch_crm.sync.pc_codes import assigned_code
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.sync import add_customer

CLIENTS = 16


def _post(base_url: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{base_url}/api/v1/register", json=body, timeout=30)


def _all_at_once(bodies: list[dict[str, Any]], base_url: str) -> list[httpx.Response]:
    """Send every body in its own thread, released together."""
    gate = threading.Barrier(len(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)

    def send(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            http.get("/healthz")  # connected before the gate opens
            gate.wait()
            answers[index] = http.post("/api/v1/register", json=bodies[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def _nodes(hq: Any, branch: str) -> list[Any]:
    with hq.engine.connect() as conn:
        return conn.execute(select(t.node).where(t.node.c.branch_code == branch)).all()


def test_one_code_sent_by_16_clients_at_once_gives_exactly_one_token(hq: Any) -> None:
    code = hq.add_branch("BR1")
    bodies = [{"code": code, "branch": "BR1", "node": f"node{i:02d}"} for i in range(CLIENTS)]
    answers = _all_at_once(bodies, hq.base_url)
    assert Counter(a.status_code for a in answers) == {200: 1, 401: CLIENTS - 1}
    assert len(_nodes(hq, "BR1")) == 1


def test_the_same_code_with_16_keys_at_once_gives_one_token(hq: Any) -> None:
    code = hq.add_branch("BR1")
    bodies = [
        {"code": code, "branch": "BR1", "node": f"node{i:02d}", "key": secrets.token_urlsafe(32)}
        for i in range(CLIENTS)
    ]
    answers = _all_at_once(bodies, hq.base_url)
    assert Counter(a.status_code for a in answers) == {200: 1, 401: CLIENTS - 1}
    (node,) = _nodes(hq, "BR1")
    (winner,) = [a.json() for a in answers if a.status_code == 200]
    assert winner["token"].split(".")[0] == node.token_id and winner["pc_code"] == "A"


def test_pcs_registering_at_once_get_different_codes_in_turn(hq: Any) -> None:
    codes = [hq.add_branch("BR1") for _ in range(CLIENTS)]
    bodies = [
        {"code": c, "branch": "BR1", "node": f"node{i:02d}", "key": secrets.token_urlsafe(32)}
        for i, c in enumerate(codes)
    ]
    answers = _all_at_once(bodies, hq.base_url)
    assert {a.status_code for a in answers} == {200}
    given = sorted(a.json()["pc_code"] for a in answers)
    assert given == sorted(assigned_code(i) for i in range(CLIENTS))
    assert sorted(n.pc_code for n in _nodes(hq, "BR1")) == given


def test_the_same_pc_asking_again_gets_the_same_answer_and_nobody_else_does(hq: Any) -> None:
    code, key = hq.add_branch("BR1"), secrets.token_urlsafe(32)
    first = _post(hq.base_url, code=code, branch="BR1", node="pc1", key=key)
    assert first.status_code == 200 and first.json()["pc_code"] == "A"
    again = _post(
        hq.base_url, code=code.lower().replace("-", " "), branch="BR1", node="pc1", key=key
    )
    assert again.status_code == 200 and again.json() == first.json()
    others = [
        {"node": "pc1", "key": secrets.token_urlsafe(32)},  # same PC id, another key
        {"node": "pc2", "key": key},  # the key, from another PC id
        {"node": "pc1"},  # no key (an older client)
    ]
    for other in others:
        refused = _post(hq.base_url, code=code, branch="BR1", **other)
        assert refused.status_code == 401 and "used" in refused.json()["detail"]
    assert len(_nodes(hq, "BR1")) == 1


def test_an_older_client_without_a_key_still_registers_once(hq: Any) -> None:
    code = hq.add_branch("BR1")
    first = _post(hq.base_url, code=code, branch="BR1", node="old")
    assert first.status_code == 200 and first.json()["pc_code"] == "A"
    assert _post(hq.base_url, code=code, branch="BR1", node="old").status_code == 401
    assert set(first.json()) == {"token", "branch", "branch_name", "pc_code"}


def _branch_db(path: Path, branch: str) -> Database:
    db = open_database(path)
    with db.session() as session:
        app_settings.put(session, None, "branch.code", branch)
    return db


def _state(db: Database) -> SyncState:
    with db.session() as session:
        state = session.get(SyncState, 1)
        assert state is not None
        session.expunge(state)
        return state


def _register(db: Database, url: str, code: str) -> Any:
    with db.session() as session:
        return register_branch(session=session, url=url, code=code)


def test_a_lost_answer_then_the_same_code_again_gives_a_token_that_syncs(
    hq: Any, tmp_path: Path
) -> None:
    code = hq.add_branch("BR1")
    db = _branch_db(tmp_path / "pc.db", "BR1")
    with FaultProxy(hq.base_url) as proxy:
        proxy.add_rule(Fault("reset_after_forward"), path="/api/v1/register", times=1)
        with pytest.raises(SyncError, match="Cannot reach head office"):
            _register(db, proxy.url, code)
        assert proxy.stats.faults["reset_after_forward"] == 1
        assert len(_nodes(hq, "BR1")) == 1  # head office did register it: the answer was lost
        assert stored_token(db) is None
        done = _register(db, proxy.url, code)  # before: "refused: ... unknown, used or expired"
    assert done.branch == "BR1"
    state = _state(db)
    assert (state.registration_key, state.pc_code, state.branch_code) == (None, "A", "BR1")
    token = stored_token(db)
    (node,) = _nodes(hq, "BR1")
    assert token is not None and token.split(".")[0] == node.token_id
    add_customer(db, "BR1", "张三", "13800000001")
    result = SyncClient(db, base_url=hq.base_url, token=token).run_once()
    assert result.error is None and result.pushed >= 2
    with hq.engine.connect() as conn:
        customer = t.ENTITIES["customer"][0]
        assert conn.scalar(select(func.count()).select_from(customer)) == 1
    db.dispose()


def test_a_refused_registration_keeps_the_key_for_the_next_try(hq: Any, tmp_path: Path) -> None:
    db = _branch_db(tmp_path / "pc.db", "BR1")
    hq.add_branch("BR1")
    with pytest.raises(SyncError, match="unknown, used or expired"):
        _register(db, hq.base_url, "AAAA-BBBB-CCCC")
    key = _state(db).registration_key
    assert key
    _register(db, hq.base_url, hq.add_branch("BR1"))
    assert _state(db).registration_key is None and _state(db).pc_code == "A"
    db.dispose()
