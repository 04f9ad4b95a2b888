"""Issue 19 over loopback sync with two PCs of one branch: a customer merge travels as one
change that head office carries out on its own copy; a PC that was offline and still edits
the merged-away customer lands its changes on the survivor; a restore beats the delete."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from oracle import assert_converged

from branch_crm.models import Role
from branch_crm.services import deletion
from branch_crm.services.complaints import intake
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.services.customers import merging
from tests.support.sync import add_customer, edit_customer, on_staff

pytestmark = pytest.mark.slow


def _sync(*clients: Any) -> None:
    for client in clients:
        result = client.run_once()
        assert result.error is None, result.error


def _boss(db: Any) -> Actor:
    return on_staff(db, Actor("boss-BR1", "boss", "Boss", Role.SUPERVISOR, "BR1"))


def _complaint(db: Any, customer_id: str, text: str) -> str:
    actor = Actor("clerk-BR1", "clerk", "Clerk", Role.COUNTER, "BR1")
    with unit_of_work(db, actor) as session:
        data = intake.ComplaintInput(customer_id, "counter", "loss", text)
        return str(intake.take_complaint(session=session, actor=actor, data=data).id)


def _one(db: Any, sql: str, *params: Any) -> Any:
    with sqlite3.connect(db.path) as raw:
        return raw.execute(sql, params).fetchone()


def test_merge_syncs_as_one_change_and_an_offline_pc_lands_on_the_survivor(
    hq: Any, make_branch: Any
) -> None:
    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    keep = add_customer(db_a, "BR1", "王五", "13900000001")
    other = add_customer(db_a, "BR1", "王五(2)", "13900000002")
    first = _complaint(db_a, other, "lost")
    boss = _boss(db_a)
    _sync(c_a, c_b)
    # pc_b records a complaint for the other record, not yet sent
    early = _complaint(db_b, other, "late")
    # pc_a merges the two
    with unit_of_work(db_a, boss) as session:
        merge_id = merging.merge_customers(
            session=session, actor=boss, survivor_id=keep, absorbed_id=other
        )
    pushed = _one(db_a, "SELECT count(*), group_concat(DISTINCT table_name) FROM sync_outbox")
    assert "customer_merge" in pushed[1] and "complaint" not in pushed[1]
    _sync(c_a)
    # pc_b, still offline from the merge, edits the other record afterwards
    edit_customer(db_b, "BR1", other, address="上海市静安区")
    late = _complaint(db_b, other, "damaged")
    _sync(c_b, c_a, c_b)
    for db in (db_a, db_b):
        assert _one(
            db, "SELECT merged_into, deleted_at IS NOT NULL FROM customer WHERE id = ?", other
        ) == (keep, 1)
        for complaint in (first, early, late):
            assert _one(db, "SELECT customer_id FROM complaint WHERE id = ?", complaint) == (keep,)
        assert _one(db, "SELECT address FROM customer WHERE id = ?", keep) == ("上海市静安区",)
        phones = _one(
            db,
            "SELECT group_concat(phone) FROM (SELECT phone FROM customer_phone "
            "WHERE customer_id = ? AND deleted_at IS NULL ORDER BY phone)",
            keep,
        )
        assert phones == ("13900000001,13900000002",)
        assert _one(db, "SELECT count(*) FROM customer_merge WHERE id = ?", merge_id) == (1,)
        assert _one(db, "SELECT count(*) FROM sync_conflict") == (0,)
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])


def test_a_restore_beats_the_delete_on_the_other_pc(hq: Any, make_branch: Any) -> None:
    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    customer = add_customer(db_a, "BR1", "赵六", "13911112222")
    boss = _boss(db_a)
    _sync(c_a, c_b)
    with unit_of_work(db_a, boss) as session:
        deletion.delete_customer(session=session, actor=boss, customer_id=customer, reason="dup")
    _sync(c_a, c_b)
    assert _one(db_b, "SELECT deleted_at IS NOT NULL FROM customer WHERE id = ?", customer) == (1,)
    with unit_of_work(db_a, boss) as session:
        deletion.restore(session=session, actor=boss, kind="customer", record_id=customer)
    _sync(c_a, c_b, c_a)
    for db in (db_a, db_b):
        assert _one(db, "SELECT deleted_at FROM customer WHERE id = ?", customer) == (None,)
        live = _one(
            db,
            "SELECT count(*) FROM customer_phone WHERE customer_id = ? AND deleted_at IS NULL",
            customer,
        )
        assert live == (1,)
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])


def _photo(db: Any, customer_id: str, data: bytes, name: str) -> str:
    from branch_crm.services.attachments import service

    actor = Actor("clerk-BR1", "clerk", "Clerk", Role.COUNTER, "BR1")
    with unit_of_work(db, actor) as session:
        view = service.attach_file(session=session, actor=actor, owner_kind="customer",
                                   owner_id=customer_id, data=data, name=name)  # fmt: skip
        return str(view.sha256)


def test_a_merge_moves_attachments_alike_on_every_pc_and_at_head_office(
    hq: Any, make_branch: Any
) -> None:
    from tests.support.attachments import jpeg, png

    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    keep = add_customer(db_a, "BR1", "王五", "13900000001")
    other = add_customer(db_a, "BR1", "王五(2)", "13900000002")
    card = _photo(db_a, keep, png(), "card.png")
    _photo(db_a, other, png(), "card-again.png")
    moved = _photo(db_a, other, jpeg(), "id.jpg")
    _sync(c_a, c_b)
    boss = _boss(db_a)
    with unit_of_work(db_a, boss) as session:
        merging.merge_customers(session=session, actor=boss, survivor_id=keep, absorbed_id=other)
    _sync(c_a)
    late = _photo(db_b, other, jpeg(color=(10, 200, 10)), "late.jpg")  # pc_b had not heard
    _sync(c_b, c_a, c_b)
    for db in (db_a, db_b):
        with sqlite3.connect(db.path) as raw:
            live = raw.execute(
                "SELECT owner_id, sha256 FROM attachment WHERE deleted_at IS NULL ORDER BY sha256"
            ).fetchall()
        assert sorted(live) == sorted([(keep, card), (keep, moved), (keep, late)])
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])
