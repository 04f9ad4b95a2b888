"""Issue 10 item 9 on one branch database: the preference row's derived id, and "merge the
two customers" when both have preferences and a volume for the same month."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from branch_crm.models import (
    AuditEntry,
    Complaint,
    Customer,
    CustomerPhone,
    MonthlyVolume,
    PickupPreference,
    SyncConflict,
    Visit,
)
from branch_crm.services.context import unit_of_work
from branch_crm.services.customers.preferences import (
    PreferenceInput,
    get_preferences,
    save_preferences,
)
from branch_crm.services.customers.profile import create_customer
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.services.syncing.conflicts import resolve_conflict
from branch_crm.sync.customer_merge import preference_id, volume_id
from branch_crm.timeutil import utcnow

BRANCH = "BR001"
MONTH = "2026-10"


def _prefs(**kwargs: Any) -> PreferenceInput:
    return PreferenceInput(**{"availability": {"mon": [("09:00", "12:00")]}, **kwargs})


def test_first_preferences_take_the_id_every_pc_derives(call, courier, customer, count) -> None:  # type: ignore[no-untyped-def]
    call(courier, save_preferences, customer_id=customer, data=_prefs())
    call(courier, save_preferences, customer_id=customer, data=_prefs(packaging="A4"))
    assert count("SELECT COUNT(*) FROM pickup_preference") == 1
    assert count(f"SELECT COUNT(*) FROM pickup_preference WHERE id = '{preference_id(customer)}'")


def test_preferences_stored_under_another_id_are_updated(
    db, call, courier, customer, count
) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(db, courier) as session:  # an older version's row: a random id
        session.add(PickupPreference(id="legacy-row", customer_id=customer, packaging="box"))
    call(courier, save_preferences, customer_id=customer, data=_prefs(packaging="A4"))
    assert count("SELECT COUNT(*) FROM pickup_preference") == 1
    view = call(courier, get_preferences, customer_id=customer)
    assert view.packaging == "A4"
    assert count("SELECT COUNT(*) FROM pickup_preference WHERE id = 'legacy-row'") == 1


def test_a_deleted_row_holding_the_derived_id_does_not_block_a_new_one(  # type: ignore[no-untyped-def]
    db, call, courier, customer, count
) -> None:
    with unit_of_work(db, courier) as session:
        session.add(
            PickupPreference(id=preference_id(customer), customer_id=customer, deleted_at=utcnow())
        )
    call(courier, save_preferences, customer_id=customer, data=_prefs())
    assert count("SELECT COUNT(*) FROM pickup_preference WHERE deleted_at IS NULL") == 1


# --- merging two customers of this branch --------------------------------------------------


def _customer(call, actor, name: str, phone: str) -> str:  # type: ignore[no-untyped-def]
    return str(call(actor, create_customer, data=CustomerInput(name=name, phones=[phone])).id)


def _volume(db: Any, actor: Any, customer_id: str, month: str, parcels: int) -> None:
    with unit_of_work(db, actor) as session:
        session.add(
            MonthlyVolume(
                customer_id=customer_id, month=month, parcels=parcels, revenue_cents=parcels * 10
            )
        )


def _park_phone(db: Any, customer_id: str, phone: str) -> str:
    """A phone of ``customer_id`` pulled from head office that clashes here, so set aside
    (sync_parked), as the applier parks it; returns its id."""
    import json

    pk = "parked-phone"
    stamp = "2026-10-01 00:00:00.000000"
    data = {
        "branch_id": BRANCH,
        "created_at": stamp,
        "updated_at": stamp,
        "customer_id": customer_id,
        "phone": phone,
        "kind": "mobile",
        "position": 1,
    }
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO sync_parked (table_name, pk, data, clocks) VALUES (?, ?, ?, '{}')",
            ("customer_phone", pk, json.dumps(data)),
        )
    return pk


@pytest.fixture
def two_records(db, call, counter, staff) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """Two records of one person on the PC that held the phone first: the other PC's record
    (the survivor) has its copy of the number set aside here. Returns (survivor, absorbed,
    conflict id); both have preferences and a volume for MONTH."""
    data = CustomerInput(name="王五", phones=["13966667777", "13700001111"])
    absorbed = str(call(counter, create_customer, data=data).id)
    data = CustomerInput(name="王五(柜台2)", phones=["13900001111"])
    survivor = str(call(counter, create_customer, data=data).id)
    parked = _park_phone(db, survivor, "13966667777")
    with unit_of_work(db, counter) as session:
        session.get(Customer, absorbed).address = "上海路1号"  # type: ignore[union-attr]
        session.get(Customer, absorbed).first_shipment_date = date(2024, 5, 1)  # type: ignore[union-attr]
        session.get(Customer, survivor).first_shipment_date = date(2025, 1, 1)  # type: ignore[union-attr]
        session.add(Complaint(**_complaint(absorbed)))
        session.add(Visit(customer_id=absorbed, at=utcnow(), kind="call"))
    call(counter, save_preferences, customer_id=absorbed, data=_prefs(packaging="A4 carton"))
    call(counter, save_preferences, customer_id=survivor, data=_prefs(drop_off="parcel_locker"))
    _volume(db, counter, absorbed, MONTH, 400)
    _volume(db, counter, absorbed, "2026-09", 50)
    _volume(db, counter, survivor, MONTH, 700)
    with unit_of_work(db, counter, audit=False) as session:  # as head office sends it
        holder = session.scalars(
            select(CustomerPhone.id).where(CustomerPhone.phone == "13966667777")
        ).one()
        conflict = SyncConflict(
            kind="unique_phone",
            table_name="customer_phone",
            row_id=parked,
            other_row_id=holder,
            other_branch_id=BRANCH,
            columns="phone",
            value="13966667777",
            customer_id=survivor,
            other_customer_id=absorbed,
            other_customer_name="王五",
        )
        session.add(conflict)
        session.flush()
        return survivor, absorbed, conflict.id


def _complaint(customer_id: str) -> dict[str, Any]:
    return {
        "number": "BR001-20261001-0001",
        "customer_id": customer_id,
        "channel": "phone",
        "category": "delay",
        "description": "late",
        "grade": 3,
        "suggested_grade": 3,
        "received_at": utcnow(),
    }


def test_merging_two_customers_with_preferences_and_the_same_months_volume(  # type: ignore[no-untyped-def]
    db, call, supervisor, two_records, count
) -> None:
    survivor, absorbed, conflict = two_records
    call(supervisor, resolve_conflict, conflict_id=conflict, choice="merge")
    with unit_of_work(db, supervisor) as session:
        assert session.get(Customer, absorbed) is None  # tombstoned (hidden)
        kept = session.get(Customer, survivor)
        assert kept is not None
        assert kept.address == "上海路1号"  # an empty field filled from the absorbed record
        assert kept.first_shipment_date == date(2024, 5, 1)  # the earlier one
        phones = session.scalars(
            select(CustomerPhone.phone).where(CustomerPhone.customer_id == survivor)
        ).all()
        # the contested number is the survivor's (its parked copy applied), the other moved
        assert sorted(phones) == ["13700001111", "13900001111", "13966667777"]
        (pref,) = session.scalars(
            select(PickupPreference).where(PickupPreference.customer_id.in_([survivor, absorbed]))
        ).all()
        assert (pref.drop_off, pref.packaging) == ("parcel_locker", "A4 carton")
        volumes = {
            v.month: (v.parcels, v.revenue_cents)
            for v in session.scalars(
                select(MonthlyVolume).where(MonthlyVolume.customer_id == survivor)
            )
        }
        assert volumes == {MONTH: (1100, 11000), "2026-09": (50, 500)}
        assert session.scalars(select(Complaint.customer_id)).all() == [survivor]
        # insert-only history is never changed (head office ignores such updates)
        assert session.scalars(select(Visit.customer_id)).all() == [absorbed]
        # the merge went through the session: audited
        moved = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "monthly_volume", AuditEntry.action == "create"
            )
        ).all()
        assert any(e.entity_id == volume_id(survivor, "2026-09") for e in moved)
    assert count("SELECT COUNT(*) FROM sync_parked") == 0
    assert count(f"SELECT COUNT(*) FROM customer_stats WHERE customer_id = '{absorbed}'") == 0
    assert count(
        f"SELECT last_month_parcels >= 0 FROM customer_stats WHERE customer_id = '{survivor}'"
    )
