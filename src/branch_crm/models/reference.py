"""Head-office reference data: complaint categories, root causes, holidays, settings.

Rows are owned by head office (``branch_id == "HQ"``) and flow to branches on pull.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base, SyncedMixin, SyncKind


class ReferenceKind(enum.StrEnum):
    """Lists of codes head office maintains."""

    COMPLAINT_CATEGORY = "complaint_category"
    ROOT_CAUSE = "root_cause"


class ReferenceCode(SyncedMixin, Base):
    """One entry of a head-office code list, named in both languages."""

    __tablename__ = "reference_code"
    __sync_kind__: ClassVar[SyncKind] = "reference"

    list_kind: Mapped[str] = mapped_column(String(30), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Holiday(SyncedMixin, Base):
    """A public holiday (or a make-up working day, 调休) in the business calendar."""

    __tablename__ = "holiday"
    __sync_kind__: ClassVar[SyncKind] = "reference"

    day: Mapped[date] = mapped_column(Date, index=True)
    name: Mapped[str] = mapped_column(String(50))
    is_workday: Mapped[bool] = mapped_column(Boolean, default=False)
    """True for a weekend day that is worked to make up for a holiday."""


class PolicySetting(SyncedMixin, Base):
    """A head-office number that branches use as a default (tier thresholds, limits, ...)."""

    __tablename__ = "policy_setting"
    __sync_kind__: ClassVar[SyncKind] = "reference"

    key: Mapped[str] = mapped_column(String(80), index=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """{"value": ...} so any JSON value fits."""


class LocalSetting(Base):
    """A setting of this installation (language, branch, head-office URL); never synced."""

    __tablename__ = "local_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FestivalDate(SyncedMixin, Base):
    """The date of a festival greeting in one year (New Year, Spring Festival, ...), published
    by head office; a branch without rows for a year uses the built-in table
    (:mod:`branch_crm.reference.festivals`). Lunar festivals move every year."""

    __tablename__ = "festival_date"
    __sync_kind__: ClassVar[SyncKind] = "reference"

    festival: Mapped[str] = mapped_column(String(30), index=True)
    """A code of :data:`branch_crm.reference.festivals.FESTIVALS`."""
    day: Mapped[date] = mapped_column(Date, index=True)
