"""The million-row list service: ordered keys for every sort and filter, rows on demand."""

from __future__ import annotations

import array
from typing import Any

import pytest

from branch_crm.services.customers.listing import (
    SORT_COLUMNS,
    ListFilter,
    fetch_rows,
    list_customer_keys,
)
from branch_crm.services.customers.profile import create_customer, delete_customer
from branch_crm.services.customers.validation import CustomerInput

# name, phone, visit class, need tags, parcels in each of the last 3 complete months
ROWS = [
    ("王大", "13800000001", "A", ["fragile"], 6000),
    ("李二", "13800000002", "B", [], 1500),
    ("张三", "13800000003", None, ["cold_chain", "fragile"], 100),
    ("阿四", "13800000004", "C", [], 0),
    ("赵五", "13800000005", "A", ["valuables"], 1000),
]


@pytest.fixture
def listed(call, counter, db):  # type: ignore[no-untyped-def]
    """The customers above with monthly volumes and fresh stats; name -> id."""
    from branch_crm.models import MonthlyVolume
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.customers.classification import recompute_stats, reference_month
    from branch_crm.timeutil import add_months

    ids = {}
    for name, phone, visit, tags, _parcels in ROWS:
        data = CustomerInput(name=name, phones=[phone], visit_class=visit, need_tags=tags)
        ids[name] = call(counter, create_customer, data=data).id
    with unit_of_work(db, counter) as session:
        for name, *_rest, parcels in ROWS:
            for back in range(3):
                month = add_months(reference_month(), -back)
                session.add(MonthlyVolume(customer_id=ids[name], month=month, parcels=parcels))
        session.flush()
        recompute_stats(session=session)
    return ids


def _names(call, counter, keys) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.name for r in call(counter, fetch_rows, keys=keys)]


ANY = ListFilter()


def keys_of(call, counter, flt=ANY, sort="name", descending=False):  # type: ignore[no-untyped-def]
    keys = call(counter, list_customer_keys, flt=flt, sort=sort, descending=descending)
    assert isinstance(keys, array.array) and keys.typecode == "q"
    return _names(call, counter, keys)


def test_names_sort_by_pinyin(call, counter, listed) -> None:  # type: ignore[no-untyped-def]
    # a si, li er, wang da, zhang san, zhao wu
    assert keys_of(call, counter) == ["阿四", "李二", "王大", "张三", "赵五"]
    assert keys_of(call, counter, descending=True) == ["赵五", "张三", "王大", "李二", "阿四"]


def test_tier_and_volume_sorts(call, counter, listed) -> None:  # type: ignore[no-untyped-def]
    assert keys_of(call, counter, sort="tier")[:1] == ["王大"]
    assert set(keys_of(call, counter, sort="tier")[1:3]) == {"李二", "赵五"}
    assert keys_of(call, counter, sort="last_month_parcels", descending=True) == [
        "王大",
        "李二",
        "赵五",
        "张三",
        "阿四",
    ]


def test_visit_class_sort_puts_unclassified_last(call, counter, listed) -> None:  # type: ignore[no-untyped-def]
    names = keys_of(call, counter, sort="visit_class")
    assert names[-1] == "张三"
    assert names[:2] in (["王大", "赵五"], ["赵五", "王大"])


def test_every_sort_column_is_accepted(call, counter, listed) -> None:  # type: ignore[no-untyped-def]
    for column in SORT_COLUMNS:
        assert len(keys_of(call, counter, sort=column)) == len(ROWS)
    with pytest.raises(ValueError, match="cannot sort"):
        keys_of(call, counter, sort="phone")


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (ListFilter(tier="strategic"), ["王大"]),
        (ListFilter(tier="key"), ["李二", "赵五"]),
        (ListFilter(tier="ordinary"), ["张三"]),
        (ListFilter(tier="walk_in"), ["阿四"]),
        (ListFilter(visit_class="A"), ["王大", "赵五"]),
        (ListFilter(need_tag="fragile"), ["王大", "张三"]),
        (ListFilter(need_tag="valuables", visit_class="A"), ["赵五"]),
        (ListFilter(churn_risk=True), []),
        (ListFilter(churn_risk=False, tier="key"), ["李二", "赵五"]),
    ],
)
def test_filters(call, counter, listed, flt, expected) -> None:  # type: ignore[no-untyped-def]
    assert keys_of(call, counter, flt=flt) == expected


def test_lifecycle_filter(call, counter, listed) -> None:  # type: ignore[no-untyped-def]
    every = keys_of(call, counter)
    split = [
        keys_of(call, counter, flt=ListFilter(lifecycle=lc)) for lc in ("new", "active", "dormant")
    ]
    assert sorted(n for part in split for n in part) == sorted(every)


def test_rows_carry_the_list_columns(call, counter, listed) -> None:  # type: ignore[no-untyped-def]
    keys = call(counter, list_customer_keys, flt=ListFilter())
    rows = call(counter, fetch_rows, keys=list(reversed(keys)))
    assert [r.name for r in rows] == ["赵五", "张三", "王大", "李二", "阿四"]
    zhang = rows[1]
    assert zhang.phone == "13800000003" and zhang.tier == "ordinary"
    assert zhang.need_tags == "cold_chain,fragile" and zhang.visit_class is None
    assert zhang.last_month_parcels == 100 and zhang.churn_risk is False
    assert call(counter, fetch_rows, keys=[]) == []


