"""Applying a pushed batch at head office: checks, merge rules, change log, acknowledgement.

One database transaction records the batch id, applies every change and appends the change
log, so a batch is applied exactly once; a repeated batch id gets the stored acknowledgement.

Merge rules (DESIGN.md section 3):

* ``lww`` tables: last writer wins per column by HLC (``hq_row_clock`` keeps each column's
  stamp); columns that lose are re-broadcast with the winning value so the sender converges.
* ``insert_only`` tables: inserted once by id; duplicates and updates are ignored.
* a tombstone beats any update, older or newer; the losing update is logged in
  ``sync_rejected_change`` (owned by the sender's branch, so its supervisors see it).
* a unique clash (one phone on two customers) parks the incoming row and records a
  ``sync_conflict`` for the sender's supervisors; nothing is overwritten. The parked row
  still goes to the sender's partition, so every PC of that branch holds it (a PC where it
  clashes locally parks it too) and any of them can resolve the conflict.
* ``reference`` tables belong to head office: a branch writing one is refused (403).

Gap-free pull: on PostgreSQL the change-log rows are inserted under a transaction-scoped
advisory lock held until commit, so sequence numbers become visible in commit order; on
SQLite the single writer gives the same guarantee.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, Table, func, insert, select, update
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth
from branch_crm.hq.bulk import insert_rows, prefer_index_lookups, rows_by_keys, update_rows
from branch_crm.hq.db import is_postgres
from branch_crm.hq.errors import BadPayload, Forbidden
from branch_crm.i18n import N_
from branch_crm.ids import new_id
from branch_crm.models.base import HQ_BRANCH
from branch_crm.sync import codec
from branch_crm.sync.hlc import HybridClock
from branch_crm.sync.merge import meaningful, merge_row
from branch_crm.sync.protocol import Change, ConflictInfo, PushAck, PushRequest, Rejected
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

CHUNK = 500
LOG_LOCK_KEY = 7_310_001
HQ_NODE = "hq"


@dataclass
class RowState:
    """What head office holds for one row while a batch is applied."""

    table: str
    pk: str
    values: dict[str, Any] | None = None
    clocks: dict[str, str] = field(default_factory=dict)
    in_db: bool = False
    clock_in_db: bool = False
    dirty: bool = False
    clock_dirty: bool = False
    parked_branch: str | None = None
    parked_conflict: str | None = None
    parked_in_db: bool = False
    unpark: bool = False

    @property
    def live(self) -> bool:
        return self.values is not None and self.values.get("deleted_at") is None


@dataclass
class Batch:
    """Everything one push produces before it is written."""

    conn: Connection
    auth: NodeAuth
    clock: HybridClock
    tx_id: str
    now: datetime
    states: dict[tuple[str, str], RowState] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    conflicts: list[ConflictInfo] = field(default_factory=list)
    rewrites: dict[str, str] = field(default_factory=dict)
    accepted: int = 0
    resolutions: list[str] = field(default_factory=list)
    # unique-key index over rows known in this batch: (table, key, value) -> pks
    key_index: dict[tuple[str, tuple[str, ...], tuple[Any, ...]], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )

    def __post_init__(self) -> None:
        # the same for every entry of the batch: computed once
        self.log_at = self.now.replace(tzinfo=None)
        self.origin = self.auth.node_id or self.auth.branch
        self.source = f"branch {self.auth.branch}"


def entity(table: str) -> tuple[Table, str, list[tuple[str, ...]], dict[tuple[str, ...], bool]]:
    """The head-office table of a synced table name (BadPayload if unknown)."""
    try:
        return t.ENTITIES[table]
    except KeyError:
        raise BadPayload(N_("unknown table '{table}'"), table=table) from None


PY_CONVERT: dict[str, dict[str, Callable[[Any], Any]]] = {
    name: {c.name: codec.python_converter(c.type) for c in spec[0].columns}
    for name, spec in t.ENTITIES.items()
}
"""table -> column -> wire value to Python value (codec.to_python, chosen once)."""
WIRE_CONVERT: dict[str, dict[str, Callable[[Any], Any]]] = {
    name: {c.name: codec.wire_converter(c.type) for c in spec[0].columns}
    for name, spec in t.ENTITIES.items()
}
"""table -> column -> Python value to wire value (codec.to_wire, chosen once)."""
DATETIME_COLUMNS: dict[str, set[str]] = {
    name: {c.name for c in spec[0].columns if isinstance(codec.base_type(c.type), DateTime)}
    for name, spec in t.ENTITIES.items()
}
COLUMN_NAMES: dict[str, list[str]] = {
    name: [c.name for c in spec[0].columns] for name, spec in t.ENTITIES.items()
}


# --- loading ---------------------------------------------------------------------------


def load_states(b: Batch, wanted: dict[str, set[str]]) -> None:
    """Read (and on PostgreSQL lock) the rows, clocks and parked copies a batch touches.

    The clocks are read first, locked (every table's in one statement, in one order), so
    a concurrent push of the same rows waits here and then reads the rows it committed."""
    pairs: list[tuple[str, str]] = []
    new: dict[str, list[str]] = {}
    for table_name in sorted(wanted):
        entity(table_name)
        pks = sorted(pk for pk in wanted[table_name] if (table_name, pk) not in b.states)
        if pks:
            new[table_name] = pks
            for pk in pks:
                b.states[(table_name, pk)] = RowState(table_name, pk)
                pairs.append((table_name, pk))
    if not pairs:
        return
    clock_rows = rows_by_keys(
        b.conn,
        t.row_clock,
        ("table_name", "pk"),
        pairs,
        columns=("table_name", "pk", "clocks"),
        lock=True,
    )
    for table_name, pk, clocks in clock_rows:
        state = b.states[(table_name, pk)]
        state.clocks, state.clock_in_db = codec.decode_clocks(clocks), True
    for table_name, ids in new.items():
        table = entity(table_name)[0]
        for row in rows_by_keys(b.conn, table, ("id",), [(pk,) for pk in ids]):
            state = b.states[(table_name, row.id)]
            state.values, state.in_db = dict(row._mapping), True
    for row in rows_by_keys(b.conn, t.parked, ("table_name", "pk"), pairs):
        state = b.states[(row.table_name, row.pk)]
        state.values = _from_wire(entity(row.table_name)[0], codec.loads(row.data))
        state.clocks = codec.decode_clocks(row.clocks)
        state.parked_branch, state.parked_conflict = row.branch_code, row.conflict_id
        state.parked_in_db = True


def _from_wire(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    converters = PY_CONVERT[table.name]
    try:  # the usual change: known columns, valid values
        return {name: converters[name](value) for name, value in data.items()}
    except (KeyError, TypeError, ValueError):
        pass  # say which column, below
    values: dict[str, Any] = {}
    for name, value in data.items():
        convert = converters.get(name)
        if convert is None:
            log.warning("ignored column %s.%s unknown to head office", table.name, name)
            continue
        try:
            values[name] = convert(value)
        except (TypeError, ValueError) as exc:
            raise BadPayload(
                N_("{column}: {value} is not valid ({problem})"),
                column=f"{table.name}.{name}",
                value=repr(value),
                problem=str(exc),
            ) from None
    return values


def _to_wire(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    converters = WIRE_CONVERT[table.name]
    return {name: converters[name](value) for name, value in values.items()}


# --- security --------------------------------------------------------------------------


NOT_YOURS = N_("Row {table}/{pk} belongs to branch {owner}, not to {branch}; it was not accepted.")


def check_ownership(b: Batch, changes: list[Change]) -> None:
    """403 unless every change writes a row of the token's branch in a table branches own."""
    branch = b.auth.branch
    for change in changes:
        kind = entity(change.table)[1]
        if kind == "reference":
            raise Forbidden(
                N_("{table} is head-office reference data; branch {branch} cannot change it."),
                table=change.table,
                branch=branch,
            )
        new_owner = change.data.get("branch_id")
        if "branch_id" in change.data and new_owner != branch:
            raise Forbidden(
                NOT_YOURS, table=change.table, pk=change.pk, owner=new_owner, branch=branch
            )
        state = b.states.get((change.table, change.pk))
        owner = None
        if state is not None and state.values is not None:
            owner = state.parked_branch or state.values.get("branch_id")
        if owner is not None and owner != branch:
            raise Forbidden(NOT_YOURS, table=change.table, pk=change.pk, owner=owner, branch=branch)


# --- unique keys -----------------------------------------------------------------------


def _key_value(values: dict[str, Any], table: str, key: tuple[str, ...]) -> tuple[Any, ...] | None:
    if any(values.get(c) is None for c in key):
        return None
    scope = () if (table, key) in t.GLOBAL_UNIQUE else (values.get("branch_id"),)
    return (*scope, *(values[c] for c in key))


def prefetch_unique(b: Batch, changes: list[Change]) -> None:
    """Load every live row that could clash with a unique key value in the batch."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    branches = {b.auth.branch}
    for change in changes:
        keys = entity(change.table)[2]
        for key in keys:
            value = change.data.get(key[0])
            if value is not None:
                wanted[change.table].add(PY_CONVERT[change.table][key[0]](value))
                branches.add(str(change.data.get("branch_id") or b.auth.branch))
    _load_holders(b, wanted, branches)


def prefetch_holders(b: Batch, state: RowState) -> None:
    """Load the rows holding one of this row's unique values, before it is checked again
    outside the changes of the batch (a conflict resolution un-parking it)."""
    if state.values is None:
        return
    keys = entity(state.table)[2]
    values = {state.values[key[0]] for key in keys if state.values.get(key[0]) is not None}
    branches = {str(state.values.get("branch_id") or b.auth.branch)}
    _load_holders(b, {state.table: values}, branches)


def _load_holders(b: Batch, wanted: dict[str, set[Any]], branches: set[str]) -> None:
    """Load the rows that could clash with ``wanted`` unique values. Only rows that
    find_clash could pick are read: live ones for a key among live rows, the rows'
    own branches for a key scoped to a branch -- so the query uses the unique index."""
    for table_name, values in wanted.items():
        table, _kind, keys, partial = entity(table_name)
        ids: set[str] = set()
        for column_name in sorted({key[0] for key in keys}):
            column = table.c[column_name]
            starting = [key for key in keys if key[0] == column_name]
            live_only = all(partial[key] for key in starting)
            scoped = all((table_name, key) not in t.GLOBAL_UNIQUE for key in starting)
            ordered = sorted(values, key=str)
            if isinstance(column.type, String):
                found = rows_by_keys(
                    b.conn,
                    table,
                    (column_name,),
                    [(value,) for value in ordered],
                    columns=("id",),
                    live_only=live_only,
                    branches=sorted(branches) if scoped else None,
                )
                ids.update(row.id for row in found)
                continue
            query = select(table.c.id)
            if live_only:
                query = query.where(table.c.deleted_at.is_(None))
            if scoped:
                query = query.where(table.c.branch_id.in_(sorted(branches)))
            for start in range(0, len(ordered), CHUNK):
                part = ordered[start : start + CHUNK]
                ids.update(b.conn.scalars(query.where(column.in_(part))))
        load_states(b, {table_name: ids})
    for state in b.states.values():
        index_state(b, state)


def index_state(b: Batch, state: RowState) -> None:
    """Record a row's unique-key values in the batch's index."""
    if state.values is None or state.parked_branch is not None:
        return
    _table, _kind, keys, _partial = entity(state.table)
    for key in keys:
        value = _key_value(state.values, state.table, key)
        if value is not None:
            b.key_index[(state.table, key, value)].add(state.pk)


def find_clash(b: Batch, state: RowState) -> tuple[tuple[str, ...], RowState] | None:
    """Another row holding one of this row's unique values, if any."""
    if state.values is None:
        return None
    _table, _kind, keys, partial = entity(state.table)
    for key in keys:
        if partial[key] and not state.live:
            continue
        value = _key_value(state.values, state.table, key)
        if value is None:
            continue
        for pk in list(b.key_index.get((state.table, key, value), ())):
            other = b.states[(state.table, pk)]
            if pk == state.pk or other.values is None or other.parked_branch is not None:
                continue
            if partial[key] and not other.live:
                continue
            if _key_value(other.values, state.table, key) == value:
                return key, other
    return None


# --- writing through the batch ---------------------------------------------------------


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
    """Write columns as head office itself (conflict records, resolutions, reference data)."""
    state = b.states.get((table_name, pk))
    if state is None:
        load_states(b, {table_name: {pk}})
        state = b.states[(table_name, pk)]
    hlc = str(b.clock.now())
    is_new = state.values is None
    table = entity(table_name)[0]
    if is_new:
        base = {
            c.name: getattr(c.default, "arg", None) for c in table.columns if c.default is not None
        }
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


def log_rejection(
    b: Batch, change: Change, reason: str, columns: list[str], *, acknowledge: bool = True
) -> None:
    """Record a losing change where the sender's supervisors can see it (and, unless
    ``acknowledge`` is False or it lost to a delete, in the acknowledgement)."""
    if acknowledge and reason != "deleted":
        b.rejected.append(
            Rejected(table=change.table, pk=change.pk, reason=reason, columns=columns)
        )
    data = {c: change.data[c] for c in columns if c in change.data}
    hq_write(
        b,
        "sync_rejected_change",
        new_id(),
        {
            "branch_id": b.auth.branch,
            "table_name": change.table,
            "row_id": change.pk,
            "reason": reason,
            "data": data,
            "hlc": change.hlc,
            "node_id": b.auth.node_id,
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


# --- the merge rules -------------------------------------------------------------------


def apply_change(b: Batch, change: Change) -> None:
    """Merge one incoming change into head office's state."""
    table, kind, _keys, _partial = entity(change.table)
    state = b.states[(change.table, change.pk)]
    hlc = b.clock.admit(change.hlc, source=b.source)
    if hlc != change.hlc:
        b.rewrites[change.hlc] = hlc
    values = _from_wire(table, change.data)
    if kind == "insert_only" and (change.op != "insert" or state.values is not None):
        return  # a duplicate (by id) or an update of an event: ignored
    if state.values is None:
        if change.op != "insert":
            log_rejection(b, change, "unknown_row", sorted(change.data))
            return
        values["id"] = change.pk  # (a fresh dict from _from_wire)
        state.values = values
        state.clocks = dict.fromkeys(state.values, hlc)
        b.accepted += 1
        settle(b, state, "insert", list(state.values), hlc, wire=change.data)
        return
    _merge_existing(b, state, change, values, hlc)


def _merge_existing(
    b: Batch, state: RowState, change: Change, values: dict[str, Any], hlc: str
) -> None:
    """Merge a change into a row head office holds, by the one merge rule (sync.merge)."""
    assert state.values is not None
    merged = merge_row(state.values, state.clocks, values, hlc)
    b.accepted += 1
    if merged.lost_to_delete:
        lost = meaningful([*merged.won, *merged.lost])
        if lost:
            log_rejection(b, change, "deleted", lost)
        b.rejected.append(
            Rejected(table=change.table, pk=change.pk, reason="deleted", columns=sorted(values))
        )
    elif merged.lost:
        b.rejected.append(
            Rejected(table=change.table, pk=change.pk, reason="older", columns=merged.lost)
        )
        lost = meaningful(merged.lost)
        if lost:  # a newer value won: the sender's supervisors see what was lost
            log_rejection(b, change, "older", lost, acknowledge=False)
    if merged.lost:
        _rebroadcast(b, state, merged.lost)
    if merged.won:
        settle(b, state, "delete" if merged.deletes else "update", merged.won, hlc)
    if change.table == "sync_conflict" and "resolution" in merged.won:
        b.resolutions.append(change.pk)


def _rebroadcast(b: Batch, state: RowState, columns: list[str]) -> None:
    """Send the winning values of columns a change lost, grouped by their stamps."""
    by_stamp: dict[str, list[str]] = defaultdict(list)
    for column in columns:
        by_stamp[state.clocks.get(column, "")].append(column)
    for stamp, group in sorted(by_stamp.items()):
        emit(b, state, "update", group, stamp)


# --- writing ---------------------------------------------------------------------------


def write_states(b: Batch) -> None:
    """Write every changed row, clock and parked copy."""
    by_table: dict[str, list[RowState]] = defaultdict(list)
    for state in b.states.values():
        if state.dirty or state.clock_dirty:
            by_table[state.table].append(state)
    clocks: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    for table_name, states in by_table.items():
        table = entity(table_name)[0]
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for state in states:
            if state.values is None or not state.dirty:
                continue
            if state.parked_branch is not None:
                continue
            (updates if state.in_db else inserts).append(state.values)
        columns = COLUMN_NAMES[table_name]  # every column (a value missing here is NULL)
        update_rows(b.conn, table, updates, ("id",), columns=columns)
        # after updates: a tombstone written here may free a unique value
        insert_rows(b.conn, table, inserts, columns=columns)
        _collect_clocks(table_name, states, clocks)
        _write_parked(b, table, states)
    new, old = clocks  # every table's clocks in one statement each
    insert_rows(b.conn, t.row_clock, new)
    update_rows(b.conn, t.row_clock, old, ("table_name", "pk"))


def _collect_clocks(
    table_name: str,
    states: list[RowState],
    into: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    """The clock rows of ``states`` to insert (first) and to update (second)."""
    for s in states:
        if s.clock_dirty and s.parked_branch is None:
            row = {"table_name": table_name, "pk": s.pk, "clocks": codec.encode_clocks(s.clocks)}
            into[1 if s.clock_in_db else 0].append(row)


def _write_parked(b: Batch, table: Table, states: list[RowState]) -> None:
    for state in states:
        if state.parked_branch is not None and state.values is not None:
            row = {
                "data": codec.dumps(_to_wire(table, state.values)),
                "clocks": codec.encode_clocks(state.clocks),
                "branch_code": state.parked_branch,
                "conflict_id": state.parked_conflict,
            }
            where = (t.parked.c.table_name == state.table) & (t.parked.c.pk == state.pk)
            if state.parked_in_db:
                b.conn.execute(update(t.parked).where(where).values(**row))
            else:
                b.conn.execute(insert(t.parked).values(table_name=state.table, pk=state.pk, **row))
        elif state.unpark and state.parked_in_db:
            b.conn.execute(
                t.parked.delete().where(
                    (t.parked.c.table_name == state.table) & (t.parked.c.pk == state.pk)
                )
            )


def write_log(b: Batch) -> None:
    """Append the change log; on PostgreSQL under the commit-order lock (see module doc)."""
    if not b.log:
        return
    if is_postgres(b.conn):
        b.conn.execute(select(func.pg_advisory_xact_lock(LOG_LOCK_KEY)))
    insert_rows(b.conn, t.change_log, b.log)


# --- the whole push --------------------------------------------------------------------


def stored_ack(conn: Connection, batch_id: str, branch: str) -> PushAck | None:
    """The acknowledgement of a batch already applied (None if new)."""
    row = conn.execute(select(t.batch).where(t.batch.c.batch_id == batch_id)).first()
    if row is None:
        return None
    if row.branch_code != branch:
        raise Forbidden(N_("This batch id was used by another branch."))
    ack = PushAck.model_validate(row.ack)
    return ack.model_copy(update={"duplicate": True})


def apply_push(
    conn: Connection, request: PushRequest, auth: NodeAuth, clock: HybridClock
) -> PushAck:
    """Apply one batch inside the caller's transaction and return its acknowledgement."""
    if request.branch != auth.branch:
        raise Forbidden(
            N_("This token belongs to branch {owner}; it cannot push for {branch}."),
            owner=auth.branch,
            branch=request.branch,
        )
    previous = stored_ack(conn, request.batch_id, auth.branch)
    if previous is not None:
        return previous
    prefer_index_lookups(conn)
    now = utcnow()
    conn.execute(
        insert(t.batch).values(
            batch_id=request.batch_id,
            branch_code=auth.branch,
            node_id=auth.node_id,
            received_at=now,
            changes=len(request.changes),
        )
    )
    b = Batch(conn=conn, auth=auth, clock=clock, tx_id=request.batch_id, now=now)
    wanted: dict[str, set[str]] = defaultdict(set)
    for change in request.changes:
        entity(change.table)
        wanted[change.table].add(change.pk)
    load_states(b, wanted)
    check_ownership(b, request.changes)
    prefetch_unique(b, request.changes)
    for change in request.changes:
        apply_change(b, change)
    for conflict_id in b.resolutions:
        from branch_crm.hq.resolve import apply_resolution

        apply_resolution(b, conflict_id)
    write_states(b)
    write_log(b)
    ack = PushAck(
        batch_id=request.batch_id,
        accepted=b.accepted,
        rejected=b.rejected,
        conflicts=b.conflicts,
        server_hlc=str(clock.now()),
        hlc_rewrites=b.rewrites,
    )
    conn.execute(
        update(t.batch)
        .where(t.batch.c.batch_id == request.batch_id)
        .values(ack=ack.model_dump(mode="json"))
    )
    conn.execute(update(t.branch).where(t.branch.c.code == auth.branch).values(last_push_at=now))
    conn.execute(
        update(t.node)
        .where(t.node.c.token_id == auth.token_id)
        .values(last_seen_at=now, schema_version=request.schema_version)
    )
    return ack


def new_tx_id() -> str:
    """A transaction id for head office's own writes."""
    return str(uuid.uuid4())
