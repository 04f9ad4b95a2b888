"""Rows a rule generates the same on every PC (the care plan's tasks): one row, whichever PC
makes it first, and never a person's later edit undone.

Such a row has a deterministic id (from what it is for: branch, customer, reason, period),
so two PCs planning offline insert *the same row*. Its captured insert is then restamped at
the floor of time, :data:`FLOOR_MS` with counter 0 and the PC's node id:

* any change a person makes to the row (done, postponed, reassigned) carries a real stamp and
  beats the generated insert whatever order the PCs sync in (a task closed on one PC is not
  reopened by the other PC's plan arriving later);
* the two PCs' inserts differ only in the node part of their stamps, so head office and every
  PC keep the same one (the greater node id) by the one merge rule; head office never
  reports a generated insert that lost as a lost change (hq.push.merge): it is a copy;
* the clock correction leaves floor stamps alone (sync.clock.restamp_queue): they never move
  up among the queued changes.
"""

from __future__ import annotations

import sqlite3

from branch_crm.sync.hlc import SQL_FORMAT

FLOOR_MS = 946_684_800_000
"""2000-01-01T00:00:00Z: the physical time of generated inserts, before any real edit."""


def is_floor(stamp: str) -> bool:
    """True for a stamp of a generated insert (at or below the floor)."""
    return stamp[:13] <= f"{FLOOR_MS:013d}"


def stamp_generated(raw: sqlite3.Connection, table: str, ids_sql: str) -> int:
    """Restamp the queued inserts of ``table`` whose ids ``ids_sql`` selects (rows just
    generated in this transaction) at the floor; returns how many. Call it in the
    transaction that inserted them, before it commits."""
    cursor = raw.execute(
        f"UPDATE sync_outbox SET hlc = (SELECT printf({SQL_FORMAT}, ?, 0, node_id) "
        "FROM sync_state WHERE id = 1) "
        f"WHERE batch_id IS NULL AND op = 'insert' AND table_name = ? AND pk IN ({ids_sql})",
        (FLOOR_MS, table),
    )
    return cursor.rowcount
