"""How a customer wants pickups served (recorded by couriers)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base, SyncedMixin


class DropOffPlace(enum.StrEnum):
    """Where parcels are left or collected."""

    DOOR = "door"
    PARCEL_LOCKER = "parcel_locker"
    PROPERTY_DESK = "property_desk"
    FRONT_DESK = "front_desk"
    OTHER = "other"


class SpecialHandling(enum.StrEnum):
    """Handling the courier must prepare for."""

    FRAGILE = "fragile"
    COLD_CHAIN = "cold_chain"
    VALUABLES = "valuables"


class PickupPreference(SyncedMixin, Base):
    """The current pickup preferences of one customer; history lives in the audit log."""

    __tablename__ = "pickup_preference"
    __table_args__ = (
        Index(
            "uq_pickup_preference_customer_live",
            "customer_id",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"))
    availability: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """{"mon": [["09:00", "12:00"], ...], ...}: when someone is there to hand over."""
    away_weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    drop_off: Mapped[str] = mapped_column(String(20), default=DropOffPlace.DOOR)
    drop_off_other: Mapped[str | None] = mapped_column(String(100))
    call_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    packaging: Mapped[str | None] = mapped_column(String(100))
    special_handling: Mapped[str] = mapped_column(String(100), default="")
    """Comma-separated :class:`SpecialHandling` values."""
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(36))
    recorded_at: Mapped[datetime | None] = mapped_column(default=None)
    delete_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    restored_at: Mapped[datetime | None] = mapped_column(default=None)
    """When a deleted row was last restored (see sync.merge)."""
