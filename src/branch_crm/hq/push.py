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
* a branch writes only rows of its own branch, never ``reference`` tables (head office's),
  and of ``sync_conflict`` / ``sync_rejected_change`` only what the models declare
  (``__branch_inserts__``, ``__branch_columns__``, ``__branch_values__``): resolving a
  conflict head office created for it, and only in the name of a staff member of that
  branch whose role may resolve conflicts (hq.resolve ``unauthorised_resolution``). A change
  that breaks this is quarantined as ``forbidden`` (see below); a body naming another branch
  than the token's is refused (403).

Quarantine: a push is never refused for the data it carries, so a PC's queue never stalls.
Every value is checked against its column first (:mod:`branch_crm.hq.validate`); a change
that cannot be applied (an invalid value, a forbidden row, or -- the safety net -- a
database error on it) is kept in ``hq_quarantine``, reported to the sender's supervisors as
a ``sync_rejected_change`` (reason ``invalid`` or ``forbidden``, the problem in words in
``detail``) and acknowledged in ``rejected`` without columns; the rest of the batch is
applied. A batch whose bulk write still raises a database error is rolled back to a
savepoint and applied change by change, each in a savepoint of its own, so that exactly the
changes that fail are quarantined. Rejected-change rows have ids derived from the change
(branch, table, key, stamp, reason): a replayed change is recorded once.

Stamps: a stamp names the node that wrote it; head office rewrites the node part of a pushed
stamp to the caller's node id (reported in ``hlc_rewrites``, like a clamped stamp), so one PC
cannot win ties as another. Head office's own writes (conflicts, resolutions, rejected
changes, reference data) stamp a row's columns later than every stamp the row already
carries, and the clock's high-water mark is kept in ``hq_state`` (read at every push, saved
with every change-log append): after a restart, with the machine clock set back, or in
another worker, head office never stamps older than what it already wrote or admitted.

