"""The audit log: who changed what, when. Insert-only and synced to head office."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import BRANCH_ONLY_INDEX, Base, SyncedMixin, SyncKind


class AuditEntry(SyncedMixin, Base):
    """One change to one row. ``changes`` maps column → [old, new]."""

    __tablename__ = "audit_entry"
    __sync_kind__: ClassVar[SyncKind] = "insert_only"
    __table_args__ = (
        Index("ix_audit_entry_entity", "entity", "entity_id"),
        # with the id: a search finds the newest entries about its records on the index
        # alone (services.staff.audit_search)
        Index("ix_audit_entry_record", "entity", "entity_id", "id", info=BRANCH_ONLY_INDEX),
    )

    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(16))
    """create, update, delete, login, login_failed, ..."""
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
