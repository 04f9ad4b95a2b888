"""Reading the audit log (who changed what, when) for supervisors: Permission.AUDIT_VIEW."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from branch_crm.errors import ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import AuditEntry, Staff
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.staff import audit_text
from branch_crm.services.staff.audit_search import audit_ids

MAX_ROWS = 1000

ACTION_LABELS = {
    "create": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "login": N_("Signed in"),
    "login_failed": N_("Failed sign-in"),
    "locked": N_("Locked out"),
    "unlocked": N_("Unlocked"),
    "password_reset": N_("Password reset"),
    "care_plan": N_("Care plan"),
    "backup": N_("Backed up"),
    "restore": N_("Restored from a backup"),
    "undelete": N_("Restored (undeleted)"),
    "merge": N_("Merged"),
}
SIGN_IN_ATTEMPTS = frozenset({"login_failed", "locked"})


def action_label(action: str) -> str:
    """The translated name of an audit action (the raw code when unknown)."""
    label = ACTION_LABELS.get(action)
    return _(label) if label else action


@dataclass(frozen=True)
class AuditFilter:
    """What to show: every field optional; ``since`` inclusive, ``until`` exclusive."""

    entity: str | None = None
    entity_id: str | None = None
    actor_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    """What a record is known by: complaint number, waybill, phone, name, serial
    (services.staff.audit_search)."""


@dataclass(frozen=True)
class AuditRow:
    """One audit entry with the actor's name and the record's subject resolved (language-
    neutral: the labels are made at display time, see :mod:`.audit_text`)."""

    id: str
    at: datetime
    actor_id: str | None
    actor_name: str | None
    action: str
    entity: str
    entity_id: str | None
    changes: dict[str, Any]
    subject: str = ""
    """Which customer, complaint (number and customer), staff member or session."""
    names: dict[str, str] = field(default_factory=dict)
    """Names of the people and customers whose ids occur in ``changes``."""
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    """Head-office list codes in ``changes`` ("category:damage") by language."""

    @property
    def actor_is_system(self) -> bool:
        """True for automatic work (SLA sweep, sync, demo data); a failed sign-in or a lock-out
        has no actor either, but it is someone's attempt, not the system's work."""
        return self.actor_id is None and self.action not in SIGN_IN_ATTEMPTS

    def entity_label(self) -> str:
        """The kind of record in the reader's language."""
        return audit_text.entity_label(self.entity)

    def describe(self, limit: int = 6) -> str:
        """The changes in words: ``Field: old → new; ...``."""
        return audit_text.describe_changes(
            self.entity,
            self.changes,
            self.names,
            limit=limit,
            created=self.action == "create",
            codes=self.codes,
        )


def _id_bound(moment: datetime) -> str:
    """The smallest UUIDv7 string of that millisecond: ids are time-ordered, so a period
    becomes a primary-key range (fast on a big log)."""
    ms = int(moment.timestamp() * 1000)
    digits = f"{ms:012x}"
    return f"{digits[:8]}-{digits[8:12]}"


def _filtered(
    query: Select[Any], flt: AuditFilter, session: Session, newest: int | None = None
) -> Select[Any]:
    if flt.since is not None and flt.until is not None and flt.since >= flt.until:
        raise ValidationError({"until": _("The end of the period must be after its start.")})
    if flt.entity:
        query = query.where(AuditEntry.entity == flt.entity)
    if flt.entity_id:
        query = query.where(AuditEntry.entity_id == flt.entity_id.strip())
    if flt.actor_id:
        query = query.where(AuditEntry.actor_id == flt.actor_id)
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.since is not None:
        query = query.where(AuditEntry.id >= _id_bound(flt.since), AuditEntry.at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEntry.at < flt.until)
    if flt.search:
        # the newest matches found on the index alone, when nothing else narrows them
        others = (flt.entity, flt.entity_id, flt.actor_id, flt.action, flt.since, flt.until)
        top = newest if all(v is None for v in others) else None
        found = audit_ids(session, flt.search, top)
        if found is not None:
            query = query.where(AuditEntry.id.in_(found))
    return query


def query_audit(
    *,
    session: Session,
    actor: Actor,
    flt: AuditFilter | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditRow]:
    """Audit entries matching ``flt``, newest first (at most MAX_ROWS per call)."""
    require(actor, Permission.AUDIT_VIEW)
    limit = max(1, min(limit, MAX_ROWS))
    query = _filtered(
        select(AuditEntry, Staff.display_name)
        .outerjoin(Staff, Staff.id == AuditEntry.actor_id)
        .execution_options(include_deleted=True),
        flt or AuditFilter(),
        session,
        limit + max(0, offset),
    )
    query = query.order_by(AuditEntry.id.desc()).limit(limit).offset(max(0, offset))
    found = [(entry, name) for entry, name in session.execute(query)]
    subjects, names = audit_text.resolve_names(
        session, [(e.entity, e.entity_id, e.changes or {}) for e, _n in found]
    )
    codes = audit_text.resolve_codes(session, [e.changes or {} for e, _n in found])
    return [
        AuditRow(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_name=name,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            changes=dict(entry.changes or {}),
            subject=subjects.get((entry.entity, entry.entity_id or ""), ""),
            names=names,
            codes=codes,
        )
        for entry, name in found
    ]


def count_audit(*, session: Session, actor: Actor, flt: AuditFilter | None = None) -> int:
    """How many entries match ``flt``."""
    require(actor, Permission.AUDIT_VIEW)
    query = _filtered(select(func.count()).select_from(AuditEntry), flt or AuditFilter(), session)
    return int(session.scalar(query) or 0)


def audit_entities(*, session: Session, actor: Actor) -> list[str]:
    """The record kinds (table names) that occur in the log (for a filter list; show them
    with :func:`.audit_text.entity_label`)."""
    require(actor, Permission.AUDIT_VIEW)
    return sorted(session.scalars(select(distinct(AuditEntry.entity))))


def audit_actors(*, session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(staff id, name) of every staff account, for a filter list."""
    require(actor, Permission.AUDIT_VIEW)
    query = (
        select(Staff.id, Staff.display_name, Staff.username)
        .execution_options(include_deleted=True)
        .order_by(Staff.display_name)
    )
    return [(sid, f"{name} ({user})") for sid, name, user in session.execute(query)]


def describe_changes(changes: dict[str, Any], limit: int = 6, entity: str = "") -> str:
    """A one-line summary ``Field: old → new`` of an entry's changes (labels and display
    values; see :func:`.audit_text.describe_changes`)."""
    return audit_text.describe_changes(entity, changes, limit=limit)
