"""Writing through a batch: change-log entries, head office's own writes, rejected changes
and parked rows."""

from __future__ import annotations

import logging
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from branch_crm.hq import tables as t
from branch_crm.hq.push.keys import find_clash, index_state
from branch_crm.hq.push.state import (
    DATETIME_COLUMNS,
    WIRE_CONVERT,
    Batch,
    RowState,
    entity,
    load_states,
)
from branch_crm.ids import new_id
from branch_crm.models.base import HQ_BRANCH
from branch_crm.sync import codec
from branch_crm.sync.hlc import Hlc, HybridClock, parse
from branch_crm.sync.protocol import Change, ConflictInfo, Rejected

log = logging.getLogger(__name__)

REJECTION_IDS = uuid.UUID("6f0c7a52-3f51-4a57-9d0e-5c1b1e0a7d10")
"""Namespace of the ids of rejected-change rows (uuid5 of the change they describe)."""


def _canonical_datetime(wire: Any) -> bool:
    """Wire text that converting to a datetime and back gives unchanged."""
    return (
        type(wire) is str
        and len(wire) == 26
        and wire[10] == " "
        and wire[19] == "."
        and wire[20:].isdigit()
    )


def emit(
    b: Batch,
    state: RowState,
    op: str,
    columns: Iterable[str],
    hlc: str,
    *,
    wire: dict[str, Any] | None = None,
) -> None:
    """Append a change-log entry carrying ``columns`` of the row as head office has it.

    ``wire``: the change the row's values were just converted from; a datetime already in
    wire form there is taken as it is (converting it back would give the same text)."""
    assert state.values is not None
    converters = WIRE_CONVERT[state.table]
    values = state.values
    if wire is None:
        data = {c: converters[c](values.get(c)) for c in columns}
    else:
        datetimes = DATETIME_COLUMNS[state.table]
        data = {
            c: w
            if c in datetimes and _canonical_datetime(w := wire.get(c))
            else converters[c](values.get(c))
            for c in columns
        }
    partition = state.values.get("branch_id") or HQ_BRANCH
    b.log.append(
        {
            "tx_id": b.tx_id,
            "partition": partition,
            "table_name": state.table,
            "pk": state.pk,
            "op": op,
            "data": codec.dumps(data),
            "hlc": hlc,
            "origin": b.origin,
            "at": b.log_at,
        }
    )


def emit_as_stored(b: Batch, state: RowState) -> None:
    """Broadcast a whole row with the stamps head office keeps for its columns.

    One ``insert`` carrying every column at the oldest stamp (so a PC without the row
    creates it), then an ``update`` per newer stamp: each PC ends with head office's values
    and stamps, so a change stamped in between still merges the same way everywhere.
    """
    assert state.values is not None
    known = [stamp for stamp in state.clocks.values() if stamp]
    oldest = min(known) if known else str(b.clock.now())
    by_stamp: dict[str, list[str]] = defaultdict(list)
    for column in state.values:
        by_stamp[max(state.clocks.get(column) or oldest, oldest)].append(column)
    emit(b, state, "insert", list(state.values), oldest)
    for stamp, group in sorted(by_stamp.items()):
        if stamp != oldest:
            emit(b, state, "update", group, stamp)


def hq_write(b: Batch, table_name: str, pk: str, values: dict[str, Any]) -> RowState:
    """Write columns as head office itself (conflict records, resolutions, reference data),
    stamped later than every stamp the row already carries (see the module docstring)."""
    state = b.states.get((table_name, pk))
    if state is None:
        load_states(b, {table_name: {pk}})
        state = b.states[(table_name, pk)]
    _after_stamps(b.clock, state.clocks.values())
    hlc = str(b.clock.now())
    is_new = state.values is None
    table = entity(table_name)[0]
    if is_new:
        # every column, so a PC that seeded the same row itself (built-in reference data)
        # ends with head office's values in all of them
        base = {c.name: getattr(c.default, "arg", None) for c in table.columns}
        state.values = {**base, "id": pk, "created_at": b.now, "deleted_at": None}
    assert state.values is not None
    values = {**values, "updated_at": b.now}
    state.values.update(values)
    columns = list(state.values) if is_new else list(values)
    for column in columns:
        state.clocks[column] = hlc
    state.dirty = state.clock_dirty = True
    op = "insert" if is_new else ("delete" if values.get("deleted_at") else "update")
    emit(b, state, op, columns, hlc)
    index_state(b, state)
    return state


def _after_stamps(clock: HybridClock, stamps: Iterable[str]) -> None:
    """Make the clock's next stamp later than every one of ``stamps`` (malformed ones, kept
    from before stamps were checked, are left out)."""
    newest: Hlc | None = None
    for stamp in stamps:
        try:
            parsed = parse(stamp)
        except (ValueError, TypeError):
            continue
        newest = parsed if newest is None or parsed > newest else newest
    if newest is not None:
        clock.receive(newest)


