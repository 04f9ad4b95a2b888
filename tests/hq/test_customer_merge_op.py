"""Head office applying a ``customer_merge`` row (issue 19): the merge moves head office's
own rows, a second copy of the row changes nothing, a merge naming another branch's customers
is ignored, and later changes naming the absorbed customer land on the survivor."""

from __future__ import annotations

import json
from typing import Any

from hq_push_support import WHEN, change, customer, new_pk, now_stamp, phone, staff

BOSS = {"BR1": "boss-of-BR1", "BR2": "boss-of-BR2"}
"""The supervisor merging at each branch (a staff row head office holds: see _seed)."""


def _merge(branch: str, survivor: str, absorbed: str, **fields: Any) -> dict[str, Any]:
    return {
        "survivor_id": survivor,
        "absorbed_id": absorbed,
        "fields": json.dumps(fields, ensure_ascii=False),  # a JSON column: text on the wire
        "merged_at": WHEN,
        "merged_by": BOSS[branch],
        "branch_id": branch,
        "created_at": WHEN,
        "updated_at": WHEN,
    }


def _supervisor(office: Any, pc: Any, pk: str | None = None, role: str = "supervisor") -> str:
    pk = pk or BOSS[pc.branch]
    data = staff(pc.branch, f"u{pk[-6:]}", role)
    assert office.push(pc, [change("staff", pk, data, now_stamp(pc.node))]).status_code == 200
    return pk


def _seed(office: Any, pc: Any) -> tuple[str, str, str]:
    keep, other, number = new_pk(), new_pk(), new_pk()
    _supervisor(office, pc)
    answer = office.push(
        pc,
        [
            change("customer", keep, customer(pc.branch, "王五"), now_stamp(pc.node)),
            change("customer", other, customer(pc.branch, "王五2"), now_stamp(pc.node)),
            change(
                "customer_phone",
                number,
                phone(pc.branch, other, "13900000002"),
                now_stamp(pc.node),
            ),
        ],
    )
    assert answer.status_code == 200, answer.text
    return keep, other, number


def test_a_merge_moves_head_offices_rows_once(office: Any) -> None:
    pc = office.register("BR1", "pc1")
    keep, other, number = _seed(office, pc)
    merge_id = new_pk()
    body = change(
        "customer_merge", merge_id, _merge("BR1", keep, other, address="上海"), now_stamp(pc.node)
    )
    assert office.push(pc, [body]).status_code == 200
    (moved,) = office.rows("customer_phone", id=number)
    assert moved["customer_id"] == keep and moved["deleted_at"] is None
    (gone,) = office.rows("customer", id=other)
    assert gone["merged_into"] == keep and gone["deleted_at"] is not None
    (kept,) = office.rows("customer", id=keep)
    assert kept["address"] == "上海"
    log_size = office.count("hq_change_log")
    assert office.push(pc, [body]).status_code == 200  # the same row again: nothing more
    assert office.count("hq_change_log") == log_size
    # a PC that did not hear of it yet records a phone of the absorbed customer
    late = new_pk()
    office.push(
        pc,
        [change("customer_phone", late, phone("BR1", other, "13900000003"), now_stamp(pc.node))],
    )
    (row,) = office.rows("customer_phone", id=late)
    assert row["customer_id"] == keep


def test_a_merge_of_another_branchs_customers_is_ignored(office: Any) -> None:
    pc1 = office.register("BR1", "pc1")
    pc2 = office.register("BR2", "pc2")
    keep, other, _number = _seed(office, pc1)
    _supervisor(office, pc2)  # a supervisor of BR2 may merge BR2's customers only
    body = change("customer_merge", new_pk(), _merge("BR2", keep, other), now_stamp(pc2.node))
    assert office.push(pc2, [body]).status_code == 200
    (row,) = office.rows("customer", id=other)
    assert row["deleted_at"] is None and row["merged_into"] is None


def _attachment(branch: str, owner_id: str, sha: str, name: str) -> dict[str, Any]:
    return {
        "owner_kind": "customer",
        "owner_id": owner_id,
        "sha256": sha,
        "mime": "image/jpeg",
        "size": 10,
        "original_name": name,
        "caption": None,
        "width": 4,
        "height": 3,
        "branch_id": branch,
        "created_at": WHEN,
        "updated_at": WHEN,
    }


def test_a_merge_moves_the_absorbed_customers_attachments(office: Any) -> None:
    from branch_crm.sync.customer_merge import attachment_id

    pc = office.register("BR1", "pc1")
    keep, other, _number = _seed(office, pc)
    same, own = "a" * 64, "b" * 64
    rows = {
        attachment_id("customer", keep, same): _attachment("BR1", keep, same, "kept.jpg"),
        attachment_id("customer", other, same): _attachment("BR1", other, same, "twice.jpg"),
        attachment_id("customer", other, own): _attachment("BR1", other, own, "moved.jpg"),
    }
    pushed = [change("attachment", pk, data, now_stamp(pc.node)) for pk, data in rows.items()]
    assert office.push(pc, pushed).status_code == 200
    body = change("customer_merge", new_pk(), _merge("BR1", keep, other), now_stamp(pc.node))
    assert office.push(pc, [body]).status_code == 200
    live = [r for r in office.rows("attachment") if r["deleted_at"] is None]
    assert sorted((r["owner_id"], r["sha256"], r["original_name"]) for r in live) == [
        (keep, same, "kept.jpg"),
        (keep, own, "moved.jpg"),
    ]
    (moved,) = office.rows("attachment", id=attachment_id("customer", keep, own))
    assert moved["branch_id"] == "BR1" and moved["mime"] == "image/jpeg"
    for pk in (attachment_id("customer", other, same), attachment_id("customer", other, own)):
        (gone,) = office.rows("attachment", id=pk)
        assert gone["deleted_at"] is not None


def test_a_merge_not_made_by_a_supervisor_of_the_branch_is_refused(office: Any) -> None:
    """The branch app merges only for a supervisor or administrator; a merge row naming a
    counter clerk, nobody, or another branch's supervisor was not made by it: head office
    keeps it aside (quarantine) and moves nothing."""
    pc1 = office.register("BR1", "pc1")
    pc2 = office.register("BR2", "pc2")
    keep, other, number = _seed(office, pc1)
    clerk = _supervisor(office, pc1, new_pk(), role="counter")
    outsider = _supervisor(office, pc2)
    for merger in (clerk, None, outsider):
        data = {**_merge("BR1", keep, other), "merged_by": merger}
        body = change("customer_merge", new_pk(), data, now_stamp(pc1.node))
        answer = office.push(pc1, [body])
        assert answer.status_code == 200, answer.text
        assert body["pk"] in {r["pk"] for r in answer.json()["rejected"]}
        (row,) = office.rows("customer", id=other)
        assert row["deleted_at"] is None and row["merged_into"] is None
        (moved,) = office.rows("customer_phone", id=number)
        assert moved["customer_id"] == other
