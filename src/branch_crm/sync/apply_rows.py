"""The row-level work of applying pulled changes (:mod:`branch_crm.sync.applier`): what the
models say of each synced table (parents, local-only defaults, dependency order), which rows
exist here, per-column stamps (``sync_clock``), the UPDATE or INSERT of one row, and the check
of a stored row against the database's own foreign keys."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from branch_crm.models.stored_text import Message, english, is_message
from branch_crm.sync import codec
from branch_crm.sync.merge import TOMBSTONE

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


NO_RULES = TableRules()


def local_defaults(table: str) -> dict[str, Any]:
    """Local-only columns of ``table`` and the value a pulled insert gives them."""
    return table_rules().get(table, NO_RULES).defaults


def rank(table: str) -> int:
    """Position of ``table`` in dependency order (parents' tables first)."""
    return table_rules().get(table, NO_RULES).rank


def parent_keys(table: str, values: dict[str, Any]) -> list[Key]:
    """The rows ``values`` (columns of a ``table`` row) name through a foreign key."""
    parents = table_rules().get(table, NO_RULES).parents
    if not parents:
        return []
    return [(parent, values[c]) for c, parent in parents if values.get(c) is not None]


def local_columns(conn: Connection, cache: dict[str, set[str]], table: str) -> set[str]:
    """Columns the local table has (empty if the table does not exist here)."""
    if table not in cache:
        rows = conn.exec_driver_sql(f'PRAGMA table_info("{table}")').fetchall()
        cache[table] = {row[1] for row in rows}
    return cache[table]


def by_row(
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


def existing(
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


def present(conn: Connection, cache: dict[str, set[str]], keys: Iterable[Key]) -> set[Key]:
    """Those of ``keys`` whose row is in its table here (a tombstone counts)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for table, pk in keys:
        if local_columns(conn, cache, table):
            wanted[table].add(pk)
    return existing(conn, wanted)[0]


def merge_clocks(conn: Connection, updates: dict[tuple[str, str], dict[str, str]]) -> None:
    """Raise stored per-column stamps to the given ones (never lowers a stamp)."""
    if not updates:
        return
    keys: dict[str, set[str]] = defaultdict(set)
    for table, pk in updates:
        keys[table].add(pk)
    current = by_row(
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
        result = conn.exec_driver_sql(update_sql(table, names), (*values.values(), pk))
        if result.rowcount:
            return True
    if not insert:
        return False
    sql, extra = insert_sql(table, names)
    conn.exec_driver_sql(sql, (pk, *values.values(), *extra))
    return True


def update_sql(table: str, names: list[str]) -> str:
    """UPDATE of ``names`` (in this order), then the id, as parameters."""
    sets = ", ".join(f'"{c}" = ?' for c in names)
    return f'UPDATE "{table}" SET {sets} WHERE id = ?'


def insert_sql(table: str, names: list[str]) -> tuple[str, tuple[Any, ...]]:
    """INSERT of the id, then ``names`` (in this order), then the local-only defaults, as
    parameters; returns the SQL and those defaults' values (the last parameters)."""
    defaults = {c: v for c, v in local_defaults(table).items() if c not in names}
    cols = ", ".join(f'"{c}"' for c in ["id", *names, *defaults])
    marks = ", ".join("?" * (len(names) + len(defaults) + 1))
    return f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', tuple(defaults.values())


def is_clash(exc: Exception) -> bool:
    """True when ``exc`` is a unique-key clash."""
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
