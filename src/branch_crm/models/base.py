"""Declarative base, column types and the sync-ready mixin shared by every synced table.

Every synced row has a client-generated UUIDv7 key, the owning branch, created/updated
metadata and a tombstone (``deleted_at``) instead of a hard delete (DESIGN.md section 3).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from sqlalchemy import JSON, DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from branch_crm.ids import new_id

SyncKind = Literal["lww", "insert_only", "reference"]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

HQ_BRANCH = "HQ"
"""Owner code of head-office reference data (categories, SLA policy, survey templates)."""


class UtcDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; refuses naive datetimes so no zone is guessed."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Base of every branch-side table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _now() -> datetime:
    from branch_crm.timeutil import utcnow

    return utcnow()


class SyncedMixin:
    """Columns every synced table carries. ``__sync_kind__`` picks the merge rule."""

    __sync_kind__: ClassVar[SyncKind] = "lww"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    branch_id: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)
    created_by: Mapped[str | None] = mapped_column(String(36))
    updated_by: Mapped[str | None] = mapped_column(String(36))
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_deleted(self) -> bool:
        """True for a tombstone."""
        return self.deleted_at is not None


BRANCH_ONLY_INDEX: dict[str, Any] = {"branch_only": True}
"""``info`` of an index only the branch PC needs (its searches); head office leaves it out
(hq/tables.py)."""


def local_only(**kwargs: Any) -> dict[str, Any]:
    """``info`` for a column that stays on this PC and is never synced."""
    return {"info": {"sync": False}, **kwargs}
