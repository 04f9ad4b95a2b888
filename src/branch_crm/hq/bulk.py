"""Bulk statements for head office's batch writes: a handful of round trips per batch.

A pushed batch touches up to a thousand rows; row-by-row statements (one ``executemany``
round of SQLAlchemy parameter processing and, on PostgreSQL, one pipelined statement per row)
cost more than everything else a push does. These helpers keep the exact values SQLAlchemy
would bind (each column type's own bind processor: aware datetimes stored as naive UTC, JSON
serialised, ...) but send them in bulk:

* :func:`insert_rows` -- ``COPY ... FROM STDIN`` on PostgreSQL, one ``executemany`` of the
  driver on SQLite (no ``ON CONFLICT``: a clash raises ``IntegrityError`` like an INSERT);
* :func:`update_rows` -- one ``UPDATE ... FROM (VALUES ...)`` per chunk on PostgreSQL (values
  cast to the column types without lengths, so an over-long value still fails as in an
  INSERT), the driver's ``executemany`` on SQLite;
* :func:`rows_by_keys` -- the rows matching a list of keys, sent as one bound JSON text
  parameter whatever their number (cheaper to send than an array of a thousand strings),
  each key answered through the index.

Driver errors are re-raised as SQLAlchemy's ``DBAPIError`` subclasses (``IntegrityError``,
``OperationalError``, ...), as a statement run through SQLAlchemy would raise them, so the
push's retry rules see the same exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import String, Table, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from branch_crm.hq.db import is_postgres
from branch_crm.models.base import UtcDateTime

MAX_PARAMS = 30_000
"""Bound parameters per statement (PostgreSQL allows 65,535)."""

Processor = Callable[[Any], Any] | None
_processors: dict[tuple[int, str, tuple[str, ...]], list[Processor]] = {}


def prefer_index_lookups(conn: Connection) -> None:
    """For the rest of this transaction, plan keyed lookups with their index (PostgreSQL).

    A push looks up a thousand ids or unique values at a time in tables that grow by as
    many rows per batch. Until autovacuum analyses a fresh or fast-growing table, the
    planner believes it small and scans it whole (a hash join, or ``= ANY(array)`` checked
    row by row), so each batch costs more than the last. Every statement of a push is a
    keyed lookup or write: turning sequential scans off makes that plan the only one."""
    if is_postgres(conn):
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")


def rows_by_keys(
    conn: Connection,
    table: Table,
    key_columns: Sequence[str],
    keys: Sequence[Sequence[str]],
    *,
    columns: Sequence[str] | None = None,
    live_only: bool = False,
    branches: Sequence[str] | None = None,
    lock: bool = False,
) -> list[Any]:
    """The rows of ``table`` whose ``key_columns`` (text columns) equal one of ``keys``,
    with ``columns`` (default all); ``live_only``: not tombstoned; ``branches``: owned by
    one of them; ``lock``: ``FOR UPDATE`` (PostgreSQL), in the order of ``keys``.

    On PostgreSQL every key is looked up on its own (a lateral subquery the planner cannot
    merge into a join), so the lookup always goes through the index, whatever the planner
    believes about the table: until autovacuum analyses a fresh or fast-growing table it
    thinks it small and scans it whole -- a hash join, or each row checked against every
    key -- and every batch then costs more than the last. On SQLite, ``IN (json_each)``.
    """
    names = list(columns or [c.name for c in table.columns])
    selected = _quoted(names)
    params: dict[str, Any] = {"keys": orjson.dumps([list(key) for key in keys]).decode()}
    extra = ' AND "deleted_at" IS NULL' if live_only else ""
    if branches is not None:
        params["branches"] = orjson.dumps(list(branches)).decode()
    if is_postgres(conn):
        match = " AND ".join(f'"{c}" = k.v ->> {i}' for i, c in enumerate(key_columns))
        if branches is not None:
            owners = "SELECT jsonb_array_elements_text(CAST(:branches AS JSONB))"
            extra += f' AND "branch_id" IN ({owners})'
        sql = (
            f"SELECT r.* FROM jsonb_array_elements(CAST(:keys AS JSONB)) AS k(v) "
            f'CROSS JOIN LATERAL (SELECT {selected} FROM "{table.name}" WHERE {match}{extra} '
            f"{'FOR UPDATE' if lock else 'OFFSET 0'}) AS r"
        )
    else:
        wanted = _quoted(key_columns)
        parts = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(key_columns)))
        if branches is not None:
            extra += ' AND "branch_id" IN (SELECT value FROM json_each(:branches))'
        sql = (
            f'SELECT {selected} FROM "{table.name}" WHERE ({wanted}) IN '
            f"(SELECT {parts} FROM json_each(:keys)){extra}"
        )
    statement = text(sql).columns(*[table.c[c] for c in names])
    return list(conn.execute(statement, params))


def _fast_utc(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """UtcDateTime's processor with a shortcut for the usual value (an aware UTC datetime):
    the same result, the general path for anything else."""

    def process(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:
            return value.replace(tzinfo=None)
        return processor(value)

    return process


def _bind_processors(dialect: Dialect, table: Table, columns: Sequence[str]) -> list[Processor]:
    key = (id(dialect), table.name, tuple(columns))
    found = _processors.get(key)
    if found is None:
        found = []
        for name in columns:
            type_ = table.c[name].type
            processor: Processor = type_._cached_bind_processor(dialect)
            if (
                isinstance(type_, UtcDateTime)
                and processor is not None
                and _plain_impl(type_, dialect)
            ):
                processor = _fast_utc(processor)
            found.append(processor)
        _processors[key] = found
    return found


def _plain_impl(type_: UtcDateTime, dialect: Dialect) -> bool:
    """The database driver takes the naive datetime as it is (PostgreSQL; SQLite wants text)."""
    return type_.impl_instance._cached_bind_processor(dialect) is None


def _bound(
    dialect: Dialect, table: Table, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> list[list[Any]]:
    """Each row's values of ``columns`` (missing ones None) through the bind processors."""
    processors = _bind_processors(dialect, table, columns)
    processed = [(i, p) for i, p in enumerate(processors) if p is not None]
    values = [[row.get(c) for c in columns] for row in rows]
    for row in values:
        for i, process in processed:
            if (value := row[i]) is not None:
                row[i] = process(value)
    return values


