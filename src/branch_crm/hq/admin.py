"""Head-office administration: branches, registration codes and reference data.

Reference data is written through the same machinery as a push (hq.push.rows.hq_write), so every
edit gets a stamp and a change-log entry in partition "HQ" that every branch pulls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth, check_days, new_registration_code
from branch_crm.hq.errors import BadPayload, NotFoundError
from branch_crm.hq.push.rows import hq_write
from branch_crm.hq.push.state import Batch, entity, new_tx_id
from branch_crm.hq.push.store import load_clock, write_log, write_states
from branch_crm.i18n import N_
from branch_crm.ids import new_id
from branch_crm.models.base import HQ_BRANCH
from branch_crm.reference.defaults import default_reference
from branch_crm.sync.hlc import HybridClock
from branch_crm.timeutil import utcnow

log = logging.getLogger("branch_crm.hq")
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
        log.info("admin: branch %s added", code, extra={"branch": code})
    registration_code = new_registration_code(conn, code, days=days)
    log.info(
        "admin: registration code issued for branch %s, valid %d days", code, days,
        extra={"branch": code},
    )  # fmt: skip
    return registration_code


def rotate_codes(conn: Connection, code: str, *, days: int = 7) -> tuple[int, str]:
    """Cancel every registration code of branch ``code`` not used yet (one that leaked, or
    was handed to someone who left) and issue a fresh one; returns (codes cancelled, the
    new code). Registered PCs keep their tokens (revoke one with :func:`revoke_pc`)."""
    check_days(days)
    if conn.scalar(select(t.branch.c.code).where(t.branch.c.code == code)) is None:
        raise NotFoundError(N_("no branch '{branch}'; add it first"), branch=code)
    now = utcnow()
    cancelled = conn.execute(
        update(t.registration)
        .where(
            t.registration.c.branch_code == code,
            t.registration.c.used_at.is_(None),
            t.registration.c.expires_at > now,
        )
        .values(expires_at=now)
    ).rowcount
    registration_code = new_registration_code(conn, code, days=days)
    log.info(
        "admin: %d unused registration codes of branch %s cancelled; a new one issued, valid "
        "%d days", cancelled, code, days, extra={"branch": code},
    )  # fmt: skip
    return int(cancelled), registration_code


@dataclass(frozen=True)
class PcInfo:
    """One row of ``pc list``: a registered installation and its token (never the secret)."""

    token_id: str
    branch: str
    pc_code: str | None
    node_id: str | None
    app_version: str | None
    schema_version: str | None
    registered_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None


def _pc_info(row: Any) -> PcInfo:
    return PcInfo(
        token_id=row.token_id,
        branch=row.branch_code,
        pc_code=row.pc_code,
        node_id=row.node_id,
        app_version=row.app_version,
        schema_version=row.schema_version,
        registered_at=row.created_at,
        last_seen_at=row.last_seen_at,
        revoked_at=row.revoked_at,
    )


def list_pcs(conn: Connection, branch: str | None = None) -> list[PcInfo]:
    """Every registered PC (of ``branch``), by branch and registration time."""
    query = select(t.node).order_by(t.node.c.branch_code, t.node.c.created_at, t.node.c.token_id)
    if branch is not None:
        if conn.scalar(select(t.branch.c.code).where(t.branch.c.code == branch)) is None:
            raise NotFoundError(N_("no branch '{branch}'; add it first"), branch=branch)
        query = query.where(t.node.c.branch_code == branch)
    return [_pc_info(row) for row in conn.execute(query)]


def revoke_pc(conn: Connection, token_id: str) -> tuple[PcInfo, bool]:
    """Revoke a PC's token: its next request is refused and its queue stays on the PC.
    Returns the PC and whether this call revoked it (False: it was revoked before)."""
    revoked = conn.execute(
        update(t.node)
        .where(t.node.c.token_id == token_id, t.node.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    row = conn.execute(select(t.node).where(t.node.c.token_id == token_id)).first()
    if row is None:
        raise NotFoundError(N_("No PC has the token id {token_id}."), token_id=token_id)
    info = _pc_info(row)
    if revoked.rowcount:
        log.info(
            "admin: PC %s of branch %s revoked (token %s, node %s)",
            info.pc_code, info.branch, token_id, info.node_id, extra={"branch": info.branch},
        )  # fmt: skip
    return info, bool(revoked.rowcount)


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
    log.info("admin: %s %s %s", table, row_id, "changed" if pk else "added")
    return row_id


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
