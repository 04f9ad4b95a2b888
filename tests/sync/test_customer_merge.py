"""Issue 10 item 9 on real PCs and a real head office (loopback, SQLite and PostgreSQL):
the one live row per customer (preferences) or per customer and month (volumes) merges
instead of clashing, and "merge the two customers" works when both have such rows."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from oracle import assert_converged
from sync_helpers import add_customer

from branch_crm.models import Role
from branch_crm.services.context import Actor
from branch_crm.services.pickup_sheet import _entry
from branch_crm.services.preferences import PreferenceInput, save_preferences

pytestmark = pytest.mark.slow


def _ok(result: Any) -> None:
    assert result.error is None, result.error


def _sync_all(*clients: Any, rounds: int = 2) -> None:
    for _ in range(rounds):
        for client in clients:
            _ok(client.run_once())


def _courier(branch: str, who: str) -> Actor:
    return Actor(f"staff-{who}", who, who, Role.COURIER, branch)


def _record(db: Any, actor: Actor, customer_id: str, data: PreferenceInput) -> None:
    with db.session(actor_id=actor.staff_id, branch_id=actor.branch_id) as session:
        save_preferences(session=session, actor=actor, customer_id=customer_id, data=data)


def _sheet_entry(db: Any, customer_id: str) -> Any:
    """What the pickup sheet prints for the customer on this PC."""
    from branch_crm.models import Customer

    with db.session() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return _entry(session, customer)


def _rows(db: Any, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db.path) as raw:
        return raw.execute(sql, params).fetchall()


def test_first_preferences_recorded_on_two_pcs_merge_into_one_row(
    hq: Any, make_branch: Any
) -> None:
    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    customer = add_customer(db_a, "BR1", "赵六", "13911112222")
    _sync_all(c_a, c_b, rounds=1)  # both PCs know the customer, no preferences yet
    # offline, two couriers record the customer's first preferences
    _record(
        db_a,
        _courier("BR1", "li"),
        customer,
        PreferenceInput(availability={"mon": [("09:00", "12:00")]}, packaging="A4 carton"),
    )
    _record(
        db_b,
        _courier("BR1", "wang"),
        customer,
        PreferenceInput(
            availability={"sat": [("10:00", "12:00")]}, drop_off="parcel_locker", notes="狗"
        ),
    )
    _sync_all(c_a, c_b, c_a)
    for db in (db_a, db_b):
        assert _rows(db, "SELECT COUNT(*) FROM sync_conflict")[0][0] == 0
        assert _rows(db, "SELECT COUNT(*) FROM sync_parked")[0][0] == 0
        live = _rows(
            db,
            "SELECT COUNT(*) FROM pickup_preference WHERE customer_id = ? AND deleted_at IS NULL",
            customer,
        )
        assert live[0][0] == 1
    assert _sheet_entry(db_a, customer) == _sheet_entry(db_b, customer)
    # the later recording (pc_b's) stands, column by column
    entry = _sheet_entry(db_a, customer)
    assert entry.drop_off == "parcel_locker" and entry.notes == "狗"
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])
