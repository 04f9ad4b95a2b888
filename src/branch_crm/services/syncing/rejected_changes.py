"""Changes head office did not apply, for supervisors (the Sync page and ``branch-crm sync
rejected``).

Head office records each one as a ``sync_rejected_change`` row of this branch, pulled by
every PC of the branch: an edit that lost to a delete or to a newer value, an update of a row
head office does not hold, or a change head office quarantined -- a value it cannot store
(``invalid``) or a row this branch may not write (``forbidden``). ``detail`` says what was
wrong in words, written by head office in the language of the PC that sent the change.

*Unseen* ones (the status bar and the home card count them): those newer than the newest one
the "Changes not applied" page listed when it was last opened on this PC. The mark is a
setting of this PC (``local_setting``, never synced): each PC counts what was not looked at
on it. Stamps of head office's rows are compared with each other, never with this PC's
clock, so a PC clock that is off does not hide or repeat any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.models import LocalSetting, SyncRejectedChange
from branch_crm.models.stored_text import render

REASONS = {
    "deleted": N_("deleted meanwhile"),
    "older": N_("a newer change won"),
    "unknown_row": N_("head office does not have the record"),
    "insert_only": N_("records of this kind cannot be changed"),
    "invalid": N_("head office cannot store it"),
    "forbidden": N_("this branch may not change it"),
}
"""Each reason head office gives, in words (translated when shown)."""
QUARANTINED = frozenset({"invalid", "forbidden"})
SEEN_KEY = "sync.rejected_seen_up_to"
"""Local setting: ``created_at`` of the newest change listed when the page was last opened."""


@dataclass(frozen=True)
class RejectedView:
    """One change head office did not apply, as a supervisor reads it."""

    id: str
    at: datetime
    table: str
    row_id: str
    reason: str
    reason_text: str
    stored_detail: str | None
    """Head office's words (in the language of the PC that pushed the change)."""
    columns: tuple[str, ...]
    node_id: str | None
    detail_message: dict[str, Any] | None = None
    """The same as head office's message id and values (rows since schema 0014)."""

    @property
    def detail(self) -> str | None:
        """Why, in the reader's language (an older row: head office's words as stored)."""
        if self.detail_message is None:
            return self.stored_detail
        return render(self.detail_message, self.stored_detail)

    @property
    def quarantined(self) -> bool:
        """Nothing of the change was applied (head office keeps it aside)."""
        return self.reason in QUARANTINED


def reason_text(reason: str) -> str:
    """A reason in words, in the current language (the code itself if unknown)."""
    words = REASONS.get(reason)
    return _(words) if words else reason


def _view(row: SyncRejectedChange) -> RejectedView:
    return RejectedView(
        id=row.id,
        at=row.created_at,
        table=row.table_name,
        row_id=row.row_id,
        reason=row.reason,
        reason_text=reason_text(row.reason),
        stored_detail=row.detail,
        columns=tuple(sorted(row.data or {})),
        node_id=row.node_id,
        detail_message=row.detail_message,
    )


def list_rejected(*, session: Session, limit: int = 500) -> list[RejectedView]:
    """The newest ``limit`` changes head office did not apply, newest first."""
    query = (
        select(SyncRejectedChange)
        .where(SyncRejectedChange.deleted_at.is_(None))
        .order_by(SyncRejectedChange.created_at.desc(), SyncRejectedChange.id)
        .limit(limit)
    )
    return [_view(row) for row in session.scalars(query)]


def count_rejected(*, session: Session, quarantined_only: bool = False) -> int:
    """How many changes head office did not apply (only the quarantined ones if asked)."""
    query = select(func.count()).select_from(SyncRejectedChange)
    query = query.where(SyncRejectedChange.deleted_at.is_(None))
    if quarantined_only:
        query = query.where(SyncRejectedChange.reason.in_(sorted(QUARANTINED)))
    return int(session.scalar(query) or 0)


def _live() -> Any:
    return (
        select(func.count())
        .select_from(SyncRejectedChange)
        .where(SyncRejectedChange.deleted_at.is_(None))
    )


def _seen_up_to(session: Session) -> datetime | None:
    row = session.get(LocalSetting, SEEN_KEY)
    value = row.value.get("value") if row is not None else None
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def count_unseen(*, session: Session) -> int:
    """How many changes head office did not apply arrived since the page last listed them
    on this PC (all of them if it never did)."""
    query = _live()
    seen = _seen_up_to(session)
    if seen is not None:
        query = query.where(SyncRejectedChange.created_at > seen)
    return int(session.scalar(query) or 0)


def mark_rejected_seen(*, session: Session) -> None:
    """Count every change listed now as seen on this PC (the page was opened)."""
    newest = session.scalar(
        select(func.max(SyncRejectedChange.created_at)).where(
            SyncRejectedChange.deleted_at.is_(None)
        )
    )
    if newest is None:
        return
    seen = _seen_up_to(session)
    if seen is not None and seen >= newest:
        return
    row = session.get(LocalSetting, SEEN_KEY)
    if row is None:
        session.add(LocalSetting(key=SEEN_KEY, value={"value": newest.isoformat()}))
    else:
        row.value = {"value": newest.isoformat()}