Gap-free pull: on PostgreSQL the change-log rows are inserted under a transaction-scoped
advisory lock held until commit, so sequence numbers become visible in commit order; on
SQLite the single writer gives the same guarantee. Every writer of the change log goes
through :func:`write_log` (pushes, and reference data through hq.admin).
"""

from __future__ import annotations

import json
import logging
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, Table, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth
from branch_crm.hq.bulk import insert_rows, prefer_index_lookups, rows_by_keys, update_rows
from branch_crm.hq.db import caused_by_data, describe_error, is_postgres, retryable
from branch_crm.hq.errors import BadPayload, Forbidden
from branch_crm.hq.validate import NODE, Invalid, Screened, screen
from branch_crm.i18n import N_
from branch_crm.ids import new_id
from branch_crm.models.base import HQ_BRANCH
from branch_crm.sync import codec
from branch_crm.sync.hlc import Hlc, HybridClock, parse
from branch_crm.sync.merge import TOMBSTONE, meaningful, merge_row
from branch_crm.sync.protocol import Change, ConflictInfo, PushAck, PushRequest, Rejected
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

CHUNK = 500
LOG_LOCK_KEY = 7_310_001
HQ_NODE = "hq"
REJECTION_IDS = uuid.UUID("6f0c7a52-3f51-4a57-9d0e-5c1b1e0a7d10")
"""Namespace of the ids of rejected-change rows (uuid5 of the change they describe)."""
BATCH_ID = re.compile(r"[A-Za-z0-9_-]{8,36}")
Translate = Callable[[str], str]


@dataclass(frozen=True)
class Refusal:
    """A change head office does not apply: ``reason`` ``invalid`` or ``forbidden``."""

    change: Change
    reason: str
    problem: Invalid


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
    stored: dict[str, Any] | None = None
    """The row as head office's table holds it (None if not there). A parked change leaves
    the table row as it was, so the row keeps holding its old unique values."""

    @property
    def live(self) -> bool:
        return self.values is not None and self.values.get("deleted_at") is None

    @property
    def held(self) -> dict[str, Any] | None:
        """The values the row holds in its table at the end of the batch: the stored ones
        while it is parked, else its values."""
        return self.stored if self.parked_branch is not None else self.values


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
    refused: list[Refusal] = field(default_factory=list)
    # unique-key index over rows known in this batch: (table, key, value) -> pks
    key_index: dict[tuple[str, tuple[str, ...], tuple[Any, ...]], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )

    def __post_init__(self) -> None:
        # the same for every entry of the batch: computed once
        self.log_at = self.now.replace(tzinfo=None)
        self.origin = self.auth.node_id or self.auth.branch
        self.source = f"branch {self.auth.branch}"

    def absorb(self, other: Batch) -> None:
        """Add what another batch (one change of a batch applied change by change) did."""
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.conflicts += other.conflicts
        self.rewrites.update(other.rewrites)
        self.refused += other.refused


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
            state.stored = dict(state.values)
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


@dataclass(frozen=True)
class BranchWrites:
    """What a branch may write of one table, as its model declares it (``__branch_inserts__``,
    ``__branch_columns__``, ``__branch_values__``; a model without them: anything of its own
    rows)."""

    inserts: bool = True
    columns: frozenset[str] | None = None
    values: Mapping[str, frozenset[str]] = field(default_factory=dict)


def _branch_writes() -> dict[str, BranchWrites]:
    from branch_crm.models import synced_tables

    return {
        cls.__tablename__: BranchWrites(  # type: ignore[attr-defined]
            inserts=getattr(cls, "__branch_inserts__", True),
            columns=getattr(cls, "__branch_columns__", None),
            values=getattr(cls, "__branch_values__", {}),
        )
        for cls in synced_tables()
    }


BRANCH_WRITES = _branch_writes()
ANY_WRITE = BranchWrites()


def forbidden_outright(change: Change, branch: str) -> Invalid | None:
    """Why ``branch`` may not make this change whatever head office holds (None if it may
    as far as that goes): a write of a reference table, or of a row of another branch."""
    table = change.table
    if table in t.ENTITIES and entity(table)[1] == "reference":
        return Invalid(
            N_("{table} is head-office reference data; branch {branch} cannot change it."),
            table=table,
            branch=branch,
        )
    if "branch_id" in change.data and change.data["branch_id"] != branch:
        return Invalid(N_("{table}/{pk}: a row of another branch"), table=table, pk=change.pk)
    return None


def forbidden(b: Batch, item: Screened) -> Invalid | None:
    """Why the caller's branch may not make this change (None if it may): a row of another
    branch (as held here), or more than its model lets a branch write."""
    change, values = item.change, item.values
    table, branch = change.table, b.auth.branch
    state = b.states[(table, change.pk)]
    held = state.values
    if held is not None and (state.parked_branch or held.get("branch_id")) != branch:
        return Invalid(N_("{table}/{pk}: a row of another branch"), table=table, pk=change.pk)
    rule = BRANCH_WRITES.get(table, ANY_WRITE)
    if held is None and not rule.inserts:
        return Invalid(N_("{table}: only head office creates these rows"), table=table)
    extra = sorted(set(values) - rule.columns) if rule.columns is not None else []
    if extra:
        column = f"{table}.{extra[0]}"
        return Invalid(N_("{column}: only head office changes this column"), column=column)
    for name, allowed in rule.values.items():
        if name in values and values[name] not in allowed:
            column = f"{table}.{name}"
            return Invalid(N_("{column}: a branch cannot set this value"), column=column)
    return None


# --- unique keys -----------------------------------------------------------------------


def key_value(values: dict[str, Any], table: str, key: tuple[str, ...]) -> tuple[Any, ...] | None:
    """A row's value of a unique key, with its branch when the key holds within a branch
    (None when a column of it is empty)."""
    if any(values.get(c) is None for c in key):
        return None
    scope = () if (table, key) in t.GLOBAL_UNIQUE else (values.get("branch_id"),)
    return (*scope, *(values[c] for c in key))


def prefetch_unique(b: Batch, items: list[Screened]) -> None:
    """Load every live row that could clash with a unique key value in the batch: the values
    the changes carry, and the whole unique values of rows parked here (an edit of a parked
    row that does not repeat its key still un-parks it only if nothing holds the key)."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    branches = {b.auth.branch}
    for item in items:
        table = item.change.table
        state = b.states[(table, item.change.pk)]
        sources = [item.values]
        if state.parked_branch is not None and state.values is not None:
            sources.append(state.values)
        for key in entity(table)[2]:
            for source in sources:
                value = source.get(key[0])
                if value is not None:
                    wanted[table].add(value)
                    branches.add(str(source.get("branch_id") or b.auth.branch))
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
    """Record the unique-key values a row holds in its table in the batch's index."""
    held = state.held
    if held is None:
        return
    _table, _kind, keys, _partial = entity(state.table)
    for key in keys:
        value = key_value(held, state.table, key)
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
        value = key_value(state.values, state.table, key)
        if value is None:
            continue
        for pk in list(b.key_index.get((state.table, key, value), ())):
            other = b.states[(state.table, pk)]
            held = other.held
            if pk == state.pk or held is None:
                continue
            if partial[key] and held.get(TOMBSTONE) is not None:
                continue
            if key_value(held, state.table, key) == value:
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


