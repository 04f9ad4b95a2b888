"""Local, derived copy of what the million-row customer list filters and sorts on."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base

FILTER_COLUMNS = ("tier", "lifecycle", "churn", "visit", "tags")
LIST_SORT_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_customer_list_name": ("sort_name",),
    "ix_customer_list_tier": ("tier",),
    "ix_customer_list_parcels": ("parcels",),
    "ix_customer_list_lifecycle": ("lifecycle",),
    "ix_customer_list_visit": ("visit",),
    "ix_customer_list_created": ("created",),
}
"""Index name -> sort column(s); every index continues with local_no and the filter columns,
so any filter + sort is one covering-index scan (no table lookups, no sorting)."""


def index_columns(sort: tuple[str, ...]) -> list[str]:
    """Columns of the covering index of one sort."""
    return [*sort, "local_no", *(c for c in FILTER_COLUMNS if c not in sort)]


class CustomerListEntry(Base):
    """One live customer as the list sees it, kept by triggers (services.customers.listing).

    Small integer codes keep the six covering indexes compact: tier 0 strategic .. 3 walk-in,
    lifecycle 0 new, 1 active, 2 dormant; visit 1 A, 2 B, 3 C, 9 none; tags a bit mask of
    NeedTag values in declaration order. Local, derived, never synced.
    """

    __tablename__ = "customer_list"
    __table_args__ = tuple(
        Index(name, *index_columns(sort)) for name, sort in LIST_SORT_INDEXES.items()
    )

    local_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sort_name: Mapped[str] = mapped_column(String(260))
    tier: Mapped[int] = mapped_column(Integer, default=3)
    lifecycle: Mapped[int] = mapped_column(Integer, default=0)
    churn: Mapped[int] = mapped_column(Integer, default=0)
    visit: Mapped[int] = mapped_column(Integer, default=9)
    tags: Mapped[int] = mapped_column(Integer, default=0)
    parcels: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[str] = mapped_column(String(32))
