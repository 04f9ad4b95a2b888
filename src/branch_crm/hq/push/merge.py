"""The merge rules at head office: one incoming change merged into the row held here, by
the one rule of :mod:`branch_crm.sync.merge`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from branch_crm.hq.push.rows import emit, log_rejection, settle
from branch_crm.hq.push.state import Batch, RowState, entity
from branch_crm.hq.validate import NODE, Screened
from branch_crm.sync.generated import is_floor
from branch_crm.sync.merge import meaningful, merge_row
from branch_crm.sync.protocol import Change, Rejected


def own_stamp(stamp: str, node: str | None) -> str:
    """``stamp`` with its node part replaced by the caller's node id (unchanged for a node
    id that is not one a stamp can carry, e.g. none was registered)."""
    if node is None or NODE.fullmatch(node) is None:
        return stamp
    return f"{stamp.rsplit('.', 1)[0]}.{node}"


def apply_change(b: Batch, item: Screened) -> None:
    """Merge one incoming change (its values checked) into head office's state."""
    change = item.change
    kind = entity(change.table)[1]
    state = b.states[(change.table, change.pk)]
    hlc = b.clock.admit(own_stamp(change.hlc, b.auth.node_id), source=b.source)
    if hlc != change.hlc:
        b.rewrites[change.hlc] = hlc
    values = dict(item.values)
    if kind == "insert_only" and (change.op != "insert" or state.values is not None):
        return  # a duplicate (by id) or an update of an event: ignored
    if state.values is None:
        if change.op != "insert":
            log_rejection(b, change, "unknown_row", sorted(change.data))
            return
        values["id"] = change.pk
        state.values = values
        state.clocks = dict.fromkeys(state.values, hlc)
        b.accepted += 1
        settle(b, state, "insert", list(state.values), hlc, wire=change.data)
        if change.table == "customer_merge":
            b.merges.append(change.pk)
        return
    _merge_existing(b, state, change, values, hlc)


def _merge_existing(
    b: Batch, state: RowState, change: Change, values: dict[str, Any], hlc: str
) -> None:
    """Merge a change into a row head office holds, by the one merge rule (sync.merge)."""
    assert state.values is not None
    merged = merge_row(state.values, state.clocks, values, hlc)
    b.accepted += 1
    if merged.lost_to_delete and (change.table, change.pk) in b.redirected:
        pass  # carried over to the merge's survivor (hq.merge_op)
    elif merged.lost_to_delete:
        lost = [] if _generated(change) else meaningful([*merged.won, *merged.lost])
        if lost:
            log_rejection(b, change, "deleted", lost)
        b.rejected.append(
            Rejected(table=change.table, pk=change.pk, reason="deleted", columns=sorted(values))
        )
    elif merged.lost:
        b.rejected.append(
            Rejected(table=change.table, pk=change.pk, reason="older", columns=merged.lost)
        )
        lost = [] if _generated(change) else meaningful(_lost_to_others(state, merged.lost, hlc))
        if lost:  # a newer value won: the sender's supervisors see what was lost
            log_rejection(b, change, "older", lost, acknowledge=False)
    if merged.lost:
        _rebroadcast(b, state, merged.lost)
    if merged.won:
        settle(b, state, "delete" if merged.deletes else "update", merged.won, hlc)
    if change.table == "sync_conflict" and "resolution" in merged.won:
        b.resolutions.append(change.pk)


def _lost_to_others(state: RowState, columns: list[str], hlc: str) -> list[str]:
    """The columns that lost to another PC's (or head office's) value. A PC stamps its changes
    in increasing order, so one of its own changes losing to its own newer value is a replay
    (a PC restored from a backup sends its old queue again) or a late copy, never work lost:
    not reported."""
    sender = hlc.rsplit(".", 1)[-1]
    return [c for c in columns if state.clocks.get(c, "").rsplit(".", 1)[-1] != sender]


def _generated(change: Change) -> bool:
    """An insert a rule generated on a PC (stamped at the floor, sync.generated): the same row
    is made on every PC, so losing to another copy or to a person's later change is by
    design, never a change to report."""
    return change.op == "insert" and is_floor(change.hlc)


def _rebroadcast(b: Batch, state: RowState, columns: list[str]) -> None:
    """Send the winning values of columns a change lost, grouped by their stamps."""
    by_stamp: dict[str, list[str]] = defaultdict(list)
    for column in columns:
        by_stamp[state.clocks.get(column, "")].append(column)
    for stamp, group in sorted(by_stamp.items()):
        emit(b, state, "update", group, stamp)
