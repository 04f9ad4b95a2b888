"""Rows waiting in ``sync_parked`` (a unique clash, or a parent not here yet) and trying them
again, parents before children, then the rows that waited for those applied."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection

from branch_crm.sync import codec
from branch_crm.sync.apply_rows import (
    PARENT,
    UNIQUE,
    ApplyError,
    Key,
    is_clash,
    local_columns,
    merge_clocks,
    parent_keys,
    present,
    rank,
    violation,
    write_row,
)

_PARKED = "SELECT table_name, pk, data, clocks FROM sync_parked"
ParkedRow = tuple[str, str, str, str]
"""table, pk, data and clocks of a parked row."""


def _parked(rows: Iterable[Any]) -> list[ParkedRow]:
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def parked_rows(conn: Connection, keys: Iterable[Key]) -> list[ParkedRow]:
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
    here = present(conn, cache, [(str(t), str(pk)) for t, pk in parents])
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
    rows = _retry_candidates(conn, cache) if keys is None else parked_rows(conn, keys)
    return len(retry(conn, rows, cache, verify=verify))


def retry(
    conn: Connection, rows: list[ParkedRow], cache: dict[str, set[str]], *, verify: bool
) -> list[Key]:
    """Try ``rows`` (parents first), then the rows waiting for those applied, and so on;
    returns the keys applied."""
    applied: list[Key] = []
    while rows:
        done = [
            (row[0], row[1])
            for row in sorted(rows, key=lambda r: rank(r[0]))
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
    here = present(conn, cache, wanted) if wanted else set()
    missing = next((p for p in wanted if p not in here), None)
    if missing is None:
        conn.exec_driver_sql("SAVEPOINT sync_parked_row")
        try:
            write_row(conn, table, pk, values, insert=True)
            missing = violation(conn, table, pk) if verify else None
        except Exception as exc:
            conn.exec_driver_sql("ROLLBACK TO sync_parked_row")
            conn.exec_driver_sql("RELEASE sync_parked_row")
            if not is_clash(exc):
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
