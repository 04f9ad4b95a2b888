"""The whole push: the batch id claimed once, the changes applied in bulk (else change by
change), the refused ones quarantined, the acknowledgement stored and returned."""

from __future__ import annotations

import json
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth
from branch_crm.hq.bulk import prefer_index_lookups
from branch_crm.hq.db import caused_by_data, describe_error, is_postgres, retryable
from branch_crm.hq.errors import BadPayload, Forbidden
from branch_crm.hq.merge_op import apply_customer_merge, redirect_merged
from branch_crm.hq.push.keys import prefetch_unique
from branch_crm.hq.push.merge import apply_change
from branch_crm.hq.push.rows import hq_write, log_rejection, rejection_id, storable, storable_data
from branch_crm.hq.push.screening import forbidden, screen_all
from branch_crm.hq.push.state import Batch, Refusal, entity, load_states
from branch_crm.hq.push.store import load_clock, write_log, write_states
from branch_crm.hq.resolve import apply_resolution, unauthorised_resolution
from branch_crm.hq.validate import Invalid, Screened
from branch_crm.i18n import N_
from branch_crm.sync.hlc import HybridClock
from branch_crm.sync.protocol import Change, PushAck, PushRequest
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

BATCH_ID = re.compile(r"[A-Za-z0-9_-]{8,36}")
Translate = Callable[[str], str]


def stored_ack(conn: Connection, batch_id: str, branch: str) -> PushAck | None:
    """The acknowledgement of a batch already applied (None if new)."""
    row = conn.execute(select(t.batch).where(t.batch.c.batch_id == batch_id)).first()
    if row is None:
        return None
    if row.branch_code != branch:
        raise Forbidden(N_("This batch id was used by another branch."))
    ack = PushAck.model_validate(row.ack)
    return ack.model_copy(update={"duplicate": True})


def apply_push(
    conn: Connection,
    request: PushRequest,
    auth: NodeAuth,
    clock: HybridClock,
    *,
    translate: Translate = str,
) -> PushAck:
    """Apply one batch inside the caller's transaction and return its acknowledgement.

    ``translate``: the language of the pushing PC, for the words of quarantined changes."""
    if request.branch != auth.branch:
        raise Forbidden(
            N_("This token belongs to branch {owner}; it cannot push for {branch}."),
            owner=auth.branch,
            branch=request.branch,
        )
    if BATCH_ID.fullmatch(request.batch_id) is None:
        raise BadPayload(N_("The batch id is malformed."))
    previous = stored_ack(conn, request.batch_id, auth.branch)
    if previous is not None:
        return previous
    prefer_index_lookups(conn)
    load_clock(conn, clock)
    now = utcnow()
    if not _claim_batch(conn, request, auth, now):  # the same batch, applied meanwhile
        applied = stored_ack(conn, request.batch_id, auth.branch)
        assert applied is not None  # committed, with its acknowledgement, by the other request
        return applied
    screened, refused = screen_all(request.changes, auth.branch)
    b = _apply_all(conn, auth, clock, request.batch_id, now=now, screened=screened)
    q = Batch(conn=conn, auth=auth, clock=clock, tx_id=request.batch_id, now=now)
    _quarantine(q, [*refused, *b.refused], translate)
    ack = PushAck(
        batch_id=request.batch_id,
        accepted=b.accepted,
        rejected=[*b.rejected, *q.rejected],
        conflicts=b.conflicts,
        server_hlc=str(clock.now()),
        hlc_rewrites=b.rewrites,
    )
    conn.execute(
        update(t.batch)
        .where(t.batch.c.batch_id == request.batch_id)
        .values(ack=ack.model_dump(mode="json"))
    )
    conn.execute(update(t.branch).where(t.branch.c.code == auth.branch).values(last_push_at=now))
    conn.execute(
        update(t.node)
        .where(t.node.c.token_id == auth.token_id)
        .values(last_seen_at=now, schema_version=request.schema_version)
    )
    return ack


def _claim_batch(conn: Connection, request: PushRequest, auth: NodeAuth, now: datetime) -> bool:
    """Record the batch id; False when another request of the same batch (a PC resending
    while its first attempt was still being applied) committed it first -- waited for, not
    an error."""
    values = {
        "batch_id": request.batch_id,
        "branch_code": auth.branch,
        "node_id": auth.node_id,
        "received_at": now,
        "changes": len(request.changes),
    }
    claim = _dialect_insert(conn)(t.batch).values(**values).on_conflict_do_nothing()
    return bool(conn.execute(claim).rowcount)


def _dialect_insert(conn: Connection) -> Any:
    """The INSERT construct of the connection's database (for ``ON CONFLICT DO NOTHING``)."""
    return postgresql_insert if is_postgres(conn) else sqlite_insert


