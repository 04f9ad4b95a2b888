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

import functools
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from branch_crm.models.stored_text import Message, english, is_message
from branch_crm.sync import codec
from branch_crm.sync.merge import TOMBSTONE, column_wins, merge_row
from branch_crm.sync.protocol import ServerChange

log = logging.getLogger(__name__)

Key = tuple[str, str]
"""(table, id) of one row."""
UNIQUE = "unique"
PARENT = "parent"


class ApplyError(Exception):
    """A pulled change could not be written for a reason other than a clash or a missing
    parent (a bug, or a local trigger refusing it); ``where`` names the row (or, as a stored
    message, the page)."""

    def __init__(self, where: str | Message, reason: str) -> None:
        super().__init__(f"{english(where) if is_message(where) else where}: {reason}")
        self.where, self.reason = where, reason

    @classmethod
    def of_row(cls, table: str, pk: str, exc: Exception) -> ApplyError:
        """The error of one row, in the database's own words (no SQL, no parameters)."""
        return cls(f"{table} {pk}", str(getattr(exc, "orig", None) or exc))


@dataclass(frozen=True)
class TableRules:
    """What the applier needs to know of one synced table, from the model metadata."""

    parents: tuple[tuple[str, str], ...] = ()
    """(column, parent table) of each foreign key to another row's id."""
    defaults: dict[str, Any] = field(default_factory=dict)
    """Local-only columns with a default, and that default (given on a pulled insert)."""
    rank: int = 1_000_000
    """Position in dependency order: parents' tables first."""


@functools.cache
def table_rules() -> dict[str, TableRules]:
    """Rules of every synced table (the models do not change while the program runs)."""
    from branch_crm.models import Base, synced_tables

    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    rules: dict[str, TableRules] = {}
    for cls in synced_tables():
        table = cls.__table__  # type: ignore[attr-defined]
        parents = tuple(
            (fk.parent.name, fk.column.table.name)
            for fk in table.foreign_keys
            if fk.column.name == "id"
        )
        defaults = {
            c.name: c.default.arg
            for c in table.columns
            if not c.info.get("sync", True)
            and c.default is not None
            and c.default.is_scalar
            and c.default.arg is not None
        }
        rules[table.name] = TableRules(parents, defaults, order[table.name])
    return rules


_NO_RULES = TableRules()


def local_defaults(table: str) -> dict[str, Any]:
    """Local-only columns of ``table`` and the value a pulled insert gives them."""
    return table_rules().get(table, _NO_RULES).defaults


def _rank(table: str) -> int:
    return table_rules().get(table, _NO_RULES).rank


def parent_keys(table: str, values: dict[str, Any]) -> list[Key]:
    """The rows ``values`` (columns of a ``table`` row) name through a foreign key."""
    parents = table_rules().get(table, _NO_RULES).parents
    if not parents:
        return []
    return [(parent, values[c]) for c, parent in parents if values.get(c) is not None]


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


def _present(conn: Connection, cache: dict[str, set[str]], keys: Iterable[Key]) -> set[Key]:
    """Those of ``keys`` whose row is in its table here (a tombstone counts)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for table, pk in keys:
        if local_columns(conn, cache, table):
            wanted[table].add(pk)
    return _existing(conn, wanted)[0]


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

    An INSERT gives local-only columns their defaults. No UPSERT: an ON CONFLICT clause would
    override the OR IGNORE of other triggers.
    """
    names = list(values)
    if names:
        result = conn.exec_driver_sql(_update_sql(table, names), (*values.values(), pk))
        if result.rowcount:
            return True
    if not insert:
        return False
    sql, extra = _insert_sql(table, names)
    conn.exec_driver_sql(sql, (pk, *values.values(), *extra))
    return True


def _update_sql(table: str, names: list[str]) -> str:
    """UPDATE of ``names`` (in this order), then the id, as parameters."""
    sets = ", ".join(f'"{c}" = ?' for c in names)
    return f'UPDATE "{table}" SET {sets} WHERE id = ?'


