"""The record of one customer merge: the operation that syncs as one change."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base, SyncedMixin, SyncKind


class CustomerMerge(SyncedMixin, Base):
    """Two customer records found to be one person: ``absorbed_id`` was folded into
    ``survivor_id``. Inserted once (insert-only); every side that receives it -- head office
    on push -- carries out the same merge (services.customers.merging, hq.merge_op), so the
    merge travels as this one row, not as the dozens of row moves it implies."""

    __tablename__ = "customer_merge"
    __sync_kind__: ClassVar[SyncKind] = "insert_only"

    survivor_id: Mapped[str] = mapped_column(String(36), index=True)
    absorbed_id: Mapped[str] = mapped_column(String(36), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The survivor's profile values the supervisor chose field by field (wire form)."""
    merged_at: Mapped[datetime] = mapped_column()
    merged_by: Mapped[str | None] = mapped_column(String(36))