@contextmanager
def _driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """Re-raise a driver exception as SQLAlchemy's wrapper of it."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=conn.dialect) from exc


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str] | None = None,
) -> None:
    """INSERT ``rows`` into ``table`` in bulk: ``columns`` (default: the first row's keys),
    a column missing from a row is NULL."""
    if not rows:
        return
    columns = list(columns or rows[0])
    values = _bound(conn.dialect, table, columns, rows)
    if is_postgres(conn):
        statement = f'COPY "{table.name}" ({_quoted(columns)}) FROM STDIN'
        raw: Any = conn.connection.dbapi_connection
        with (
            _driver_errors(conn, statement),
            raw.cursor() as cursor,
            cursor.copy(statement) as copy,
        ):
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    statement = f'INSERT INTO "{table.name}" ({_quoted(columns)}) VALUES ({marks})'
    conn.exec_driver_sql(statement, [tuple(row) for row in values])


def _cast_type(conn: Connection, table: Table, column: str) -> str:
    type_ = table.c[column].type
    if isinstance(type_, String):
        return "TEXT"  # no length: an over-long value fails on assignment, not truncated
    return str(type_.compile(dialect=conn.dialect))


def update_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    columns: Sequence[str] | None = None,
) -> None:
    """UPDATE the rows of ``table`` matching each row's ``keys`` with its other ``columns``
    (default: the first row's keys; a column missing from a row is set NULL)."""
    if not rows:
        return
    columns = list(columns or rows[0])
    setting = [c for c in columns if c not in keys]
    values = _bound(conn.dialect, table, columns, rows)
    if not is_postgres(conn):
        sets = ", ".join(f'"{c}" = ?' for c in setting)
        where = " AND ".join(f'"{k}" = ?' for k in keys)
        order = [columns.index(c) for c in (*setting, *keys)]
        statement = f'UPDATE "{table.name}" SET {sets} WHERE {where}'
        conn.exec_driver_sql(statement, [tuple(row[i] for i in order) for row in values])
        return
    casts = {c: _cast_type(conn, table, c) for c in columns}
    sets = ", ".join(f'"{c}" = v."{c}"::{casts[c]}' for c in setting)
    where = " AND ".join(f't."{k}" = v."{k}"::{casts[k]}' for k in keys)
    per_chunk = max(1, MAX_PARAMS // len(columns))
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    raw: Any = conn.connection.dbapi_connection
    for start in range(0, len(values), per_chunk):
        part = values[start : start + per_chunk]
        statement = (
            f'UPDATE "{table.name}" AS t SET {sets} FROM (VALUES '
            + ", ".join([row_marks] * len(part))
            + f") AS v({_quoted(columns)}) WHERE {where}"
        )
        params = [value for row in part for value in row]
        with _driver_errors(conn, statement), raw.cursor() as cursor:
            cursor.execute(statement, params)