def _insert_sql(table: str, names: list[str]) -> tuple[str, tuple[Any, ...]]:
    """INSERT of the id, then ``names`` (in this order), then the local-only defaults, as
    parameters; returns the SQL and those defaults' values (the last parameters)."""
    defaults = {c: v for c, v in local_defaults(table).items() if c not in names}
    cols = ", ".join(f'"{c}"' for c in ["id", *names, *defaults])
    marks = ", ".join("?" * (len(names) + len(defaults) + 1))
    return f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', tuple(defaults.values())


def _is_clash(exc: Exception) -> bool:
    return "UNIQUE" in str(exc)


def _live_foreign_keys(conn: Connection, table: str) -> list[tuple[str, str, str]]:
    """(column, parent table, parent column) of each foreign key the database declares."""
    rows = conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').fetchall()
    return [(row[3], row[2], row[4] or "id") for row in rows]


def violation(conn: Connection, table: str, pk: str) -> Key | None:
    """The missing row a stored row names through a foreign key the database declares
    (checked for that one row), or None. The thorough check, independent of the models."""
    for column, parent, target in _live_foreign_keys(conn, table):
        value = conn.exec_driver_sql(
            f'SELECT c."{column}" FROM "{table}" c WHERE c.id = ? AND c."{column}" IS NOT NULL '
            f'AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p."{target}" = c."{column}")',
            (pk,),
        ).scalar()
        if value is not None:
            return (parent, str(value))
    return None


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
        self.exists, self.tombstones = _existing(self.conn, known)
        rules = table_rules()
        self.parents = {t: rules.get(t, _NO_RULES).parents for t in keys}
        named = {
            (parent, str(value))
            for c in changes
            for column, parent in self.parents[c.table]
            if (value := c.data.get(column)) is not None and value not in keys.get(parent, ())
        }
        self.exists |= _present(self.conn, self.columns, named)
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
        # a row written on this page may be the parent, or have freed the unique value, that a
        # parked row waits for
        retry_parked(self.conn, None, self.columns, verify=self.thorough)
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
        for group in sorted(groups.values(), key=lambda g: _rank(g[0].change.table)):
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
            sql, extra = _insert_sql(table, names)
            params = [(w.change.pk, *w.values.values(), *extra) for w in group]
        else:
            sql = _update_sql(table, names)
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
            if not _is_clash(exc):
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
        rows = _parked_rows(self.conn, [(change.table, change.pk)])
        for key in _retry(self.conn, rows, self.columns, verify=self.thorough):
            self.parked_keys.discard(key)  # applied, no longer parked
            self.exists.add(key)
            # later changes of the row on this page merge against what was just written
            self.clocks.setdefault(key, {}).update(clocks)
            if data.get(TOMBSTONE) is not None:
                self.tombstones.add(key)


_PARKED = "SELECT table_name, pk, data, clocks FROM sync_parked"
ParkedRow = tuple[str, str, str, str]
"""table, pk, data and clocks of a parked row."""


def _parked(rows: Iterable[Any]) -> list[ParkedRow]:
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def _parked_rows(conn: Connection, keys: Iterable[Key]) -> list[ParkedRow]:
    """The parked rows of ``keys``, looked up by key."""
    where = f"{_PARKED} WHERE table_name = ? AND pk = ?"
    return _parked(row for key in dict.fromkeys(keys) for row in conn.exec_driver_sql(where, key))


def _waiting_for(conn: Connection, parents: Iterable[Key]) -> list[ParkedRow]:
    """The rows parked waiting for one of ``parents``."""
    by_table: dict[str, set[str]] = defaultdict(set)
    for table, pk in parents:
        by_table[table].add(pk)
    rows: list[ParkedRow] = []
    for table, pks in by_table.items():
        rows += _parked(
            conn.exec_driver_sql(
                f"{_PARKED} WHERE parent_table = ? AND parent_pk IN "
                "(SELECT value FROM json_each(?))",
                (table, codec.dumps(sorted(pks))),
            )
        )
    return rows


