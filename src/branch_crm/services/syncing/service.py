"""Sync use cases for the UI and the CLI: register with head office, status, one round.

Services never open dialogs: failures raise :class:`SyncError` (a CrmError) with a
translated message, or come back in :class:`~branch_crm.sync.client.SyncResult`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.db import Database
from branch_crm.errors import CrmError
from branch_crm.i18n import _, http_language, ngettext
from branch_crm.models import AttachmentFile, SyncConflict, SyncOutbox, SyncState
from branch_crm.models.stored_text import render
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.services.settings import values as app_settings
from branch_crm.services.syncing.rejected_changes import count_unseen
from branch_crm.sync import tokens
from branch_crm.sync.client import (
    UNTRUSTED_CERTIFICATE,
    SyncClient,
    SyncResult,
    Writer,
    write_here,
)
from branch_crm.sync.clock import CLOCK_WARNING_MS
from branch_crm.sync.pc_codes import code_index
from branch_crm.sync.protocol import RegisterRequest, RegisterResponse
from branch_crm.sync.tls import CaFileError, certificate_problem, ssl_context
from branch_crm.timeutil import utcnow

T = TypeVar("T")

__all__ = [
    "Registration",
    "SyncError",
    "SyncStatus",
    "clock_warning",
    "fetch_error_text",
    "file_error_text",
    "files_fetched_text",
    "files_sent_text",
    "files_to_fetch_text",
    "files_waiting_text",
    "register_branch",
    "register_with_writer",
    "run_sync",
    "stored_token",
    "sync_status",
]


class SyncError(CrmError):
    """Registration or sync set-up failed; the message says why in words."""


@dataclass(frozen=True)
class Registration:
    """The outcome of a registration (the token itself stays in the credential store)."""

    branch: str
    branch_name: str
    hq_url: str
    token_stored_in: str


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar and ``branch-crm sync status`` show."""

    registered: bool
    hq_url: str | None
    branch: str | None
    pending_changes: int
    last_success_at: datetime | None
    stored_error: str | None
    """``sync_state.last_error``: English words (or an older version's words)."""
    last_attempt_at: datetime | None
    open_conflicts: int = 0
    clock_offset_ms: int = 0
    """How far this PC's clock was behind head office's when last measured (negative: ahead);
    sync makes up for it, but the PC's own clock stays wrong."""
    unseen_rejected: int = 0
    """Changes head office did not apply that arrived since the "Changes not applied" page
    last listed them on this PC (services.syncing.rejected_changes.count_unseen)."""
    error_message: dict[str, Any] | None = None
    """What stopped the last round as a stored message (None before messages were kept)."""
    files_waiting: int = 0
    """Attachment files head office has not confirmed yet (sync.files sends them)."""
    file_error: str | None = None
    """Why the file that failed most often did not go (English, from sync.files)."""
    files_to_fetch: int = 0
    """Files of this PC's attachments not on this PC yet (the prefetch or opening brings them)."""
    fetch_error: str | None = None
    """Why the last prefetch stopped (English, from sync.files), None when it went well."""

    @property
    def last_error(self) -> str | None:
        """What stopped the last round, in the reader's language (None: it succeeded)."""
        if self.stored_error is None and self.error_message is None:
            return None
        return render(self.error_message, self.stored_error)

    @property
    def clock_warning(self) -> str | None:
        """The warning to show while this PC's clock is far off, in words."""
        return clock_warning(self.clock_offset_ms)


