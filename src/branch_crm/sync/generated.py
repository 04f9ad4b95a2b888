"""Rows a rule generates the same on every PC (the care plan's tasks): one row, whichever PC
makes it first, and never a person's later edit undone.

Such a row has a deterministic id (from what it is for: branch, customer, reason, period),
so two PCs planning offline insert *the same row*. Its insert is queued stamped at the floor
of time, :data:`FLOOR_MS` with counter 0 and the PC's node id:

* any change a person makes to the row (done, postponed, reassigned) carries a real stamp and
  beats the generated insert whatever order the PCs sync in (a task closed on one PC is not
  reopened by the other PC's plan arriving later);
* the two PCs' inserts differ only in the node part of their stamps, so head office and every
  PC keep the same one (the greater node id) by the one merge rule; head office never
  reports a generated insert that lost as a lost change (hq.push.merge): it is a copy;
* the clock correction leaves floor stamps alone (sync.clock.restamp_queue): they never move
  up among the queued changes.

The rows are written with capture suspended and queued by one ``INSERT ... SELECT`` over the
new rows (rowid order) carrying the same columns the capture trigger would, built by the
capture's own JSON-object builder (:func:`queue_generated`): a plan of 100,000 rows then
costs no per-row trigger work.
"""

from __future__ import annotations

import sqlite3

from branch_crm.sync.capture import capture_columns, json_object_sql
from branch_crm.sync.hlc import SQL_FORMAT

FLOOR_MS = 946_684_800_000
"""2000-01-01T00:00:00Z: the physical time of generated inserts, before any real edit."""


def is_floor(stamp: str) -> bool:
    """True for a stamp of a generated insert (at or below the floor)."""
    return stamp[:13] <= f"{FLOOR_MS:013d}"


def queue_generated(raw: sqlite3.Connection, table: str, after_rowid: int) -> int:
    """Queue the inserts of every ``table`` row with a rowid above ``after_rowid`` (rows just
    written with capture suspended, in this transaction: take ``after_rowid`` from
    :func:`branch_crm.sync.capture.max_rowid` before writing them) as the capture trigger
    would, but stamped at the floor; returns how many. The new rows are read in rowid order,
    one pass over the table's tail."""
    captured = capture_columns(raw, table)
    if captured is None:
        raise RuntimeError(f"{table} has no capture trigger")
    columns, version = captured
    cursor = raw.execute(
        "INSERT INTO sync_outbox (tx_id, table_name, pk, op, data, hlc, schema_version) "
        f"SELECT s.tx_epoch, ?, t.id, 'insert', {json_object_sql(columns, 't')}, "
        f"printf({SQL_FORMAT}, ?, 0, s.node_id), ? "
        f'FROM "{table}" t CROSS JOIN sync_state s WHERE s.id = 1 AND t.rowid > ? '
        "ORDER BY t.rowid",
        (table, FLOOR_MS, version, after_rowid),
    )
    return max(cursor.rowcount, 0)
