"""Bulk writes of an import: new rows go in with ``executemany`` on the session's own
connection (same transaction) together with their audit entries, written exactly as the
session hooks write them for a single save (``create`` with every synced column as
``[None, value]``, the actor, the time). The sync capture triggers see the inserts like any
other write; the lookup's and the customer list's triggers too.

Values are stored in the forms SQLAlchemy uses for these columns (naive UTC
``YYYY-MM-DD HH:MM:SS.ffffff``, ISO dates, 0/1, JSON text), so the ORM reads them back as if
it had written them.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from branch_crm.ids import new_id
from branch_crm.models import AuditEntry, Customer, CustomerPhone, MonthlyVolume
from branch_crm.services.context import Actor
from branch_crm.services.dbapi import raw_connection
from branch_crm.timeutil import utcnow

_AUDIT_SKIP = {"id", "created_at", "updated_at", "created_by", "updated_by"}
_STAMP = "%Y-%m-%d %H:%M:%S.%f"
MODELS: tuple[type[Any], ...] = (Customer, CustomerPhone, MonthlyVolume)
"""What an import inserts, parents first."""


def _table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _synced_keys(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.info.get("sync", True) and c.name not in _AUDIT_SKIP]


def stamp(moment: datetime) -> str:
    """A UTC datetime as SQLAlchemy stores it in SQLite."""
    return moment.astimezone(UTC).strftime(_STAMP)


def _stored(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


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

    def add(self, model: type[Any], values: dict[str, Any]) -> str:
        """Queue a new row of ``model`` (its id is made here and returned)."""
        row_id = new_id()
        self._pending.setdefault(model, []).append({"id": row_id, **values})
        return row_id

    def _insert(self, raw: Any, table: str, rows: list[dict[str, Any]]) -> None:
        keys = list(rows[0])
        names = ", ".join(keys)
        marks = ", ".join("?" for _ in keys)
        raw.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            [tuple(_stored(row[k]) for k in keys) for row in rows],
        )

    def _audit_rows(self, model: type[Any], rows: list[dict[str, Any]], now: str) -> list[Any]:
        keys = [k for k in self._audit_keys[model] if k != "branch_id"]
        entity = _table(model).name
        result: list[dict[str, Any]] = []
        for row in rows:
            changes = {k: [None, _audit_value(row[k])] for k in keys if row.get(k) is not None}
            changes["branch_id"] = [None, self.branch_id]
            result.append({
                "id": new_id(), "branch_id": self.branch_id, "created_at": now,
                "updated_at": now, "created_by": self.actor_id, "updated_by": self.actor_id,
                "at": now, "actor_id": self.actor_id, "action": "create", "entity": entity,
                "entity_id": row["id"], "changes": json.dumps(changes),
            })  # fmt: skip
        return result

    def flush(self) -> None:
        """Write what is queued (parents first: customers, then phones and volumes)."""
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
            rows = [{**row, **common} for row in rows]
            self._insert(raw, _table(model).name, rows)
            if self.audit_on:
                self._insert(raw, _table(AuditEntry).name, self._audit_rows(model, rows, now))
