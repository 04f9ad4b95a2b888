"""Issue 10 items 4 and 5 end to end: real branch PCs, a real head office (SQLite and
PostgreSQL). A PC's queue never stalls on a change head office cannot apply."""

from __future__ import annotations

import sqlite3
from typing import Any

from oracle import assert_converged
from sqlalchemy import func, select

from branch_crm.hq import tables as t
from branch_crm.models import CustomerPhone, MonthlyVolume
from tests.support.sync import add_customer, column, on_staff, queued


def _ok(result: Any) -> None:
    assert result.error is None, result.error


def _count(hq: Any, table: Any, **where: Any) -> int:
    query = select(func.count()).select_from(table)
    for key, value in where.items():
        query = query.where(table.c[key] == value)
    with hq.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def _phone_id(db: Any, customer_id: str) -> str:
    with sqlite3.connect(db.path) as raw:
        query = "SELECT id FROM customer_phone WHERE customer_id = ?"
        return str(raw.execute(query, (customer_id,)).fetchone()[0])


# --- item 4: editing a row head office parked --------------------------------------------


def test_editing_a_parked_phone_row_keeps_it_parked_and_sync_goes_on(
    hq: Any, make_branch: Any
) -> None:
    db1, c1 = make_branch("BR1")
    db2, c2 = make_branch("BR2")
    add_customer(db1, "BR1", "张三", "13855550001")
    _ok(c1.run_once())
    mine = add_customer(db2, "BR2", "张先生", "13855550001")
    _ok(c2.run_once())
    assert _count(hq, t.parked) == 1  # the phone clashes with BR1's: parked, a conflict
    phone_id = _phone_id(db2, mine)
    with db2.session(actor_id="tester", branch_id="BR2") as session:
        row = session.get(CustomerPhone, phone_id)
        assert row is not None
        row.position = 3  # the phone number itself is not part of the change
    later = add_customer(db2, "BR2", "李四", "13955550002")
    _ok(c2.run_once())  # was: HTTP 500 at every round, nothing more of this PC arrived
    assert queued(db2) == 0
    assert _count(hq, t.parked, pk=phone_id) == 1  # still parked, with the new position
    assert _count(hq, t.ENTITIES["customer"][0], id=later) == 1
    phones = t.ENTITIES["customer_phone"][0]
    assert _count(hq, phones, phone="13855550001", deleted_at=None) == 1  # BR1's only
    _ok(c1.run_once())
    assert column(db1, "customer_phone", _phone_id(db1, _only_customer(db1)), "deleted_at") is None
    assert _resolve_all(db2, "BR2", "keep_theirs") == 1  # the resolution gets through too
    _ok(c2.run_once())
    assert queued(db2) == 0 and _count(hq, t.parked) == 0
    assert_converged(hq.engine, [(db1, "BR1"), (db2, "BR2")])


def _resolve_all(db: Any, branch: str, choice: str) -> int:
    from branch_crm.models import Role
    from branch_crm.services.context import Actor
    from branch_crm.services.syncing.conflicts import list_conflicts, resolve_conflict

    actor = on_staff(db, Actor(f"sup-{branch}", "sup", "Supervisor", Role.SUPERVISOR, branch))
    with db.session() as session:
        conflicts = list_conflicts(session=session)
    for conflict in conflicts:
        with db.session(actor_id=actor.staff_id, branch_id=branch) as session:
            resolve_conflict(session=session, actor=actor, conflict_id=conflict.id, choice=choice)
    return len(conflicts)


def _only_customer(db: Any) -> str:
    with sqlite3.connect(db.path) as raw:
        return str(raw.execute("SELECT id FROM customer").fetchone()[0])


def test_editing_a_parked_monthly_volume_keeps_it_parked(hq: Any, make_branch: Any) -> None:
    """The same for a key of two columns scoped to the branch: two PCs record one month."""
    db_a, c_a = make_branch("BR1", name="a")
    db_b, c_b = make_branch("BR1", name="b")
    customer = add_customer(db_a, "BR1", "王五")
    _ok(c_a.run_once())
    _ok(c_b.run_once())
    ids = []
    for db in (db_a, db_b):
        with db.session(actor_id="tester", branch_id="BR1") as session:
            volume = MonthlyVolume(customer_id=customer, month="2026-11", parcels=3)
            session.add(volume)
            session.flush()
            ids.append(volume.id)
    _ok(c_a.run_once())
    _ok(c_b.run_once())
    assert _count(hq, t.parked, pk=ids[1]) == 1
    with db_b.session(actor_id="tester", branch_id="BR1") as session:
        volume = session.get(MonthlyVolume, ids[1])
        assert volume is not None
        volume.parcels = 5
    _ok(c_b.run_once())  # was: HTTP 500 (uq_monthly_volume_customer_id_month)
    assert queued(db_b) == 0 and _count(hq, t.parked, pk=ids[1]) == 1


