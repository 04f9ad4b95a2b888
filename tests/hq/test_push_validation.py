"""Issue 10 item 5: a value head office's database would refuse never makes a push fail.

Each bad value used to be an HTTP 500 (or, on SQLite, silently stored where PostgreSQL
refuses it), so the PC resent the batch first at every round and nothing else of it reached
head office. Now the change is quarantined (``hq_quarantine``), reported to the sender's
supervisors as a ``sync_rejected_change`` with reason ``invalid`` and the problem in words,
acknowledged without columns, and the rest of the batch is applied -- on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hq_push_support import WHEN, Office, Pc, change, customer, new_pk, office_at, phone, stamp


@dataclass
class Setup:
    """A head office with one PC of BR1."""

    office: Office
    pc: Pc


@pytest.fixture
def setup(hq_url: str) -> Iterator[Setup]:
    with office_at(hq_url) as office:
        yield Setup(office, office.register("BR1", "pc1node"))


@dataclass(frozen=True)
class Bad:
    """A change head office's database would refuse, and the words its supervisor reads."""

    table: str
    data: dict[str, Any]
    detail: str
    hlc: str = stamp(5, "pc1node")
    op: str = "insert"


BIG = 2**64
BAD = {
    "malformed stamp": Bad("customer", customer("BR1", "坏戳"), "stamp", hlc="not-a-stamp"),
    "stamp with a colon": Bad(
        "customer", customer("BR1", "冒号"), "stamp", hlc="0000001000000:0000:pc1node"
    ),
    "NOT NULL missing": Bad(
        "customer",
        {k: v for k, v in customer("BR1", "x").items() if k != "name"},
        "customer.name: a value is required",
    ),
    "text too long": Bad(
        "customer", customer("BR1", "长" * 51), "customer.name: text longer than 50 characters"
    ),
    "NUL in text": Bad(
        "customer", customer("BR1", "ok", notes="a\x00b"), "customer.notes: text with a NUL"
    ),
    "beyond INTEGER": Bad(
        "customer_phone",
        phone("BR1", new_pk(), "13800000001", position=2**40),
        "customer_phone.position: number out of range",
    ),
    "beyond BIGINT": Bad(
        "customer_phone",
        phone("BR1", new_pk(), "13800000002", position=BIG),
        "customer_phone.position: number out of range",
    ),
    "not a date": Bad(
        "customer", customer("BR1", "生日", birthday="2026-13-45"), "customer.birthday: not a date"
    ),
    "not a datetime": Bad(
        "customer",
        {**customer("BR1", "时间"), "created_at": "yesterday"},
        "customer.created_at: not a date and time",
    ),
    "not JSON": Bad(
        "pickup_preference",
        {
            "customer_id": new_pk(),
            "availability": "{not json",
            "branch_id": "BR1",
            "created_at": WHEN,
            "updated_at": WHEN,
        },
        "pickup_preference.availability: not valid JSON",
    ),
    "unknown table": Bad("no_such_table", {"branch_id": "BR1"}, "unknown table"),
    "id other than the key": Bad(
        "customer", customer("BR1", "别名", id=new_pk()), "customer.id: not the row's key"
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_refused_value_is_quarantined_and_the_rest_applied(setup: Setup, case: str) -> None:
    bad = BAD[case]
    office, pc = setup.office, setup.pc
    good, wrong, after = new_pk(), new_pk(), new_pk()
    answer = office.push(
        pc,
        [
            change("customer", good, customer("BR1", "前"), stamp(1, pc.node)),
            change(bad.table, wrong, bad.data, bad.hlc, op=bad.op),
            change("customer", after, customer("BR1", "后"), stamp(9, pc.node)),
        ],
    )
    assert answer.status_code == 200, answer.text
    ack = answer.json()
    assert {"table": bad.table, "pk": wrong, "reason": "invalid", "columns": []} in ack["rejected"]
    assert ack["accepted"] == 2
    assert [r["name"] for r in office.rows("customer", branch_id="BR1")] != []
    assert {r["id"] for r in office.rows("customer")} == {good, after}
    (kept,) = office.rows("hq_quarantine", pk=wrong)
    assert kept["branch_code"] == "BR1" and kept["reason"] == "invalid"
    assert kept["node_id"] == pc.node and kept["table_name"] == bad.table
    (told,) = office.rows("sync_rejected_change", row_id=wrong)
    assert told["branch_id"] == "BR1" and told["reason"] == "invalid"
    assert bad.detail in told["detail"], told["detail"]
    pulled = {(c["table"], c["pk"]) for c in office.pull_all(pc)}
    assert ("sync_rejected_change", told["id"]) in pulled  # the PC's supervisors see it
    assert ("customer", after) in pulled and ("customer", wrong) not in pulled


def test_an_update_clearing_a_required_column_is_quarantined(setup: Setup) -> None:
    office, pc = setup.office, setup.pc
    pk = new_pk()
    office.push(pc, [change("customer", pk, customer("BR1", "张三"), stamp(1, pc.node))])
    answer = office.push(
        pc,
        [
            change("customer", pk, {"name": None}, stamp(2, pc.node), op="update"),
            change("customer", pk, {"notes": "still here"}, stamp(3, pc.node), op="update"),
        ],
    )
    assert answer.status_code == 200, answer.text
    (row,) = office.rows("customer", id=pk)
    assert row["name"] == "张三" and row["notes"] == "still here"
    (told,) = office.rows("sync_rejected_change", row_id=pk)
    assert "customer.name: a value is required" in told["detail"]


def test_a_missing_column_with_a_default_takes_it(setup: Setup) -> None:
    office, pc = setup.office, setup.pc
    pk = new_pk()
    data = {k: v for k, v in customer("BR1", "李四").items() if k != "customer_type"}
    answer = office.push(pc, [change("customer", pk, data, stamp(1, pc.node))])
    assert answer.status_code == 200 and answer.json()["rejected"] == []
    (row,) = office.rows("customer", id=pk)
    assert row["customer_type"] == "individual"


def test_the_detail_is_in_the_pushing_pcs_language(setup: Setup) -> None:
    office, pc = setup.office, setup.pc
    pk = new_pk()
    answer = office.push(
        pc,
        [change("customer", pk, customer("BR1", "长" * 51), stamp(1, pc.node))],
        language="zh-CN",
    )
    assert answer.status_code == 200, answer.text
    (told,) = office.rows("sync_rejected_change", row_id=pk)
    assert told["detail"] == "customer.name：文字超过 50 个字符"


def test_pull_after_beyond_bigint_is_a_bad_request(setup: Setup) -> None:
    office, pc = setup.office, setup.pc
    answer = office.http.get(
        "/api/v1/sync/pull", params={"after": 2**63}, headers=office.headers(pc)
    )
    assert answer.status_code == 422, answer.text
    last = office.http.get(
        "/api/v1/sync/pull", params={"after": 2**63 - 1}, headers=office.headers(pc)
    )
    assert last.status_code == 200 and last.json()["changes"] == []


@pytest.mark.parametrize("version", ["\x00", "9999", "0001"])
def test_the_body_schema_version_is_checked_like_the_header(setup: Setup, version: str) -> None:
    office, pc = setup.office, setup.pc
    answer = office.push(pc, [], schema_version=version)
    assert answer.status_code == 409, answer.text


def test_a_batch_id_head_office_cannot_store_is_a_bad_request(setup: Setup) -> None:
    office, pc = setup.office, setup.pc
    answer = office.push(pc, [], batch_id="1234567\x00")
    assert answer.status_code == 422, answer.text