def _apply_all(
    conn: Connection,
    auth: NodeAuth,
    clock: HybridClock,
    tx_id: str,
    *,
    now: datetime,
    screened: list[Screened],
) -> Batch:
    """Apply the checked changes in bulk; if the database still refuses something, roll
    that back and apply them change by change, quarantining exactly the ones that fail."""
    try:
        with conn.begin_nested():
            b = Batch(conn=conn, auth=auth, clock=clock, tx_id=tx_id, now=now)
            _apply(b, screened)
            return b
    except Exception as exc:
        if not _recoverable(exc):
            raise
        log.warning(
            "batch %s of branch %s failed as a whole (%s): applied change by change",
            tx_id,
            auth.branch,
            describe_error(exc),
        )
    total = Batch(conn=conn, auth=auth, clock=clock, tx_id=tx_id, now=now)
    for item in screened:
        try:
            with conn.begin_nested():
                one = Batch(conn=conn, auth=auth, clock=clock, tx_id=tx_id, now=now)
                _apply(one, [item])
        except Exception as exc:
            if not _recoverable(exc):
                raise
            problem = Invalid(
                N_("head office's database refused it ({problem})"), problem=describe_error(exc)
            )
            total.refused.append(Refusal(item.change, "invalid", problem))
            continue
        total.absorb(one)
    return total


def _recoverable(exc: Exception) -> bool:
    """A failure one change causes (quarantine it): a database error its data causes, or a
    value the driver cannot bind -- not a deadlock or a locked database (the push is
    retried), a failure of the database itself (the push fails and is sent again later), a
    refusal of the request, or a bug."""
    if isinstance(exc, DBAPIError):
        return caused_by_data(exc) and not retryable(exc)
    return isinstance(exc, ValueError | TypeError | ArithmeticError)


def _apply(b: Batch, screened: list[Screened]) -> None:
    """Apply checked changes in one batch: ownership, merge rules, resolutions, writes."""
    screened = redirect_merged(b, screened)  # changes naming a customer merged away
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in screened:
        wanted[item.change.table].add(item.change.pk)
    load_states(b, wanted)
    allowed: list[Screened] = []
    for item in screened:
        problem = forbidden(b, item)
        if problem is None:
            allowed.append(item)
        else:
            b.refused.append(Refusal(item.change, "forbidden", problem))
    prefetch_unique(b, allowed)
    for item in allowed:
        problem = unauthorised_resolution(b, item)  # by the staff as applied so far
        if problem is None:
            apply_change(b, item)
        else:
            b.refused.append(Refusal(item.change, "forbidden", problem))
    for conflict_id in b.resolutions:
        apply_resolution(b, conflict_id)
    for merge_id in b.merges:
        apply_customer_merge(b, merge_id)
    write_states(b)
    write_log(b)


def _quarantine(b: Batch, refused: list[Refusal], translate: Translate) -> None:
    """Keep the refused changes in ``hq_quarantine`` and tell the sender's supervisors (a
    rejected-change row each, once per change) and the sender (``rejected``, no columns),
    all through ``b``, a batch of its own."""
    if not refused:
        return
    batch_id = b.tx_id
    rows: dict[str, dict[str, Any]] = {}
    for refusal in refused:
        change = refusal.change
        detail = storable(refusal.problem.render(translate), 200)  # it may quote a NUL
        log.warning(
            "change %s/%s of batch %s quarantined (%s): %s",
            storable(change.table, 40),
            storable(change.pk, 36),
            batch_id,
            refusal.reason,
            refusal.problem.detail,
        )
        stored = {"msg": refusal.problem.message, "args": _plain(refusal.problem.params)}
        log_rejection(b, change, refusal.reason, [], detail=detail, detail_message=stored)
        restore_senders_copy(b, change)
        rows[rejection_id(b.auth.branch, change, refusal.reason)] = {
            "branch_code": b.auth.branch,
            "node_id": b.auth.node_id,
            "batch_id": batch_id,
            "table_name": storable(change.table, 40),
            "pk": storable(change.pk, 36),
            "op": change.op,
            "data": json.dumps(storable_data(change.data), ensure_ascii=False),
            "hlc": storable(change.hlc, 64),
            "reason": refusal.reason,
            "detail": detail,
            "at": b.now,
        }
    keep = _dialect_insert(b.conn)(t.quarantine).on_conflict_do_nothing()  # kept before: once
    b.conn.execute(keep, [{"id": k, **row} for k, row in rows.items()])
    write_states(b)
    write_log(b)


def _plain(params: dict[str, object]) -> dict[str, object]:
    """A refusal's values as a JSON column can keep them: numbers as they are, anything else
    as text made storable (a branch's table name or value may hold a NUL)."""
    return {
        k: v
        if v is None or (isinstance(v, int | float) and math.isfinite(v))
        else storable(str(v), 200)
        for k, v in params.items()
    }


def restore_senders_copy(b: Batch, change: Change) -> None:
    """Send head office's values of the columns a refused change touched back to the
    sender's branch, stamped later than the row's stamps, so the PC that made the change
    (which no longer queues it) ends with what every other PC and head office hold -- a
    refused resolution shows its conflict open again. Only for a row of the sender's own
    branch that head office holds (nothing of another branch is ever sent)."""
    try:
        table = entity(change.table)[0]
        with b.conn.begin_nested():
            load_states(b, {change.table: {change.pk}})
    except (BadPayload, DBAPIError):
        b.states.pop((change.table, change.pk), None)
        return  # an unknown table, or a key head office cannot even look up
    state = b.states[(change.table, change.pk)]
    if state.values is None or state.parked_branch is not None:
        return
    if state.values.get("branch_id") != b.auth.branch:
        return
    columns = [c for c in change.data if c in table.c and c not in ("id", "branch_id")]
    if columns:
        hq_write(b, change.table, change.pk, {c: state.values.get(c) for c in columns})
