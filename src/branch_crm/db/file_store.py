"""The content-addressed file store beside the branch database (attachments' files).

A file is kept at ``<database stem>-files/<first 2 hex>/<sha256>``. Writing goes to a
temporary file in the store, flushed to disk, then renamed into place (an atomic rename):
a file is there whole or not at all, whatever stops the program. What may go in is decided
by services.attachments.store; files travel to head office by sync.files.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from branch_crm.filecopy import sha256_of


def store_root(database_path: str | Path) -> Path:
    """The store of the database at ``database_path``: a folder beside it."""
    path = Path(database_path)
    return path.parent / f"{path.stem}-files"


def path_of(root: Path, sha256: str) -> Path:
    """Where the file with this hash lives in the store (whether it is there or not)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return root / sha256[:2] / sha256


def has(root: Path, sha256: str) -> bool:
    """True when the store holds the whole file."""
    return path_of(root, sha256).is_file()


def put(root: Path, data: bytes) -> str:
    """Keep ``data`` in the store (once: the same bytes again change nothing); its hash."""
    sha = hashlib.sha256(data).hexdigest()
    target = path_of(root, sha)
    if target.is_file():
        return sha
    write_atomic(target, data)
    return sha


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``target`` whole or not at all: a temporary file beside it, then a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def adopt(root: Path, source: Path, sha256: str) -> None:
    """Move a whole downloaded file into the store after checking its hash (ValueError when
    the bytes are not the ones named)."""
    if sha256_of(source) != sha256:
        raise ValueError("the file's bytes do not match its hash")
    target = path_of(root, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
