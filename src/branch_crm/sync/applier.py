"""Applying pulled changes to the branch database without capturing them again.

A page is applied and the cursor advanced in one transaction, with capture suppressed (see
sync.capture). Per column: a column with a change still waiting in the outbox keeps the local
value (the unacknowledged outbox is re-applied on top); otherwise the pulled value is taken
unless this branch already holds a newer confirmed stamp for it (``sync_clock``). A
tombstone always wins. A pulled insert gives the local-only columns (``info={"sync": False}``)
their model defaults.

Rows that cannot be applied yet wait in ``sync_parked`` with a reason, and a page never fails
for them:

* ``unique``: the row clashes with a unique key here; applied once the clash is gone
  (conflict resolution);
* ``parent``: a foreign key names a row that is not here (``parent_table``/``parent_pk``):
  parked itself, not arrived yet, or a reference row this PC lacks. A parked parent parks its
  children. Applied as soon as the parent is here.

Every page ends by retrying the parked rows that may have become applicable (all ``unique``
ones, and the ``parent`` ones whose parent is now here), parents before children.

Finding rows whose parent is missing costs no scan: the parents a page names are looked up by
id together with the rows it touches; a change naming a parent that is neither here nor
inserted earlier on the page waits at once, and a change whose parent is inserted on the page
is checked again when its group runs (groups run parents' tables first, so the parent's
insert has run, or been parked, by then). Should the commit still fail on a foreign key (a
bug), :func:`branch_crm.sync.client.apply_page` applies the page again ``thorough``ly: one
change at a time, each written row checked against the database's own foreign keys.

Speed: which rows of a page exist here is read up front, and the changes that are the same
statement (an INSERT, or an UPDATE of the same columns, of one table) run as one
``executemany`` inside a savepoint. Within a table, statements run in page order (a change
needing another statement of a table with a group open, or touching a row with a statement
queued, first runs every open group: it then sees that row parked or written); across
tables they are grouped (a page's customer inserts, then its phone inserts) and run parents'
tables first, which is safe because foreign keys are checked at commit
(``defer_foreign_keys``) and no trigger on a synced table reads or writes another synced
table (a test guards this). If a group fails (a unique clash), it is rolled back and replayed
change by change (each in its own savepoint), which parks exactly the clashing rows, as
applying one change at a time does; any other failure names its row (:class:`ApplyError`).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from branch_crm.sync import codec
from branch_crm.sync.apply_rows import (
    NO_RULES,
    PARENT,
    UNIQUE,
    ApplyError,
    Key,
    by_row,
    existing,
    insert_sql,
    is_clash,
    local_columns,
    merge_clocks,
    present,
    rank,
    table_rules,
    update_sql,
    violation,
    write_row,
)
from branch_crm.sync.customer_merge import redirect_to_survivors
from branch_crm.sync.merge import RESTORED, TOMBSTONE, column_wins, is_restore, merge_row
from branch_crm.sync.parked import parked_rows, retry, retry_parked
from branch_crm.sync.protocol import ServerChange

log = logging.getLogger(__name__)


@dataclass
class _Write:
    """One pending statement of a page: a row to write and the change it comes from."""

    change: ServerChange
    values: dict[str, Any]
    insert: bool
    after: list[Key] = field(default_factory=list)
    """Parents inserted earlier on the page, not yet written when this was planned."""


class PageApplier:
    """Applies one page of pulled changes inside the caller's transaction.

    ``thorough``: every change on its own, each written row checked against the database's
    foreign keys (the safety net when a page's commit failed on one).
    """

    def __init__(self, conn: Connection, *, thorough: bool = False) -> None:
        self.conn = conn
        self.thorough = thorough
        self.columns: dict[str, set[str]] = {}
        self.clock_updates: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.parked = 0
        self.exists: set[tuple[str, str]] = set()
        self.groups: dict[tuple[str, bool, tuple[str, ...]], list[_Write]] = {}
        self.open_tables: dict[str, tuple[str, bool, tuple[str, ...]]] = {}
        self.queued: set[tuple[str, str]] = set()
        self.inserting: set[Key] = set()
        self.applied = 0

    def apply(self, changes: list[ServerChange]) -> int:
        """Apply the page; returns how many changes changed something here (or wait)."""
        keys: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            keys[change.table].add(change.pk)
        known = {t: pks for t, pks in keys.items() if local_columns(self.conn, self.columns, t)}
        self.exists, self.tombstones = existing(self.conn, known)
        self.restored = self._restored(known)
        rules = table_rules()
        self.parents = {t: rules.get(t, NO_RULES).parents for t in keys}
        named = {
            (parent, str(value))
            for c in changes
            for column, parent in self.parents[c.table]
            if (value := c.data.get(column)) is not None and value not in keys.get(parent, ())
        }
        self.exists |= present(self.conn, self.columns, named)
        pending_rows = by_row(
            self.conn,
            "SELECT table_name, pk, data FROM sync_outbox WHERE table_name = ? AND pk IN ({marks})",
            keys,
        )
        self.pending = {
            key: {column for data in datas for column in json.loads(data)}
            for key, datas in pending_rows.items()
        }
        clock_rows = by_row(
            self.conn,
            "SELECT table_name, pk, clocks FROM sync_clock "
            "WHERE table_name = ? AND pk IN ({marks})",
            keys,
        )
        self.clocks = {key: codec.decode_clocks(rows[0]) for key, rows in clock_rows.items()}
        parked_rows = by_row(
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
        # a row written on this page may be the parent, or have freed the unique value, that a
        # parked row waits for
        retry_parked(self.conn, None, self.columns, verify=self.thorough)
        # rows that still name a customer merged away (written on this PC before it heard of
        # the merge) move to the survivor, as head office moves them
        redirect_to_survivors(self.conn)
        return applied

    def _restored(self, known: dict[str, set[str]]) -> set[tuple[str, str]]:
        """The rows among ``known`` holding a ``restored_at`` (candidates of sync.merge's
        "restored": a live value set by a restore)."""
        found: set[tuple[str, str]] = set()
        for table, pks in known.items():
            if RESTORED not in local_columns(self.conn, self.columns, table):
                continue
            rows = self.conn.exec_driver_sql(
                f'SELECT id FROM "{table}" WHERE {RESTORED} IS NOT NULL '
                "AND id IN (SELECT value FROM json_each(?))",
                (codec.dumps(sorted(pks)),),
            )
            found.update((table, row[0]) for row in rows.fetchall())
        return found

    def _wanted(self, change: ServerChange, known: set[str]) -> dict[str, Any]:
        key = (change.table, change.pk)
        pending = self.pending.get(key, set())
        stamps = self.clocks.get(key, {})
        tombstoned = key in self.tombstones
        if not pending and not stamps and not tombstoned:  # nothing here to keep
            return {c: v for c, v in change.data.items() if c in known and c != "id"}
        restoring = is_restore(change.data)
        restored = (
            key in self.restored
            and not tombstoned
            and stamps.get(TOMBSTONE) is not None
            and stamps.get(RESTORED) == stamps.get(TOMBSTONE)
        )
        wanted: dict[str, Any] = {}
        for column, value in change.data.items():
            if column not in known or column == "id":
                continue
            here = True if column == TOMBSTONE and tombstoned else None
            if column in pending and not (column == TOMBSTONE and value is not None):
                continue  # a local change waits for head office, which will merge it
            if (
                column == TOMBSTONE
                and value is not None
                and TOMBSTONE in pending
                and not tombstoned
            ):
                continue  # a local restore waits for head office, which merges it
            if column_wins(
                column,
                value,
                change.hlc,
                here,
                stamps.get(column),
                restoring=restoring,
                restored=restored,
            ):
                wanted[column] = value
        if restoring and TOMBSTONE in wanted:
            self.tombstones.discard(key)
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
            return
        wanted = self._wanted(change, known)
        if not wanted:
            return
        if key not in self.exists and change.op != "insert":
            log.info("pulled update of %s/%s, which is not here, skipped", *key)
            return
        write = _Write(change, wanted, insert=key not in self.exists)
        for column, table in self.parents[change.table]:
            if (value := wanted.get(column)) is None:
                continue
            if (parent := (table, value)) not in self.exists:
                self._wait(change, wanted, parent)
                return
            if parent in self.inserting:
                write.after.append(parent)
        self._queue(write)

    def _queue(self, write: _Write) -> None:
        change, wanted = write.change, write.values
        key = (change.table, change.pk)
        group_key = (change.table, write.insert, tuple(wanted))
        if self.open_tables.get(change.table, group_key) != group_key:
            self._flush()  # another statement of this table: keep the table's order
        self.open_tables[change.table] = group_key
        self.groups.setdefault(group_key, []).append(write)
        self.queued.add(key)
        if write.insert:
            self.exists.add(key)
            self.inserting.add(key)
        # later changes of this row on the page merge against what this one writes
        self.clocks.setdefault(key, {}).update(dict.fromkeys(wanted, change.hlc))
        if wanted.get(TOMBSTONE) is not None:
            self.tombstones.add(key)

    def _flush(self) -> None:
        """Run every queued group: parents' tables first, each table's in page order."""
        groups, self.groups, self.open_tables = self.groups, {}, {}
        self.queued, self.inserting = set(), set()
        for group in sorted(groups.values(), key=lambda g: rank(g[0].change.table)):
            self._run_group(group)

    def _ready(self, group: list[_Write]) -> list[_Write]:
        """The writes of a group whose parents (inserted earlier on the page) got in; the
        others wait for them."""
        if not any(write.after for write in group):
            return group
        ready = []
        for write in group:
            missing = [p for p in write.after if p not in self.exists]
            if not missing:
                ready.append(write)
                continue
            if write.insert:
                self.exists.discard((write.change.table, write.change.pk))
            self._wait(write.change, write.values, missing[0])
        return ready

    def _run_group(self, group: list[_Write]) -> None:
        """Run one group as one statement; replay it one by one if that fails."""
        group = self._ready(group)
        if not group:
            return
        first = group[0]
        table, names = first.change.table, list(first.values)
        if self.thorough:
            for write in group:
                self._apply_alone(write)
            return
        if first.insert:
            sql, extra = insert_sql(table, names)
            params = [(w.change.pk, *w.values.values(), *extra) for w in group]
        else:
            sql = update_sql(table, names)
            params = [(*w.values.values(), w.change.pk) for w in group]
        self.conn.exec_driver_sql("SAVEPOINT sync_group")
        try:
            self.conn.exec_driver_sql(sql, params)
        except Exception:
            self.conn.exec_driver_sql("ROLLBACK TO sync_group")
            self.conn.exec_driver_sql("RELEASE sync_group")
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
        """One change in its own savepoint: parked if it clashes with a unique key here,
        waiting if (thorough) the row names a missing row; ApplyError on any other failure."""
        change = write.change
        key = (change.table, change.pk)
        self.conn.exec_driver_sql("SAVEPOINT sync_row")
        try:
            done = write_row(self.conn, change.table, change.pk, write.values, insert=write.insert)
            missing = violation(self.conn, *key) if done and self.thorough else None
        except Exception as exc:
            self.conn.exec_driver_sql("ROLLBACK TO sync_row")
            self.conn.exec_driver_sql("RELEASE sync_row")
            if not is_clash(exc):
                raise ApplyError.of_row(change.table, change.pk, exc) from exc
            self._park(change, write.values, UNIQUE, None)
            return
        if missing is not None:
            self.conn.exec_driver_sql("ROLLBACK TO sync_row")
            self.conn.exec_driver_sql("RELEASE sync_row")
            self.exists.discard(key)
            self._wait(change, write.values, missing)
            return
        self.conn.exec_driver_sql("RELEASE sync_row")
        if done:
            if write.insert:
                self.exists.add(key)
            self.clock_updates[key].update(dict.fromkeys(write.values, change.hlc))
            self.applied += 1
        else:
            log.info("pulled update of %s/%s, which is not here, skipped", *key)

    def _wait(self, change: ServerChange, values: dict[str, Any], parent: Key) -> None:
        log.info(
            "pulled %s/%s waits for %s/%s, which is not here", change.table, change.pk, *parent
        )
        self._park(change, values, PARENT, parent)

    def _park(
        self, change: ServerChange, values: dict[str, Any], reason: str, parent: Key | None
    ) -> None:
        """Keep ``values`` (the columns of the change that won here, not the ones that had
        already lost to newer values) aside until the row can be written."""
        if reason == UNIQUE:
            log.info("pulled %s/%s clashes with a unique key here; parked", change.table, change.pk)
        self.conn.exec_driver_sql(
            "INSERT OR REPLACE INTO sync_parked (table_name, pk, data, clocks, reason, "
            "parent_table, parent_pk) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                change.table,
                change.pk,
                json.dumps(values),
                codec.encode_clocks(dict.fromkeys(values, change.hlc)),
                reason,
                *(parent or (None, None)),
            ),
        )
        self.parked_keys.add((change.table, change.pk))
        self.parked += 1
        self.applied += 1

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
        rows = parked_rows(self.conn, [(change.table, change.pk)])
        for key in retry(self.conn, rows, self.columns, verify=self.thorough):
            self.parked_keys.discard(key)  # applied, no longer parked
            self.exists.add(key)
            # later changes of the row on this page merge against what was just written
            self.clocks.setdefault(key, {}).update(clocks)
            if data.get(TOMBSTONE) is not None:
                self.tombstones.add(key)
