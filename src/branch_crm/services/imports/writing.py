"""Bulk writes of an import: new rows go in with one multi-row INSERT per chunk (SQLAlchemy
Core on the session's connection, same transaction) together with their audit entries,
written exactly as the session hooks write them for a single save (``create`` with every
synced column as ``[None, value]``). The sync capture triggers see the inserts like any
other write; the lookup's and the customer list's triggers too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from branch_crm.ids import new_id
from branch_crm.models import AuditEntry, Customer, CustomerPhone, MonthlyVolume
from branch_crm.services.context import Actor
from branch_crm.timeutil import utcnow

_AUDIT_SKIP = {"id", "created_at", "updated_at", "created_by", "updated_by"}


def _table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _synced_keys(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.info.get("sync", True) and c.name not in _AUDIT_SKIP]


def _json_safe(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


class BulkWriter:
    """Inserts of one import: ``add`` rows per model, ``flush`` writes them with their audit
    entries (call it every chunk and at the end)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        session.flush()
        self.session = session
        self.actor = actor
        self.branch_id = str(session.info.get("branch_id") or actor.branch_id)
        self.actor_id = session.info.get("actor_id", actor.staff_id)
        self.audit_on = bool(session.info.get("audit", True))
        self._pending: dict[type[Any], list[dict[str, Any]]] = {}
        self._keys = {m: _synced_keys(_table(m)) for m in (Customer, CustomerPhone, MonthlyVolume)}

    def add(self, model: type[Any], values: dict[str, Any]) -> str:
        """Queue a new row of ``model`` (its id is made here and returned)."""
        now = utcnow()
        row = {
            "id": new_id(),
            "branch_id": self.branch_id,
            "created_at": now,
            "updated_at": now,
            "created_by": self.actor_id,
            "updated_by": self.actor_id,
            "deleted_at": None,
            **values,
        }
        self._pending.setdefault(model, []).append(row)
        return str(row["id"])

    def _audit(self, model: type[Any], rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = self._keys[model]
        entity = _table(model).name
        now = utcnow()
        return [
            {
                "id": new_id(),
                "branch_id": self.branch_id,
                "created_at": now,
                "updated_at": now,
                "created_by": self.actor_id,
                "updated_by": self.actor_id,
                "deleted_at": None,
                "at": now,
                "actor_id": self.actor_id,
                "action": "create",
                "entity": entity,
                "entity_id": row["id"],
                "changes": {k: [None, _json_safe(row[k])] for k in keys if row.get(k) is not None},
            }
            for row in rows
        ]

    def flush(self) -> None:
        """Write what is queued (parents first: customers, then phones and volumes)."""
        connection = self.session.connection()
        for model in (Customer, CustomerPhone, MonthlyVolume):
            rows = self._pending.pop(model, [])
            if not rows:
                continue
            connection.execute(insert(_table(model)), rows)
            if self.audit_on:
                connection.execute(insert(_table(AuditEntry)), self._audit(model, rows))
