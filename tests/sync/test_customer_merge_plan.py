"""The one customer-merge rule (sync.customer_merge) on plain rows: what a merge writes."""

from __future__ import annotations

from datetime import date
from typing import Any

from branch_crm.ids import keyed_id
from branch_crm.sync.customer_merge import (
    MergeInput,
    Write,
    merged_preferences,
    plan_merge,
    preference_id,
    volume_id,
)

NOW = "now"
SURVIVOR = {"id": "s", "branch_id": "BR2", "name": "王先生", "company": "", "need_tags": "fragile"}
ABSORBED = {
    "id": "a",
    "branch_id": "BR1",
    "name": "王五",
    "company": "王记",
    "address": "上海路1号",
    "need_tags": "cold_chain,fragile",
    "account_manager_id": "staff-1",
    "first_shipment_date": date(2024, 5, 1),
}


def _plan(
    rows: dict[str, list[dict[str, Any]]], *, across: bool = False, **survivor: Any
) -> list[Write]:
    merge = MergeInput({**SURVIVOR, **survivor}, ABSORBED, rows, across_branches=across)
    return plan_merge(merge, NOW)


def _on(writes: list[Write], table: str) -> list[Write]:
    return [w for w in writes if w.table == table]


def test_the_survivor_keeps_its_values_and_fills_its_gaps() -> None:
    writes = _plan({}, first_shipment_date=date(2025, 1, 1), address="北京路2号")
    (profile,) = [w for w in _on(writes, "customer") if w.pk == "s"]
    assert profile.values == {
        "company": "王记",
        "account_manager_id": "staff-1",  # within a branch only
        "first_shipment_date": date(2024, 5, 1),  # the earlier one
        "need_tags": "fragile,cold_chain",
    }
    assert Write("customer", "a", {"deleted_at": NOW}) in writes


def test_across_branches_the_account_manager_stays_behind() -> None:
    (profile,) = [w for w in _on(_plan({}, across=True), "customer") if w.pk == "s"]
    assert "account_manager_id" not in profile.values
    assert profile.values["address"] == "上海路1号"


def test_preferences_merge_field_by_field_and_the_place_goes_with_its_description() -> None:
    mine = {"availability": {}, "drop_off": "door", "packaging": "box", "notes": "  "}
    theirs = {
        "availability": {"mon": [["09:00", "12:00"]]},
        "drop_off": "other",
        "drop_off_other": "neighbour",
        "packaging": "A4",
        "notes": "dog",
        "away_weekends": True,
    }
    assert merged_preferences(mine, theirs) == {
        "availability": {"mon": [["09:00", "12:00"]]},
        "notes": "dog",
        "away_weekends": True,
    }
    assert merged_preferences({"packaging": None}, theirs)["drop_off_other"] == "neighbour"


def test_the_absorbed_preferences_are_tombstoned_and_merged_into_the_survivors_row() -> None:
    rows = {
        "pickup_preference": [
            {"id": "pa", "customer_id": "a", "packaging": "A4", "drop_off": "door"},
            {"id": "ps", "customer_id": "s", "packaging": None, "drop_off": "parcel_locker"},
        ]
    }
    writes = _on(_plan(rows), "pickup_preference")
    assert writes == [
        Write("pickup_preference", "pa", {"deleted_at": NOW}),
        Write("pickup_preference", "ps", {"packaging": "A4"}),
    ]


def test_preferences_only_the_absorbed_record_has_go_to_the_survivors_derived_row() -> None:
    rows = {"pickup_preference": [{"id": "pa", "customer_id": "a", "packaging": "A4"}]}
    tombstone, created = _on(_plan(rows, across=True), "pickup_preference")
    assert tombstone == Write("pickup_preference", "pa", {"deleted_at": NOW})
    assert created.insert and created.pk == preference_id("s")
    assert created.values["packaging"] == "A4"
    assert (created.values["customer_id"], created.values["branch_id"]) == ("s", "BR2")


def test_the_same_months_volumes_add_up_and_other_months_move_to_derived_rows() -> None:
    rows = {
        "monthly_volume": [
            {
                "id": "va",
                "customer_id": "a",
                "month": "2026-10",
                "parcels": 400,
                "revenue_cents": 9,
            },
            {"id": "vb", "customer_id": "a", "month": "2026-09", "parcels": 5, "revenue_cents": 1},
            {
                "id": "vs",
                "customer_id": "s",
                "month": "2026-10",
                "parcels": 700,
                "revenue_cents": 1,
            },
            {"id": "vx", "customer_id": "s", "month": "2026-08", "parcels": 1, "revenue_cents": 1},
        ]
    }
    writes = _on(_plan(rows), "monthly_volume")
    assert [w for w in writes if w.tombstones] == [
        Write("monthly_volume", "vb", {"deleted_at": NOW}),
        Write("monthly_volume", "va", {"deleted_at": NOW}),
    ]
    assert Write("monthly_volume", "vs", {"parcels": 1100, "revenue_cents": 10}) in writes
    (created,) = [w for w in writes if w.insert]
    assert created.pk == volume_id("s", "2026-09")
    assert created.values == {
        "customer_id": "s",
        "branch_id": "BR2",
        "month": "2026-09",
        "parcels": 5,
        "revenue_cents": 1,
    }


PHONES = [
    {"id": "p1", "customer_id": "s", "phone": "139", "position": 0},
    {"id": "p1b", "customer_id": "s", "phone": "150", "position": 3},
    {"id": "p2", "customer_id": "a", "phone": "139", "position": 0},
    {"id": "p3", "customer_id": "a", "phone": "137", "kind": "mobile", "position": 1},
    {"id": "gone", "customer_id": "a", "phone": "136", "deleted_at": "then"},
]


def test_within_a_branch_numbers_move_after_the_survivors_own() -> None:
    writes = _on(_plan({"customer_phone": PHONES}), "customer_phone")
    assert writes == [
        Write("customer_phone", "p2", {"deleted_at": NOW}),  # the survivor has the number
        Write("customer_phone", "p3", {"customer_id": "s", "position": 4}),
    ]


def test_across_branches_numbers_are_copied_into_the_survivors_branch() -> None:
    writes = _on(_plan({"customer_phone": PHONES}, across=True), "customer_phone")
    copy = {"customer_id": "s", "branch_id": "BR2", "phone": "137", "kind": "mobile", "position": 4}
    assert writes == [
        Write("customer_phone", "p2", {"deleted_at": NOW}),
        Write("customer_phone", "p3", {"deleted_at": NOW}),
        Write("customer_phone", keyed_id("customer_phone", "s", "p3"), copy, insert=True),
    ]


def test_history_moves_within_a_branch_only_and_tombstones_come_first() -> None:
    rows = {
        "complaint": [{"id": "c1", "customer_id": "a"}, {"id": "c2", "customer_id": "s"}],
        "care_task": [{"id": "t1", "customer_id": "a"}],
        "monthly_volume": [{"id": "va", "customer_id": "a", "month": "2026-10", "parcels": 1}],
    }
    writes = _plan(rows)
    assert Write("complaint", "c1", {"customer_id": "s"}) in writes
    assert Write("care_task", "t1", {"customer_id": "s"}) in writes
    assert not [w for w in writes if w.pk == "c2"]
    flags = [w.tombstones for w in writes]
    assert flags == sorted(flags, reverse=True)
    assert not [w for w in _plan(rows, across=True) if w.table in ("complaint", "care_task")]
