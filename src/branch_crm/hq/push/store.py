"""Writing a batch's rows, clocks, parked copies and change log; head office's clock mark."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.engine import Connection

from branch_crm.hq import summary
from branch_crm.hq import tables as t
from branch_crm.hq.bulk import insert_rows, update_rows
from branch_crm.hq.db import is_postgres
from branch_crm.hq.push.state import COLUMN_NAMES, Batch, RowState, entity, to_wire
from branch_crm.sync import codec
from branch_crm.sync.hlc import Hlc, HybridClock

LOG_LOCK_KEY = 7_310_001


def write_states(b: Batch) -> None:
    """Write every changed row, clock and parked copy (and keep the dashboard's summaries
    of those rows, in the same transaction: hq.summary)."""
    tracking = summary.begin(b.conn, b.states.values())
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
    summary.finish(b.conn, tracking)


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
                "data": codec.dumps(to_wire(table, state.values)),
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
