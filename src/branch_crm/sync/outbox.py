"""Reading the outbox into push batches and settling acknowledgements (branch side).

A batch is a list of whole transactions (``tx_id`` groups) holding at most ``batch_size``
changes, unless one transaction alone is larger (it is then sent alone, never split). The
batch id is written onto its rows before sending, so a retry after a lost answer resends the
very same batch and head office recognises it. Rows leave the outbox only when head office
acknowledged their batch.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from branch_crm.sync.applier import merge_clocks
from branch_crm.sync.protocol import Change, PushAck


@dataclass
class OutgoingBatch:
    """A batch ready to send."""

    batch_id: str
    changes: list[Change]


def _rows(conn: Connection, batch_id: str) -> list[Change]:
    rows = conn.exec_driver_sql(
        "SELECT table_name, pk, op, data, hlc, tx_id, schema_version FROM sync_outbox "
        "WHERE batch_id = ? ORDER BY seq",
        (batch_id,),
    ).fetchall()
    return [
        Change(
            table=r[0],
            pk=r[1],
            op=r[2],
            data=json.loads(r[3]),
            hlc=r[4],
            tx=r[5],
            schema_version=r[6],
        )
        for r in rows
    ]


def close_epoch(conn: Connection) -> int:
    """End the current transaction id if it captured anything; returns the first open id."""
    conn.exec_driver_sql(
        "UPDATE sync_state SET tx_epoch = tx_epoch + 1 WHERE id = 1 AND tx_epoch <= "
        "(SELECT COALESCE(MAX(tx_id), 0) FROM sync_outbox)"
    )
    return int(conn.exec_driver_sql("SELECT tx_epoch FROM sync_state WHERE id = 1").scalar_one())


def next_batch(engine: Engine, batch_size: int) -> OutgoingBatch | None:
    """The batch to send next: an unacknowledged one first, else a new one (None if empty)."""
    with engine.begin() as conn:
        resend = conn.exec_driver_sql(
            "SELECT batch_id FROM sync_outbox WHERE batch_id IS NOT NULL ORDER BY seq LIMIT 1"
        ).scalar()
        if resend is not None:
            return OutgoingBatch(str(resend), _rows(conn, str(resend)))
        open_epoch = close_epoch(conn)
        groups = conn.exec_driver_sql(
            "SELECT tx_id, COUNT(*) FROM sync_outbox WHERE batch_id IS NULL AND tx_id < ? "
            "GROUP BY tx_id ORDER BY tx_id",
            (open_epoch,),
        ).fetchall()
        chosen: list[int] = []
        total = 0
        for tx_id, count in groups:
            if chosen and total + count > batch_size:
                break
            chosen.append(int(tx_id))
            total += int(count)
        if not chosen:
            return None
        batch_id = str(uuid.uuid4())
        conn.exec_driver_sql(
            "UPDATE sync_outbox SET batch_id = ? WHERE batch_id IS NULL AND tx_id BETWEEN ? AND ?",
            (batch_id, chosen[0], chosen[-1]),
        )
        return OutgoingBatch(batch_id, _rows(conn, batch_id))


def settle_ack(engine: Engine, batch: OutgoingBatch, ack: PushAck) -> None:
    """Drop the acknowledged rows and remember the stamps head office confirmed."""
    lost = {(r.table, r.pk, c) for r in ack.rejected for c in r.columns}
    lost_rows = {(r.table, r.pk) for r in ack.rejected if not r.columns}
    stamps: dict[tuple[str, str], dict[str, str]] = {}
    for change in batch.changes:
        if (change.table, change.pk) in lost_rows:
            continue
        hlc = ack.hlc_rewrites.get(change.hlc, change.hlc)
        row = stamps.setdefault((change.table, change.pk), {})
        for column in change.data:
            if (change.table, change.pk, column) not in lost:
                row[column] = hlc
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_outbox WHERE batch_id = ?", (batch.batch_id,))
        merge_clocks(conn, stamps)


def pending_count(conn: Connection) -> int:
    """Changes waiting for head office."""
    return int(conn.exec_driver_sql("SELECT COUNT(*) FROM sync_outbox").scalar_one())
