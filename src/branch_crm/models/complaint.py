"""Complaints, their append-only event timeline and the SLA policy they are measured by."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from branch_crm.models.base import Base, SyncedMixin, SyncKind, local_only


class ComplaintStatus(enum.StrEnum):
    """Closed loop: received (受理) → in progress (处理) → feedback (反馈) → closed (改进)."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    FEEDBACK_GIVEN = "feedback_given"
    CLOSED = "closed"


class Channel(enum.StrEnum):
    """How the complaint (or a survey answer) reached the branch."""

    COUNTER = "counter"
    PHONE = "phone"
    ONLINE = "online"
    COURIER = "courier"


OPEN_QUEUE_COLUMNS = (
    "status",
    "received_at",
    "id",
    "number",
    "customer_id",
    "category",
    "grade",
    "assignee_id",
    "responded_at",
    "resolved_at",
    "response_due_at",
    "resolution_due_at",
    "response_warn_at",
    "resolution_warn_at",
    "paused_since",
    "paused_seconds",
    "response_breached",
    "resolution_breached",
    "escalation_level",
    "sla_policy_id",
    "sla_check_at",
    "sla_basis",
    "deleted_at",
)


class Complaint(SyncedMixin, Base):
    """A customer complaint; its state is the fold of its events."""

    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_open_due", "status", "resolution_due_at"),
        Index("ix_complaint_received_at", "received_at"),
        Index("ix_complaint_sla_check_at", "sla_check_at"),
        # "the last digits" of a number or waybill (services.search_terms.code_match)
        Index("ix_complaint_number_tail", text("substr(number, -4)")),
        Index("ix_complaint_waybill_tail", text("substr(waybill_no, -4)")),
        # Covering index of the open complaints only: the queue, its counts and the SLA sweep
        # read these columns of the (few) open rows without touching the table.
        Index(
            "ix_complaint_open_queue",
            *OPEN_QUEUE_COLUMNS,
            sqlite_where=text("status != 'closed' AND deleted_at IS NULL"),
            postgresql_where=text("status != 'closed' AND deleted_at IS NULL"),
        ),
    )

    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), index=True)
    waybill_no: Mapped[str | None] = mapped_column(String(30), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    description_message: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """A description the program wrote (a complaint raised from a survey), as a message id
    and values shown in the reader's language; ``description`` keeps it in English words."""
    compensation_requested_cents: Mapped[int] = mapped_column(Integer, default=0)
    compensation_granted_cents: Mapped[int] = mapped_column(Integer, default=0)
    grade: Mapped[int] = mapped_column(Integer)
    suggested_grade: Mapped[int] = mapped_column(Integer)
    grade_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ComplaintStatus.RECEIVED)
    assignee_id: Mapped[str | None] = mapped_column(String(36))
    root_cause: Mapped[str | None] = mapped_column(String(40))
    corrective_action: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_due_at: Mapped[datetime | None] = mapped_column(default=None)
    paused_since: Mapped[datetime | None] = mapped_column(default=None)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    """0 assignee, 1 supervisor, 2 head office."""
    sla_policy_id: Mapped[str | None] = mapped_column(String(36))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    delete_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    """Why a supervisor deleted the complaint (required: entered by mistake, a duplicate...)."""
    restored_at: Mapped[datetime | None] = mapped_column(default=None)
    """When a deleted complaint was last restored (see sync.merge)."""
    # Derived SLA instants kept on this PC only (recomputed from the synced facts above by
    # services.complaints.sla; ``sla_basis`` fingerprints the facts they were computed from).
    response_warn_at: Mapped[datetime | None] = mapped_column(default=None, **local_only())
    resolution_warn_at: Mapped[datetime | None] = mapped_column(default=None, **local_only())
    sla_check_at: Mapped[datetime | None] = mapped_column(default=None, **local_only())
    """Next instant at which the sweep has something to record (breach, escalation)."""
    sla_basis: Mapped[str | None] = mapped_column(String(300), default=None, **local_only())

    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.at"
    )


class ComplaintEvent(SyncedMixin, Base):
    """One step of a complaint: who, when, what, a note. Never updated or deleted."""

    __tablename__ = "complaint_event"
    __sync_kind__: ClassVar[SyncKind] = "insert_only"

    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column()

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class SlaPolicy(SyncedMixin, Base):
    """Response and resolution targets per grade (and optionally per category)."""

    __tablename__ = "sla_policy"
    __sync_kind__: ClassVar[SyncKind] = "reference"

    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    calendar: Mapped[str] = mapped_column(String(20), default="24x7")
    """'24x7' or 'working_hours'."""
    working_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """{"mon": [["08:30", "17:30"]], ...} used when calendar == 'working_hours'."""
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    warn_ratio: Mapped[float] = mapped_column(default=0.75)
    targets: Mapped[list[Any]] = mapped_column(default=list)
    """[{"grade": 1, "category": null, "response_minutes": 60, "resolution_minutes": 1440}]"""
    escalation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """When to escalate, e.g. {"supervisor_ratio": 1.0, "head_office_ratio": 1.5}."""
