"""Fetch an attachment's file from head office when it is opened on a PC that does not
have it yet (the row came with sync, the file follows on demand)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx

from branch_crm.db import Database
from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.services.syncing.service import stored_token
from branch_crm.sync.client import SyncClient, Writer, write_here

log = logging.getLogger(__name__)


class FileNotHereYet(CrmError):
    """The file cannot be fetched now; the message says why and what to do."""


def fetch_attachment(db: Database, *, sha256: str, writer: Writer = write_here) -> Path:
    """The file ``sha256`` on this PC, fetched from head office when missing."""
    from branch_crm.db.file_store import path_of, store_root
    from branch_crm.sync.files import FileTransferError

    local = path_of(store_root(db.path), sha256)
    if local.is_file():
        return local
    with db.session() as session:
        from branch_crm.models import SyncState

        state = session.get(SyncState, 1)
        url = state.hq_url if state is not None else None
    token = stored_token(db)
    if not url or not token:
        raise FileNotHereYet(
            _("This photo is on another PC; register this PC with head office to see it.")
        )
    client = SyncClient(db, base_url=url, token=token, writer=writer)
    try:
        return client.fetch_file(sha256)
    except FileTransferError as exc:
        log.info("attachment file %s not fetched: %s", sha256[:12], exc)
        raise FileNotHereYet(
            _(
                "Photo pending: it has not reached head office yet. It shows here once the PC "
                "that took it has synced."
            )
        ) from exc
    except httpx.HTTPError as exc:
        raise FileNotHereYet(
            _("Photo pending: head office cannot be reached just now ({reason}).").format(
                reason=type(exc).__name__
            )
        ) from exc
