"""Staff accounts and roles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base, SyncedMixin, local_only


class Role(enum.StrEnum):
    """What a staff member does; services decide what each role may do."""

    COUNTER = "counter"
    COURIER = "courier"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Staff(SyncedMixin, Base):
    """A person who signs in at a branch."""

    __tablename__ = "staff"
    __table_args__ = (
        Index(
            "uq_staff_username_live",
            "username",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    username: Mapped[str] = mapped_column(String(40))
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200), info={"secret": True})
    """argon2 hash; ``secret``: the audit log records that it changed, never the value."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, **local_only())
    locked_until: Mapped[datetime | None] = mapped_column(default=None, **local_only())
    last_login_at: Mapped[datetime | None] = mapped_column(default=None, **local_only())
