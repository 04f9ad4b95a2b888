"""Counter lookup through the real search service: every query kind, ranking, re-indexing."""

from __future__ import annotations

import pytest

from branch_crm.services.customers.profile import create_customer, delete_customer
from branch_crm.services.customers.search import format_phone, search_customers
from branch_crm.services.customers.validation import CustomerInput

PEOPLE = [
    ("张三", ["13812345678"], "上海顺达贸易有限公司"),
    ("张三丰", ["13900001111", "021-6666 5678"], None),
    ("李四", ["13712340000"], "杭州云仓电子商务有限公司"),
    ("王五", ["021-5555 1234"], None),
    ("赵六", ["15866665678"], None),
    ("曾小明", ["15800004321"], None),
    ("单田芳", ["15800009999"], None),
    ("欧阳娜娜", ["18600001234"], "顺达物流"),
    ("John Smith", ["13300002222"], "ACME Trading"),
]


@pytest.fixture
def people(call, counter):  # type: ignore[no-untyped-def]
    """The customers above, name -> id."""
    return {
        name: call(
            counter, create_customer, data=CustomerInput(name=name, phones=phones, company=company)
        ).id
        for name, phones, company in PEOPLE
    }


@pytest.fixture
def find(call, counter, people):  # type: ignore[no-untyped-def]
    """find(query) -> [(name, match)] best first."""

    def run(query: str, limit: int = 50) -> list[tuple[str, str]]:
        hits = call(counter, search_customers, query=query, limit=limit)
        return [(h.name, h.match) for h in hits]

    return run


def names(results: list[tuple[str, str]]) -> list[str]:
    return [name for name, _match in results]


def test_full_phone_in_any_written_form(find) -> None:  # type: ignore[no-untyped-def]
    for typed in ("13812345678", "138 1234 5678", "+86 138-1234-5678"):
        assert find(typed)[0] == ("张三", "phone")
    assert find("021-5555 1234") == [("王五", "phone")]


def test_secondary_phone_finds_the_customer_with_primary_phone_shown(call, counter, people) -> None:  # type: ignore[no-untyped-def]
    hits = call(counter, search_customers, query="02166665678")
    assert [(h.name, h.phone, h.match) for h in hits] == [("张三丰", "13900001111", "phone")]


def test_last_four_digits(find) -> None:  # type: ignore[no-untyped-def]
    results = find("5678")
    assert {n for n, m in results if m == "last4"} == {"张三", "赵六", "张三丰"}
    assert all(m == "last4" for _n, m in results[:3])


def test_phone_prefix(find) -> None:  # type: ignore[no-untyped-def]
    assert find("1381") == [("张三", "phone")]
    assert names(find("158")) == ["曾小明", "单田芳", "赵六"]  # in number order
    assert find("999") == []


def test_name_exact_prefix_and_contains(find) -> None:  # type: ignore[no-untyped-def]
    assert find("张三") == [("张三", "name"), ("张三丰", "name")]
    assert names(find("张")) == ["张三丰", "张三"]  # equal rank: newest first
    assert find("三丰") == [("张三丰", "name")]
    assert find("娜") == [("欧阳娜娜", "name")]
    assert find("阳娜娜") == [("欧阳娜娜", "name")]
    assert find("钱") == []


def test_company_contains(find) -> None:  # type: ignore[no-untyped-def]
    assert set(find("顺达")) == {("张三", "company"), ("欧阳娜娜", "company")}
    assert find("顺达贸易") == [("张三", "company")]
    assert find("云仓电子") == [("李四", "company")]


def test_pinyin_initials_before_full_pinyin(find) -> None:  # type: ignore[no-untyped-def]
    assert find("zs") == [("张三", "pinyin_initials"), ("张三丰", "pinyin_initials")]
    assert find("ZS") == find("zs")
    assert find("zsf") == [("张三丰", "pinyin_initials")]
    assert find("zhangsan") == [("张三", "pinyin"), ("张三丰", "pinyin")]
    assert set(find("zhangs")) == {("张三", "pinyin"), ("张三丰", "pinyin")}
    assert find("zhang san") == find("zhangsan")


