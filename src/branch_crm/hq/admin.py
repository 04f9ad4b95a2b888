"""Head-office administration: branches, registration codes and reference data.

Reference data is written through the same machinery as a push (hq.push.hq_write), so every
edit gets a stamp and a change-log entry in partition "HQ" that every branch pulls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth, new_registration_code
from branch_crm.hq.errors import BadPayload
from branch_crm.hq.push import (
    Batch,
    entity,
    hq_write,
    load_clock,
    new_tx_id,
    write_log,
    write_states,
)
from branch_crm.i18n import N_
from branch_crm.ids import new_id
from branch_crm.models.base import HQ_BRANCH
from branch_crm.sync.hlc import HybridClock
from branch_crm.timeutil import utcnow

HQ_AUTH = NodeAuth(token_id="hq", branch=HQ_BRANCH, node_id="hq")


@dataclass(frozen=True)
class BranchInfo:
    """One row of ``branch list``."""

    code: str
    name: str
    nodes: int
    last_push_at: datetime | None
    last_pull_at: datetime | None
    backlog: int
    app_version: str | None
    schema_version: str | None


def add_branch(conn: Connection, code: str, name: str, *, days: int = 7) -> str:
    """Create a branch (or reuse it, for another PC) and return a one-time registration code."""
    if not code.isalnum() or len(code) > 16 or code.upper() == HQ_BRANCH:
        raise BadPayload(
            N_("'{code}' is not a valid branch code (letters and digits, 16 at most)."), code=code
        )
    exists = conn.scalar(select(t.branch.c.code).where(t.branch.c.code == code))
    if exists is None:
        conn.execute(insert(t.branch).values(code=code, name=name, created_at=utcnow()))
    return new_registration_code(conn, code, days=days)


def list_branches(conn: Connection) -> list[BranchInfo]:
    """Every branch with its sync health; backlog = log entries its slowest PC has not pulled."""
    result = []
    for row in conn.execute(select(t.branch).order_by(t.branch.c.code)):
        nodes = conn.execute(select(t.node).where(t.node.c.branch_code == row.code)).all()
        cursor = min((n.cursor for n in nodes), default=0)
        backlog = conn.scalar(
            select(func.count())
            .select_from(t.change_log)
            .where(
                t.change_log.c.partition.in_([row.code, HQ_BRANCH]),
                t.change_log.c.seq > cursor,
            )
        )
        newest = max(nodes, key=lambda n: n.last_seen_at or datetime.min, default=None)
        result.append(
            BranchInfo(
                code=row.code,
                name=row.name,
                nodes=len(nodes),
                last_push_at=row.last_push_at,
                last_pull_at=row.last_pull_at,
                backlog=int(backlog or 0),
                app_version=newest.app_version if newest else None,
                schema_version=newest.schema_version if newest else None,
            )
        )
    return result


def write_reference(
    conn: Connection, table: str, values: dict[str, Any], *, pk: str | None = None
) -> str:
    """Create or change one head-office reference row; returns its id."""
    if entity(table)[1] != "reference":
        raise BadPayload(N_("{table} is not reference data"), table=table)
    clock = HybridClock("hq")
    load_clock(conn, clock)  # later than anything head office stamped before (hq.push)
    b = Batch(conn=conn, auth=HQ_AUTH, clock=clock, tx_id=new_tx_id(), now=utcnow())
    row_id = pk or new_id()
    hq_write(b, table, row_id, {"branch_id": HQ_BRANCH, **values})
    write_states(b)
    write_log(b)
    return row_id


def list_reference(conn: Connection, table: str) -> list[dict[str, Any]]:
    """Live rows of a reference table."""
    source = entity(table)[0]
    rows = conn.execute(select(source).where(source.c.deleted_at.is_(None)))
    return [dict(r._mapping) for r in rows]
