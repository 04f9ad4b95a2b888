"""Change capture: SQLite triggers, generated from model metadata, fill ``sync_outbox``.

Every INSERT, UPDATE and DELETE of a synced table appends an outbox row in the same
transaction, whatever code path made it (services, the sync applier, a plain ``sqlite3``
connection running raw SQL). Columns declared ``info={"sync": False}`` are skipped; updates
carry only the columns that changed; a tombstone (``deleted_at`` set) is op ``delete``, and a
hard ``DELETE`` (which the app never does) is captured as a tombstone too. Reference tables
(head-office data) get no triggers: branches cannot write them.

Each outbox row carries:

* an HLC stamp computed in SQL from ``sync_state`` (PC clock + ``clock_offset_ms``, counter,
  node id) -- see :mod:`branch_crm.sync.hlc`; the sync client sets the offset from head
  office's clock, shifts the stamps still queued and brings back an HLC left far ahead by a
  clock that was wrong (:mod:`branch_crm.sync.clock`);
* a transaction id, ``sync_state.tx_epoch`` at the time of the write. SQLite has no
  transaction id a trigger can read, so the id is an epoch counter: the branch app's engine
  bumps it right before each commit that captured something (:func:`branch_crm.db.bump_epoch`,
  a commit hook installed by ``db.make_engine``), and the sync client bumps it before
  collecting a push. Changes written by other programs (raw ``sqlite3``) simply join the next
  epoch: transactions may be merged with a neighbour, never split -- which is what the push
  needs (a batch never splits a transaction).

Applying pulled changes must not capture them again: the applier sets ``sync_state.suppress``
to 1 at the start of its own transaction and back to 0 before it commits, so no other
transaction ever sees the flag set. :func:`capture_suspended` does the same for bulk loads.

**For other engineers:** a migration that creates, alters (batch mode recreates the table and
drops its triggers) or drops a synced table must end with::

    from branch_crm.sync.capture import install_capture
    install_capture(op.get_bind(), revision)

which drops every capture trigger and regenerates them from the live schema (columns present
in the database, minus the model's local-only columns), stamping ``revision`` as the schema
version of the changes captured from then on.

**Bulk loads** that must still be synced (an Excel import of 100,000 customers) insert with
capture suspended and then call :func:`capture_inserted` once per table and chunk: one
``INSERT ... SELECT`` writes the outbox rows the insert trigger would have written (same
columns, same schema version read from that trigger, one HLC stamp per row with consecutive
counters, in rowid order), instead of a trigger body per row.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from branch_crm.sync.hlc import SQL_FORMAT

log = logging.getLogger(__name__)

TRIGGER_PREFIX = "sync_capture_"
MAX_COLUMNS = 60
NOW_MS = "(CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) + clock_offset_ms)"
NOT_SUPPRESSED = "(SELECT suppress FROM sync_state WHERE id = 1) = 0"
ADVANCE_HLC = f"""UPDATE sync_state SET
    hlc_counter = CASE WHEN {NOW_MS} > hlc_ms THEN 0 ELSE hlc_counter + 1 END,
    hlc_ms = max(hlc_ms, {NOW_MS})
  WHERE id = 1;"""
STAMP = f"printf({SQL_FORMAT}, hlc_ms, hlc_counter, node_id)"


def capture_plan() -> dict[str, tuple[str, set[str]]]:
    """Table name -> (sync kind, local-only column names) for every synced model."""
    from branch_crm.models import synced_tables

    plan: dict[str, tuple[str, set[str]]] = {}
    for cls in synced_tables():
        table = cls.__table__  # type: ignore[attr-defined]
        local = {c.name for c in table.columns if not c.info.get("sync", True)}
        plan[table.name] = (cls.__sync_kind__, local)
    return plan


def synced_columns(conn: Connection, table: str, local: set[str]) -> list[str]:
    """Columns of ``table`` as the database has them now, minus local-only ones."""
    rows = conn.exec_driver_sql(f'PRAGMA table_info("{table}")').fetchall()
    return [row[1] for row in rows if row[1] not in local]


def json_object_sql(columns: list[str], prefix: str) -> str:
    """SQL: a JSON object of ``columns`` (name -> value) of the row aliased ``prefix`` (the
    ``data`` of an outbox row)."""
    return "json_object(" + ", ".join(f"'{c}', {prefix}.\"{c}\"" for c in columns) + ")"


def trigger_sql(table: str, kind: str, columns: list[str], schema_version: str) -> list[str]:
    """The CREATE TRIGGER statements capturing writes to one table."""
    if len(columns) > MAX_COLUMNS:
        raise ValueError(f"{table}: too many columns for one capture trigger")
    insert_outbox = (
        "INSERT INTO sync_outbox (tx_id, table_name, pk, op, data, hlc, schema_version)\n"
        f"  SELECT tx_epoch, '{table}', {{pk}}, {{op}}, {{data}}, {STAMP}, '{schema_version}'\n"
        "  FROM sync_state WHERE id = 1;"
    )
    statements = [
        f"""CREATE TRIGGER {TRIGGER_PREFIX}{table}_ins AFTER INSERT ON "{table}"
WHEN {NOT_SUPPRESSED} BEGIN
  {ADVANCE_HLC}
  {insert_outbox.format(pk="NEW.id", op="'insert'", data=json_object_sql(columns, "NEW"))}
