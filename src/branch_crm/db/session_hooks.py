"""What every ORM session of the branch does on its own: fill the owning branch and who
changed a synced row, write an audit entry per change (secrets masked), refuse hard deletes of
synced rows (tombstones instead), and leave tombstoned rows out of ORM queries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, class_mapper, with_loader_criteria
from sqlalchemy.orm.attributes import instance_state

from branch_crm.ids import new_id
from branch_crm.models import HQ_BRANCH, AuditEntry, SyncedMixin
from branch_crm.timeutil import utcnow


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _synced_columns(obj: SyncedMixin) -> list[str]:
    skip = {"created_at", "updated_at", "created_by", "updated_by"}
    mapper = class_mapper(type(obj))
    return [
        c.key
        for c in mapper.column_attrs
        if c.key not in skip and c.columns[0].info.get("sync", True)
    ]


SECRET_MASK = "***"
"""Audit value of columns marked ``info={"secret": True}`` (password hashes): never logged."""


def _audit_value(obj: SyncedMixin, key: str, value: Any) -> Any:
    column = class_mapper(type(obj)).columns[key]
    if value is not None and column.info.get("secret", False):
        return SECRET_MASK
    return _json_safe(value)


def _audit_changes(obj: SyncedMixin, *, new: bool) -> dict[str, Any]:
    state = instance_state(obj)
    changes: dict[str, Any] = {}
    for key in _synced_columns(obj):
        if new:
            value = getattr(obj, key)
            if value is not None and key != "id":
                changes[key] = [None, _audit_value(obj, key, value)]
            continue
        history = state.attrs[key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new_value = history.added[0] if history.added else None
            if old != new_value:
                changes[key] = [_audit_value(obj, key, old), _audit_value(obj, key, new_value)]
    return changes


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Fill owner/attribution columns and write audit entries for every synced change."""
    actor_id = session.info.get("actor_id")
    branch_id = session.info.get("branch_id")
    audit_on = session.info.get("audit", True)
    now = utcnow()
    entries: list[AuditEntry] = []
    for obj in list(session.deleted):
        if isinstance(obj, SyncedMixin):
            raise RuntimeError(
                f"hard delete of {type(obj).__name__} refused: set deleted_at (tombstone)"
            )
    for obj in list(session.new):
        if not isinstance(obj, SyncedMixin) or isinstance(obj, AuditEntry):
            continue
        _apply_scalar_defaults(obj)
        if obj.branch_id is None:
            if branch_id is None:
                raise RuntimeError("session has no branch_id for a new synced row")
            obj.branch_id = branch_id
        obj.created_by = obj.created_by or actor_id
        obj.updated_by = obj.updated_by or actor_id
        if audit_on:
            entries.append(_audit_entry(obj, "create", _audit_changes(obj, new=True), now))
    for obj in list(session.dirty):
        if not isinstance(obj, SyncedMixin) or not session.is_modified(obj):
            continue
        changes = _audit_changes(obj, new=False)
        if not changes:
            continue
        obj.updated_by = actor_id
        if audit_on:
            entries.append(_audit_entry(obj, _action(obj, changes), changes, now))
    for entry in entries:
        entry.actor_id = actor_id
        entry.branch_id = entry.branch_id or branch_id or "?"
        entry.created_by = entry.updated_by = actor_id
        session.add(entry)


def _action(obj: SyncedMixin, changes: dict[str, Any]) -> str:
    """delete (a tombstone set), undelete (one cleared: a restore, services.deletion) or
    update."""
    if "deleted_at" not in changes:
        return "update"
    return "delete" if obj.deleted_at else "undelete"


def _apply_scalar_defaults(obj: SyncedMixin) -> None:
    """Give a new row its id and plain column defaults now, so its audit entry is complete."""
    if obj.id is None:
        obj.id = new_id()
    for attr in class_mapper(type(obj)).column_attrs:
        default = attr.columns[0].default
        if default is not None and default.is_scalar and getattr(obj, attr.key) is None:
            setattr(obj, attr.key, default.arg)


def _audit_entry(
    obj: SyncedMixin, action: str, changes: dict[str, Any], now: datetime
) -> AuditEntry:
    return AuditEntry(
        at=now,
        action=action,
        entity=type(obj).__tablename__,  # type: ignore[attr-defined]
        entity_id=obj.id,
        changes=changes,
        # a head-office row seeded at a branch (default SLA, survey template): the entry is the
        # branch's own record, so it syncs with the branch's partition (head office refuses
        # an "HQ" row pushed by a branch, which would stop every later sync round)
        branch_id=None if obj.branch_id == HQ_BRANCH else obj.branch_id,
    )


def _hide_tombstones(state: ORMExecuteState) -> None:
    if (
        state.is_select
        and not state.is_column_load
        and not state.execution_options.get("include_deleted", False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(
                SyncedMixin,
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=True,
            )
        )


def install_session_hooks() -> None:
    """Make every ORM session stamp, audit and hide tombstones (once per process; the
    engines' module calls it)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _hide_tombstones)
