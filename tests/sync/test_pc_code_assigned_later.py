"""A PC registered before PC codes existed (its ``hq_node.pc_code`` empty, as migration hq0004
leaves it, and no ``sync_state.pc_code``) numbers with its provisional code. Head office gives
it a code when it answers the PC's clock reading (``GET /api/v1/sync/clock``, ``pc_code``),
by the same allocation as at registration, and the PC keeps it: from its next sync round on
its complaint numbers carry it. Nobody has to register it again."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from sqlalchemy import select, update

from branch_crm.db import Database
from branch_crm.db.revisions import head_revision
from branch_crm.hq import tables as t
from branch_crm.models import Customer
from branch_crm.services.complaints import intake
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.sync.client import SyncClient
from branch_crm.sync.pc_codes import provisional_code
from branch_crm.sync.protocol import PROTOCOL_HEADER, SCHEMA_HEADER


def _as_before_pc_codes(hq: Any, db: Database) -> None:
    """Forget this PC's code on both sides: a PC registered before PC codes existed."""
    node = _node_id(db)
    with hq.engine.begin() as conn:
        conn.execute(update(t.node).where(t.node.c.node_id == node).values(pc_code=None))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE sync_state SET pc_code = NULL")


def _node_id(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT node_id FROM sync_state").scalar_one())


def _pc_code(db: Database) -> str | None:
    with db.engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT pc_code FROM sync_state").scalar_one()
    return None if value is None else str(value)


def _hq_code(hq: Any, db: Database) -> str | None:
    with hq.engine.connect() as conn:
        query = select(t.node.c.pc_code).where(t.node.c.node_id == _node_id(db))
        return conn.scalar(query)


def _complaint(db: Database, actor: Actor) -> str:
    """A complaint taken at this PC; its number."""
    with unit_of_work(db, actor) as session:
        customer = Customer(name="王五")
        session.add(customer)
        session.flush()
        data = intake.ComplaintInput(customer.id, "counter", "loss", "lost parcel")
        return intake.take_complaint(session=session, actor=actor, data=data).number


def _code_in(number: str) -> str:
    """The PC code inside a complaint number ``BR001-20261207-A0001``."""
    return number.split("-")[2][:-4]


def test_a_pc_registered_before_pc_codes_gets_one_with_its_next_round(
    hq: Any, make_branch: Any, supervisor: Actor
) -> None:
    newer, newer_client = make_branch("BR001", name="newer")  # registered with code A
    older, older_client = make_branch("BR001", name="older")
    _as_before_pc_codes(hq, older)
    before = _complaint(older, supervisor)
    assert _code_in(before) == provisional_code(_node_id(older))

    assert older_client.run_once().error is None
    assert _pc_code(older) == _hq_code(hq, older) == "B"  # the branch's next one after A
    after = _complaint(older, supervisor)
    assert _code_in(after) == "B" and after != before
    assert _code_in(_complaint(newer, supervisor)) == "A"

    fresh = SyncClient(older, base_url=hq.base_url, token=older_client.token)
    assert fresh.run_once().error is None and newer_client.run_once().error is None
    assert _pc_code(older) == _hq_code(hq, older) == "B"  # kept: given once
    assert _pc_code(newer) == "A"


def test_a_pc_holding_another_code_than_head_office_takes_head_offices(
    hq: Any, make_branch: Any, supervisor: Actor
) -> None:
    db, _client = make_branch("BR001", name="restored")
    with db.engine.begin() as conn:  # e.g. a backup of another PC restored on it
        conn.exec_driver_sql("UPDATE sync_state SET pc_code = 'Q'")
    fresh = SyncClient(db, base_url=hq.base_url, token=_client.token)
    assert fresh.run_once().error is None
    assert _pc_code(db) == _hq_code(hq, db) == "A"
    assert _code_in(_complaint(db, supervisor)) == "A"


def test_pcs_reading_the_clock_at_once_get_codes_one_each(hq: Any, make_branch: Any) -> None:
    pcs = [make_branch("BR001", name=f"pc{i}") for i in range(6)]
    for db, _client in pcs:
        _as_before_pc_codes(hq, db)
    answers: list[httpx.Response] = []
    start = threading.Barrier(len(pcs))

    def read_clock(client: SyncClient) -> None:
        headers = {
            "Authorization": f"Bearer {client.token}",
            SCHEMA_HEADER: head_revision(),
            PROTOCOL_HEADER: "1",
        }
        start.wait()
        answers.append(httpx.get(f"{hq.base_url}/api/v1/sync/clock", headers=headers, timeout=30))

    threads = [threading.Thread(target=read_clock, args=(c,)) for _db, c in pcs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * len(pcs), [a.text for a in answers]
    codes = sorted(str(a.json().get("pc_code")) for a in answers)
    assert codes == ["A", "B", "C", "D", "E", "F"]  # one each
    assert sorted(_hq_code(hq, db) or "" for db, _c in pcs) == ["A", "B", "C", "D", "E", "F"]
