"""Head office's side of a customer merge a branch supervisor made (services.customers.merging).

The merge arrives as one insert-only ``customer_merge`` row. Head office carries it out the
way the branch PC did, by the one rule of :mod:`branch_crm.sync.customer_merge` (the
supervisor's field choices, phones, preferences, volumes, history moved), on the rows *it*
holds -- which include rows other PCs of the branch sent that the merging PC had not seen.
Its writes go to the change log, so every PC of the branch gets them on its next pull.
Receiving the row twice changes nothing (an insert-only duplicate is ignored; moving rows
already moved is a no-op).

Afterwards, a change that still names the absorbed customer (a PC that was offline edits it,
or records a complaint for it) is redirected to the survivor (:func:`redirect_merged`):
rows naming it get the survivor's id, and an edit of the absorbed record's profile lands on
the survivor, by the usual per-column rule, instead of bringing the absorbed record back.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from branch_crm.hq import tables as t
from branch_crm.hq.push.rows import hq_write, settle
from branch_crm.hq.push.state import PY_CONVERT, Batch, RowState
from branch_crm.hq.resolve import _live_rows, _owner, _state
from branch_crm.hq.validate import Screened
from branch_crm.ids import keyed_id
from branch_crm.sync.customer_merge import (
    MOVED_BY_MERGE,
    REDIRECTED,
    MergeInput,
    plan_merge,
)
from branch_crm.sync.merge import TOMBSTONE, merge_row

log = logging.getLogger(__name__)

PROFILE_KEPT = frozenset(
    {"id", "branch_id", "created_at", "created_by", TOMBSTONE, "merged_into", "restored_at"}
)
"""Columns of an edit of the absorbed customer that are not carried over to the survivor."""
MERGE_CHAIN = 4


def apply_customer_merge(b: Batch, merge_id: str) -> None:
    """Carry out one merge head office has just received (see the module docstring)."""
    held = b.states[("customer_merge", merge_id)]
    op = held.values
    if op is None:
        return
    survivor = _state(b, "customer", str(op.get("survivor_id") or ""))
    absorbed = _state(b, "customer", str(op.get("absorbed_id") or ""))
    if not _ours(b, survivor) or not _ours(b, absorbed) or survivor is absorbed:
        log.warning("merge %s names customers not of branch %s: ignored", merge_id, b.auth.branch)
        return
    assert survivor is not None and absorbed is not None
    assert survivor.values is not None and absorbed.values is not None
    if not survivor.live:
        log.warning("merge %s: the survivor is deleted here; ignored", merge_id)
        return
    stamp = held.clocks.get("id") or str(b.clock.now())
    customers = (survivor, absorbed)
    tables = ("customer_phone", "pickup_preference", "monthly_volume", *MOVED_BY_MERGE)
    rows = {table: _live_rows(b, table, customers) for table in tables}
    rows["attachment"] = _live_attachments(b, customers)
    convert = PY_CONVERT["customer"]
    chosen = {c: convert[c](v) for c, v in dict(op.get("fields") or {}).items() if c in convert}
    merge = MergeInput(survivor.values, absorbed.values, rows, moved=MOVED_BY_MERGE, chosen=chosen)
    for write in plan_merge(merge, op.get("merged_at") or b.now):
        if write.table == "customer":
            target = survivor if write.pk == survivor.pk else absorbed
            _merge_as(b, target, write.values, stamp)
            continue
        row = _state(b, write.table, write.pk)
        assert row is not None
        if row.parked_branch is not None:
            continue  # a row set aside for its own conflict is left to it
        pk = write.pk
        if write.insert and row.values is not None:  # a deleted row holds the derived id
            pk = keyed_id(write.table, write.pk, merge_id)
        hq_write(b, write.table, pk, write.values)
    log.info("merge %s applied at branch %s", merge_id, b.auth.branch)


def _live_attachments(b: Batch, customers: tuple[RowState, ...]) -> list[dict[str, Any]]:
    """The live attachments shown on the customers (owner kind ``customer``)."""
    table = t.ENTITIES["attachment"][0]
    ids = sorted(str(c.pk) for c in customers)
    query = select(table.c.id).where(
        table.c.owner_kind == "customer",
        table.c.owner_id.in_(ids),
        table.c.deleted_at.is_(None),
    )
    rows = []
    for pk in sorted(b.conn.scalars(query)):
        state = _state(b, "attachment", pk)
        if state is None or not state.live or state.parked_branch is not None:
            continue
        assert state.values is not None
        if state.values.get("branch_id") == b.auth.branch:
            rows.append({**state.values, "id": pk})
    return rows


def _ours(b: Batch, state: RowState | None) -> bool:
    return state is not None and state.values is not None and _owner(state) == b.auth.branch


def _merge_as(b: Batch, state: RowState, values: dict[str, Any], stamp: str) -> None:
    """Merge columns into a customer with the merge's own stamp (the supervisor's choices
    compete with other edits by time, as any edit does)."""
    assert state.values is not None
    merged = merge_row(state.values, state.clocks, values, stamp)
    if merged.won:
        settle(b, state, "delete" if merged.deletes else "update", merged.won, stamp)


# --- later changes naming the absorbed customer -------------------------------------------


def _survivors(b: Batch, ids: set[str]) -> dict[str, str]:
    """absorbed id -> final survivor, for those of ``ids`` merged into another customer."""
    customer = t.ENTITIES["customer"][0]
    found: dict[str, str] = {}
    wanted = set(ids)
    for _round in range(MERGE_CHAIN):
        if not wanted:
            break
        rows = b.conn.execute(
            select(customer.c.id, customer.c.merged_into).where(
                customer.c.id.in_(sorted(wanted)),
                customer.c.merged_into.is_not(None),
                customer.c.branch_id == b.auth.branch,
            )
        ).all()
        step = {str(row.id): str(row.merged_into) for row in rows}
        for absorbed, survivor in list(found.items()):
            if survivor in step:
                found[absorbed] = step[survivor]
        for absorbed, survivor in step.items():
            found.setdefault(absorbed, survivor)
        wanted = set(step.values()) - set(found)
    return found


def _customer_attachment(item: Screened) -> bool:
    """A change of an attachment that names a customer as its owner."""
    return (
        item.change.table == "attachment"
        and item.values.get("owner_kind") == "customer"
        and bool(item.values.get("owner_id"))
    )


def redirect_merged(b: Batch, screened: list[Screened]) -> list[Screened]:
    """The changes, with every one that names a customer merged into another redirected to
    the survivor (see the module docstring). Cheap when nothing names such a customer: one
    indexed look-up per batch."""
    named = {
        str(item.values["customer_id"])
        for item in screened
        if item.change.table in REDIRECTED and item.values.get("customer_id")
    }
    named |= {
        item.change.pk
        for item in screened
        if item.change.table == "customer" and item.change.op == "update"
    }
    named |= {str(item.values["owner_id"]) for item in screened if _customer_attachment(item)}
    if not named:
        return screened
    survivors = _survivors(b, named)
    if not survivors:
        return screened
    result: list[Screened] = []
    for item in screened:
        change = item.change
        target = survivors.get(str(item.values.get("customer_id")))
        if change.table in REDIRECTED and target is not None:
            result.append(Screened(change, {**item.values, "customer_id": target}))
            continue
        owner = survivors.get(str(item.values.get("owner_id")))
        if _customer_attachment(item) and owner is not None:
            result.append(Screened(change, {**item.values, "owner_id": owner}))
            continue
        target = survivors.get(change.pk)
        if change.table == "customer" and change.op == "update" and target is not None:
            if TOMBSTONE in item.values:
                result.append(item)  # a delete of the absorbed record stays on it
                continue
            # kept on the absorbed record too (invisible there, as every PC holds it), but
            # not reported as lost to its delete: it landed on the survivor
            result.append(item)
            b.redirected.add((change.table, change.pk))
            values = {c: v for c, v in item.values.items() if c not in PROFILE_KEPT}
            if values:
                moved = change.model_copy(update={"pk": target})
                result.append(Screened(moved, values))
            continue
        result.append(item)
    return result
