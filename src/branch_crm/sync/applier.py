"""Applying pulled changes to the branch database without capturing them again.

A page is applied and the cursor advanced in one transaction, with capture suppressed (see
sync.capture). Per column: a column with a change still waiting in the outbox keeps the local
value (the unacknowledged outbox is re-applied on top); otherwise the pulled value is taken
unless this branch already holds a newer confirmed stamp for it (``sync_clock``). A
tombstone always wins. A row that clashes with a unique key here is parked in
``sync_parked`` and applied once the clash is gone (conflict resolution): every page ends by
retrying the parked rows.

Speed: which rows of a page exist here is read up front, and the changes that are the same
statement (an INSERT, or an UPDATE of the same columns, of one table) run as one
``executemany`` inside a savepoint. Within a table, statements run in page order (a change
needing another statement of a table with a group open, or touching a row with a statement
queued, first runs every open group: it then sees that row parked or written); across
tables they are grouped (a page's customer inserts, then its phone inserts), which is safe
because foreign keys are checked at commit (``defer_foreign_keys``) and no trigger on a
synced table reads or writes another synced table (a test guards this). If a group hits a
unique clash, it is rolled back and replayed change by change (each in its own savepoint),
which parks exactly the clashing rows, as applying one change at a time does.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from branch_crm.sync import codec
from branch_crm.sync.merge import TOMBSTONE, column_wins, merge_row
from branch_crm.sync.protocol import ServerChange

log = logging.getLogger(__name__)


def local_columns(conn: Connection, cache: dict[str, set[str]], table: str) -> set[str]:
    """Columns the local table has (empty if the table does not exist here)."""
    if table not in cache:
        rows = conn.exec_driver_sql(f'PRAGMA table_info("{table}")').fetchall()
        cache[table] = {row[1] for row in rows}
    return cache[table]


def _by_row(
    conn: Connection, sql: str, keys: dict[str, set[str]]
) -> dict[tuple[str, str], list[Any]]:
    """Rows of ``sql`` (selecting table, pk, value; ``{marks}`` where the pks go) per key."""
    found: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for table, pks in keys.items():
        marks = "SELECT value FROM json_each(?)"
        rows = conn.exec_driver_sql(sql.format(marks=marks), (table, codec.dumps(sorted(pks))))
        for row in rows.fetchall():
            found[(row[0], row[1])].append(row[2])
    return found


def _existing(
    conn: Connection, keys: dict[str, set[str]]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The keys among ``keys`` whose row exists here (tables known to exist), and those of
    them that are tombstones."""
    found: set[tuple[str, str]] = set()
    tombstones: set[tuple[str, str]] = set()
    for table, pks in keys.items():
        rows = conn.exec_driver_sql(
            f'SELECT id, {TOMBSTONE} IS NOT NULL FROM "{table}" '
            "WHERE id IN (SELECT value FROM json_each(?))",
            (codec.dumps(sorted(pks)),),
        )
        for row in rows.fetchall():
            found.add((table, row[0]))
            if row[1]:
                tombstones.add((table, row[0]))
    return found, tombstones


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
        if key not in current:
            rows.append((key[0], key[1], codec.encode_clocks(stamps)))
            continue
        merged: dict[str, str] = codec.decode_clocks(current[key][0])
        for column, stamp in stamps.items():
            if stamp > merged.get(column, ""):
                merged[column] = stamp
        rows.append((key[0], key[1], codec.encode_clocks(merged)))
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
        result = conn.exec_driver_sql(_update_sql(table, names), (*values.values(), pk))
        if result.rowcount:
            return True
    if not insert:
        return False
    conn.exec_driver_sql(_insert_sql(table, names), (pk, *values.values()))
    return True


def _update_sql(table: str, names: list[str]) -> str:
    """UPDATE of ``names`` (in this order), then the id, as parameters."""
    sets = ", ".join(f'"{c}" = ?' for c in names)
    return f'UPDATE "{table}" SET {sets} WHERE id = ?'


def _insert_sql(table: str, names: list[str]) -> str:
    """INSERT of the id, then ``names`` (in this order), as parameters."""
    cols = ", ".join(f'"{c}"' for c in ["id", *names])
    marks = ", ".join("?" * (len(names) + 1))
    return f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'


