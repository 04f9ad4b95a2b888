"""Customer care: follow-ups, greetings and visits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base, SyncedMixin, SyncKind


class CareTask(SyncedMixin, Base):
    """Something to do for a customer by a date (survey follow-up, birthday call, visit)."""

    __tablename__ = "care_task"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open, done, cancelled."""
    title: Mapped[str] = mapped_column(String(200))
    """The reason in English words (rows before ``title_message`` existed: in the words of
    whoever wrote it); people see ``title_message`` rendered in their language."""
    title_message: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """The reason as a message id and values (:mod:`branch_crm.models.stored_text`)."""
    outcome_message: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """What was recorded when the task was closed, as a message id and values."""
    notes: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(String(36))
    assignee_id: Mapped[str | None] = mapped_column(String(36))
    done_at: Mapped[datetime | None] = mapped_column(default=None)


class Visit(SyncedMixin, Base):
    """A visit or call made to a customer, with what they said."""

    __tablename__ = "visit"
    __sync_kind__: ClassVar[SyncKind] = "insert_only"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), index=True)
    staff_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    """visit, call, message."""
    notes: Mapped[str | None] = mapped_column(Text)
