"""Reading the outbox into push batches and settling acknowledgements (branch side).

A batch is a list of whole transactions (``tx_id`` groups) holding at most ``batch_size``
changes, unless one transaction alone is larger (it is then sent alone, never split). The
batch id is written onto its rows before sending, so a retry after a lost answer resends the
very same batch and head office recognises it. Rows leave the outbox only when head office
acknowledged their batch.

Cost: a batch marks ``tx_id BETWEEN first AND last`` and every later statement on it is
bounded by that range, so each one walks the ``tx_id`` index over the batch's own rows only,
not the whole outbox (a backlog of 100,000 changes would otherwise be scanned several times
per batch). Only the check for a batch left unacknowledged by an earlier round (``resend``)
looks at the whole queue, once per round.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import orjson
from sqlalchemy.engine import Connection, Engine

from branch_crm.sync import codec
from branch_crm.sync.apply_rows import merge_clocks
from branch_crm.sync.protocol import Change, PushAck


class OutboxRow(NamedTuple):
    """One queued change as the outbox stores it (``data`` is the trigger's JSON text)."""

    table: str
    pk: str
    op: str
    data: str
    hlc: str
    tx: int
    schema_version: str


@dataclass
class OutgoingBatch:
    """A batch ready to send: the outbox rows as stored."""

    batch_id: str
    rows: list[OutboxRow]
    resent: bool = False
    """Marked by an earlier round and not acknowledged then (sent again, same id)."""

    @cached_property
    def changes(self) -> list[Change]:
        """The rows as validated protocol changes."""
        return [
            Change(
                table=r.table,
                pk=r.pk,
                op=r.op,
                data=codec.loads(r.data),
                hlc=r.hlc,
                tx=r.tx,
                schema_version=r.schema_version,
            )
            for r in self.rows
        ]

    @property
    def tx_range(self) -> tuple[int, int]:
        """The smallest and largest transaction id in the batch: every outbox row stamped
        with its id lies in this range (marking is bounded by it)."""
        txs = [row.tx for row in self.rows]
        return (min(txs), max(txs)) if txs else (0, -1)

    def request_json(self, branch: str, node: str, schema_version: str) -> bytes:
        """The body of ``POST /api/v1/sync/push`` (a :class:`PushRequest`), with each row's
        data spliced in as the capture trigger wrote it (JSON text from SQLite's
        ``json_object``): nothing parsed and encoded again. Head office validates it all."""
        return orjson.dumps(
            {
                "branch": branch,
                "node": node,
                "batch_id": self.batch_id,
                "schema_version": schema_version,
                "changes": [
                    {
                        "table": r.table,
                        "pk": r.pk,
                        "op": r.op,
                        "data": orjson.Fragment(r.data),
                        "hlc": r.hlc,
                        "tx": r.tx,
                        "schema_version": r.schema_version,
                    }
                    for r in self.rows
                ],
            }
        )


_COLUMNS = "table_name, pk, op, data, hlc, tx_id, schema_version"


def _rows(
    conn: Connection, batch_id: str, tx_range: tuple[int, int] | None = None
) -> list[OutboxRow]:
    if tx_range is None:  # a batch from an earlier round: its range is unknown here
        rows = conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM sync_outbox WHERE batch_id = ? ORDER BY seq", (batch_id,)
        ).fetchall()
    else:
        rows = conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM sync_outbox WHERE tx_id BETWEEN ? AND ? AND batch_id = ? "
            "ORDER BY seq",
            (*tx_range, batch_id),
        ).fetchall()
    return [OutboxRow(*row) for row in rows]


def close_epoch(conn: Connection) -> int:
    """End the current transaction id if it captured anything; returns the first open id."""
    conn.exec_driver_sql(
        "UPDATE sync_state SET tx_epoch = tx_epoch + 1 WHERE id = 1 AND tx_epoch <= "
        "(SELECT COALESCE(MAX(tx_id), 0) FROM sync_outbox)"
    )
    return int(conn.exec_driver_sql("SELECT tx_epoch FROM sync_state WHERE id = 1").scalar_one())


