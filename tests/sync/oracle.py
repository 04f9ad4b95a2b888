"""The convergence oracle: each branch database equals head office's data for its partition.

``assert_converged(hq_engine, [(branch_db, "BR1"), ...])`` compares, table by table, every
synced row (tombstones included) of each branch with head office's rows of that branch plus
head-office reference data, after normalising values (wire text vs typed values). Rows head
office parked for a conflict count as that branch's rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from branch_crm.db import Database
from branch_crm.hq import tables as t
from branch_crm.models.base import HQ_BRANCH
from branch_crm.sync import codec

SKIP_COLUMNS: set[str] = set()


def hq_partition(engine: Engine, branch: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Head office's rows for one branch: table -> id -> normalised columns."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name, (table, kind, _keys, _partial) in t.ENTITIES.items():
            owners = [HQ_BRANCH] if kind == "reference" else [branch]
            rows = conn.execute(select(table).where(table.c.branch_id.in_(owners)))
            result[name] = {
                r.id: {c.name: codec.normalize(c.type, r._mapping[c.name]) for c in table.columns}
                for r in rows
            }
        for r in conn.execute(select(t.parked).where(t.parked.c.branch_code == branch)):
            table = t.ENTITIES[r.table_name][0]
            data = json.loads(r.data)
            result[r.table_name][r.pk] = {
                c.name: codec.normalize(c.type, data.get(c.name)) for c in table.columns
            }
    return result


def branch_rows(db: Database) -> dict[str, dict[str, dict[str, Any]]]:
    """A branch database's synced rows, normalised like hq_partition."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    conn = sqlite3.connect(str(db.path))
    conn.row_factory = sqlite3.Row
    try:
        for name, (table, _kind, _keys, _partial) in t.ENTITIES.items():
            rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
            result[name] = {
                r["id"]: {c.name: codec.normalize(c.type, r[c.name]) for c in table.columns}
                for r in rows
            }
    finally:
        conn.close()
    return result


def differences(hq_engine: Engine, db: Database, branch: str) -> list[str]:
    """Human-readable differences between a branch and its partition at head office."""
    expected, actual = hq_partition(hq_engine, branch), branch_rows(db)
    problems = []
    for table in expected:
        want, have = expected[table], actual.get(table, {})
        for pk in sorted(set(want) | set(have)):
            if pk not in have:
                problems.append(f"{branch}: {table}/{pk} missing at the branch")
            elif pk not in want:
                problems.append(f"{branch}: {table}/{pk} not at head office")
            else:
                cols = [c for c in want[pk] if c not in SKIP_COLUMNS and want[pk][c] != have[pk][c]]
                problems += [
                    f"{branch}: {table}/{pk}.{c}: hq={want[pk][c]!r} branch={have[pk][c]!r}"
                    for c in cols
                ]
    return problems


def assert_converged(hq_engine: Engine, branches: Iterable[tuple[Database, str]]) -> None:
    """Fail with every difference unless each branch equals its head-office partition."""
    problems = [p for db, code in branches for p in differences(hq_engine, db, code)]
    assert not problems, "\n".join(problems[:40])


def outbox_empty(db: Database) -> bool:
    """True when nothing waits to be sent."""
    conn = sqlite3.connect(str(db.path))
    try:
        return conn.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0] == 0
    finally:
        conn.close()
