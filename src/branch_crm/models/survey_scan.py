"""Scanned survey pages waiting for a person: local work of this PC, never synced.

A page the reader could not settle (a box it is unsure of, an unreadable QR code, a serial no
printed form has, a page it could not find) is kept here with its picture until a clerk
decides; only then does an answer reach ``survey_response`` (which syncs). Review items stay
on the PC that scanned the paper, like the paper itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.ids import new_id
from branch_crm.models.base import Base


class SurveyScanPage(Base):
    """One scanned page sent to review, with what was read on it."""

    __tablename__ = "survey_scan_page"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    scanned_at: Mapped[datetime] = mapped_column(index=True)
    scanned_by: Mapped[str | None] = mapped_column(String(36))
    source: Mapped[str] = mapped_column(String(400))
    """File name and page number."""
    serial: Mapped[str | None] = mapped_column(String(40), index=True)
    """The serial read from the QR code (None: unreadable)."""
    form_id: Mapped[str | None] = mapped_column(ForeignKey("survey_form.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    """unsure, no_page, no_serial, unknown, mismatch, blank, refused."""
    detail: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    """open, done (answers stored), dismissed."""
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Item code -> the answer read with confidence (None: left blank)."""
    suggestion_clip: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    page_clip: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    response_id: Mapped[str | None] = mapped_column(String(36))
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(36))


class SurveyScanItem(Base):
    """One question of a review page the reader was unsure of."""

    __tablename__ = "survey_scan_item"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    page_id: Mapped[str] = mapped_column(
        ForeignKey("survey_scan_page.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(40))
    suggested: Mapped[int | None] = mapped_column(Integer)
    """The reader's best guess (None: no mark it trusts)."""
    confidence: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(16))
    """two_marks, faint, unclear."""
    boxes: Mapped[list[Any]] = mapped_column(default=list)
    """[[value, ink share, style], ...] as read."""
    clip: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