@dataclass
class _Write:
    """One pending statement of a page: a row to write and the change it comes from."""

    change: ServerChange
    values: dict[str, Any]
    insert: bool


class PageApplier:
    """Applies one page of pulled changes inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.columns: dict[str, set[str]] = {}
        self.clock_updates: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.parked = 0
        self.exists: set[tuple[str, str]] = set()
        self.groups: dict[tuple[str, bool, tuple[str, ...]], list[_Write]] = {}
        self.open_tables: dict[str, tuple[str, bool, tuple[str, ...]]] = {}
        self.queued: set[tuple[str, str]] = set()
        self.applied = 0

    def apply(self, changes: list[ServerChange]) -> int:
        """Apply the page; returns how many changes changed something here."""
        keys: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            keys[change.table].add(change.pk)
        known = {t: pks for t, pks in keys.items() if local_columns(self.conn, self.columns, t)}
        self.exists, self.tombstones = _existing(self.conn, known)
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
        self.clocks = {key: codec.decode_clocks(rows[0]) for key, rows in clock_rows.items()}
        parked_rows = _by_row(
            self.conn,
            "SELECT table_name, pk, data FROM sync_parked WHERE table_name = ? AND pk IN ({marks})",
            keys,
        )
        self.parked_keys = set(parked_rows)
        for change in changes:
            self._plan(change)
        self._flush()
        applied = self.applied
        merge_clocks(self.conn, self.clock_updates)
        # a tombstone or a changed value on this page may have freed what a parked row needs
        retry_parked(self.conn, None, self.columns)
        return applied

    def _wanted(self, change: ServerChange, known: set[str]) -> dict[str, Any]:
        key = (change.table, change.pk)
        pending = self.pending.get(key, set())
        stamps = self.clocks.get(key, {})
        tombstoned = key in self.tombstones
        if not pending and not stamps and not tombstoned:  # nothing here to keep
            return {c: v for c, v in change.data.items() if c in known and c != "id"}
        wanted: dict[str, Any] = {}
        for column, value in change.data.items():
            if column not in known or column == "id":
                continue
            here = True if column == TOMBSTONE and tombstoned else None
            if column in pending and not (column == TOMBSTONE and value is not None):
                continue  # a local change waits for head office, which will merge it
            if column_wins(column, value, change.hlc, here, stamps.get(column)):
                wanted[column] = value
        return wanted

    def _plan(self, change: ServerChange) -> None:
        """Queue the statement a change needs (or apply it now when it cannot be grouped)."""
        known = local_columns(self.conn, self.columns, change.table)
        if not known:
            log.warning("pulled change for unknown table %s skipped", change.table)
            return
        key = (change.table, change.pk)
        if key in self.queued:  # this row's earlier statement runs first (it may be parked)
            self._flush()
        if key in self.parked_keys:
            self._flush()
            self._merge_parked(change)
            self.applied += 1
            if key not in self.parked_keys:  # applied from the parked copy
                self.exists.add(key)
            return
        wanted = self._wanted(change, known)
        if not wanted:
            return
        if key not in self.exists:
            if change.op != "insert":
                log.info("pulled update of %s/%s, which is not here, skipped", *key)
                return
            write = _Write(change, wanted, insert=True)
        else:
            write = _Write(change, wanted, insert=False)
        group_key = (change.table, write.insert, tuple(wanted))
        if self.open_tables.get(change.table, group_key) != group_key:
            self._flush()  # another statement of this table: keep the table's order
        self.open_tables[change.table] = group_key
        self.groups.setdefault(group_key, []).append(write)
        self.queued.add(key)
        if write.insert:
            self.exists.add(key)
        # later changes of this row on the page merge against what this one writes
        self.clocks.setdefault(key, {}).update(dict.fromkeys(wanted, change.hlc))
        if wanted.get(TOMBSTONE) is not None:
            self.tombstones.add(key)

    def _flush(self) -> None:
        """Run every queued group, in the order they were opened."""
        groups, self.groups, self.open_tables = self.groups, {}, {}
        self.queued = set()
        for group in groups.values():
            self._run_group(group)

    def _run_group(self, group: list[_Write]) -> None:
        """Run one group as one statement; replay it one by one on a unique clash."""
        first = group[0]
        table, names = first.change.table, list(first.values)
        if first.insert:
            sql = _insert_sql(table, names)
            params = [(w.change.pk, *w.values.values()) for w in group]
        else:
            sql = _update_sql(table, names)
            params = [(*w.values.values(), w.change.pk) for w in group]
        self.conn.exec_driver_sql("SAVEPOINT sync_group")
        try:
            self.conn.exec_driver_sql(sql, params)
        except Exception as exc:
            self.conn.exec_driver_sql("ROLLBACK TO sync_group")
            self.conn.exec_driver_sql("RELEASE sync_group")
            if "UNIQUE" not in str(exc):
                raise
            for write in group:
                if write.insert:
                    self.exists.discard((table, write.change.pk))
            for write in group:
                self._apply_alone(write)
            return
        self.conn.exec_driver_sql("RELEASE sync_group")
        for write in group:
            self.clock_updates[(table, write.change.pk)].update(
                dict.fromkeys(write.values, write.change.hlc)
            )
        self.applied += len(group)

    def _apply_alone(self, write: _Write) -> None:
        """One change in its own savepoint; parked if it clashes with a unique key here."""
        change = write.change
        key = (change.table, change.pk)
        self.conn.exec_driver_sql("SAVEPOINT sync_row")
        try:
            done = write_row(self.conn, change.table, change.pk, write.values, insert=write.insert)
        except Exception as exc:
            self.conn.exec_driver_sql("ROLLBACK TO sync_row")
            self.conn.exec_driver_sql("RELEASE sync_row")
            if "UNIQUE" in str(exc):
                self._park(change, str(exc))
                self.applied += 1
                return
            raise
        self.conn.exec_driver_sql("RELEASE sync_row")
        if done:
            if write.insert:
                self.exists.add(key)
            self.clock_updates[key].update(dict.fromkeys(write.values, change.hlc))
            self.applied += 1
        else:
            log.info("pulled update of %s/%s, which is not here, skipped", *key)

    def _park(self, change: ServerChange, reason: str) -> None:
        log.info("pulled %s/%s clashes here (%s); parked", change.table, change.pk, reason)
        self.conn.exec_driver_sql(
            "INSERT OR REPLACE INTO sync_parked (table_name, pk, data, clocks) VALUES (?, ?, ?, ?)",
            (
                change.table,
                change.pk,
                json.dumps(change.data),
                codec.encode_clocks(dict.fromkeys(change.data, change.hlc)),
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
        data, clocks = json.loads(row[0]), codec.decode_clocks(row[1])
        merge_row(data, clocks, change.data, change.hlc)
        self.conn.exec_driver_sql(
            "UPDATE sync_parked SET data = ?, clocks = ? WHERE table_name = ? AND pk = ?",
            (json.dumps(data), codec.encode_clocks(clocks), change.table, change.pk),
        )
        if retry_parked(self.conn, [(change.table, change.pk)], self.columns):
            self.parked_keys.discard((change.table, change.pk))  # applied, no longer parked


def retry_parked(
    conn: Connection,
    keys: Iterable[tuple[str, str]] | None = None,
    columns: dict[str, set[str]] | None = None,
) -> int:
    """Apply parked rows that no longer clash (all of them, or ``keys``); returns how many."""
    cache = columns if columns is not None else {}
    select_parked = "SELECT table_name, pk, data, clocks FROM sync_parked"
    if keys is None:
        rows = conn.exec_driver_sql(select_parked).fetchall()
    else:  # only those rows, looked up by key (not the whole table read and filtered)
        where = f"{select_parked} WHERE table_name = ? AND pk = ?"
        rows = [row for key in dict.fromkeys(keys) for row in conn.exec_driver_sql(where, key)]
    applied = 0
    for table, pk, data, clocks in rows:
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
        merge_clocks(conn, {(table, pk): codec.decode_clocks(clocks)})
        applied += 1
    return applied