def _groups(conn: Connection, open_epoch: int, batch_size: int) -> list[tuple[int, int]]:
    """(tx id, changes) of the oldest unbatched closed transactions, in order, enough to fill
    one batch: the tx index is walked only that far (whole groups; the last one may be cut
    short, which cannot matter: a batch takes it only if it fits, and a first group that
    alone fills the window is counted in full)."""
    window = batch_size + 1
    txs = conn.exec_driver_sql(
        "SELECT tx_id FROM sync_outbox WHERE batch_id IS NULL AND tx_id < ? ORDER BY tx_id LIMIT ?",
        (open_epoch, window),
    ).fetchall()
    groups: list[list[int]] = []
    for (tx_id,) in txs:
        if groups and groups[-1][0] == tx_id:
            groups[-1][1] += 1
        else:
            groups.append([int(tx_id), 1])
    if len(groups) == 1 and groups[0][1] == window:  # one transaction larger than a batch
        groups[0][1] = int(
            conn.exec_driver_sql(
                "SELECT COUNT(*) FROM sync_outbox WHERE batch_id IS NULL AND tx_id = ?",
                (groups[0][0],),
            ).scalar_one()
        )
    return [(tx_id, count) for tx_id, count in groups]


def next_batch(
    engine: Engine, batch_size: int, *, resend: bool = True, in_flight: str | None = None
) -> OutgoingBatch | None:
    """The batch to send next: an unacknowledged one first, else a new one (None if empty).

    ``in_flight``: the id of a batch being sent right now, not to be picked again.
    ``resend=False`` skips looking for unacknowledged batches (the only full look at the
    queue): for the sync client between the batches of one round, which knows there are none
    but its own.
    """
    with engine.begin() as conn:
        if resend:
            unacked = conn.exec_driver_sql(
                "SELECT batch_id FROM sync_outbox WHERE batch_id IS NOT NULL AND batch_id IS NOT ? "
                "ORDER BY seq LIMIT 1",
                (in_flight,),
            ).scalar()
            if unacked is not None:
                return OutgoingBatch(str(unacked), _rows(conn, str(unacked)), resent=True)
        open_epoch = close_epoch(conn)
        chosen: list[int] = []
        total = 0
        for tx_id, count in _groups(conn, open_epoch, batch_size):
            if chosen and total + count > batch_size:
                break
            chosen.append(tx_id)
            total += count
        if not chosen:
            return None
        batch_id = str(uuid.uuid4())
        tx_range = (chosen[0], chosen[-1])
        conn.exec_driver_sql(
            "UPDATE sync_outbox SET batch_id = ? WHERE batch_id IS NULL AND tx_id BETWEEN ? AND ?",
            (batch_id, *tx_range),
        )
        return OutgoingBatch(batch_id, _rows(conn, batch_id, tx_range))


def settle_ack(engine: Engine, batch: OutgoingBatch, ack: PushAck) -> None:
    """Drop the acknowledged rows and remember the stamps head office confirmed."""
    lost = {(r.table, r.pk, c) for r in ack.rejected for c in r.columns}
    lost_rows = {(r.table, r.pk) for r in ack.rejected if not r.columns}
    stamps: dict[tuple[str, str], dict[str, str]] = {}
    for change in batch.rows:
        key = (change.table, change.pk)
        if key in lost_rows:
            continue
        hlc = ack.hlc_rewrites.get(change.hlc, change.hlc)
        row = stamps.setdefault(key, {})
        columns = codec.loads(change.data)
        if lost:
            columns = [c for c in columns if (change.table, change.pk, c) not in lost]
        row.update(dict.fromkeys(columns, hlc))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "DELETE FROM sync_outbox WHERE tx_id BETWEEN ? AND ? AND batch_id = ?",
            (*batch.tx_range, batch.batch_id),
        )
        merge_clocks(conn, stamps)


def pending_count(conn: Connection) -> int:
    """Changes waiting for head office."""
    return int(conn.exec_driver_sql("SELECT COUNT(*) FROM sync_outbox").scalar_one())
