"""Two PCs of one branch plan customer care offline on the same day, then sync over loopback
HTTP with a real head office: every task exists once, everywhere, and a task closed on one PC
is not reopened by the other PC's generated copy, whatever order they sync in (issue 15)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from branch_crm.db import Database
from branch_crm.hq import tables as t
from branch_crm.models import CareTask, Customer, SyncParked, SyncRejectedChange
from branch_crm.services.care import follow_ups
from branch_crm.services.care.plan import plan_care
from branch_crm.services.context import Actor, unit_of_work

DAY = date(2027, 2, 4)  # Spring Festival 2027-02-06 is within the look-ahead


def _customers(db: Database, actor: Actor) -> None:
    with unit_of_work(db, actor) as session:
        for i, cls in enumerate("AABC"):
            session.add(Customer(name=f"客户{i}", visit_class=cls, marketing_consent=True,
                                 birthday=date(1980, 2, 5)))  # fmt: skip


def _plan(db: Database, actor: Actor) -> int:
    with unit_of_work(db, actor) as session:
        return plan_care(session=session, actor=actor, today=DAY).total


def _tasks(db: Database) -> dict[str, tuple[str, str]]:
    with db.session() as session:
        rows = session.execute(select(CareTask.id, CareTask.kind, CareTask.status)).tuples()
        return {pk: (kind, status) for pk, kind, status in rows}


def _count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _sync(*clients: Any) -> None:
    for client in clients:
        assert client.run_once().error is None


def _hq_tasks(hq: Any) -> dict[str, str]:
    table = t.ENTITIES["care_task"][0]
    with hq.engine.connect() as conn:
        return dict(conn.execute(select(table.c.id, table.c.status)).tuples().all())


def _hq_rejections(hq: Any) -> int:
    table = t.ENTITIES["sync_rejected_change"][0]
    with hq.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


@pytest.mark.parametrize("first", ["pc1", "pc2"])
def test_two_pcs_planning_offline_make_each_task_once(  # type: ignore[no-untyped-def]
    make_branch, hq, supervisor, first
) -> None:
    pc1, client1 = make_branch("BR001", name="pc1")
    pc2, client2 = make_branch("BR001", name="pc2")
    _customers(pc1, supervisor)
    _sync(client1, client2)  # both PCs know the customers; now both go offline
    made1, made2 = _plan(pc1, supervisor), _plan(pc2, supervisor)
    # 4 birthdays (5 Feb), 3 greetings (A, A, B), 4 first visits
    assert made1 == made2 == 11
    assert _tasks(pc1) == _tasks(pc2)
    assert _plan(pc1, supervisor) == 0  # run twice on one PC: nothing new
    # a clerk on PC 1 calls one customer and closes the birthday task
    birthday = next(pk for pk, (kind, _s) in _tasks(pc1).items() if kind == "birthday")
    with unit_of_work(pc1, supervisor) as session:
        follow_ups.complete_follow_up(session=session, actor=supervisor, task_id=birthday,
                                      note="已祝生日快乐")  # fmt: skip

    order = (client1, client2) if first == "pc1" else (client2, client1)
    _sync(*order, *order)

    expected = _tasks(pc1)
    assert len(expected) == 11 and expected[birthday] == ("birthday", "done")
    assert _tasks(pc2) == expected
    assert _hq_tasks(hq) == {pk: status for pk, (_k, status) in expected.items()}
    assert _hq_rejections(hq) == 0  # the other PC's copies are not "lost changes"
    for pc in (pc1, pc2):
        assert _count(pc, SyncParked) == 0 and _count(pc, SyncRejectedChange) == 0


def test_a_pc_planning_after_the_task_was_closed_elsewhere_does_not_reopen_it(  # type: ignore[no-untyped-def]
    make_branch, hq, supervisor
) -> None:
    pc1, client1 = make_branch("BR001", name="pc1")
    pc2, client2 = make_branch("BR001", name="pc2")
    _customers(pc1, supervisor)
    _sync(client1, client2)
    _plan(pc1, supervisor)
    closed = sorted(_tasks(pc1))[:3]
    with unit_of_work(pc1, supervisor) as session:
        for pk in closed:
            follow_ups.complete_follow_up(session=session, actor=supervisor, task_id=pk,
                                          note="办好了")  # fmt: skip
    _sync(client1)  # head office has them closed
    assert _plan(pc2, supervisor) == 11  # PC 2 was off the line: it plans the same tasks later
    _sync(client2, client1, client2)
    for pc in (pc1, pc2):
        statuses = {pk: status for pk, (_k, status) in _tasks(pc).items()}
        assert len(statuses) == 11
        assert {pk for pk, s in statuses.items() if s == "done"} == set(closed)
    assert {pk for pk, s in _hq_tasks(hq).items() if s == "done"} == set(closed)
    assert _hq_rejections(hq) == 0


def test_clock_correction_leaves_generated_stamps_at_the_floor(db: Database, supervisor) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.sync.clock import restamp_queue
    from branch_crm.sync.generated import is_floor
    from branch_crm.sync.hlc import parse

    _customers(db, supervisor)  # real stamps, queued first
    _plan(db, supervisor)  # floor stamps, queued after them
    with db.engine.begin() as conn:
        before = dict(conn.exec_driver_sql("SELECT seq, hlc FROM sync_outbox").fetchall())
        now = max(parse(h).ms for h in before.values()) + 86_400_000
        restamp_queue(conn, 3_600_000, now)  # the PC clock was an hour behind
        after = dict(conn.exec_driver_sql("SELECT seq, hlc FROM sync_outbox").fetchall())
    floors = {seq for seq, hlc in before.items() if is_floor(hlc)}
    assert len(floors) == 11
    assert all(after[seq] == before[seq] for seq in floors)
    assert all(after[seq] != before[seq] for seq in set(before) - floors)


def test_a_festival_date_head_office_publishes_reaches_the_plan(  # type: ignore[no-untyped-def]
    make_branch, hq, supervisor, capsys
) -> None:
    from branch_crm.hq.cli import main as hq_main
    from branch_crm.reference.festivals import festival_id

    pc, client = make_branch("BR001", name="pc")
    _customers(pc, supervisor)
    args = ["--db", hq.database_url, "ref", "festival", "mid_autumn"]
    assert hq_main([*args, "2027-09-17"]) == 0
    assert hq_main([*args, "2027-09-16"]) == 0  # corrected: the same row, not a second one
    assert festival_id("mid_autumn", 2027) in capsys.readouterr().out
    _sync(client)
    with unit_of_work(pc, supervisor) as session:
        made = plan_care(session=session, actor=supervisor, today=date(2027, 9, 13))
    assert made.created["greeting"] == 3
    with pc.session() as session:
        days = set(session.scalars(select(CareTask.due_on).where(CareTask.kind == "greeting")))
    assert days == {date(2027, 9, 16)}
