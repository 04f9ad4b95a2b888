"""Issue 10 item 10: a branch cannot reach another branch's rows or head office's reference
data through the sync protocol -- not by forging a conflict resolution, not by naming other
rows in a push, not through a pull.

A branch may change only the status and resolution (and who resolved it, when) of a conflict
head office created for it, and insert no conflict or rejected-change row at all; every
other column comes from head office's copy. Changes that break this are quarantined with
reason ``forbidden`` (the rest of the batch is applied), never carried out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hq_push_support import (
    WHEN,
    Office,
    Pc,
    change,
    customer,
    new_pk,
    now_stamp,
    office_at,
    phone,
    staff,
)

from branch_crm.hq.admin import write_reference
from branch_crm.hq.db import write_transaction

SECRET_ADDRESS = "一号店秘密路 1 号"
SECRET_PHONE = "13811110002"


@dataclass
class World:
    """BR1 (a customer with two phones), BR2 (a customer with one), a category of head office."""

    office: Office
    br1: Pc
    br2: Pc
    c1: str
    p1: str
    p1b: str
    c2: str
    p2: str
    category: str


@pytest.fixture
def world(hq_url: str) -> Iterator[World]:
    with office_at(hq_url) as office:
        br1, br2 = office.register("BR1", "node1"), office.register("BR2", "node2")
        with write_transaction(office.server.engine) as conn:
            category = write_reference(
                conn,
                "reference_code",
                {
                    "list_kind": "complaint_category",
                    "code": "late",
                    "name_zh": "延误",
                    "name_en": "Late",
                },
            )
        c1, p1, p1b, c2, p2 = (new_pk() for _ in range(5))
        ok = office.push(
            br1,
            [
                change("customer", c1, customer("BR1", "张三", address=None), now_stamp(br1.node)),
                change("customer_phone", p1, phone("BR1", c1, "13811110001"), now_stamp(br1.node)),
                change("customer_phone", p1b, phone("BR1", c1, SECRET_PHONE), now_stamp(br1.node)),
                change(
                    "customer", c1, {"address": SECRET_ADDRESS}, now_stamp(br1.node), op="update"
                ),
            ],
        )
        assert ok.status_code == 200 and ok.json()["rejected"] == [], ok.text
        ok = office.push(
            br2,
            [
                change("customer", c2, customer("BR2", "李四"), now_stamp(br2.node)),
                change("customer_phone", p2, phone("BR2", c2, "13922220001"), now_stamp(br2.node)),
            ],
        )
        assert ok.status_code == 200 and ok.json()["rejected"] == [], ok.text
        yield World(office, br1, br2, c1, p1, p1b, c2, p2, category)


def _br1_untouched(w: World) -> None:
    (c1,) = w.office.rows("customer", id=w.c1)
    assert c1["deleted_at"] is None and c1["address"] == SECRET_ADDRESS
    for pk in (w.p1, w.p1b):
        (row,) = w.office.rows("customer_phone", id=pk)
        assert row["deleted_at"] is None and row["customer_id"] == w.c1
    (category,) = w.office.rows("reference_code", id=w.category)
    assert category["deleted_at"] is None


def _nothing_of_br1_in_br2s_pull(w: World) -> None:
    pulled = w.office.pull_all(w.br2)
    text = json.dumps(pulled, ensure_ascii=False)
    assert "张三" not in text and SECRET_ADDRESS not in text and SECRET_PHONE not in text
    for entry in pulled:
        assert entry["data"].get("branch_id") in (None, "BR2", "HQ"), entry
        if entry["table"] != "sync_rejected_change":  # those name what BR2 itself sent
            assert entry["pk"] not in (w.c1, w.p1, w.p1b), entry


def _forbidden(answer: Any, *pks: str) -> None:
    assert answer.status_code == 200, answer.text
    refused = {(r["pk"], r["reason"]) for r in answer.json()["rejected"]}
    for pk in pks:
        assert (pk, "forbidden") in refused, answer.text


def _conflict(w: World, **values: Any) -> dict[str, Any]:
    return {
        "branch_id": "BR2",
        "kind": "unique_phone",
        "table_name": "customer_phone",
        "row_id": w.p2,
        "other_row_id": w.p1,
        "other_branch_id": "BR1",
        "columns": "phone",
        "value": "13811110001",
        "customer_id": w.c2,
        "other_customer_id": w.c1,
        "status": "open",
        "created_at": WHEN,
        "updated_at": WHEN,
        **values,
    }


def _resolve(pk: str, resolution: str, node: str, **extra: Any) -> dict[str, Any]:
    data = {"status": "resolved", "resolution": resolution, "resolved_at": WHEN, **extra}
    return change("sync_conflict", pk, data, now_stamp(node), op="update")


def test_a_forged_merge_takes_nothing_from_another_branch(world: World) -> None:
    w, forged = world, new_pk()
    answer = w.office.push(
        w.br2,
        [
            change("sync_conflict", forged, _conflict(w), now_stamp(w.br2.node)),
            _resolve(forged, "merge", w.br2.node),
        ],
    )
    # was: BR1's customer and phone deleted, its address and other phone copied to BR2
    _forbidden(answer, forged)
    _br1_untouched(w)
    assert w.office.rows("customer", id=w.c2)[0]["address"] is None
    assert w.office.count("customer_phone", branch_id="BR2") == 1
    assert w.office.count("sync_conflict") == 0
    _nothing_of_br1_in_br2s_pull(w)


def test_a_forged_keep_mine_cannot_delete_reference_data(world: World) -> None:
    w, forged = world, new_pk()
    values = {"table_name": "reference_code", "other_row_id": w.category}
    answer = w.office.push(
        w.br2,
        [
            change(
                "sync_conflict",
                forged,
                _conflict(w, other_branch_id="HQ", **values),
                now_stamp(w.br2.node),
            ),
            _resolve(forged, "keep_mine", w.br2.node),
        ],
    )
    _forbidden(answer, forged)  # was: the category deleted at head office and every PC
    _br1_untouched(w)


def test_a_real_conflict_cannot_be_pointed_at_other_rows(world: World) -> None:
    w, mine = world, new_pk()
    clash = w.office.push(
        w.br2,
        [change("customer_phone", mine, phone("BR2", w.c2, "13811110001"), now_stamp(w.br2.node))],
    )
    ((conflict_id, _info),) = [(c["id"], c) for c in clash.json()["conflicts"]]
    forged = _resolve(conflict_id, "keep_mine", w.br2.node, other_row_id=w.p1b)
    answer = w.office.push(w.br2, [forged])
    _forbidden(answer, conflict_id)  # was: BR1's other phone deleted
    _br1_untouched(w)
    (stored,) = w.office.rows("sync_conflict", id=conflict_id)
    assert stored["status"] == "open" and stored["other_row_id"] == w.p1
    back = change(
        "sync_conflict", conflict_id, {"status": "open"}, now_stamp(w.br2.node), op="update"
    )
    bad_choice = _resolve(conflict_id, "delete_everything", w.br2.node)
    _forbidden(w.office.push(w.br2, [back, bad_choice]), conflict_id)
    # the real resolution, by a supervisor of BR2, still works: keep mine deletes BR1's
    # clashing phone, and only it
    boss = new_pk()
    supervisor = change("staff", boss, staff("BR2", "sup", "supervisor"), now_stamp(w.br2.node))
    honest = _resolve(conflict_id, "keep_mine", w.br2.node, resolved_by=boss, updated_at=WHEN)
    answer = w.office.push(w.br2, [supervisor, honest])
    assert answer.status_code == 200 and answer.json()["rejected"] == [], answer.text
    assert w.office.rows("customer_phone", id=w.p1)[0]["deleted_at"] is not None
    assert w.office.rows("customer_phone", id=w.p1b)[0]["deleted_at"] is None
    assert w.office.rows("customer_phone", id=mine)[0]["deleted_at"] is None
    resolved = change(
        "sync_conflict", conflict_id, {"status": "open"}, now_stamp(w.br2.node), op="update"
    )
    _forbidden(w.office.push(w.br2, [resolved]), conflict_id)  # never back to open


def test_a_branch_cannot_write_rejected_changes(world: World) -> None:
    w, pk = world, new_pk()
    data = {
        "branch_id": "BR2",
        "table_name": "customer",
        "row_id": w.c1,
        "reason": "older",
        "data": "{}",
        "hlc": now_stamp("x"),
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    answer = w.office.push(w.br2, [change("sync_rejected_change", pk, data, now_stamp("node2"))])
    _forbidden(answer, pk)
    assert w.office.count("sync_rejected_change", reason="older") == 0


def test_every_write_naming_another_branchs_rows_is_refused(world: World) -> None:
    w = world
    theirs_pk, stolen, ref = new_pk(), new_pk(), new_pk()
    attempts = [
        change("customer", w.c1, {"notes": "hijack"}, now_stamp("node2"), op="update"),
        change("customer", w.c1, {"deleted_at": WHEN}, now_stamp("node2"), op="delete"),
        change("customer_phone", w.p1, {"phone": "13900000000"}, now_stamp("node2"), op="update"),
        change("customer", theirs_pk, customer("BR1", "冒充"), now_stamp("node2")),
        change("customer", w.c1, customer("BR2", "同号"), now_stamp("node2")),
        change("customer", w.c2, {"branch_id": "BR1"}, now_stamp("node2"), op="update"),
        change(
            "reference_code",
            ref,
            {"branch_id": "BR2", "code": "x", "list_kind": "k", "name_zh": "x", "name_en": "x"},
            now_stamp("node2"),
        ),
        change("reference_code", w.category, {"name_en": "Early"}, now_stamp("node2"), op="update"),
    ]
    for attempt in attempts:  # one batch each: every one is refused on its own
        _forbidden(w.office.push(w.br2, [attempt]), attempt["pk"])
    together = [
        change("customer", stolen, customer("BR2", "自己的"), now_stamp("node2")),
        *attempts,
    ]
    answer = w.office.push(w.br2, together)
    _forbidden(answer, *{a["pk"] for a in attempts})
    assert answer.json()["accepted"] == 1  # its own new customer went in
    _br1_untouched(w)
    assert w.office.rows("customer", id=w.c1)[0]["notes"] is None
    assert w.office.rows("customer", id=w.c2)[0]["branch_id"] == "BR2"
    assert w.office.rows("reference_code", id=w.category)[0]["name_en"] == "Late"
    assert w.office.count("customer", id=theirs_pk) == 0
    assert w.office.count("reference_code", id=ref) == 0
    assert w.office.count("reference_code", branch_id="BR2") == 0
    told = w.office.rows("sync_rejected_change", branch_id="BR2", reason="forbidden")
    assert told and all("BR1" not in (r["detail"] or "") for r in told)
    _nothing_of_br1_in_br2s_pull(w)


def test_the_body_naming_another_branch_is_still_refused_as_a_whole(world: World) -> None:
    w = world
    answer = w.office.push(w.br2, [], branch="BR1")
    assert answer.status_code == 403 and "BR2" in answer.json()["detail"]


def test_another_branchs_conflict_cannot_be_resolved(world: World) -> None:
    w, theirs = world, new_pk()
    clash = w.office.push(
        w.br1,
        [change("customer_phone", theirs, phone("BR1", w.c1, "13922220001"), now_stamp("node1"))],
    )
    ((conflict_id, _info),) = [(c["id"], c) for c in clash.json()["conflicts"]]
    answer = w.office.push(w.br2, [_resolve(conflict_id, "keep_theirs", w.br2.node)])
    _forbidden(answer, conflict_id)
    (stored,) = w.office.rows("sync_conflict", id=conflict_id)
    assert stored["status"] == "open" and stored["branch_id"] == "BR1"
    assert w.office.rows("customer_phone", id=w.p2)[0]["deleted_at"] is None
    assert conflict_id not in {c["pk"] for c in w.office.pull_all(w.br2)}
