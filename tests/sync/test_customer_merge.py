"""Issue 10 item 9 on real PCs and a real head office (loopback, SQLite and PostgreSQL):
the one live row per customer (preferences) or per customer and month (volumes) merges
instead of clashing, and "merge the two customers" works when both have such rows."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from oracle import assert_converged

from branch_crm.models import Role
from branch_crm.services.context import Actor
from branch_crm.services.customers.pickup_sheet import _entry
from branch_crm.services.customers.preferences import PreferenceInput, save_preferences
from tests.support.sync import add_customer, on_staff

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


# --- merging two customers that both have preferences and the same month's volume ------

MONTH = "2026-10"


def _add_volume(db: Any, branch: str, customer_id: str, month: str, parcels: int) -> None:
    """A monthly volume row as an import writes it (its own random id)."""
    from branch_crm.models import MonthlyVolume

    with db.session(actor_id="tester", branch_id=branch) as session:
        session.add(
            MonthlyVolume(
                customer_id=customer_id, month=month, parcels=parcels, revenue_cents=parcels * 100
            )
        )


def _profiled(db: Any, branch: str, name: str, phone: str, parcels: int, **prefs: Any) -> str:
    """A customer with pickup preferences and a volume for MONTH and one other month."""
    customer = add_customer(db, branch, name, phone)
    _record(db, _courier(branch, "li"), customer, PreferenceInput(**prefs))
    _add_volume(db, branch, customer, MONTH, parcels)
    _add_volume(db, branch, customer, f"2026-0{parcels % 9 + 1}", 1)
    return customer


def _resolve_merge(db: Any, branch: str) -> None:
    from branch_crm.services.syncing.conflicts import list_conflicts, resolve_conflict

    actor = on_staff(db, Actor(f"boss-{branch}", "boss", "boss", Role.SUPERVISOR, branch))
    with db.session() as session:
        (conflict,) = list_conflicts(session=session)
    with db.session(actor_id=actor.staff_id, branch_id=branch) as session:
        resolve_conflict(session=session, actor=actor, conflict_id=conflict.id, choice="merge")


def _live(db: Any, table: str, customer_id: str) -> list[sqlite3.Row]:
    with sqlite3.connect(db.path) as raw:
        raw.row_factory = sqlite3.Row
        return raw.execute(
            f'SELECT * FROM "{table}" WHERE customer_id = ? AND deleted_at IS NULL', (customer_id,)
        ).fetchall()


def _assert_merged(db: Any, survivor: str, absorbed: str, *, absorbed_here: bool = True) -> None:
    """The survivor holds both records' data as the merge rule says; the absorbed is gone
    (``absorbed_here``: this PC holds the absorbed record, i.e. both are in its branch)."""
    gone = _rows(db, "SELECT deleted_at IS NOT NULL FROM customer WHERE id = ?", absorbed)
    assert gone == ([(1,)] if absorbed_here else [])
    for table in ("customer_phone", "pickup_preference", "monthly_volume"):
        assert _live(db, table, absorbed) == []
    (pref,) = _live(db, "pickup_preference", survivor)
    assert pref["drop_off"] == "parcel_locker"  # the survivor's own value
    assert pref["packaging"] == "A4 carton"  # empty at the survivor: the absorbed one's
    volumes = {row["month"]: row["parcels"] for row in _live(db, "monthly_volume", survivor)}
    assert volumes[MONTH] == 700 + 400  # one sender: the same month's parcels add up
    assert len(volumes) == 3  # and the months only one of them had are kept
    phones = sorted(row["phone"] for row in _live(db, "customer_phone", survivor))
    assert phones == ["13700001111", "13966667777"]


def test_merging_two_customers_of_one_branch_with_preferences_and_volumes(
    hq: Any, make_branch: Any
) -> None:
    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    first = _profiled(
        db_a, "BR1", "王五", "13966667777", 400, availability={}, packaging="A4 carton"
    )
    with db_a.session(actor_id="tester", branch_id="BR1") as session:
        from branch_crm.models import CustomerPhone

        session.add(CustomerPhone(customer_id=first, phone="13700001111", position=1))
    second = _profiled(
        db_b,
        "BR1",
        "王五(柜台2)",
        "13966667777",
        700,
        availability={"mon": [("09:00", "12:00")]},
        drop_off="parcel_locker",
    )
    _sync_all(c_a, c_b)
    _resolve_merge(db_b, "BR1")
    _sync_all(c_b, c_a)
    for db in (db_a, db_b):
        _assert_merged(db, second, first)
    assert _sheet_entry(db_a, second) == _sheet_entry(db_b, second)
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])


def test_merging_two_customers_across_branches_with_preferences_and_volumes(
    hq: Any, make_branch: Any
) -> None:
    db1, c1 = make_branch("BR1")
    db_a, c_a = make_branch("BR2", name="br2_a")
    db_b, c_b = make_branch("BR2", name="br2_b")
    first = _profiled(
        db1, "BR1", "王五", "13966667777", 400, availability={}, packaging="A4 carton"
    )
    with db1.session(actor_id="tester", branch_id="BR1") as session:
        from branch_crm.models import CustomerPhone

        session.add(CustomerPhone(customer_id=first, phone="13700001111", position=1))
    _ok(c1.run_once())
    second = _profiled(
        db_a,
        "BR2",
        "王先生",
        "13966667777",
        700,
        availability={"mon": [("09:00", "12:00")]},
        drop_off="parcel_locker",
    )
    _sync_all(c_a, c_b)
    _resolve_merge(db_b, "BR2")  # on the PC that did not write the contested phone
    _sync_all(c_b, c_a, c1)
    for db in (db_a, db_b):
        _assert_merged(db, second, first, absorbed_here=False)
    assert _sheet_entry(db_a, second) == _sheet_entry(db_b, second)
    for table in ("customer", "customer_phone", "pickup_preference", "monthly_volume"):
        assert _rows(db1, f'SELECT COUNT(*) FROM "{table}" WHERE deleted_at IS NULL') == [(0,)]
    assert_converged(hq.engine, [(db1, "BR1"), (db_a, "BR2"), (db_b, "BR2")])