def test_deleted_customers_leave_the_list(call, counter, supervisor, listed) -> None:  # type: ignore[no-untyped-def]
    call(supervisor, delete_customer, customer_id=listed["王大"])
    assert "王大" not in keys_of(call, counter)


def _index_waiting(*, session: Any) -> None:
    """The app's background catch-up (a write on its database thread): lookups and list rows
    only read, so customers changed by raw SQL show once indexed."""
    from branch_crm.services.customers.search_index import process_dirty
    from branch_crm.services.dbapi import raw_connection

    process_dirty(raw_connection(session))


def test_list_follows_raw_sql_writes(call, counter, listed, db) -> None:  # type: ignore[no-untyped-def]
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE customer SET visit_class = 'C' WHERE name = '张三'")
        conn.exec_driver_sql(
            "UPDATE customer_stats SET churn_risk = 1 WHERE customer_id = ?", (listed["李二"],)
        )
        conn.exec_driver_sql(
            "UPDATE customer SET name = '艾五', name_pinyin = 'aiwu' WHERE name = '赵五'"
        )
    assert keys_of(call, counter, flt=ListFilter(visit_class="C")) == ["阿四", "张三"]
    assert keys_of(call, counter, flt=ListFilter(churn_risk=True)) == ["李二"]
    assert keys_of(call, counter)[0] == "赵五"  # in its new place, its row read as indexed
    call(counter, _index_waiting)
    assert keys_of(call, counter)[0] == "艾五"


def test_customers_arriving_without_local_number_join_once_indexed(call, counter, db) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.search import search_customers

    with db.engine.begin() as conn:  # as the sync applier writes them: no local number yet
        conn.exec_driver_sql(
            "INSERT INTO customer (id, branch_id, name, name_pinyin, name_initials, "
            "customer_type, need_tags, marketing_consent, created_at, updated_at) "
            "VALUES ('remote-1', 'BR002', '孙七', 'sunqi', 'sq', 'individual', 'fragile', 0, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    assert keys_of(call, counter) == []
    assert call(counter, search_customers, query="孙七") == []  # a lookup never writes
    call(counter, _index_waiting)
    assert [h.name for h in call(counter, search_customers, query="孙七")] == ["孙七"]
    assert keys_of(call, counter, flt=ListFilter(need_tag="fragile")) == ["孙七"]


def test_bulk_rebuild_gives_the_same_list(call, counter, listed, db) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.listing import bulk_list_load

    before = {s: keys_of(call, counter, sort=s) for s in SORT_COLUMNS}
    with db.engine.begin() as conn, bulk_list_load(conn.connection.driver_connection):
        conn.exec_driver_sql("DELETE FROM customer_list")
    assert {s: keys_of(call, counter, sort=s) for s in SORT_COLUMNS} == before


def test_rows_of_keys_read_before_a_delete_stay_aligned(call, counter, supervisor, listed) -> None:  # type: ignore[no-untyped-def]
    keys = call(counter, list_customer_keys, flt=ListFilter())
    call(supervisor, delete_customer, customer_id=listed["王大"])
    rows = call(counter, fetch_rows, keys=keys)
    assert [r.name for r in rows] == ["阿四", "李二", "王大", "张三", "赵五"]
    assert rows[3].tier == "ordinary" and rows[0].tier == "walk_in"


def test_rows_follow_an_edit_at_once(call, counter, listed) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.profile import update_customer

    keys = call(counter, list_customer_keys, flt=ListFilter(tier="strategic"))
    data = CustomerInput(name="王大大", phones=["13800000009"], company="大王贸易", visit_class="B")
    call(counter, update_customer, customer_id=listed["王大"], data=data)
    (row,) = call(counter, fetch_rows, keys=keys)
    assert (row.name, row.phone, row.company, row.visit_class, row.need_tags) == (
        "王大大",
        "13800000009",
        "大王贸易",
        "B",
        "",
    )


def test_churn_risk_filter_finds_a_sharp_drop(call, counter, listed, db) -> None:  # type: ignore[no-untyped-def]
    """李二 shipped 2000 a month, then only 100 last month: flagged, and only 李二."""
    from branch_crm.models import MonthlyVolume
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.customers.classification import recompute_stats, reference_month
    from branch_crm.timeutil import add_months

    with unit_of_work(db, counter) as session:
        for row in session.query(MonthlyVolume).filter_by(customer_id=listed["李二"]):
            row.parcels = 100 if row.month == reference_month() else 2000
        session.add(
            MonthlyVolume(
                customer_id=listed["李二"], month=add_months(reference_month(), -3), parcels=2000
            )
        )
        session.flush()
        recompute_stats(session=session, customer_ids=[listed["李二"]])
    assert keys_of(call, counter, flt=ListFilter(churn_risk=True)) == ["李二"]
    assert "李二" not in keys_of(call, counter, flt=ListFilter(churn_risk=False))
