"""Attach a file to a complaint or a customer, list a record's attachments, remove one.

The ``attachment`` row syncs like any other change; its file goes to head office on its own
(sync.files), so a PC may hold a row whose file has not arrived yet: :class:`AttachmentView`
says so (``available`` False: "photo pending"). The same file on the same record is one row
everywhere: its id is derived from the record and the hash, so two PCs attaching the same
photo offline make the same row, and attaching it again here is refused with a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from branch_crm.db import file_store
from branch_crm.errors import NotFound
from branch_crm.i18n import N_, _
from branch_crm.models import Attachment, AttachmentFile, Complaint, Customer
from branch_crm.models.attachment import OWNER_KINDS
from branch_crm.reference.roles import Permission
from branch_crm.services.attachments import store
from branch_crm.services.attachments.store import AttachmentRefused
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.settings import values as settings
from branch_crm.sync.customer_merge import attachment_id
from branch_crm.timeutil import utcnow

MAX_NAME = 255
MAX_CAPTION = 500
EVENT_KIND = "attachment"
EVENT_TITLE = N_("Attachment added: {name}")
_WITH_DELETED: dict[str, Any] = {"execution_options": {"include_deleted": True}}
"""Tombstones are hidden from ORM reads unless asked for (db.session_hooks)."""


@dataclass(frozen=True)
class AttachmentView:
    """An attachment for display; ``path`` is the file on this PC (None: not here yet)."""

    id: str
    owner_kind: str
    owner_id: str
    sha256: str
    mime: str
    size: int
    original_name: str
    caption: str | None
    width: int | None
    height: int | None
    created_at: datetime
    created_by: str | None
    path: Path | None

    @property
    def available(self) -> bool:
        """False while the file is still on its way from head office ("photo pending")."""
        return self.path is not None

    @property
    def is_image(self) -> bool:
        """A photo (shown as a thumbnail), not a PDF."""
        return self.mime.startswith("image/")


def store_root(session: Session) -> Path:
    """The file store of the database this session works on."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    database = engine.url.database
    if not database:
        raise RuntimeError("attachments need a database file")
    return file_store.store_root(database)


def max_file_bytes(session: Session) -> int:
    """The largest file accepted, from the setting (megabytes)."""
    return int(settings.get(session, "attachments.max_file_mb")) * 1024 * 1024


def attach_file(
    *,
    session: Session,
    actor: Actor,
    owner_kind: str,
    owner_id: str,
    data: bytes,
    name: str,
    caption: str | None = None,
) -> AttachmentView:
    """Check ``data`` (a file's bytes as read), keep it in the store and show it on the
    record. AttachmentRefused for a file that cannot be attached or is attached already."""
    owner_label = _owner(session, actor, owner_kind, owner_id)
    name = Path(name).name[:MAX_NAME] or _("pasted picture")
    prepared = store.prepare(data, name=name, max_bytes=max_file_bytes(session))
    sha = prepared.sha256
    row = session.get(Attachment, attachment_id(owner_kind, owner_id, sha), **_WITH_DELETED)
    if row is not None and row.deleted_at is None:
        raise AttachmentRefused(
            _("{name} is already attached to this {record}.").format(name=name, record=owner_label)
        )
    root = store_root(session)
    file_store.put(root, prepared.data)  # before the row: a row never names a missing local file
    if session.get(AttachmentFile, sha) is None:
        session.add(AttachmentFile(sha256=sha, size=len(prepared.data), stored_at=utcnow()))
    if row is None:
        row = Attachment(id=attachment_id(owner_kind, owner_id, sha), owner_kind=owner_kind,
                         owner_id=owner_id, sha256=sha)  # fmt: skip
        session.add(row)
    row.mime, row.size, row.original_name = prepared.mime, len(prepared.data), name
    row.width, row.height, row.deleted_at = prepared.width, prepared.height, None
    row.caption = (caption or "").strip()[:MAX_CAPTION] or None
    session.flush()
    if owner_kind == "complaint":
        _timeline_event(session, actor, owner_id, row)
    return _view(row, root)


