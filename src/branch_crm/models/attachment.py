"""Files attached to a complaint or a customer (photos of a damaged parcel, a scanned waybill).

The database never holds the bytes: an :class:`Attachment` row names its file by SHA-256 and
syncs like any other row; the file lives in a content-addressed store beside the database
(services.attachments.store) and travels to head office on its own, by hash
(sync.files). :class:`AttachmentFile` is this PC's index of that store: one row per file it
holds, and whether head office has it yet. Local to the PC, never synced.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base, SyncedMixin

OWNER_KINDS = ("complaint", "customer")


class Attachment(SyncedMixin, Base):
    """One file shown on one record. The id is derived from (owner, hash), so the same photo
    attached to the same record on two PCs is one row everywhere."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner_kind", "owner_id"),)

    owner_kind: Mapped[str] = mapped_column(String(16))
    """complaint or customer."""
    owner_id: Mapped[str] = mapped_column(String(36))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime: Mapped[str] = mapped_column(String(40))
    """image/jpeg, image/png or application/pdf (a HEIC photo is stored as JPEG)."""
    size: Mapped[int] = mapped_column(Integer)
    """Bytes of the stored file."""
    original_name: Mapped[str] = mapped_column(String(255))
    caption: Mapped[str | None] = mapped_column(Text, default=None)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)


class AttachmentFile(Base):
    """A file in this PC's store and its transfer to head office (never synced)."""

    __tablename__ = "attachment_file"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    stored_at: Mapped[datetime] = mapped_column()
    uploaded_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    """When head office confirmed it has the file (None: still to send)."""
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(400), default=None)
