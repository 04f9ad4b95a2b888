"""The lookup index: terms per customer, the same from Python and from bulk SQL, and kept
current by the dirty triggers whatever wrote the change (raw SQL included)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from branch_crm.models import Customer, CustomerPhone, CustomerStats
from branch_crm.services.context import unit_of_work
from branch_crm.services.customers import search_index
from branch_crm.services.customers.pinyin import name_pinyin
from branch_crm.services.customers.search_index import Doc, Kind, doc_terms, search_key
from branch_crm.services.dbapi import raw_connection

NAMES = [
    ("张三丰", "上海顺达贸易有限公司", ["13812345678", "02155551234"]),
    ("欧阳娜娜", None, ["13900005678"]),
    ("曾小明", "Shunda Trading", []),
    ("John Smith", "ACME 3M", ["075588881234", "13700000000", "13600000001"]),
    ("李", None, ["15000000002"]),
    ("阿卜杜·热合曼", "乌鲁木齐天山商行", ["09915556666"]),
]


@pytest.fixture
def add(db, counter) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """add(name, company=None) -> customer id, written with the ORM (index not built yet)."""

    def make(name: str, company: str | None = None, phones: Sequence[str] = ()) -> str:
        with unit_of_work(db, counter) as session:
            pinyin, initials = name_pinyin(name)
            customer = Customer(
                name=name, company=company, name_pinyin=pinyin, name_initials=initials
            )
            session.add(customer)
            session.flush()
            for position, phone in enumerate(phones):
                session.add(CustomerPhone(customer_id=customer.id, phone=phone, position=position))
            return customer.id

    yield make


def index(db, counter) -> None:  # type: ignore[no-untyped-def]
    """Process pending dirty rows (what the lookup does before each search)."""
    from branch_crm.services.customers.classification import recompute_stats

    with unit_of_work(db, counter) as session:
        raw = raw_connection(session)
        search_index.process_dirty(
            raw, lambda ids: recompute_stats(session=session, customer_ids=ids)
        )


def terms(db) -> set[tuple[str, int, int, int]]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        return set(conn.exec_driver_sql("SELECT * FROM search_term").fetchall())


def names_for(db, term: str, kind: Kind) -> list[str]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.name FROM search_term t JOIN customer c ON c.local_no = t.local_no "
            "WHERE t.term = ? AND t.kind = ? ORDER BY t.rank DESC",
            (term, kind.value),
        ).fetchall()
    return [r[0] for r in rows]


def test_terms_of_a_chinese_name_and_company() -> None:
    doc = Doc(
        1, "张三丰", search_key("上海 顺达"), "zhangsanfeng", "zsf", 7, "id-1", "张三丰",
        "13812345678", "02155551234 13900001234", "上海 顺达", "key",
    )  # fmt: skip
    got = doc_terms(doc)
    assert ("张三丰", Kind.NAME_EXACT) in got
    assert {t for t, k in got if k == Kind.NAME_PREFIX} == {"张", "张三"}
    assert {t for t, k in got if k == Kind.NAME_GRAM} == {"张", "三", "丰", "张三", "三丰"}
    assert {t for t, k in got if k == Kind.INITIALS_PREFIX} == {"z", "zs"}
    assert ("zsf", Kind.INITIALS_FULL) in got
    assert {t for t, k in got if k == Kind.PINYIN_PREFIX} == {
        "zh", "zha", "zhan", "zhang", "zhangs", "zhangsa", "zhangsan", "zhangsanf",
        "zhangsanfe", "zhangsanfen",
    }  # fmt: skip
    assert {t for t, k in got if k == Kind.COMPANY_GRAM} == {"上海", "海顺", "顺达"}


def test_latin_names_are_found_through_their_letters_only() -> None:
    got = doc_terms(
        Doc(2, search_key("John Smith"), "", "johnsmith", "js", 0, "id-2", "John Smith", "", "",
            None, "walk_in")
    )  # fmt: skip
    assert {k for _t, k in got} == {
        Kind.PINYIN_FULL, Kind.PINYIN_PREFIX, Kind.INITIALS_FULL, Kind.INITIALS_PREFIX,
    }  # fmt: skip


def test_python_terms_equal_the_bulk_sql_terms(db, counter, add) -> None:  # type: ignore[no-untyped-def]
    for name, company, phones in NAMES:
        add(name, company, phones)
    index(db, counter)
    one_by_one = terms(db)
    assert len(one_by_one) > 60
    with unit_of_work(db, counter) as session:
        raw = raw_connection(session)
        search_index.docs_from_columns(raw)
        search_index.rebuild_terms(raw)
    assert terms(db) == one_by_one


def test_new_customers_get_local_numbers_stats_and_terms(db, counter, add) -> None:  # type: ignore[no-untyped-def]
    first, second = add("王五"), add("赵六")
    index(db, counter)
    with unit_of_work(db, counter) as session:
        numbers = {session.get(Customer, i).local_no for i in (first, second)}  # type: ignore[union-attr]
        assert None not in numbers and len(numbers) == 2
        assert session.get(CustomerStats, first) is not None
        assert (
            raw_connection(session).execute("SELECT count(*) FROM search_dirty").fetchone()[0] == 0
        )
    assert names_for(db, "wangwu", Kind.PINYIN_FULL) == ["王五"]


def test_raw_sql_rename_is_reindexed_and_pinyin_corrected(db, db_path, counter, add) -> None:  # type: ignore[no-untyped-def]
    customer = add("王五")
    index(db, counter)
    other = sqlite3.connect(db_path)  # another program, no ORM, no service
    other.execute("UPDATE customer SET name = '钱七' WHERE id = ?", (customer,))
    other.commit()
    other.close()
    index(db, counter)
    assert names_for(db, "王五", Kind.NAME_EXACT) == []
    assert names_for(db, "wangwu", Kind.PINYIN_FULL) == []
    assert names_for(db, "钱七", Kind.NAME_EXACT) == ["钱七"]
    assert names_for(db, "qq", Kind.INITIALS_FULL) == ["钱七"]
    with unit_of_work(db, counter) as session:
        row = session.get(Customer, customer)
        assert row is not None and (row.name_pinyin, row.name_initials) == ("qianqi", "qq")


def test_tombstone_removes_every_term(db, counter, add) -> None:  # type: ignore[no-untyped-def]
    keep, gone = add("张三", "顺达"), add("张四", "顺达")
    index(db, counter)
    with unit_of_work(db, counter) as session:
        session.get(Customer, gone).deleted_at = datetime.now(UTC)  # type: ignore[union-attr]
    index(db, counter)
    with unit_of_work(db, counter) as session:
        live = session.get(Customer, keep).local_no  # type: ignore[union-attr]
    assert {row[3] for row in terms(db)} == {live}


def test_rank_change_reorders_equal_terms(db, counter, add) -> None:  # type: ignore[no-untyped-def]
    low, high = add("张伟"), add("张伟")
    index(db, counter)
    with unit_of_work(db, counter) as session:
        session.get(CustomerStats, high).search_rank = 3000  # type: ignore[union-attr]
    index(db, counter)
    with db.engine.connect() as conn:
        order = conn.exec_driver_sql(
            "SELECT c.id FROM search_term t JOIN customer c ON c.local_no = t.local_no "
            "WHERE t.term = '张伟' AND t.kind = ? ORDER BY t.rank DESC",
            (Kind.NAME_EXACT.value,),
        ).fetchall()
    assert [r[0] for r in order] == [high, low]


def test_many_dirty_customers_take_the_bulk_path(db, counter, add, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name, company, phones in NAMES:
        add(name, company, phones)
    index(db, counter)
    expected = terms(db)
    monkeypatch.setattr(search_index, "BULK_THRESHOLD", 2)
    renamed = add("孙八")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE customer_stats SET search_rank = search_rank + 1")
        conn.exec_driver_sql("UPDATE customer SET name = '周九' WHERE id = ?", (renamed,))
    index(db, counter)
    got = terms(db)
    bumped = {(t, k, r - 1, n) for t, k, r, n in got}
    assert expected <= bumped
    assert names_for(db, "周九", Kind.NAME_EXACT) == ["周九"]
    assert names_for(db, "孙八", Kind.NAME_EXACT) == []


def test_docs_carry_what_a_result_shows(db, counter, add) -> None:  # type: ignore[no-untyped-def]
    customer = add("张三丰", "上海顺达", ["13812345678", "02155551234"])
    index(db, counter)
    with unit_of_work(db, counter) as session:
        raw = raw_connection(session)
        local_no = session.get(Customer, customer).local_no  # type: ignore[union-attr]
        rows = raw.execute(search_index.HITS_SQL, (f"[{local_no}]",)).fetchall()
    assert rows == [(local_no, customer, "张三丰", "13812345678", "上海顺达", "walk_in")]


def test_raw_sql_phone_changes_are_reindexed(db, db_path, counter, add) -> None:  # type: ignore[no-untyped-def]
    customer = add("王五", None, ["13812345678", "13900001111"])
    index(db, counter)
    other = sqlite3.connect(db_path)
    other.execute(
        "UPDATE customer_phone SET deleted_at = '2026-01-01 00:00:00' "
        "WHERE customer_id = ? AND position = 0",
        (customer,),
    )
    other.execute(
        "UPDATE customer_phone SET position = 0 WHERE customer_id = ? AND position = 1",
        (customer,),
    )
    other.commit()
    other.close()
    index(db, counter)
    with db.engine.connect() as conn:
        phones = conn.exec_driver_sql("SELECT phone, other_phones FROM search_doc").fetchall()
    assert phones == [("13900001111", "")]


def test_a_large_backlog_is_left_to_the_background(db, counter, add, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The lookup and a save never re-index a big backlog inline: the lookup answers from
    the index as it stands, a save re-indexes only its own customer."""
    from branch_crm.services.customers.profile import update_customer
    from branch_crm.services.customers.search import search_customers
    from branch_crm.services.customers.validation import CustomerInput

    for name, company, phones in NAMES:
        add(name, company, phones)
    index(db, counter)
    monkeypatch.setattr(search_index, "INLINE_LIMIT", 2)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT OR IGNORE INTO search_dirty SELECT id FROM customer")
        waiting = conn.exec_driver_sql("SELECT count(*) FROM search_dirty").scalar()
    assert waiting is not None and waiting > 2
    with unit_of_work(db, counter) as session:
        hits = search_customers(session=session, query="zs")
        raw = raw_connection(session)
        assert search_index.dirty_count(raw) == waiting  # nothing written by the lookup
        target = hits[0].customer_id
        update_customer(
            session=session,
            actor=counter,
            customer_id=target,
            data=CustomerInput(name="周九", phones=["13911112222"]),
        )
        assert search_index.dirty_count(raw) == waiting - 1  # only the saved one
        assert [h.customer_id for h in search_customers(session=session, query="周九")] == [target]
