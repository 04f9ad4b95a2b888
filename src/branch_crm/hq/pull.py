"""Serving pulls: a branch's partition plus head-office reference data, in log order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Subquery, select, union_all, update
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth
from branch_crm.models.base import HQ_BRANCH
from branch_crm.sync.hlc import HybridClock, wall_ms
from branch_crm.sync.protocol import PullResponse
from branch_crm.timeutil import utcnow


@dataclass(frozen=True)
class PulledPage:
    """One page of the change log as read, rendered to the wire without re-parsing it.

    The log's ``data`` is JSON text head office wrote itself; :meth:`to_json` splices it into
    the answer as it is (the answer is exactly a :class:`PullResponse`).
    """

    rows: list[Any]
    next_cursor: int
    has_more: bool
    server_hlc: str
    server_time_ms: int

    def to_json(self) -> bytes:
        """The page as :class:`PullResponse` JSON."""
        return orjson.dumps(
            {
                "changes": [
                    {
                        "seq": r.seq,
                        "table": r.table_name,
                        "pk": r.pk,
                        "op": r.op,
                        "data": orjson.Fragment(r.data),
                        "hlc": r.hlc,
                        "tx": r.tx_id,
                    }
                    for r in self.rows
                ],
                "next_cursor": self.next_cursor,
                "has_more": self.has_more,
                "server_hlc": self.server_hlc,
                "server_time_ms": self.server_time_ms,
            }
        )

    def response(self) -> PullResponse:
        """The page as a validated :class:`PullResponse` (tests, tools)."""
        return PullResponse.model_validate_json(self.to_json())


def _partition(partition: str, after: int, limit: int) -> Subquery:
    """One partition's entries after ``after``, the first ``limit`` of them (by its index)."""
    log = t.change_log
    return (
        select(log.c.seq, log.c.tx_id, log.c.table_name, log.c.pk, log.c.op, log.c.data, log.c.hlc)
        .where(log.c.partition == partition, log.c.seq > after)
        .order_by(log.c.seq)
        .limit(limit)
        .subquery()
    )


def pull_page(
    conn: Connection, auth: NodeAuth, clock: HybridClock, *, after: int, limit: int
) -> PulledPage:
    """Changes after ``after`` for the caller's branch; at most ``limit`` (plus has_more).

    Rows appear in the log only once their transaction committed, in commit order (see
    hq.push), so handing out everything visible never skips a change a later pull would
    need -- provided both partitions are read in one snapshot: one statement (and, on
    PostgreSQL, a REPEATABLE READ transaction, see hq.db.read_transaction). Read in two, a
    push of the branch and a reference edit committing in between made the page end past
    the push's entry, which no later pull handed out.
    """
    own, office = _partition(auth.branch, after, limit + 1), _partition(HQ_BRANCH, after, limit + 1)
    both = union_all(select(own), select(office)).subquery()
    rows = list(conn.execute(select(both).order_by(both.c.seq).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return PulledPage(
        rows=rows,
        next_cursor=rows[-1].seq if rows else after,
        has_more=has_more,
        server_hlc=str(clock.now()),
        server_time_ms=wall_ms(),
    )


def record_pull(conn: Connection, auth: NodeAuth, cursor: int) -> None:
    """Remember how far the PC pulled (its cursor, when it was seen, the branch's last pull)."""
    now = utcnow()
    conn.execute(
        update(t.node)
        .where(t.node.c.token_id == auth.token_id)
        .values(cursor=cursor, last_seen_at=now)
    )
    conn.execute(update(t.branch).where(t.branch.c.code == auth.branch).values(last_pull_at=now))
