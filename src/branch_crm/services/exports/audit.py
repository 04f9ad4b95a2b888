"""The audit log as a supervisor reads it (services/staff/audit_text.py renders the
changes), newest first, read a thousand entries at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy.orm import Session

from branch_crm.excel.writer import DATETIME, Column
from branch_crm.i18n import _
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.exports.common import ExportFilters, Table, local, notes, period_text
from branch_crm.services.permissions import require
from branch_crm.services.staff import audit
from branch_crm.services.staff.audit_text import entity_label
from branch_crm.services.training.sessions import day_start
from branch_crm.timeutil import utcnow

CHANGES_SHOWN = 50
"""Changed fields written per entry (the page shows six)."""


def actor_text(row: audit.AuditRow) -> str:
    """Who did it, as the audit page says it."""
    if row.actor_is_system:
        return _("System (automatic)")
    if row.actor_id is None:
        return _("nobody signed in")
    return row.actor_name or row.actor_id[:8]


def audit_filter(filters: ExportFilters) -> audit.AuditFilter:
    """The audit filter of ``filters``; it ends now at the latest, so the entries written
    while the export runs do not shift its pages."""
    until = utcnow() + timedelta(seconds=1)
    if filters.until is not None:
        until = min(until, day_start(filters.until + timedelta(days=1)))
    return audit.AuditFilter(
        entity=filters.entity,
        entity_id=filters.entity_id,
        actor_id=filters.actor_id,
        action=filters.action,
        since=day_start(filters.since) if filters.since is not None else None,
        until=until,
        search=filters.search,
    )


def _rows(session: Session, actor: Actor, flt: audit.AuditFilter) -> Iterator[tuple[object, ...]]:
    offset = 0
    while True:
        page = audit.query_audit(
            session=session, actor=actor, flt=flt, limit=audit.MAX_ROWS, offset=offset
        )
        for row in page:
            yield (
                local(row.at),
                actor_text(row),
                audit.action_label(row.action),
                row.entity_label(),
                row.subject,
                row.describe(limit=CHANGES_SHOWN),
                row.entity_id or "",
            )
        if len(page) < audit.MAX_ROWS:
            return
        offset += len(page)


def table(session: Session, actor: Actor, filters: ExportFilters) -> Table:
    """The entries of the audit log passing ``filters``, newest first."""
    require(actor, Permission.AUDIT_VIEW)
    flt = audit_filter(filters)
    names = dict(audit.audit_actors(session=session, actor=actor)) if flt.actor_id else {}
    used = [
        (_("Record"), entity_label(flt.entity) if flt.entity else None),
        (_("Record id"), flt.entity_id),
        (_("Search"), flt.search),
        (_("Who"), names.get(flt.actor_id or "", flt.actor_id)),
        (_("Action"), audit.action_label(flt.action) if flt.action else None),
        (_("Period"), period_text(filters.since, filters.until)),
    ]
    columns = [
        Column(_("When"), DATETIME),
        Column(_("Who")),
        Column(_("Action")),
        Column(_("Record")),
        Column(_("Customer / complaint")),
        Column(_("Changes")),
        Column(_("Record id")),
    ]
    return Table(
        title=_("Audit log"),
        columns=columns,
        rows=_rows(session, actor, flt),
        notes=notes(used, actor.display_name),
        total=audit.count_audit(session=session, actor=actor, flt=flt),
    )
