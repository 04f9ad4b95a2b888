"""Customer care: follow-ups, greetings and visits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import BRANCH_ONLY_INDEX, Base, SyncedMixin, SyncKind


class CareTask(SyncedMixin, Base):
    """Something to do for a customer by a date (survey follow-up, birthday call, visit).

    Tasks the care plan generates (services.care.plan) carry ``period`` and a deterministic
    id (branch, customer, kind, period): every PC of the branch makes the very same row, so
    two PCs planning offline never double a task (see services.care.plan)."""

    __tablename__ = "care_task"
    __table_args__ = (
        Index("ix_care_task_customer_kind_status", "customer_id", "kind", "status"),
        # follow-ups found by the record that opened them (services.care.search)
        Index("ix_care_task_source_id", "source_id", info=BRANCH_ONLY_INDEX),
    )

    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    """The reason: survey_follow_up, birthday, anniversary, greeting, visit, win_back,
    churn_call, feedback (services.care.follow_ups.KIND_LABELS)."""
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
    period: Mapped[str | None] = mapped_column(String(30), default=None)
    """Which occurrence a generated task is for ("2027" for a birthday, "2027-mid_autumn",
    the due date of a visit, ...); None for tasks people or other features opened."""


class Visit(SyncedMixin, Base):
    """A visit, call or message made to a customer, with what came of it (insert-only)."""

    __tablename__ = "visit"
    __sync_kind__: ClassVar[SyncKind] = "insert_only"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), index=True)
    staff_id: Mapped[str | None] = mapped_column(String(36))
    """Who made it."""
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    """visit (on site), call (phone), message."""
    notes: Mapped[str | None] = mapped_column(Text)
    """The outcome: what the customer said."""
    next_step: Mapped[str | None] = mapped_column(Text, default=None)
    next_visit_on: Mapped[date | None] = mapped_column(Date, default=None)
    """The next visit agreed, if any: the visit plan falls due then."""
    task_id: Mapped[str | None] = mapped_column(String(36), default=None)
    """The care task this visit closed (its reason), if any."""
