"""Applying pulled changes to the branch database without capturing them again.

A page is applied and the cursor advanced in one transaction, with capture suppressed (see
sync.capture). Per column: a column with a change still waiting in the outbox keeps the local
value (the unacknowledged outbox is re-applied on top); otherwise the pulled value is taken
unless this branch already holds a newer confirmed stamp for it (``sync_clock``). A
tombstone always wins. A row that clashes with a unique key here is parked in
``sync_parked`` and applied once the clash is gone (conflict resolution): every page ends by
retrying the parked rows.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from branch_crm.sync.protocol import ServerChange

log = logging.getLogger(__name__)

CHUNK = 400


def local_columns(conn: Connection, cache: dict[str, set[str]], table: str) -> set[str]:
    """Columns the local table has (empty if the table does not exist here)."""
    if table not in cache:
        rows = conn.exec_driver_sql(f'PRAGMA table_info("{table}")').fetchall()
        cache[table] = {row[1] for row in rows}
    return cache[table]


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _by_row(
    conn: Connection, sql: str, keys: dict[str, set[str]]
) -> dict[tuple[str, str], list[Any]]:
    found: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for table, pks in keys.items():
        for part in _chunks(sorted(pks)):
            marks = ",".join("?" * len(part))
            rows = conn.exec_driver_sql(sql.format(marks=marks), (table, *part)).fetchall()
            for row in rows:
                found[(row[0], row[1])].append(row[2])
    return found


def merge_clocks(conn: Connection, updates: dict[tuple[str, str], dict[str, str]]) -> None:
    """Raise stored per-column stamps to the given ones (never lowers a stamp)."""
    if not updates:
        return
    keys: dict[str, set[str]] = defaultdict(set)
    for table, pk in updates:
        keys[table].add(pk)
    current = _by_row(
        conn,
        "SELECT table_name, pk, clocks FROM sync_clock WHERE table_name = ? AND pk IN ({marks})",
        keys,
    )
    rows = []
    for key, stamps in updates.items():
        merged: dict[str, str] = json.loads(current[key][0]) if key in current else {}
        for column, stamp in stamps.items():
            if stamp > merged.get(column, ""):
                merged[column] = stamp
        rows.append((key[0], key[1], json.dumps(merged)))
    conn.exec_driver_sql(
        "INSERT INTO sync_clock (table_name, pk, clocks) VALUES (?, ?, ?) "
        "ON CONFLICT (table_name, pk) DO UPDATE SET clocks = excluded.clocks",
        rows,
    )


def write_row(
    conn: Connection, table: str, pk: str, values: dict[str, Any], *, insert: bool
) -> bool:
    """UPDATE the row, or INSERT it when absent and ``insert``; False if nothing was written.

    No UPSERT: an ON CONFLICT clause would override the OR IGNORE of other triggers.
    """
    names = list(values)
    if names:
        sets = ", ".join(f'"{c}" = ?' for c in names)
        result = conn.exec_driver_sql(
            f'UPDATE "{table}" SET {sets} WHERE id = ?', (*values.values(), pk)
        )
        if result.rowcount:
            return True
    if not insert:
        return False
    cols = ", ".join(f'"{c}"' for c in ["id", *names])
    marks = ", ".join("?" * (len(names) + 1))
    conn.exec_driver_sql(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', (pk, *values.values()))
    return True


class PageApplier:
    """Applies one page of pulled changes inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.columns: dict[str, set[str]] = {}
        self.clock_updates: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.parked = 0

    def apply(self, changes: list[ServerChange]) -> int:
        """Apply the page; returns how many changes changed something here."""
        keys: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            keys[change.table].add(change.pk)
        pending_rows = _by_row(
            self.conn,
            "SELECT table_name, pk, data FROM sync_outbox WHERE table_name = ? AND pk IN ({marks})",
            keys,
        )
        self.pending = {
            key: {column for data in datas for column in json.loads(data)}
            for key, datas in pending_rows.items()
        }
        clock_rows = _by_row(
            self.conn,
            "SELECT table_name, pk, clocks FROM sync_clock "
            "WHERE table_name = ? AND pk IN ({marks})",
            keys,
        )
        self.clocks = {key: json.loads(rows[0]) for key, rows in clock_rows.items()}
        parked_rows = _by_row(
            self.conn,
            "SELECT table_name, pk, data FROM sync_parked WHERE table_name = ? AND pk IN ({marks})",
            keys,
        )
        self.parked_keys = set(parked_rows)
        applied = sum(1 for change in changes if self._apply_one(change))
        merge_clocks(self.conn, self.clock_updates)
        # a tombstone or a changed value on this page may have freed what a parked row needs
        retry_parked(self.conn, None, self.columns)
        return applied

    def _wanted(self, change: ServerChange, known: set[str]) -> dict[str, Any]:
        key = (change.table, change.pk)
        pending = self.pending.get(key, set())
        stamps = self.clocks.get(key, {})
        wanted: dict[str, Any] = {}
        for column, value in change.data.items():
            if column not in known or column == "id":
                continue
            tombstone = column == "deleted_at" and value is not None
            if not tombstone and (column in pending or change.hlc < stamps.get(column, "")):
                continue
            wanted[column] = value
        return wanted

    def _apply_one(self, change: ServerChange) -> bool:
        known = local_columns(self.conn, self.columns, change.table)
        if not known:
            log.warning("pulled change for unknown table %s skipped", change.table)
            return False
        key = (change.table, change.pk)
        if key in self.parked_keys:
            self._merge_parked(change)
            return True
        wanted = self._wanted(change, known)
        if not wanted:
            return False
        self.conn.exec_driver_sql("SAVEPOINT sync_row")
        try:
            done = self._write(change.table, change.pk, wanted, change.op == "insert")
        except Exception as exc:
            self.conn.exec_driver_sql("ROLLBACK TO sync_row")
            self.conn.exec_driver_sql("RELEASE sync_row")
            if "UNIQUE" in str(exc):
                self._park(change, str(exc))
                return True
            raise
        self.conn.exec_driver_sql("RELEASE sync_row")
        if done:
            self.clock_updates[key].update(dict.fromkeys(wanted, change.hlc))
        return done

    def _write(self, table: str, pk: str, values: dict[str, Any], insert: bool) -> bool:
        if write_row(self.conn, table, pk, values, insert=insert):
            return True
        log.info("pulled update of %s/%s, which is not here, skipped", table, pk)
        return False

    def _park(self, change: ServerChange, reason: str) -> None:
        log.info("pulled %s/%s clashes here (%s); parked", change.table, change.pk, reason)
        self.conn.exec_driver_sql(
            "INSERT OR REPLACE INTO sync_parked (table_name, pk, data, clocks) VALUES (?, ?, ?, ?)",
            (
                change.table,
                change.pk,
                json.dumps(change.data),
                json.dumps(dict.fromkeys(change.data, change.hlc)),
            ),
        )
        self.parked_keys.add((change.table, change.pk))
        self.parked += 1

    def _merge_parked(self, change: ServerChange) -> None:
        row = self.conn.exec_driver_sql(
            "SELECT data, clocks FROM sync_parked WHERE table_name = ? AND pk = ?",
            (change.table, change.pk),
        ).fetchone()
        assert row is not None
        data, clocks = json.loads(row[0]), json.loads(row[1])
        for column, value in change.data.items():
            if change.hlc >= clocks.get(column, ""):
                data[column], clocks[column] = value, change.hlc
        self.conn.exec_driver_sql(
            "UPDATE sync_parked SET data = ?, clocks = ? WHERE table_name = ? AND pk = ?",
            (json.dumps(data), json.dumps(clocks), change.table, change.pk),
        )
        retry_parked(self.conn, [(change.table, change.pk)], self.columns)
        if not self.conn.exec_driver_sql(
            "SELECT 1 FROM sync_parked WHERE table_name = ? AND pk = ?", (change.table, change.pk)
        ).fetchone():
            self.parked_keys.discard((change.table, change.pk))