def rejection_id(branch: str, change: Change, reason: str) -> str:
    """The id of the rejected-change row telling ``branch`` that ``change`` was not applied
    for ``reason``: the same whenever the same change comes again."""
    name = "\x1f".join((branch, change.table, change.pk, change.hlc, reason))
    return str(uuid.uuid5(REJECTION_IDS, name))


def storable(value: str, length: int) -> str:
    """Text received from a branch, made safe for a column of ``length`` (a NUL written
    out, cut to length): for bookkeeping rows that name what was refused."""
    return value.replace("\x00", "\\0")[:length]


def storable_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A change's data as a JSON column can keep it (non-finite numbers written out)."""
    return {
        storable(str(k), 64): str(v) if isinstance(v, float) and not math.isfinite(v) else v
        for k, v in data.items()
    }


def log_rejection(
    b: Batch,
    change: Change,
    reason: str,
    columns: list[str],
    *,
    acknowledge: bool = True,
    detail: str | None = None,
    detail_message: dict[str, Any] | None = None,
) -> None:
    """Record a change that was not applied (or not whole) where the sender's supervisors
    can see it, once per change and reason (and, unless ``acknowledge`` is False or it
    lost to a delete, in the acknowledgement)."""
    if acknowledge and reason != "deleted":
        b.rejected.append(
            Rejected(table=change.table, pk=change.pk, reason=reason, columns=columns)
        )
    row_id = rejection_id(b.auth.branch, change, reason)
    load_states(b, {"sync_rejected_change": {row_id}})
    if b.states[("sync_rejected_change", row_id)].values is not None:
        return  # the same change was rejected before (a replay)
    data = {c: change.data[c] for c in columns if c in change.data}
    hq_write(
        b,
        "sync_rejected_change",
        row_id,
        {
            "branch_id": b.auth.branch,
            "table_name": storable(change.table, 40),
            "row_id": storable(change.pk, 36),
            "reason": reason,
            "data": storable_data(data),
            "hlc": storable(change.hlc, 64),
            "node_id": b.auth.node_id,
            "detail": detail[:200] if detail is not None else None,
            "detail_message": detail_message,
        },
    )


def park(b: Batch, state: RowState, key: tuple[str, ...], other: RowState) -> None:
    """Keep a clashing row aside and record a conflict for the sender's supervisors."""
    assert state.values is not None and other.values is not None
    conflict_id = new_id()
    state.parked_branch, state.parked_conflict = b.auth.branch, conflict_id
    state.dirty = state.clock_dirty = True
    other_customer = other.values.get("customer_id")
    name = None
    if other_customer is not None:
        name = b.conn.scalar(
            select(t.ENTITIES["customer"][0].c.name).where(
                t.ENTITIES["customer"][0].c.id == other_customer
            )
        )
    kind = "unique_phone" if state.table == "customer_phone" else "unique"
    hq_write(
        b,
        "sync_conflict",
        conflict_id,
        {
            "branch_id": b.auth.branch,
            "kind": kind,
            "table_name": state.table,
            "row_id": state.pk,
            "other_row_id": other.pk,
            "other_branch_id": other.values.get("branch_id") or "",
            "columns": ",".join(key),
            "value": ",".join(str(state.values.get(c)) for c in key)[:200],
            "customer_id": state.values.get("customer_id"),
            "other_customer_id": other_customer,
            "other_customer_name": name,
            "status": "open",
        },
    )
    b.conflicts.append(ConflictInfo(id=conflict_id, table=state.table, pk=state.pk, kind=kind))
    log.info("unique clash on %s %s parked as conflict %s", state.table, key, conflict_id)


def settle(
    b: Batch,
    state: RowState,
    op: str,
    columns: list[str],
    hlc: str,
    *,
    wire: dict[str, Any] | None = None,
) -> None:
    """After a row changed: park it on a clash, or write it (un-parking it if it was).
    ``wire``: the change the row was just created from (see emit)."""
    clash = find_clash(b, state)
    if state.parked_branch is not None:
        if clash is None:
            state.parked_branch = None
            state.unpark = state.dirty = state.clock_dirty = True
            emit_as_stored(b, state)
            index_state(b, state)
        else:
            state.dirty = True  # keep the parked copy up to date
            emit(b, state, op, columns, hlc, wire=wire)
        return
    if clash is not None:
        park(b, state, clash[0], clash[1])
        # the branch's other PCs get the row too: all of them show (and can resolve) it
        emit(b, state, op, columns, hlc, wire=wire)
        return
    state.dirty = state.clock_dirty = True
    emit(b, state, op, columns, hlc, wire=wire)
    index_state(b, state)
