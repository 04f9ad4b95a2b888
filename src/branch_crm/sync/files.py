"""Attachment files between a branch PC and head office, by hash (see hq.files).

The ``attachment`` rows travel with the other changes; their files travel here, after the
change stream of a round and never in its way: a file that cannot go now waits for the next
round, the rows are already there. Each file is sent once: ``HEAD`` asks head office what it
has (the whole file, or how far an earlier upload of this PC got), then ``PUT`` sends the
rest in chunks of :data:`CHUNK_BYTES`, each one kept by head office only when it arrived
whole; head office checks the hash at the end. A file head office confirmed is marked
(``attachment_file.uploaded_at``) and never asked about again.

Another PC of the branch fetches a file when someone opens its attachment
(:func:`FileTransfer.download`): into a partial file in the store, resumed with a ``Range``
request after a cut, checked against its hash, then renamed into place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select, update

from branch_crm.db import Database
from branch_crm.db import file_store as store
from branch_crm.models import AttachmentFile
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
OFFSET_HEADER = "Upload-Offset"
Write = Callable[[Callable[[], None]], None]


class FileTransferError(Exception):
    """A file could not go or come now (its reason in English, for the log and status)."""


@dataclass
class UploadReport:
    """What a round's uploads did."""

    sent: int = 0
    bytes_sent: int = 0
    failed: list[str] = field(default_factory=list)
    error: str | None = None
    """Why uploads stopped early (the line, head office), None when all that could went."""


class FileTransfer:
    """Uploads and downloads of one branch database's files over an ``httpx.Client`` that
    already carries the PC's token and schema headers (sync.client)."""

    def __init__(self, db: Database, *, write: Write, chunk_bytes: int | None = None) -> None:
        self.db = db
        self.write = write
        self.chunk_bytes = chunk_bytes or CHUNK_BYTES
        self.root = store.store_root(db.path)

    # --- uploads ----------------------------------------------------------------------

    def waiting(self) -> list[str]:
        """Hashes of files on this PC head office has not confirmed yet, oldest first."""
        with self.db.session() as session:
            query = (
                select(AttachmentFile.sha256)
                .where(AttachmentFile.uploaded_at.is_(None))
                .order_by(AttachmentFile.stored_at)
            )
            return list(session.scalars(query))

    def upload_all(self, http: httpx.Client) -> UploadReport:
        """Send every waiting file; stops at the first network failure (the next round
        goes on where this one stopped)."""
        report = UploadReport()
        for sha in self.waiting():
            try:
                report.bytes_sent += self.upload(http, sha)
            except httpx.HTTPError as exc:
                report.error = f"{type(exc).__name__} while sending file {sha[:12]}"
                self._note_failure(sha, report.error)
                break
            except FileTransferError as exc:
                report.failed.append(sha)
                self._note_failure(sha, str(exc))
                continue
            report.sent += 1
        return report

    def upload(self, http: httpx.Client, sha: str) -> int:
        """Send one file from where head office's copy stops; the bytes sent."""
        path = store.path_of(self.root, sha)
        if not path.is_file():
            raise FileTransferError(f"file {sha[:12]} is missing from this PC's store")
        total = path.stat().st_size
        head = http.head(f"/api/v1/files/{sha}")
        if head.status_code == 200:
            self._mark_uploaded(sha)
            return 0
        offset = _offset(head)
        sent = 0
        with path.open("rb") as handle:
            while offset < total:
                handle.seek(offset)
                chunk = handle.read(self.chunk_bytes)
                end = offset + len(chunk) - 1
                response = http.put(
                    f"/api/v1/files/{sha}",
                    content=chunk,
                    headers={
                        "Content-Range": f"bytes {offset}-{end}/{total}",
                        "Content-Type": "application/octet-stream",
                    },
                )
                if response.status_code == 409 and OFFSET_HEADER in response.headers:
                    offset = _offset(response)  # head office stands elsewhere: go on there
                    continue
                if response.status_code != 200:
                    raise FileTransferError(_detail(response))
                sent += len(chunk)
                offset = int(response.json()["offset"])
                if response.json().get("complete"):
                    break
        self._mark_uploaded(sha)
        log.info("file %s sent to head office (%d bytes this round)", sha[:12], sent)
        return sent

    def _mark_uploaded(self, sha: str) -> None:
        def mark() -> None:
            with self.db.engine.begin() as conn:
                conn.execute(
                    update(AttachmentFile)
                    .where(AttachmentFile.sha256 == sha)
                    .values(uploaded_at=utcnow(), last_error=None)
                )

        self.write(mark)

    def _note_failure(self, sha: str, reason: str) -> None:
        log.warning("file %s not sent: %s", sha[:12], reason)

        def note() -> None:
            with self.db.engine.begin() as conn:
                conn.execute(
                    update(AttachmentFile)
                    .where(AttachmentFile.sha256 == sha)
                    .values(failures=AttachmentFile.failures + 1, last_error=reason[:400])
                )

        self.write(note)

    # --- downloads --------------------------------------------------------------------

    def download(self, http: httpx.Client, sha: str) -> Path:
        """Fetch a file of this branch from head office into the store (resuming a partial
        download); its path. FileTransferError when head office has not got it (yet)."""
        target = store.path_of(self.root, sha)
        if target.is_file():
            return target
        part = self.root / ".partial" / sha
        part.parent.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        with http.stream("GET", f"/api/v1/files/{sha}", headers=headers) as response:
            if response.status_code == 404:
                raise FileTransferError(f"head office has no file {sha[:12]} yet")
            if response.status_code not in (200, 206):
                response.read()
                raise FileTransferError(_detail(response))
            mode = "ab" if response.status_code == 206 else "wb"
            with part.open(mode) as handle:
                for block in response.iter_bytes(1 << 16):
                    handle.write(block)
        try:
            store.adopt(self.root, part, sha)
        except ValueError as exc:
            part.unlink(missing_ok=True)
            raise FileTransferError(f"file {sha[:12]} arrived damaged; try again") from exc
        self.write(lambda: self._record_downloaded(sha, target))
        return target

    def _record_downloaded(self, sha: str, path: Path) -> None:
        with self.db.session() as session:
            if session.get(AttachmentFile, sha) is None:  # head office has it: never sent
                now = utcnow()
                session.add(AttachmentFile(sha256=sha, size=path.stat().st_size, stored_at=now,
                                           uploaded_at=now))  # fmt: skip


def _offset(response: httpx.Response) -> int:
    try:
        return max(0, int(response.headers.get(OFFSET_HEADER, "0")))
    except ValueError:
        return 0


def _detail(response: httpx.Response) -> str:
    try:
        return f"HTTP {response.status_code}: {response.json().get('detail', '')}"
    except ValueError:
        return f"HTTP {response.status_code}"