# --- item 5: a value head office refuses -------------------------------------------------


def test_a_value_head_office_refuses_is_shown_to_the_supervisors_and_the_queue_moves_on(
    hq: Any, make_branch: Any
) -> None:
    db_a, c_a = make_branch("BR1", name="a")
    db_b, c_b = make_branch("BR1", name="b")
    first = add_customer(db_a, "BR1", "张三", "13800000003")
    with sqlite3.connect(db_a.path) as raw:  # SQLite takes it; head office's columns do not
        raw.execute("UPDATE customer SET name = ? WHERE id = ?", ("长" * 60, first))
    second = add_customer(db_a, "BR1", "李四", "13800000004")
    _ok(c_a.run_once())
    _ok(c_a.run_once())
    assert queued(db_a) == 0
    assert _count(hq, t.ENTITIES["customer"][0], id=second) == 1
    assert _count(hq, t.quarantine, pk=first) == 1
    _ok(c_b.run_once())
    for db in (db_a, db_b):  # every PC of the branch holds the rejected change with its reason
        with sqlite3.connect(db.path) as raw:
            reason, detail = raw.execute(
                "SELECT reason, detail FROM sync_rejected_change WHERE row_id = ?", (first,)
            ).fetchone()
        assert reason == "invalid"
        assert detail == "customer.name: text longer than 50 characters"
    # kept as head office's message and values too: read in the supervisor's language
    from branch_crm.i18n import set_language
    from branch_crm.services.syncing.rejected_changes import list_rejected

    with db_b.session() as session:
        (view,) = [r for r in list_rejected(session=session) if r.row_id == first]
    assert view.detail_message is not None and view.detail_message["args"]["length"] == 50
    set_language("zh_CN")
    try:
        chinese = view.detail
    finally:
        set_language("en")
    assert chinese is not None and "customer.name" in chinese and "characters" not in chinese


# --- a refused change comes back as head office holds it ----------------------------------


def test_an_edit_head_office_refuses_is_undone_on_the_pc_that_made_it(
    hq: Any, make_branch: Any
) -> None:
    """The PC no longer queues a quarantined edit: head office sends its own values back,
    so that PC ends equal to head office and the other PCs (the edit stays listed)."""
    db_a, c_a = make_branch("BR1", name="a")
    db_b, c_b = make_branch("BR1", name="b")
    customer = add_customer(db_a, "BR1", "张三", "13800000005")
    _ok(c_a.run_once())
    _ok(c_b.run_once())
    with sqlite3.connect(db_a.path) as raw:  # SQLite takes it; head office's column does not
        raw.execute("UPDATE customer SET name = ? WHERE id = ?", ("长" * 60, customer))
    _ok(c_a.run_once())
    _ok(c_a.run_once())
    assert _count(hq, t.quarantine, pk=customer) == 1
    assert column(db_a, "customer", customer, "name") == "张三"
    _ok(c_b.run_once())
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])


def test_a_resolution_head_office_refuses_shows_the_conflict_open_again(
    hq: Any, make_branch: Any
) -> None:
    """A supervisor resolves a conflict on one PC while an administrator on another PC made
    them a counter clerk: head office refuses the resolution, and the PC that made it shows
    the conflict open again, so that a supervisor can still resolve it."""
    from branch_crm.models import Role, Staff
    from branch_crm.services.context import Actor
    from branch_crm.services.syncing.conflicts import list_conflicts, resolve_conflict

    db_a, c_a = make_branch("BR1", name="a")
    db_b, c_b = make_branch("BR1", name="b")
    add_customer(db_a, "BR1", "张三", "13800000006")
    _ok(c_a.run_once())
    add_customer(db_b, "BR1", "张先生", "13800000006")
    supervisor = on_staff(db_b, Actor("sup-b", "supb", "主管", Role.SUPERVISOR, "BR1"))
    _ok(c_b.run_once())
    _ok(c_a.run_once())
    with db_a.session(actor_id="admin", branch_id="BR1") as session:  # demoted on PC a
        staff = session.get(Staff, supervisor.staff_id)
        assert staff is not None
        staff.role = Role.COUNTER
    _ok(c_a.run_once())
    with db_b.session() as session:
        (conflict,) = list_conflicts(session=session)
    with db_b.session(actor_id=supervisor.staff_id, branch_id="BR1") as session:
        resolve_conflict(  # PC b has not heard of the demotion yet
            session=session, actor=supervisor, conflict_id=conflict.id, choice="keep_theirs"
        )
    _ok(c_b.run_once())
    _ok(c_b.run_once())
    assert _count(hq, t.quarantine, pk=conflict.id) == 1
    with db_b.session() as session:
        assert [c.id for c in list_conflicts(session=session)] == [conflict.id]  # open again
    assert column(db_b, "sync_conflict", conflict.id, "resolution") is None