END"""
    ]
    if kind == "insert_only":
        return statements
    unchanged = " AND ".join(f'OLD."{c}" IS NEW."{c}"' for c in columns)
    removals = ", ".join(
        f'CASE WHEN OLD."{c}" IS NEW."{c}" THEN \'$."{c}"\' ELSE \'$.__kept__\' END'
        for c in columns
    )
    changed = f"json_remove({json_object_sql(columns, 'NEW')}, {removals})"
    op = (
        "CASE WHEN NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL "
        "THEN 'delete' ELSE 'update' END"
    )
    tombstone = "json_object('deleted_at', strftime('%Y-%m-%d %H:%M:%f', 'now'))"
    statements.append(
        f"""CREATE TRIGGER {TRIGGER_PREFIX}{table}_upd AFTER UPDATE ON "{table}"
WHEN {NOT_SUPPRESSED} AND NOT ({unchanged}) BEGIN
  {ADVANCE_HLC}
  {insert_outbox.format(pk="NEW.id", op=op, data=changed)}
END"""
    )
    statements.append(
        f"""CREATE TRIGGER {TRIGGER_PREFIX}{table}_del AFTER DELETE ON "{table}"
WHEN {NOT_SUPPRESSED} AND OLD.deleted_at IS NULL BEGIN
  {ADVANCE_HLC}
  {insert_outbox.format(pk="OLD.id", op="'delete'", data=tombstone)}
END"""
    )
    return statements


def drop_capture(conn: Connection) -> None:
    """Drop every capture trigger."""
    names = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
        (TRIGGER_PREFIX + "%",),
    ).fetchall()
    for (name,) in names:
        conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')


def install_capture(conn: Connection, schema_version: str) -> int:
    """(Re)generate the capture triggers from the live schema; returns the tables covered."""
    drop_capture(conn)
    existing = {
        row[0]
        for row in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        ).fetchall()
    }
    covered = 0
    for table, (kind, local) in capture_plan().items():
        if table not in existing or kind == "reference":
            continue
        for statement in trigger_sql(
            table, kind, synced_columns(conn, table, local), schema_version
        ):
            conn.exec_driver_sql(statement)
        covered += 1
    log.info("capture triggers installed on %d tables (schema %s)", covered, schema_version)
    return covered


def _execute(target: Connection | Session | sqlite3.Connection, sql: str) -> None:
    if isinstance(target, sqlite3.Connection):
        target.execute(sql)
    elif isinstance(target, Session):
        target.connection().exec_driver_sql(sql)
    else:
        target.exec_driver_sql(sql)


@contextmanager
def capture_suspended(connection: Connection | Session | sqlite3.Connection) -> Iterator[None]:
    """Stop capture inside the caller's transaction (bulk demo loads, the sync applier).

    The flag is set and cleared within the same transaction, so other connections never see
    it; use it inside one transaction and commit after the block.
    """
    _execute(connection, "UPDATE sync_state SET suppress = 1 WHERE id = 1")
    try:
        yield
    finally:
        try:
            _execute(connection, "UPDATE sync_state SET suppress = 0 WHERE id = 1")
        except Exception:  # the transaction failed; the rollback clears the flag anyway
            log.debug("could not clear the capture suppression flag", exc_info=True)


_VERSION = re.compile(r"'([^']*)'\s+FROM sync_state WHERE id = 1;\s*END\s*$")


def max_rowid(raw: sqlite3.Connection, table: str) -> int:
    """The largest rowid of ``table`` now (0 when empty): rows inserted after it are new."""
    return int(raw.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0])


def capture_columns(raw: sqlite3.Connection, table: str) -> tuple[list[str], str] | None:
    """The columns the insert trigger of ``table`` captures and the schema version it stamps,
    as the live database has them; None when the table is not captured."""
    found = raw.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (f"{TRIGGER_PREFIX}{table}_ins",),
    ).fetchone()
    if found is None:
        return None
    match = _VERSION.search(found[0])
    if match is None:
        raise RuntimeError(f"{table}: cannot read the schema version of its capture trigger")
    local = capture_plan()[table][1]
    columns = [
        row[1] for row in raw.execute(f'PRAGMA table_info("{table}")') if row[1] not in local
    ]
    return columns, match.group(1)


def capture_inserted(raw: sqlite3.Connection, table: str, after_rowid: int) -> int:
    """Write the outbox rows of every row of ``table`` with a rowid above ``after_rowid``, as
    the insert trigger would have (call it after inserting them with capture suspended, in
    the same transaction). Returns the rows captured; 0 when the table is not captured."""
    captured = capture_columns(raw, table)
    if captured is None:
        return 0
    columns, version = captured
    raw.execute(ADVANCE_HLC)
    cursor = raw.execute(
        "INSERT INTO sync_outbox (tx_id, table_name, pk, op, data, hlc, schema_version)\n"
        f"SELECT s.tx_epoch, '{table}', t.id, 'insert', {json_object_sql(columns, 't')},\n"
        f"  printf({SQL_FORMAT}, s.hlc_ms,"
        " s.hlc_counter + row_number() OVER (ORDER BY t.rowid) - 1, s.node_id), ?\n"
        f'FROM "{table}" AS t, sync_state AS s WHERE s.id = 1 AND t.rowid > ?\n'
        "ORDER BY t.rowid",
        (version, after_rowid),
    )
    count = max(cursor.rowcount, 0)
    if count > 1:
        raw.execute(
            "UPDATE sync_state SET hlc_counter = hlc_counter + ? WHERE id = 1", (count - 1,)
        )
    return count
