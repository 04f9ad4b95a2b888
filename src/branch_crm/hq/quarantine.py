"""What head office set aside (``hq_quarantine``, see :mod:`branch_crm.hq.push`), for IT:
``branch-crm-hq quarantine list`` and ``quarantine show``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.errors import BadPayload, NotFoundError
from branch_crm.i18n import N_

MIN_PREFIX = 4
"""The shortest beginning of an id that ``quarantine show`` looks up."""


@dataclass(frozen=True)
class Quarantined:
    """One change head office did not apply, as it came, and why."""

    id: str
    at: datetime
    branch: str
    node_id: str | None
    pc_code: str | None
    """The code of the PC that sent it (its newest registration), if it has one."""
    batch_id: str
    table: str
    pk: str
    op: str
    hlc: str
    reason: str
    """``invalid`` (a value head office cannot store) or ``forbidden`` (not the branch's to
    write)."""
    detail: str
    data: Any
    """The change's columns as sent (the JSON text where it is not JSON)."""


def _pc_code() -> Any:
    """The PC code of the node that sent a quarantined change (a correlated subquery)."""
    q, node = t.quarantine.c, t.node.c
    return (
        select(node.pc_code)
        .where(node.node_id == q.node_id, node.branch_code == q.branch_code)
        .order_by(node.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def _query() -> Any:
    return select(t.quarantine, _pc_code().label("pc_code"))


def _row(row: Any) -> Quarantined:
    try:
        data = json.loads(row.data)
    except ValueError:
        data = row.data
    return Quarantined(
        id=row.id,
        at=row.at,
        branch=row.branch_code,
        node_id=row.node_id,
        pc_code=row.pc_code,
        batch_id=row.batch_id,
        table=row.table_name,
        pk=row.pk,
        op=row.op,
        hlc=row.hlc,
        reason=row.reason,
        detail=row.detail,
        data=data,
    )


def list_quarantined(
    conn: Connection, *, branch: str | None = None, limit: int = 50
) -> tuple[list[Quarantined], int]:
    """The newest ``limit`` quarantined changes (of ``branch``), newest first, and how many
    there are in all."""
    q = t.quarantine.c
    query = _query().order_by(q.at.desc(), q.id).limit(limit)
    total = select(func.count()).select_from(t.quarantine)
    if branch is not None:
        if conn.scalar(select(t.branch.c.code).where(t.branch.c.code == branch)) is None:
            raise NotFoundError(N_("no branch '{branch}'; add it first"), branch=branch)
        query, total = query.where(q.branch_code == branch), total.where(q.branch_code == branch)
    return [_row(row) for row in conn.execute(query)], int(conn.scalar(total) or 0)


def find_quarantined(conn: Connection, ident: str) -> Quarantined:
    """The quarantined change with this id, or the only one whose id starts so (at least
    ``MIN_PREFIX`` characters, as ``quarantine list`` shows them)."""
    ident = ident.strip().lower()
    if len(ident) < MIN_PREFIX:
        raise BadPayload(N_("Give at least {count} characters of the id."), count=MIN_PREFIX)
    q = t.quarantine.c
    escaped = ident.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(_query().where(q.id.like(f"{escaped}%", escape="\\")).limit(2)).all()
    if not rows:
        raise NotFoundError(N_("Nothing quarantined has the id {id}."), id=ident)
    if len(rows) > 1:
        raise BadPayload(N_("{id} begins more than one id; give more of it."), id=ident)
    return _row(rows[0])