def _owner(session: Session, actor: Actor, owner_kind: str, owner_id: str) -> str:
    """Check the record exists and the actor may attach to it; its kind in words."""
    if owner_kind not in OWNER_KINDS:
        raise ValueError(f"unknown owner kind {owner_kind!r}")
    if owner_kind == "complaint":
        require(actor, Permission.COMPLAINT_CREATE)
        complaint = session.get(Complaint, owner_id)
        if complaint is None or complaint.deleted_at is not None:
            raise NotFound(_("The complaint no longer exists."))
        return _("complaint")
    require(actor, Permission.PREFERENCE_EDIT)
    customer = session.get(Customer, owner_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound(_("The customer no longer exists."))
    return _("customer")


def _timeline_event(session: Session, actor: Actor, complaint_id: str, row: Attachment) -> None:
    from branch_crm.services.complaints.sla import make_event

    complaint = session.get(Complaint, complaint_id)
    assert complaint is not None
    data = {"attachment_id": row.id, "name": row.original_name, "sha256": row.sha256,
            "mime": row.mime}  # fmt: skip
    session.add(make_event(complaint, EVENT_KIND, actor=actor, at=utcnow(), data=data))


def attach_path(
    *,
    session: Session,
    actor: Actor,
    owner_kind: str,
    owner_id: str,
    path: str | Path,
    caption: str | None = None,
) -> AttachmentView:
    """:func:`attach_file` with a file on disk (the size is checked before it is read)."""
    source = Path(path)
    try:
        size = source.stat().st_size
        limit = max_file_bytes(session)
        if size > limit:
            raise AttachmentRefused(
                _("{name} is {size}; a file may be at most {limit}.").format(
                    name=source.name, size=store.human_size(size), limit=store.human_size(limit)
                )
            )
        data = source.read_bytes()
    except OSError as exc:
        raise AttachmentRefused(
            _("{name} cannot be read ({reason}).").format(name=source.name, reason=exc.strerror)
        ) from exc
    return attach_file(session=session, actor=actor, owner_kind=owner_kind, owner_id=owner_id,
                       data=data, name=source.name, caption=caption)  # fmt: skip


def list_attachments(*, session: Session, owner_kind: str, owner_id: str) -> list[AttachmentView]:
    """The live attachments of one record, oldest first."""
    rows = session.scalars(
        select(Attachment)
        .where(
            Attachment.owner_kind == owner_kind,
            Attachment.owner_id == owner_id,
            Attachment.deleted_at.is_(None),
        )
        .order_by(Attachment.created_at, Attachment.id)
    )
    root = store_root(session)
    return [_view(row, root) for row in rows]


def get_attachment(*, session: Session, attachment_id: str) -> AttachmentView:
    """One live attachment."""
    row = session.get(Attachment, attachment_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(_("The attachment no longer exists."))
    return _view(row, store_root(session))


def remove_attachment(*, session: Session, actor: Actor, attachment_id: str) -> None:
    """Take an attachment off its record (a tombstone that syncs; the file stays in the
    store: another record may show the same file)."""
    row = session.get(Attachment, attachment_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(_("The attachment no longer exists."))
    _owner(session, actor, row.owner_kind, row.owner_id)
    row.deleted_at = utcnow()


def pending_count(*, session: Session) -> int:
    """Attachments of live rows whose file has not arrived on this PC."""
    root = store_root(session)
    shas = session.scalars(select(Attachment.sha256).where(Attachment.deleted_at.is_(None)))
    return sum(1 for sha in set(shas) if not file_store.has(root, sha))


def _view(row: Attachment, root: Path) -> AttachmentView:
    path = file_store.path_of(root, row.sha256)
    return AttachmentView(
        id=row.id,
        owner_kind=row.owner_kind,
        owner_id=row.owner_id,
        sha256=row.sha256,
        mime=row.mime,
        size=row.size,
        original_name=row.original_name,
        caption=row.caption,
        width=row.width,
        height=row.height,
        created_at=row.created_at,
        created_by=row.created_by,
        path=path if path.is_file() else None,
    )