def _retry_candidates(conn: Connection, cache: dict[str, set[str]]) -> list[ParkedRow]:
    """Parked rows that may apply now: every clash, and every row whose parent is here."""
    rows = _parked(conn.exec_driver_sql(f"{_PARKED} WHERE reason <> ?", (PARENT,)))
    parents = conn.exec_driver_sql(
        "SELECT DISTINCT parent_table, parent_pk FROM sync_parked WHERE reason = ?", (PARENT,)
    ).fetchall()
    here = _present(conn, cache, [(str(t), str(pk)) for t, pk in parents])
    return rows + _waiting_for(conn, here) if here else rows


def retry_parked(
    conn: Connection,
    keys: Iterable[tuple[str, str]] | None = None,
    columns: dict[str, set[str]] | None = None,
    *,
    verify: bool = False,
) -> int:
    """Apply parked rows that no longer clash and whose parents are here (those that may,
    or ``keys``), then the rows that waited for them; returns how many were applied."""
    cache = columns if columns is not None else {}
    rows = _retry_candidates(conn, cache) if keys is None else _parked_rows(conn, keys)
    return len(_retry(conn, rows, cache, verify=verify))


def _retry(
    conn: Connection, rows: list[ParkedRow], cache: dict[str, set[str]], *, verify: bool
) -> list[Key]:
    """Try ``rows`` (parents first), then the rows waiting for those applied, and so on;
    returns the keys applied."""
    applied: list[Key] = []
    while rows:
        done = [
            (row[0], row[1])
            for row in sorted(rows, key=lambda r: _rank(r[0]))
            if _retry_one(conn, cache, row, verify=verify)
        ]
        applied += done
        rows = _waiting_for(conn, done) if done else []
    return applied


def _retry_one(
    conn: Connection, cache: dict[str, set[str]], row: ParkedRow, *, verify: bool
) -> bool:
    """Write one parked row if it can be now; otherwise record why it still waits."""
    table, pk, data, clocks = row
    known = local_columns(conn, cache, table)
    values = {c: v for c, v in json.loads(data).items() if c in known and c != "id"}
    wanted = parent_keys(table, values)
    here = _present(conn, cache, wanted) if wanted else set()
    missing = next((p for p in wanted if p not in here), None)
    if missing is None:
        conn.exec_driver_sql("SAVEPOINT sync_parked_row")
        try:
            write_row(conn, table, pk, values, insert=True)
            missing = violation(conn, table, pk) if verify else None
        except Exception as exc:
            conn.exec_driver_sql("ROLLBACK TO sync_parked_row")
            conn.exec_driver_sql("RELEASE sync_parked_row")
            if not _is_clash(exc):
                raise ApplyError.of_row(table, pk, exc) from exc
            _still_parked(conn, table, pk, UNIQUE, None)
            return False
        if missing is None:
            conn.exec_driver_sql("RELEASE sync_parked_row")
            conn.exec_driver_sql(
                "DELETE FROM sync_parked WHERE table_name = ? AND pk = ?", (table, pk)
            )
            merge_clocks(conn, {(table, pk): codec.decode_clocks(clocks)})
            return True
        conn.exec_driver_sql("ROLLBACK TO sync_parked_row")
        conn.exec_driver_sql("RELEASE sync_parked_row")
    _still_parked(conn, table, pk, PARENT, missing)
    return False


def _still_parked(conn: Connection, table: str, pk: str, reason: str, parent: Key | None) -> None:
    conn.exec_driver_sql(
        "UPDATE sync_parked SET reason = ?, parent_table = ?, parent_pk = ? "
        "WHERE table_name = ? AND pk = ?",
        (reason, *(parent or (None, None)), table, pk),
    )
