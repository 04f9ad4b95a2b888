"""Copying a content-addressed file (named by its SHA-256) whole or not at all: the branch
PC's backups of attachment files and head office's backups of its files store use it."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

BLOCK = 1 << 20


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_checked(source: Path, target: Path, sha256: str) -> int:
    """Copy ``source`` to ``target`` through a temporary file beside it (``.part-*.tmp``),
    flushed to disk, read back and checked against ``sha256`` before the rename (the folder
    flushed too, where the OS allows); the bytes copied. ValueError when the bytes read back
    are not the ones named: nothing is left behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix=".tmp")
    temp = Path(temp_name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            for block in iter(lambda: src.read(BLOCK), b""):
                out.write(block)
                size += len(block)
            out.flush()
            os.fsync(out.fileno())
        if sha256_of(temp) != sha256:
            raise ValueError(f"the copy of {sha256} does not match its hash")
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return size


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows cannot open a folder)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
