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
from branch_crm.hq.push import Batch, entity, hq_write, new_tx_id, write_log, write_states
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
    b = Batch(conn=conn, auth=HQ_AUTH, clock=HybridClock("hq"), tx_id=new_tx_id(), now=utcnow())
    row_id = pk or new_id()
    hq_write(b, table, row_id, {"branch_id": HQ_BRANCH, **values})
    write_states(b)
    write_log(b)
    return row_id


def default_reference() -> list[tuple[str, str, dict[str, Any]]]:
    """(table, id, columns) of the reference rows every PC seeds by itself (SLA policy,
    complaint categories and root causes, the survey template): head office holds the same."""
    from branch_crm.services.sla import default_reference_rows
    from branch_crm.services.survey_template import DEFAULT_TEMPLATE_ID, default_template_values

    template = ("survey_template", DEFAULT_TEMPLATE_ID, default_template_values())
    return [*default_reference_rows(), template]


def seed_reference(conn: Connection) -> int:
    """Publish :func:`default_reference` unless head office holds it (same ids and values as
    every PC), so those rows reach branches like any reference row and a PC's own copy
    matches head office's; returns how many rows were written. Run at every migration."""
    written = 0
    for table, pk, values in default_reference():
        source = entity(table)[0]
        if table == "sla_policy":  # like a PC: the default only where there is no policy
            held = select(source.c.id).limit(1)
        elif table == "reference_code":  # a code head office already lists keeps its row
            held = select(source.c.id).where(
                source.c.list_kind == values["list_kind"], source.c.code == values["code"]
            )
        else:
            held = select(source.c.id).where(source.c.id == pk)
        if conn.execute(held).first() is None:
            write_reference(conn, table, values, pk=pk)
            written += 1
    return written


def list_reference(conn: Connection, table: str) -> list[dict[str, Any]]:
    """Live rows of a reference table."""
    source = entity(table)[0]
    rows = conn.execute(select(source).where(source.c.deleted_at.is_(None)))
    return [dict(r._mapping) for r in rows]