def test_heteronym_surnames_use_the_surname_reading(find) -> None:  # type: ignore[no-untyped-def]
    assert find("zengxiaoming") == [("曾小明", "pinyin")]
    assert find("zxm") == [("曾小明", "pinyin_initials")]
    assert find("shantianfang") == [("单田芳", "pinyin")]
    assert find("stf") == [("单田芳", "pinyin_initials")]
    assert find("ouyang")[0] == ("欧阳娜娜", "pinyin")


def test_latin_names_are_found_by_their_letters(find) -> None:  # type: ignore[no-untyped-def]
    assert find("john")[0][0] == "John Smith"
    assert find("js") == [("John Smith", "pinyin_initials")]


def test_blank_queries_and_limits(find) -> None:  # type: ignore[no-untyped-def]
    assert find("") == [] and find("   ") == []
    assert len(find("5678", limit=1)) == 1
    assert find("zs", limit=0) == []


def test_important_customers_rank_first(call, counter, db, people) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.models import MonthlyVolume
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.customers.classification import recompute_stats, reference_month
    from branch_crm.timeutil import add_months

    zhang = call(counter, create_customer, data=CustomerInput(name="张三", phones=["13500000001"]))
    # both 张三 are walk-ins; the newest comes first among equals
    first = call(counter, search_customers, query="张三")
    assert [h.customer_id for h in first[:2]] == [zhang.id, people["张三"]]
    with unit_of_work(db, counter) as session:
        month = reference_month()
        for back in range(3):
            session.add(
                MonthlyVolume(
                    customer_id=people["张三"], month=add_months(month, -back), parcels=6000
                )
            )
        session.flush()
        recompute_stats(session=session, customer_ids=[people["张三"]])
    hits = call(counter, search_customers, query="张三")
    assert [h.customer_id for h in hits[:2]] == [people["张三"], zhang.id]
    assert hits[0].tier == "strategic"
    last4 = call(counter, search_customers, query="0001")
    assert last4[0].customer_id == zhang.id  # only match


def test_raw_sql_rename_is_found_once_the_catch_up_indexed_it(call, counter, find, db) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.classification import CatchUp, catch_up_step

    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE customer SET name = '钱七' WHERE name = '王五'")
    assert find("王五") == [("王五", "name")] and find("钱七") == []  # a lookup only reads
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM search_dirty").scalar() == 1
    state: CatchUp | None = None
    while state is None or not state.finished:  # what the app does on its database thread
        state = call(counter, catch_up_step, state=state)
    assert find("钱七") == [("钱七", "name")]
    assert find("qianqi") == [("钱七", "pinyin")]
    assert find("qq") == [("钱七", "pinyin_initials")]
    assert find("王五") == [] and find("wangwu") == []
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM search_dirty").scalar() == 0


def test_deleted_customers_are_not_found(call, counter, supervisor, people, find) -> None:  # type: ignore[no-untyped-def]
    call(supervisor, delete_customer, customer_id=people["李四"])
    assert find("李四") == []
    assert find("13712340000") == []
    assert find("云仓") == []


def test_edits_are_searchable_at_once(call, counter, people, find) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.profile import update_customer

    call(
        counter,
        update_customer,
        customer_id=people["赵六"],
        data=CustomerInput(name="赵六六", phones=["15866665678"], company="宁波海鲜批发"),
    )
    assert find("赵六六") == [("赵六六", "name")]
    assert find("海鲜") == [("赵六六", "company")]


@pytest.mark.parametrize(
    ("digits", "shown"),
    [
        ("13812345678", "138 1234 5678"),
        ("02155551234", "021-5555 1234"),
        ("07558888888", "0755-888 8888"),
        ("01088886666", "010-8888 6666"),
        ("", ""),
    ],
)
def test_format_phone(digits: str, shown: str) -> None:
    assert format_phone(digits) == shown
