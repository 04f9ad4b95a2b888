"""Derived classification: tier, stage, lifecycle, churn risk, RFM and rank, at the boundaries
of DOMAIN.md's thresholds, with the clock frozen where the reference month matters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from branch_crm.models import Customer, CustomerStats, MonthlyVolume
from branch_crm.services.context import unit_of_work
from branch_crm.services.customers.classification import (
    lifecycle_label,
    recompute_stats,
    reference_month,
    stage_label,
    tier_label,
)
from branch_crm.services.settings import values as settings
from branch_crm.timeutil import add_months

TODAY = date(2026, 11, 23)
M0 = "2026-10"  # the last complete month before TODAY


@pytest.fixture
def add(db, counter) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """add(volumes={month: parcels}, first=date|None, revenue=cents per parcel) -> id."""

    def make(
        volumes: dict[str, int] | None = None,
        first: date | None = date(2020, 1, 1),
        revenue: int = 1000,
        name: str = "客户",
    ) -> str:
        with unit_of_work(db, counter) as session:
            customer = Customer(name=name, first_shipment_date=first)
            session.add(customer)
            session.flush()
            for month, parcels in (volumes or {}).items():
                session.add(
                    MonthlyVolume(
                        customer_id=customer.id,
                        month=month,
                        parcels=parcels,
                        revenue_cents=parcels * revenue,
                    )
                )
            return customer.id

    yield make


@pytest.fixture
def stats(db, counter) -> Any:  # type: ignore[no-untyped-def]
    """stats(id, today=TODAY) -> the CustomerStats row after a recompute of that customer."""

    def read(customer_id: str, today: date | None = TODAY) -> CustomerStats:
        with unit_of_work(db, counter) as session:
            recompute_stats(session=session, customer_ids=[customer_id], today=today)
            row = session.get(CustomerStats, customer_id)
            assert row is not None
            session.expunge(row)
            return row

    return read


def last3(value: int) -> dict[str, int]:
    """The same parcels in each of the three months M-2..M."""
    return {add_months(M0, -i): value for i in range(3)}


@pytest.mark.parametrize(
    ("monthly", "tier"),
    [
        (5000, "strategic"),
        (4999, "key"),
        (1000, "key"),
        (999, "ordinary"),
        (30, "ordinary"),
        (29, "walk_in"),
        (0, "walk_in"),
    ],
)
def test_tier_boundaries_use_the_last_three_months(add, stats, monthly: int, tier: str) -> None:  # type: ignore[no-untyped-def]
    assert stats(add(last3(monthly))).tier == tier


def test_tier_compares_the_exact_average_not_the_rounded_one(add, stats) -> None:  # type: ignore[no-untyped-def]
    # 14,999 parcels in three months is 4,999.67 a month: key, although it rounds to 5,000
    customer = add({"2026-08": 5000, "2026-09": 5000, "2026-10": 4999})
    row = stats(customer)
    assert row.tier == "key"
    assert row.avg_month_parcels == 5000


def test_months_outside_the_window_do_not_count(add, stats) -> None:  # type: ignore[no-untyped-def]
    # huge volume four months ago and in the current (incomplete) month: still walk-in
    customer = add({"2026-07": 90000, "2026-11": 90000, "2026-10": 10})
    row = stats(customer)
    assert row.tier == "walk_in"
    assert row.last_month_parcels == 10
    assert row.last_shipment_month == "2026-11"


@pytest.mark.parametrize(
    ("first", "stage"),
    [
        (date(2026, 8, 24), "new"),  # 2 complete months
        (date(2026, 8, 23), "stable"),  # exactly 3
        (date(2025, 11, 24), "stable"),  # 11 complete months
        (date(2025, 11, 23), "loyal"),  # exactly 12
        (date(2019, 5, 1), "loyal"),
    ],
)
def test_stage_boundaries(add, stats, first: date, stage: str) -> None:  # type: ignore[no-untyped-def]
    assert stats(add(last3(40), first=first)).stage == stage


def test_stage_falls_back_to_the_first_shipping_month(add, stats) -> None:  # type: ignore[no-untyped-def]
    assert stats(add({"2026-10": 5}, first=None)).stage == "new"
    assert stats(add({"2025-01": 5, "2026-10": 5}, first=None)).stage == "loyal"


@pytest.mark.parametrize(
    ("last_month", "lifecycle", "recency"),
    [
        ("2026-10", "active", 5),
        ("2026-08", "active", 4),
        ("2026-05", "active", 3),  # five empty months: not yet dormant
        ("2026-04", "dormant", 2),  # six complete months without parcels
        ("2025-09", "dormant", 1),
    ],
)
def test_lifecycle_dormant_after_six_empty_months(  # type: ignore[no-untyped-def]
    add, stats, last_month: str, lifecycle: str, recency: int
) -> None:
    row = stats(add({last_month: 10}))
    assert (row.lifecycle, row.recency_score) == (lifecycle, recency)


def test_never_shipped_is_new_or_dormant(add, stats) -> None:  # type: ignore[no-untyped-def]
    assert stats(add({}, first=date(2026, 11, 1))).lifecycle == "new"
    row = stats(add({}, first=date(2024, 1, 1)))
    assert (row.lifecycle, row.recency_score, row.frequency_score) == ("dormant", 1, 1)


def test_shipping_in_the_current_month_keeps_a_customer_active(add, stats) -> None:  # type: ignore[no-untyped-def]
    row = stats(add({"2025-12": 3, "2026-11": 2}))
    assert row.lifecycle == "active"


@pytest.mark.parametrize(
    ("previous", "last", "risk"),
    [
        (100, 49, True),
        (100, 50, False),  # not below half of the previous average
        (29, 0, False),  # too small a customer to flag
        (30, 14, True),
    ],
)
def test_churn_risk_when_the_last_month_drops(
    add, stats, previous: int, last: int, risk: bool
) -> None:  # type: ignore[no-untyped-def]
    volumes = {"2026-07": previous, "2026-08": previous, "2026-09": previous, "2026-10": last}
    assert bool(stats(add(volumes)).churn_risk) is risk


def test_rfm_scores(add, stats) -> None:  # type: ignore[no-untyped-def]
    every_month = {add_months(M0, -i): 2000 for i in range(12)}
    top = stats(add(every_month, revenue=600))  # 12,000 yuan a month
    assert (top.recency_score, top.frequency_score, top.monetary_score) == (5, 5, 5)
    some = {"2026-10": 10, "2026-06": 10, "2026-02": 10}
    mid = stats(add(some, revenue=2500))  # 750 yuan in a year: 62.5 a month
    assert (mid.recency_score, mid.frequency_score, mid.monetary_score) == (5, 2, 2)


def test_search_rank_puts_important_active_customers_first(add, stats) -> None:  # type: ignore[no-untyped-def]
    strategic = stats(add(last3(6000)))
    key = stats(add(last3(2000)))
    walk_in = stats(add(last3(3)))
    dormant = stats(add({"2025-01": 3}))
    ranks = [strategic.search_rank, key.search_rank, walk_in.search_rank, dormant.search_rank]
    assert ranks == sorted(ranks, reverse=True)
    assert len(set(ranks)) == 4


def test_thresholds_come_from_settings(db, admin, add, stats) -> None:  # type: ignore[no-untyped-def]
    customer = add(last3(200))
    assert stats(customer).tier == "ordinary"
    with unit_of_work(db, admin) as session:
        settings.put(session, admin, "tier.key_min", 150)
        settings.put(session, admin, "lifecycle.dormant_months", 2)
    assert stats(customer).tier == "key"
    assert stats(add({"2026-08": 5})).lifecycle == "dormant"


def test_bulk_recompute_equals_per_customer(db, counter, add) -> None:  # type: ignore[no-untyped-def]
    ids = [
        add(last3(6000)),
        add({"2026-10": 3}, first=None),
        add({"2025-02": 9}),
        add({"2026-07": 80, "2026-08": 80, "2026-09": 80, "2026-10": 1}),
    ]
    columns = ("tier", "stage", "lifecycle", "churn_risk", "recency_score", "frequency_score")
    with unit_of_work(db, counter) as session:
        assert recompute_stats(session=session, today=TODAY) == 4
        bulk = {i: tuple(getattr(session.get(CustomerStats, i), c) for c in columns) for i in ids}
        session.execute(CustomerStats.__table__.delete())
        for i in ids:
            recompute_stats(session=session, customer_ids=[i], today=TODAY)
        session.expire_all()
        each = {i: tuple(getattr(session.get(CustomerStats, i), c) for c in columns) for i in ids}
    assert bulk == each


def test_deleted_customers_lose_their_stats(db, counter, add, stats) -> None:  # type: ignore[no-untyped-def]
    customer = add(last3(40))
    stats(customer)
    with unit_of_work(db, counter) as session:
        session.get(Customer, customer).deleted_at = datetime.now(UTC)  # type: ignore[union-attr]
        session.flush()
        assert recompute_stats(session=session, customer_ids=[customer]) == 0
        assert session.get(CustomerStats, customer) is None


def test_reference_month_follows_the_frozen_clock(db, counter, add) -> None:  # type: ignore[no-untyped-def]
    customer = add({"2026-11": 40, "2026-10": 40, "2026-09": 40})
    # 1 December 01:00 in Shanghai is still 30 November in UTC: November is complete
    with time_machine.travel(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), tick=False):
        assert reference_month() == "2026-11"
        with unit_of_work(db, counter) as session:
            recompute_stats(session=session, customer_ids=[customer])
            row = session.get(CustomerStats, customer)
            assert row is not None
            assert (row.computed_for, row.tier, row.last_month_parcels) == (
                "2026-11",
                "ordinary",
                40,
            )
    with time_machine.travel(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), tick=False):
        assert reference_month() == "2026-10"


def test_labels_are_translated() -> None:
    from branch_crm.i18n import set_language

    assert (tier_label("walk_in"), stage_label("loyal"), lifecycle_label("dormant")) == (
        "Walk-in",
        "Loyal",
        "Dormant",
    )
    set_language("zh_CN")
    assert tier_label("strategic") != "Strategic"
    assert tier_label("unknown") == "unknown"


def test_rank_is_stable_when_only_recency_moves(add, stats) -> None:  # type: ignore[no-untyped-def]
    customer = add({add_months(M0, -i): 60 for i in range(12)})
    now = stats(customer)
    a_month_later = stats(customer, today=date(2026, 12, 23))
    assert (now.recency_score, a_month_later.recency_score) == (5, 4)
    assert now.search_rank == a_month_later.search_rank


def test_refresh_only_when_a_new_month_began(db, counter, add) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.classification import refresh_if_stale

    add(last3(40))
    add({})
    with unit_of_work(db, counter) as session:
        assert refresh_if_stale(session=session, today=TODAY) == 2
        assert refresh_if_stale(session=session, today=TODAY) == 0
        assert refresh_if_stale(session=session, today=date(2026, 12, 1)) == 2


def _catch_up_all(db, counter, today: date) -> list[Any]:  # type: ignore[no-untyped-def]
    """Run catch_up_step to the end, one unit of work per step (as the app does)."""
    from branch_crm.services.customers.classification import catch_up_step

    states: list[Any] = []
    state = None
    for _step in range(100):
        with unit_of_work(db, counter, audit=False) as session:
            state = catch_up_step(session=session, state=state, today=today)
        states.append(state)
        if state.finished:
            return states
    raise AssertionError("the catch-up never finished")


def test_catch_up_recomputes_a_new_month_in_steps(db, counter, add, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers import classification

    monkeypatch.setattr(classification, "STATS_CHUNK", 2)
    busy = add(last3(1200))
    quiet = [add({}) for _ in range(4)]
    states = _catch_up_all(db, counter, TODAY)
    stages = [s.stage for s in states]
    assert stages[:3] == ["stats", "stats", "stats"] and stages[-1] == "done"
    assert [s.done for s in states[:3]] == [0, 2, 4] and states[0].total == 5
    with unit_of_work(db, counter) as session:
        rows = {r.customer_id: r for r in session.query(CustomerStats)}
        assert {r.computed_for for r in rows.values()} == {M0}
        assert rows[busy].tier == "key" and set(rows) == {busy, *quiet}
        assert not classification.stale_stats(session=session, today=TODAY)
        assert classification.stale_stats(session=session, today=date(2026, 12, 2))
    assert [s.stage for s in _catch_up_all(db, counter, TODAY)] == ["done"]  # nothing due


def test_catch_up_after_a_threshold_change(db, counter, admin, add) -> None:  # type: ignore[no-untyped-def]
    customer = add(last3(800))
    _catch_up_all(db, counter, TODAY)
    with unit_of_work(db, admin) as session:
        settings.put(session, admin, "tier.key_min", 700)
    assert _catch_up_all(db, counter, TODAY)[0].stage == "stats"
    with unit_of_work(db, counter) as session:
        row = session.get(CustomerStats, customer)
        assert row is not None and row.tier == "key"


def test_catch_up_reindexes_the_lookup_backlog(db, counter, add, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers import classification
    from branch_crm.services.customers.search import search_customers

    monkeypatch.setattr(classification, "INDEX_CHUNK", 2)
    ids = [add({}, name=name) for name in ("张三", "李四", "王五")]
    _catch_up_all(db, counter, TODAY)
    with db.engine.begin() as conn:  # a sync page or raw SQL renames them behind the app
        for customer_id, name in zip(ids, ("赵六", "钱七", "孙八"), strict=True):
            conn.exec_driver_sql("UPDATE customer SET name = ? WHERE id = ?", (name, customer_id))
    states = _catch_up_all(db, counter, TODAY)
    assert [(s.stage, s.done, s.total) for s in states] == [
        ("index", 0, 3),
        ("index", 2, 3),
        ("index", 3, 3),
        ("done", 0, 0),
    ]
    with unit_of_work(db, counter) as session:
        assert [h.name for h in search_customers(session=session, query="孙八")] == ["孙八"]
        assert search_customers(session=session, query="王五") == []
