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
request after a cut, checked against its hash, then renamed into place. After each round's
uploads, :func:`FileTransfer.prefetch` fetches the same way, newest attachment first, the
files of the PC's attachment rows it lacks, within a byte budget per round (a file larger
than what is left of the budget comes in ranged pieces over several rounds). A file head
office has not got yet (404) is skipped quietly; a line failure stops the round's prefetch
and is noted (``local_setting`` :data:`FETCH_ERROR_KEY`) until a round's prefetch goes well.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import desc, func, select, update

from branch_crm.db import Database
from branch_crm.db import file_store as store
from branch_crm.models import Attachment, AttachmentFile, LocalSetting
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
OFFSET_HEADER = "Upload-Offset"
FETCH_ERROR_KEY = "sync.fetch_error"
"""``local_setting`` row holding why the last prefetch stopped ({"value": English reason})."""
Write = Callable[[Callable[[], None]], None]
_FETCHING: dict[str, threading.Lock] = {}
_FETCHING_GUARD = threading.Lock()


@contextmanager
def _fetching(sha: str, *, wait: bool) -> Iterator[bool]:
    """Hold the download of ``sha`` in this process (an opened photo and the round's
    prefetch never write the same partial file together); yields False when another thread
    has it and ``wait`` is False."""
    with _FETCHING_GUARD:
        lock = _FETCHING.setdefault(sha, threading.Lock())
    got = lock.acquire(blocking=wait)
    try:
        yield got
    finally:
        if got:
            lock.release()


class FileTransferError(Exception):
    """A file could not go or come now (its reason in English, for the log and status)."""


class NotAtHeadOffice(FileTransferError):
    """Head office has not got the file (yet): the PC that took it has not sent it."""


@dataclass
class FetchReport:
    """What a round's prefetch did."""

    fetched: int = 0
    """Files that arrived whole this round."""
    bytes_fetched: int = 0
    not_yet: int = 0
    """Files head office has not got yet (skipped quietly; tried again next round)."""
    error: str | None = None
    """Why the prefetch stopped early or a file was refused (English), else None."""


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
        with _fetching(sha, wait=True):
            self._fetch(http, sha, limit=None)
        return store.path_of(self.root, sha)

    def to_fetch(self) -> list[tuple[str, int]]:
        """(hash, size) of the files of live attachment rows missing on this PC, newest
        attachment first."""
        newest = func.max(Attachment.created_at).label("newest")
        query = (
            select(Attachment.sha256, func.max(Attachment.size), newest)
            .where(Attachment.deleted_at.is_(None))
            .group_by(Attachment.sha256)
            .order_by(desc(newest))
        )
        with self.db.session() as session:
            rows = session.execute(query).all()
        return [(sha, int(size)) for sha, size, _at in rows if not store.has(self.root, sha)]

    def prefetch(self, http: httpx.Client, budget: int) -> FetchReport:
        """Fetch missing files, newest first, until ``budget`` bytes came this round (0: none,
        files come only on demand). Stops at the first line failure (the partial file stays;
        the next round resumes it with a Range request)."""
        report = FetchReport()
        if budget <= 0:
            return report
        left = budget
        for sha, size in self.to_fetch():
            if left <= 0:
                break
            need = max(1, size - self._partial_size(sha))
            try:
                with _fetching(sha, wait=False) as mine:
                    if not mine:  # being fetched for a user who opened it just now
                        continue
                    got, whole = self._fetch(http, sha, limit=None if need <= left else left)
            except NotAtHeadOffice:
                report.not_yet += 1
                continue
            except httpx.HTTPError as exc:
                report.error = f"{type(exc).__name__} while fetching file {sha[:12]}"
                break
            except FileTransferError as exc:
                report.error = str(exc)
                continue
            left -= got
            report.bytes_fetched += got
            report.fetched += int(whole)
        self.write(lambda: self._note_fetch_error(report.error))
        if report.fetched or report.error:
            log.info("prefetch: %d files, %d bytes, %d not at head office yet, %s",
                     report.fetched, report.bytes_fetched, report.not_yet,
                     report.error or "no trouble")  # fmt: skip
        return report

    def _partial_size(self, sha: str) -> int:
        part = self.root / ".partial" / sha
        return part.stat().st_size if part.exists() else 0

    def _note_fetch_error(self, reason: str | None) -> None:
        with self.db.session() as session:
            row = session.get(LocalSetting, FETCH_ERROR_KEY)
            if reason is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(LocalSetting(key=FETCH_ERROR_KEY, value={"value": reason[:400]}))
            else:
                row.value = {"value": reason[:400]}
            session.commit()

    def _fetch(self, http: httpx.Client, sha: str, *, limit: int | None) -> tuple[int, bool]:
        """Fetch (the rest of, or at most ``limit`` more bytes of) one file into its partial
        file, and adopt it into the store once whole: (bytes received, whole)."""
        target = store.path_of(self.root, sha)
        if target.is_file():
            return 0, True
        part = self.root / ".partial" / sha
        part.parent.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.exists() else 0
        headers = {}
        if limit is not None:
            headers["Range"] = f"bytes={have}-{have + limit - 1}"
        elif have:
            headers["Range"] = f"bytes={have}-"
        got = 0
        with http.stream("GET", f"/api/v1/files/{sha}", headers=headers) as response:
            if response.status_code == 404:
                raise NotAtHeadOffice(f"head office has no file {sha[:12]} yet")
            if response.status_code == 416 and have:  # a stale partial file: start again
                part.unlink(missing_ok=True)
                raise FileTransferError(f"file {sha[:12]} is fetched again from the start")
            if response.status_code not in (200, 206):
                response.read()
                raise FileTransferError(_detail(response))
            partial = response.status_code == 206
            total = _total(response)
            with part.open("ab" if partial else "wb") as handle:
                for block in response.iter_bytes(1 << 16):
                    handle.write(block)
                    got += len(block)
        if partial and total is not None and have + got < total:
            return got, False  # the rest comes next round
        try:
            store.adopt(self.root, part, sha)
        except ValueError as exc:
            part.unlink(missing_ok=True)
            raise FileTransferError(f"file {sha[:12]} arrived damaged; try again") from exc
        self.write(lambda: self._record_downloaded(sha, target))
        return got, True

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


def _total(response: httpx.Response) -> int | None:
    """The whole file's size from a 206 answer's ``Content-Range: bytes A-B/TOTAL``."""
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.rsplit("/", 1)[1])
    except (IndexError, ValueError):
        return None


def fetch_error(session: Any) -> str | None:
    """Why the last prefetch stopped (English), None when it went well."""
    row = session.get(LocalSetting, FETCH_ERROR_KEY)
    return str(row.value.get("value")) if row is not None and row.value else None


def _detail(response: httpx.Response) -> str:
    try:
        return f"HTTP {response.status_code}: {response.json().get('detail', '')}"
    except ValueError:
        return f"HTTP {response.status_code}"
