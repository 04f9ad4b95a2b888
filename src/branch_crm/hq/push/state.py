"""The rows a pushed batch touches, as head office holds them while the batch is applied."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Table
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth
from branch_crm.hq.bulk import rows_by_keys
from branch_crm.hq.errors import BadPayload
from branch_crm.hq.validate import Invalid
from branch_crm.i18n import N_
from branch_crm.sync import codec
from branch_crm.sync.hlc import HybridClock
from branch_crm.sync.protocol import Change, ConflictInfo, Rejected

log = logging.getLogger(__name__)


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
    merges: list[str] = field(default_factory=list)
    redirected: set[tuple[str, str]] = field(default_factory=set)
    """Rows of a customer merged away whose edits were carried over to the survivor
    (hq.merge_op): not reported as lost to the delete."""
    """Customer merges received in this batch (hq.merge_op), carried out after its changes."""
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


def to_wire(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """A row's values as a change carries them (a parked copy is kept so)."""
    converters = WIRE_CONVERT[table.name]
    return {name: converters[name](value) for name, value in values.items()}


def new_tx_id() -> str:
    """A transaction id for head office's own writes."""
    return str(uuid.uuid4())
