"""Bulk writes of an import: new rows go in with one statement per table and chunk on the
session's own connection (same transaction) together with their audit entries, written as the
session hooks write them for a single save (``create`` with every non-empty synced column as
``[None, value]``, the actor, the time; the entry's changes are made in SQL from the row
just written). Capture is suspended while a chunk goes in and the chunk is then captured for
sync in one statement per table (:func:`branch_crm.sync.capture.capture_inserted`): the same
outbox rows as the per-row triggers, at a fraction of the cost. The lookup's and the customer
list's triggers see the inserts like any other write. Every write is one statement per table
and chunk, so SQLite works without Python's lock while the next chunk is read (see
:func:`branch_crm.services.imports.common.read_ahead`).

Values are stored in the forms SQLAlchemy uses for these columns (naive UTC
``YYYY-MM-DD HH:MM:SS.ffffff``, ISO dates, 0/1, JSON text), so the ORM reads them back as if
it had written them.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Table
from sqlalchemy.orm import Session

from branch_crm.ids import id_block
from branch_crm.models import AuditEntry, Customer, CustomerPhone, MonthlyVolume
from branch_crm.services.context import Actor
from branch_crm.services.dbapi import raw_connection
from branch_crm.sync.capture import capture_inserted, capture_suspended, max_rowid
from branch_crm.timeutil import utcnow

_AUDIT_SKIP = {"id", "created_at", "updated_at", "created_by", "updated_by"}
_STAMP = "%Y-%m-%d %H:%M:%S.%f"
ID_BLOCK = 4_096
"""Ids reserved at a time for new rows."""
MODELS: tuple[type[Any], ...] = (Customer, CustomerPhone, MonthlyVolume)
"""What an import inserts, parents first."""


def _table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _synced_keys(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.info.get("sync", True) and c.name not in _AUDIT_SKIP]


def stamp(moment: datetime) -> str:
    """A UTC datetime as SQLAlchemy stores it in SQLite."""
    return moment.astimezone(UTC).strftime(_STAMP)


def _iso(value: Any) -> str:
    """Dates as SQLAlchemy stores them (booleans go as JSON true/false, stored as 1/0)."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in an import")


def _audit_changes_sql(table: Table, keys: list[str]) -> str:
    """SQL (over the row ``t``) of a create entry's changes: ``{key: [null, value]}`` for each
    non-empty key, booleans as JSON true/false, as the session hooks write them."""
    pairs: list[str] = []
    empties: list[str] = []
    for key in keys:
        value = f't."{key}"'
        if isinstance(table.columns[key].type, Boolean):
            value = f"CASE WHEN {value} THEN json('true') ELSE json('false') END"
        pairs.append(f"'{key}', json_array(NULL, {value})")
        empties.append(f"CASE WHEN t.\"{key}\" IS NULL THEN '$.\"{key}\"' ELSE '$.__kept__' END")
    return f"json_remove(json_object({', '.join(pairs)}), {', '.join(empties)})"


class BulkWriter:
    """Inserts of one import: ``add`` rows per model, ``flush`` writes them with their audit
    entries (call it every chunk and at the end)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.branch_id = str(session.info.get("branch_id") or actor.branch_id)
        self.actor_id = session.info.get("actor_id", actor.staff_id)
        self.audit_on = bool(session.info.get("audit", True))
        self._pending: dict[type[Any], list[dict[str, Any]]] = {}
        self._audit_keys = {m: _synced_keys(_table(m)) for m in MODELS}
        self._ids: list[str] = []  # reserved ids, the next one last

    def add(self, model: type[Any], values: dict[str, Any]) -> str:
        """Queue a new row of ``model`` (its id is made here and returned)."""
        if not self._ids:
            self._ids = id_block(ID_BLOCK).texts()
        row_id = self._ids.pop()
        values["id"] = row_id
        self._pending.setdefault(model, []).append(values)
        return row_id

    def _insert(
        self, raw: Any, table: str, rows: list[dict[str, Any]], common: dict[str, Any]
    ) -> None:
        """One ``INSERT ... SELECT`` over a JSON array of the rows: SQLite runs the whole chunk
        in one step without Python's lock, so the sheet's next chunk is read meanwhile."""
        keys = list(rows[0])
        names = ", ".join([*keys, *common])
        picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(keys)))
        marks = ", ".join("?" for _ in common)
        values = itemgetter(*keys)  # every imported table has several columns: tuples
        data = json.dumps([values(row) for row in rows], ensure_ascii=False, default=_iso)
        raw.execute(
            f"INSERT INTO {table} ({names}) SELECT {picks}, {marks} FROM json_each(?) ORDER BY key",
            (*common.values(), data),
        )

    def _audit(self, raw: Any, model: type[Any], after_rowid: int, count: int, now: str) -> None:
        """The create entries of the ``count`` rows of ``model`` above ``after_rowid``, made in
        one statement (ids from a reserved block, changes from the rows themselves)."""
        table = _table(model)
        keys = [k for k in self._audit_keys[model] if k != "branch_id"] + ["branch_id"]
        if any(table.columns[k].info.get("secret", False) for k in keys):
            raise ValueError(f"{table.name}: bulk audit cannot mask secret columns")
        ids = id_block(count)
        raw.execute(
            f"INSERT INTO {_table(AuditEntry).name} (id, branch_id, created_at, updated_at,"
            " created_by, updated_by, at, actor_id, action, entity, entity_id, changes)\n"
            f"SELECT {ids.sql('row_number() OVER (ORDER BY t.rowid) - 1')},"
            " ?, ?, ?, ?, ?, ?, ?, 'create', ?, t.id, "
            f"{_audit_changes_sql(table, keys)}\n"
            f'FROM "{table.name}" AS t WHERE t.rowid > ? ORDER BY t.rowid',
            (self.branch_id, now, now, self.actor_id, self.actor_id, now, self.actor_id,
             table.name, after_rowid),
        )  # fmt: skip

    def flush(self) -> None:
        """Write what is queued (parents first: customers, then phones and volumes), with
        their audit entries, and capture it all for sync."""
        if not self._pending:
            return
        raw = raw_connection(self.session)
        now = stamp(utcnow())
        common = {"branch_id": self.branch_id, "created_at": now, "updated_at": now,
                  "created_by": self.actor_id, "updated_by": self.actor_id}  # fmt: skip
        for model in MODELS:
            rows = self._pending.pop(model, [])
            if not rows:
                continue
            name = _table(model).name
            rows_from, audit_from = max_rowid(raw, name), max_rowid(raw, _table(AuditEntry).name)
            with capture_suspended(raw):
                self._insert(raw, name, rows, common)
                if self.audit_on:
                    self._audit(raw, model, rows_from, len(rows), now)
            capture_inserted(raw, name, rows_from)
            if self.audit_on:
                capture_inserted(raw, _table(AuditEntry).name, audit_from)
