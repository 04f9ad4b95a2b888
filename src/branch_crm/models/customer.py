"""Customers, their phone numbers and monthly shipping volumes."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from branch_crm.models.base import Base, SyncedMixin, local_only


class CustomerType(enum.StrEnum):
    """Individual sender or a company account."""

    INDIVIDUAL = "individual"
    COMPANY = "company"


class NeedTag(enum.StrEnum):
    """Service needs (DOMAIN.md, customer classification by needs)."""

    ORDINARY = "ordinary"
    COLD_CHAIN = "cold_chain"
    VALUABLES = "valuables"
    FRAGILE = "fragile"
    TIME_SENSITIVE = "time_sensitive"
    ECOMMERCE_PEAK = "ecommerce_peak"


class VisitClass(enum.StrEnum):
    """Visit classes A/B/C of the customer management rules (seed 002)."""

    A = "A"
    B = "B"
    C = "C"


class PhoneKind(enum.StrEnum):
    """Mainland mobile or landline with area code."""

    MOBILE = "mobile"
    LANDLINE = "landline"


class Customer(SyncedMixin, Base):
    """A sender served by the branch."""

    __tablename__ = "customer"

    name: Mapped[str] = mapped_column(String(50))
    name_pinyin: Mapped[str] = mapped_column(String(200), default="")
    name_initials: Mapped[str] = mapped_column(String(50), default="")
    customer_type: Mapped[str] = mapped_column(String(16), default=CustomerType.INDIVIDUAL)
    company: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    birthday: Mapped[date | None] = mapped_column(Date)
    first_shipment_date: Mapped[date | None] = mapped_column(Date)
    account_manager_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    need_tags: Mapped[str] = mapped_column(String(200), default="")
    """Comma-separated :class:`NeedTag` values."""
    visit_class: Mapped[str | None] = mapped_column(String(1))
    notes: Mapped[str | None] = mapped_column(Text)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    local_no: Mapped[int | None] = mapped_column(Integer, unique=True, **local_only())
    """Compact local number used by the search index; never synced."""
    merged_into: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    """Set on a customer folded into another by a merge (then also a tombstone): the survivor,
    where later changes naming this record land (services.customers.merging)."""
    delete_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    """Why a supervisor deleted the record (shown in "Deleted items")."""
    restored_at: Mapped[datetime | None] = mapped_column(default=None)
    """When a deleted record was last restored (a restore beats an older tombstone, see
    sync.merge)."""

    phones: Mapped[list[CustomerPhone]] = relationship(
        back_populates="customer", order_by="CustomerPhone.position"
    )


class CustomerPhone(SyncedMixin, Base):
    """A normalised phone number; unique among live customers."""

    __tablename__ = "customer_phone"
    __table_args__ = (
        Index(
            "uq_customer_phone_live",
            "phone",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_customer_phone_last4", text("substr(phone, -4)")),
        # covering, live phones only: the lookup's last-4 query reads no table rows
        # (text() expressions, so head office, which skips expression indexes, ignores it)
        Index(
            "ix_customer_phone_last4_live",
            text("substr(phone, -4)"),
            text("customer_id"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    """Digits only: 11-digit mobile, or area code + number for landlines (e.g. 02155551234)."""
    kind: Mapped[str] = mapped_column(String(10), default=PhoneKind.MOBILE)
    position: Mapped[int] = mapped_column(Integer, default=0)
    """0 for the primary number."""

    customer: Mapped[Customer] = relationship(back_populates="phones")


class MonthlyVolume(SyncedMixin, Base):
    """Parcels and revenue of one customer in one calendar month."""

    __tablename__ = "monthly_volume"
    __table_args__ = (
        Index(
            "uq_monthly_volume_customer_month",
            "customer_id",
            "month",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"))
    month: Mapped[str] = mapped_column(String(7))
    """'YYYY-MM'."""
    parcels: Mapped[int] = mapped_column(Integer, default=0)
    revenue_cents: Mapped[int] = mapped_column(Integer, default=0)


class CustomerStats(Base):
    """Derived classification per customer, recomputed by services; local, never synced.

    Kept as a table so the million-row list can filter and sort on tier, lifecycle and churn
    risk with an index instead of recomputing per row.
    """

    __tablename__ = "customer_stats"
    __table_args__ = (
        Index("ix_customer_stats_tier", "tier"),
        Index("ix_customer_stats_lifecycle", "lifecycle"),
        Index("ix_customer_stats_churn", "churn_risk"),
    )

    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    lifecycle: Mapped[str] = mapped_column(String(16))
    churn_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    recency_score: Mapped[int] = mapped_column(Integer, default=1)
    frequency_score: Mapped[int] = mapped_column(Integer, default=1)
    monetary_score: Mapped[int] = mapped_column(Integer, default=1)
    last_month_parcels: Mapped[int] = mapped_column(Integer, default=0)
    avg_month_parcels: Mapped[int] = mapped_column(Integer, default=0)
    last_shipment_month: Mapped[str | None] = mapped_column(String(7))
    search_rank: Mapped[int] = mapped_column(Integer, default=0)
    computed_for: Mapped[str] = mapped_column(String(7), default="")
    """The month ('YYYY-MM') the figures were computed for."""
