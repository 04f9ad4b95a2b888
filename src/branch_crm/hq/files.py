"""Head office's store of attachment files: uploads by hash, in chunks, resumable.

A branch PC sends a file with ``PUT /api/v1/files/{sha256}``, one chunk per request, each
carrying ``Content-Range: bytes START-END/TOTAL``. Chunks are appended to a partial file of
that PC (``.partial/<token id>/<sha256>``) only once a chunk has arrived whole, so a line cut
mid-chunk loses that chunk alone; ``HEAD`` says how far the PC got (``Upload-Offset``) and the
PC goes on from there. When the last chunk is in, the bytes are checked against the hash
in the URL: a mismatch discards the partial file and is refused (422); a match moves the
file into place (``<sha256[:2]>/<sha256>``, an atomic rename) and records it for the
sending branch in ``hq_file``. The bytes of one file are kept once, whichever branches
sent them; a PC may read a file only when its own branch sent it.

The store is a folder (``BRANCH_CRM_HQ_FILES_DIR``, local or mounted). An object store
(S3-compatible) would replace :class:`FileStore`'s few methods; the protocol stays.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from branch_crm.hq import tables as t
from branch_crm.hq.errors import BadPayload, HqError
from branch_crm.i18n import N_
from branch_crm.timeutil import utcnow

SHA_PATTERN = r"^[0-9a-f]{64}$"
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class TooLargeFile(HqError):
    """A file over the head-office limit (413)."""

    status = 413


@dataclass(frozen=True)
class Received:
    """Where an upload stands after a chunk."""

    offset: int
    complete: bool


class OffsetMismatch(Exception):
    """A chunk that does not start where the partial file ends; ``offset`` is where it does."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def parse_range(value: str | None) -> tuple[int, int, int]:
    """(start, end inclusive, total) of a ``Content-Range`` header; BadPayload otherwise."""
    match = _RANGE.match((value or "").strip())
    if match is None:
        raise BadPayload(N_("A file chunk needs a Content-Range header (bytes START-END/TOTAL)."))
    start, end, total = (int(g) for g in match.groups())
    if not start <= end < total:
        raise BadPayload(N_("The Content-Range {range} makes no sense."), range=value)
    return start, end, total


class FileStore:
    """Files by hash in a folder, with the partial uploads of each PC."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where a whole file lives."""
        return self.root / sha256[:2] / sha256

    def partial(self, token_id: str, sha256: str) -> Path:
        """A PC's upload so far."""
        return self.root / ".partial" / token_id / sha256

    def offset(self, token_id: str, sha256: str) -> int:
        """Bytes of a PC's upload received so far."""
        part = self.partial(token_id, sha256)
        return part.stat().st_size if part.exists() else 0

    def append(self, token_id: str, sha256: str, start: int, data: bytes) -> int:
        """Add a whole chunk at ``start``; the new size. OffsetMismatch when it does not
        start where the partial file ends."""
        part = self.partial(token_id, sha256)
        part.parent.mkdir(parents=True, exist_ok=True)
        current = part.stat().st_size if part.exists() else 0
        if start != current:
            raise OffsetMismatch(current)
        with part.open("ab") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return current + len(data)

    def finish(self, token_id: str, sha256: str) -> bool:
        """Check a finished upload against its hash and move it into place; False (and the
        partial file gone) when the bytes are not the ones named."""
        part = self.partial(token_id, sha256)
        digest = hashlib.sha256()
        with part.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha256:
            part.unlink()
            return False
        target = self.path(sha256)
        if target.exists():  # another branch sent the same bytes: keep one copy
            part.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
        return True


def branch_has(conn: Connection, branch: str, sha256: str) -> int | None:
    """The size of ``sha256`` when ``branch`` sent it, else None."""
    query = select(t.file.c.size).where(t.file.c.branch_code == branch, t.file.c.sha256 == sha256)
    size = conn.scalar(query)
    return None if size is None else int(size)


def receive_chunk(
    conn: Connection,
    files: FileStore,
    *,
    branch: str,
    token_id: str,
    sha256: str,
    content_range: str | None,
    data: bytes,
    max_bytes: int,
) -> Received:
    """Take one chunk of an upload (see the module docstring)."""
    start, end, total = parse_range(content_range)
    if total > max_bytes:
        raise TooLargeFile(
            N_("A file may be at most {limit} bytes; this one has {size}."),
            limit=max_bytes,
            size=total,
        )
    if len(data) != end - start + 1:
        raise BadPayload(N_("The chunk has {got} bytes, its Content-Range says {said}."),
                         got=len(data), said=end - start + 1)  # fmt: skip
    known = branch_has(conn, branch, sha256)
    if known is not None:
        return Received(known, True)
    size = files.append(token_id, sha256, start, data)
    if size < total:
        return Received(size, False)
    if size > total or not files.finish(token_id, sha256):
        files.partial(token_id, sha256).unlink(missing_ok=True)
        raise BadPayload(
            N_("The file's bytes do not match its hash {sha}; it was not kept."), sha=sha256
        )
    if branch_has(conn, branch, sha256) is None:  # another PC of the branch may have finished
        try:
            with conn.begin_nested():
                conn.execute(insert(t.file).values(branch_code=branch, sha256=sha256, size=total,
                                                   stored_at=utcnow()))  # fmt: skip
        except IntegrityError:  # ... just now: it is recorded either way
            pass
    return Received(total, True)