def clock_warning(offset_ms: int) -> str | None:
    """ "This PC's clock is N minutes off; ..." when ``offset_ms`` exceeds a few minutes."""
    if abs(offset_ms) <= CLOCK_WARNING_MS:
        return None
    minutes = round(abs(offset_ms) / 60_000)
    if minutes < 120:
        off = ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    elif minutes < 48 * 60:
        off = ngettext("{n} hour", "{n} hours", minutes // 60).format(n=minutes // 60)
    else:
        days = minutes // (24 * 60)
        off = ngettext("{n} day", "{n} days", days).format(n=days)
    return _("This PC's clock is {off} off; fix the Windows time.").format(off=off)


def files_waiting_text(count: int) -> str:
    """'3 files waiting' / 'no file waiting' (attachment files head office lacks)."""
    if count == 0:
        return _("no file waiting")
    return ngettext("{n} file waiting", "{n} files waiting", count).format(n=count)


def files_to_fetch_text(count: int) -> str:
    """'3 files to fetch' / 'no file to fetch' (attachment files this PC lacks)."""
    if count == 0:
        return _("no file to fetch")
    return ngettext("{n} file to fetch", "{n} files to fetch", count).format(n=count)


def files_fetched_text(count: int) -> str:
    """'2 files fetched' (a round's prefetch)."""
    return ngettext("{n} file fetched", "{n} files fetched", count).format(n=count)


def fetch_error_text(error: str) -> str:
    """Why fetching files stopped (its reason is English, from sync.files), in a sentence."""
    return _("Files could not be fetched ({error}); it goes on at the next sync.").format(
        error=error
    )


def files_sent_text(count: int) -> str:
    """'2 files sent' (a round's attachment uploads)."""
    return ngettext("{n} file sent", "{n} files sent", count).format(n=count)


def file_error_text(error: str) -> str:
    """Why a file did not go (its reason is English, from sync.files), in a sentence."""
    return _("A file could not be sent ({error}); it is tried again at the next sync.").format(
        error=error
    )


def _state(session: Session) -> SyncState:
    state = session.get(SyncState, 1)
    if state is None:
        raise SyncError(_("This database has no sync tables; open it with Branch CRM first."))
    return state


def register_branch(
    *, session: Session, url: str, code: str, transport: httpx.BaseTransport | None = None
) -> Registration:
    """Exchange a one-time code for this PC's token; store the token, the URL and the PC code.

    The request carries a secret key saved (committed) before it is sent: if the answer is
    lost, trying again with the same code gets the same token (head office derives it from
    the key); the key is forgotten once the token is stored."""
    url = _checked_url(url)
    body = registration_request(session=session, code=code)
    ca_file = str(app_settings.get(session, "hq.ca_file") or "")
    answer = _send_registration(url, body, transport, ca_file)
    return store_registration(session=session, url=url, answer=answer)


def register_with_writer(
    *,
    db: Database,
    actor: Actor,
    url: str,
    code: str,
    writer: Writer = write_here,
    transport: httpx.BaseTransport | None = None,
) -> Registration:
    """:func:`register_branch` for a network job of the app: the key and the answer are each
    written in a unit of work handed to ``writer`` (the app's database thread); head office
    is asked in between, with no transaction open."""
    url = _checked_url(url)

    def written(step: Callable[[Session], T]) -> T:
        def run() -> T:
            with unit_of_work(db, actor) as session:
                return step(session)

        return writer(run)

    body = written(lambda session: registration_request(session=session, code=code))
    with db.session() as session:
        ca_file = str(app_settings.get(session, "hq.ca_file") or "")
    answer = _send_registration(url, body, transport, ca_file)
    return written(lambda session: store_registration(session=session, url=url, answer=answer))


def _checked_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise SyncError(_("The head-office URL must start with http:// or https://."))
    return url


def registration_request(*, session: Session, code: str) -> RegisterRequest:
    """The registration request, with this PC's secret key saved (committed) first."""
    branch = str(app_settings.get(session, "branch.code"))
    state = _state(session)
    if not state.registration_key:
        state.registration_key = secrets.token_urlsafe(32)
    session.commit()  # the key is on disk before head office can use it
    return RegisterRequest(
        code=code.strip(), branch=branch, node=state.node_id, key=state.registration_key
    )


def store_registration(*, session: Session, url: str, answer: RegisterResponse) -> Registration:
    """Keep what head office answered: the token (credential store), URL, branch, PC code."""
    branch = str(app_settings.get(session, "branch.code"))
    state = _state(session)
    where = tokens.save_token(state.node_id, answer.token)
    state.hq_url, state.branch_code, state.registered_at = url, branch, utcnow()
    state.pc_code = (
        answer.pc_code if answer.pc_code and code_index(answer.pc_code) is not None else None
    )
    state.registration_key = None
    state.last_error = None
    state.last_error_message = None
    app_settings.put(session, None, "hq.url", url)
    return Registration(answer.branch, answer.branch_name, url, where)


def _send_registration(
    url: str, body: RegisterRequest, transport: httpx.BaseTransport | None, ca_file: str = ""
) -> RegisterResponse:
    """Post the registration; head office's answer, or SyncError saying why not."""
    try:
        verify = ssl_context(ca_file or None) if transport is None else True
    except CaFileError as exc:
        raise SyncError(
            _("The CA certificate file {path} in the settings cannot be used ({reason}).").format(
                path=exc.path, reason=exc.reason[:200]
            )
        ) from exc
    try:
        with httpx.Client(transport=transport, timeout=30, verify=verify) as http:
            response = http.post(
                f"{url}/api/v1/register",
                content=body.model_dump_json(exclude_none=True),
                headers={"Content-Type": "application/json", "Accept-Language": http_language()},
            )
    except httpx.HTTPError as exc:
        untrusted = certificate_problem(exc)
        if untrusted is not None:
            raise SyncError(_(UNTRUSTED_CERTIFICATE).format(url=url, reason=untrusted)) from exc
        raise SyncError(
            _("Cannot reach head office at {url} ({reason}).").format(
                url=url, reason=type(exc).__name__
            )
        ) from exc
    if response.status_code != 200:
        try:
            detail = str(response.json().get("detail", ""))
        except ValueError:
            detail = response.text[:200]
        raise SyncError(_("Head office refused the registration: {detail}").format(detail=detail))
    return RegisterResponse.model_validate(response.json())


def stored_token(db: Database) -> str | None:
    """This PC's head-office token, if registered."""
    with db.session() as session:
        state = session.get(SyncState, 1)
        return tokens.load_token(state.node_id) if state is not None else None


def sync_status(*, session: Session) -> SyncStatus:
    """Pending changes, last success and last error in words."""
    state = _state(session)
    pending = session.scalar(select(SyncOutbox.seq).order_by(SyncOutbox.seq.desc()).limit(1))
    count = session.query(SyncOutbox).count() if pending is not None else 0
    conflicts = session.query(SyncConflict).filter(SyncConflict.status == "open").count()
    return SyncStatus(
        registered=state.registered_at is not None,
        hq_url=state.hq_url,
        branch=state.branch_code,
        pending_changes=count,
        last_success_at=state.last_success_at,
        stored_error=state.last_error,
        error_message=state.last_error_message,
        last_attempt_at=state.last_attempt_at,
        open_conflicts=conflicts,
        clock_offset_ms=state.clock_offset_ms or 0,
        unseen_rejected=count_unseen(session=session),
        **_file_status(session),
    )


def _file_status(session: Session) -> dict[str, Any]:
    """Attachment files still to send, and the last reason one did not go."""
    waiting = session.scalar(
        select(func.count()).select_from(AttachmentFile).where(AttachmentFile.uploaded_at.is_(None))
    )
    error = session.scalar(
        select(AttachmentFile.last_error)
        .where(AttachmentFile.uploaded_at.is_(None), AttachmentFile.last_error.is_not(None))
        .order_by(AttachmentFile.failures.desc(), AttachmentFile.stored_at.desc())
        .limit(1)
    )
    from branch_crm.services.attachments.service import pending_count
    from branch_crm.sync.files import fetch_error

    return {
        "files_waiting": int(waiting or 0),
        "file_error": error,
        "files_to_fetch": pending_count(session=session),
        "fetch_error": fetch_error(session),
    }


def run_sync(
    db: Database, *, transport: httpx.BaseTransport | None = None, writer: Writer = write_here
) -> SyncResult:
    """One round with the stored URL and token (an error result if not registered); its
    writes go through ``writer`` (the app: its database thread)."""
    with db.session() as session:
        state = _state(session)
        url, node_id = state.hq_url, state.node_id
    token = tokens.load_token(node_id) if url else None
    if not url or not token:
        message = _("This branch is not registered with head office yet.")
        return SyncResult(0, 0, 0, message)
    with db.session() as session:
        ca_file = str(app_settings.get(session, "hq.ca_file") or "")
        prefetch_mb = int(app_settings.get(session, "sync.prefetch_mb") or 0)
    client = SyncClient(db, base_url=url, token=token, transport=transport, writer=writer,
                        ca_file=ca_file, prefetch_bytes=prefetch_mb * 1024 * 1024)  # fmt: skip
    return client.run_once()


@dataclass(frozen=True)
class RoundOutcome:
    """A round's result and the status as it stands right after it."""

    result: SyncResult
    status: SyncStatus


def sync_round(
    db: Database, *, transport: httpx.BaseTransport | None = None, writer: Writer = write_here
) -> RoundOutcome:
    """One round, then the status read in the same job: whoever shows both never pairs a
    fresh result with a status from before the round."""
    result = run_sync(db, transport=transport, writer=writer)
    with db.session() as session:
        return RoundOutcome(result, sync_status(session=session))