def _storable(value: str, length: int) -> str:
    """Text received from a branch, made safe for a column of ``length`` (a NUL written
    out, cut to length): for bookkeeping rows that name what was refused."""
    return value.replace("\x00", "\\0")[:length]


def _storable_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A change's data as a JSON column can keep it (non-finite numbers written out)."""
    return {
        _storable(str(k), 64): str(v) if isinstance(v, float) and not math.isfinite(v) else v
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
            "table_name": _storable(change.table, 40),
            "row_id": _storable(change.pk, 36),
            "reason": reason,
            "data": _storable_data(data),
            "hlc": _storable(change.hlc, 64),
            "node_id": b.auth.node_id,
            "detail": detail[:200] if detail is not None else None,
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
    """Append the change log, and save the clock's high-water mark; on PostgreSQL under the
    commit-order lock (see module doc), which also keeps those saves in order."""
    if not b.log:
        return
    if is_postgres(b.conn):
        b.conn.execute(select(func.pg_advisory_xact_lock(LOG_LOCK_KEY)))
    insert_rows(b.conn, t.change_log, b.log)
    save_clock(b.conn, b.clock)


SAVE_CLOCK = text(
    "INSERT INTO hq_state (id, clock_ms, clock_counter) VALUES (1, :ms, :counter) "
    "ON CONFLICT (id) DO UPDATE SET clock_ms = excluded.clock_ms, "
    "clock_counter = excluded.clock_counter "
    "WHERE (hq_state.clock_ms, hq_state.clock_counter) "
    "< (excluded.clock_ms, excluded.clock_counter)"
)


def save_clock(conn: Connection, clock: HybridClock) -> None:
    """Keep the clock's high-water mark (a stamp it just issued) unless a later one is kept."""
    stamp = clock.now()
    conn.execute(SAVE_CLOCK, {"ms": stamp.ms, "counter": stamp.counter})


def load_clock(conn: Connection, clock: HybridClock) -> None:
    """Move the clock past the high-water mark head office kept (nothing if none is)."""
    query = select(t.state.c.clock_ms, t.state.c.clock_counter).where(t.state.c.id == 1)
    row = conn.execute(query).first()  # by its key: a scan would be JIT-compiled under
    # prefer_index_lookups (sequential scans priced out), costing milliseconds a push
    if row is not None:
        clock.receive(Hlc(int(row.clock_ms), int(row.clock_counter), clock.node))


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
    conn: Connection,
    request: PushRequest,
    auth: NodeAuth,
    clock: HybridClock,
    *,
    translate: Translate = str,
) -> PushAck:
    """Apply one batch inside the caller's transaction and return its acknowledgement.

    ``translate``: the language of the pushing PC, for the words of quarantined changes."""
    if request.branch != auth.branch:
        raise Forbidden(
            N_("This token belongs to branch {owner}; it cannot push for {branch}."),
            owner=auth.branch,
            branch=request.branch,
        )
    if BATCH_ID.fullmatch(request.batch_id) is None:
        raise BadPayload(N_("The batch id is malformed."))
    previous = stored_ack(conn, request.batch_id, auth.branch)
    if previous is not None:
        return previous
    prefer_index_lookups(conn)
    load_clock(conn, clock)
    now = utcnow()
    if not _claim_batch(conn, request, auth, now):  # the same batch, applied meanwhile
        applied = stored_ack(conn, request.batch_id, auth.branch)
        assert applied is not None  # committed, with its acknowledgement, by the other request
        return applied
    screened, refused = _screen_all(request.changes, auth.branch)
    b = _apply_all(conn, auth, clock, request.batch_id, now=now, screened=screened)
    q = Batch(conn=conn, auth=auth, clock=clock, tx_id=request.batch_id, now=now)
    _quarantine(q, [*refused, *b.refused], translate)
    ack = PushAck(
        batch_id=request.batch_id,
        accepted=b.accepted,
        rejected=[*b.rejected, *q.rejected],
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


def _claim_batch(conn: Connection, request: PushRequest, auth: NodeAuth, now: datetime) -> bool:
    """Record the batch id; False when another request of the same batch (a PC resending
    while its first attempt was still being applied) committed it first -- waited for, not
    an error."""
    values = {
        "batch_id": request.batch_id,
        "branch_code": auth.branch,
        "node_id": auth.node_id,
        "received_at": now,
        "changes": len(request.changes),
    }
    claim = _dialect_insert(conn)(t.batch).values(**values).on_conflict_do_nothing()
    return bool(conn.execute(claim).rowcount)


def _dialect_insert(conn: Connection) -> Any:
    """The INSERT construct of the connection's database (for ``ON CONFLICT DO NOTHING``)."""
    return postgresql_insert if is_postgres(conn) else sqlite_insert


def _screen_all(changes: list[Change], branch: str) -> tuple[list[Screened], list[Refusal]]:
    """The changes whose values fit head office's columns, and the others, refused
    (forbidden before invalid: a branch may not write them whatever their values)."""
    screened: list[Screened] = []
    refused: list[Refusal] = []
    for change in changes:
        problem = forbidden_outright(change, branch)
        if problem is not None:
            refused.append(Refusal(change, "forbidden", problem))
            continue
        try:
            screened.append(screen(change))
        except Invalid as invalid:
            refused.append(Refusal(change, "invalid", invalid))
    return screened, refused


def _apply_all(
    conn: Connection,
    auth: NodeAuth,
    clock: HybridClock,
    tx_id: str,
    *,
    now: datetime,
    screened: list[Screened],
) -> Batch:
    """Apply the checked changes in bulk; if the database still refuses something, roll
    that back and apply them change by change, quarantining exactly the ones that fail."""
    try:
        with conn.begin_nested():
            b = Batch(conn=conn, auth=auth, clock=clock, tx_id=tx_id, now=now)
            _apply(b, screened)
            return b
    except Exception as exc:
        if not _recoverable(exc):
            raise
        log.warning(
            "batch %s of branch %s failed as a whole (%s): applied change by change",
            tx_id,
            auth.branch,
            describe_error(exc),
        )
    total = Batch(conn=conn, auth=auth, clock=clock, tx_id=tx_id, now=now)
    for item in screened:
        try:
            with conn.begin_nested():
                one = Batch(conn=conn, auth=auth, clock=clock, tx_id=tx_id, now=now)
                _apply(one, [item])
        except Exception as exc:
            if not _recoverable(exc):
                raise
            problem = Invalid(
                N_("head office's database refused it ({problem})"), problem=describe_error(exc)
            )
            total.refused.append(Refusal(item.change, "invalid", problem))
            continue
        total.absorb(one)
    return total


def _recoverable(exc: Exception) -> bool:
    """A failure one change causes (quarantine it): a database error its data causes, or a
    value the driver cannot bind -- not a deadlock or a locked database (the push is
    retried), a failure of the database itself (the push fails and is sent again later), a
    refusal of the request, or a bug."""
    if isinstance(exc, DBAPIError):
        return caused_by_data(exc) and not retryable(exc)
    return isinstance(exc, ValueError | TypeError | ArithmeticError)


def _apply(b: Batch, screened: list[Screened]) -> None:
    """Apply checked changes in one batch: ownership, merge rules, resolutions, writes."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in screened:
        wanted[item.change.table].add(item.change.pk)
    load_states(b, wanted)
    allowed: list[Screened] = []
    for item in screened:
        problem = forbidden(b, item)
        if problem is None:
            allowed.append(item)
        else:
            b.refused.append(Refusal(item.change, "forbidden", problem))
    prefetch_unique(b, allowed)
    from branch_crm.hq.resolve import apply_resolution, unauthorised_resolution

    for item in allowed:
        problem = unauthorised_resolution(b, item)  # by the staff as applied so far
        if problem is None:
            apply_change(b, item)
        else:
            b.refused.append(Refusal(item.change, "forbidden", problem))
    for conflict_id in b.resolutions:
        apply_resolution(b, conflict_id)
    write_states(b)
    write_log(b)


def _quarantine(b: Batch, refused: list[Refusal], translate: Translate) -> None:
    """Keep the refused changes in ``hq_quarantine`` and tell the sender's supervisors (a
    rejected-change row each, once per change) and the sender (``rejected``, no columns),
    all through ``b``, a batch of its own."""
    if not refused:
        return
    batch_id = b.tx_id
    rows: dict[str, dict[str, Any]] = {}
    for refusal in refused:
        change = refusal.change
        detail = refusal.problem.render(translate)[:200]
        log.warning(
            "change %s/%s of batch %s quarantined (%s): %s",
            _storable(change.table, 40),
            _storable(change.pk, 36),
            batch_id,
            refusal.reason,
            refusal.problem.detail,
        )
        log_rejection(b, change, refusal.reason, [], detail=detail)
        restore_senders_copy(b, change)
        rows[rejection_id(b.auth.branch, change, refusal.reason)] = {
            "branch_code": b.auth.branch,
            "node_id": b.auth.node_id,
            "batch_id": batch_id,
            "table_name": _storable(change.table, 40),
            "pk": _storable(change.pk, 36),
            "op": change.op,
            "data": json.dumps(_storable_data(change.data), ensure_ascii=False),
            "hlc": _storable(change.hlc, 64),
            "reason": refusal.reason,
            "detail": detail,
            "at": b.now,
        }
    keep = _dialect_insert(b.conn)(t.quarantine).on_conflict_do_nothing()  # kept before: once
    b.conn.execute(keep, [{"id": k, **row} for k, row in rows.items()])
    write_states(b)
    write_log(b)


def restore_senders_copy(b: Batch, change: Change) -> None:
    """Send head office's values of the columns a refused change touched back to the
    sender's branch, stamped later than the row's stamps, so the PC that made the change
    (which no longer queues it) ends with what every other PC and head office hold -- a
    refused resolution shows its conflict open again. Only for a row of the sender's own
    branch that head office holds (nothing of another branch is ever sent)."""
    try:
        table = entity(change.table)[0]
        with b.conn.begin_nested():
            load_states(b, {change.table: {change.pk}})
    except (BadPayload, DBAPIError):
        b.states.pop((change.table, change.pk), None)
        return  # an unknown table, or a key head office cannot even look up
    state = b.states[(change.table, change.pk)]
    if state.values is None or state.parked_branch is not None:
        return
    if state.values.get("branch_id") != b.auth.branch:
        return
    columns = [c for c in change.data if c in table.c and c not in ("id", "branch_id")]
    if columns:
        hq_write(b, change.table, change.pk, {c: state.values.get(c) for c in columns})


def new_tx_id() -> str:
    """A transaction id for head office's own writes."""
    return str(uuid.uuid4())
