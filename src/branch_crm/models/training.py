"""Training sessions and their attendance (sign-in sheet of seed 003)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from branch_crm.models.base import Base, SyncedMixin


class TrainingSession(SyncedMixin, Base):
    """A training held at the branch."""

    __tablename__ = "training_session"

    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    trainer: Mapped[str | None] = mapped_column(String(50))
    audience: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(100))
    content_points: Mapped[list[Any]] = mapped_column(default=list)
    incident_notice: Mapped[str | None] = mapped_column(Text)

    attendees: Mapped[list[TrainingAttendee]] = relationship(
        back_populates="session", order_by="TrainingAttendee.position"
    )


class TrainingAttendee(SyncedMixin, Base):
    """An expected or actual attendee: a staff member or an external person."""

    __tablename__ = "training_attendee"

    session_id: Mapped[str] = mapped_column(ForeignKey("training_session.id"), index=True)
    staff_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(50))
    contact: Mapped[str | None] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="expected")
    """expected, present, absent, late, excused."""
    remarks: Mapped[str | None] = mapped_column(String(200))

    session: Mapped[TrainingSession] = relationship(back_populates="attendees")