def retry_parked(
    conn: Connection,
    keys: Iterable[tuple[str, str]] | None = None,
    columns: dict[str, set[str]] | None = None,
) -> int:
    """Apply parked rows that no longer clash (all of them, or ``keys``); returns how many."""
    cache = columns if columns is not None else {}
    rows = conn.exec_driver_sql("SELECT table_name, pk, data, clocks FROM sync_parked").fetchall()
    wanted = set(keys) if keys is not None else None
    applied = 0
    for table, pk, data, clocks in rows:
        if wanted is not None and (table, pk) not in wanted:
            continue
        known = local_columns(conn, cache, table)
        values = {c: v for c, v in json.loads(data).items() if c in known and c != "id"}
        conn.exec_driver_sql("SAVEPOINT sync_parked_row")
        try:
            write_row(conn, table, pk, values, insert=True)
        except Exception as exc:
            conn.exec_driver_sql("ROLLBACK TO sync_parked_row")
            conn.exec_driver_sql("RELEASE sync_parked_row")
            if "UNIQUE" not in str(exc) and not isinstance(exc, sqlite3.IntegrityError):
                raise
            continue
        conn.exec_driver_sql("RELEASE sync_parked_row")
        conn.exec_driver_sql("DELETE FROM sync_parked WHERE table_name = ? AND pk = ?", (table, pk))
        merge_clocks(conn, {(table, pk): json.loads(clocks)})
        applied += 1
    return applied
