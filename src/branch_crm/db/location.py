"""Is a database file on a network share? SQLite's WAL mode (which the app relies on: readers
never wait for the writer) needs shared memory between the processes using the file, which
SMB and NFS do not give: two PCs (or one PC through the share) can corrupt it. The app refuses
such a file (:func:`branch_crm.db.open_database`) and says to keep it on the PC's own disk.

Windows: a UNC path (``\\\\server\\share\\...``) or a drive letter mapped to a share
(``GetDriveTypeW`` says ``DRIVE_REMOTE``). Linux: the file system of the longest mount point
above the file in ``/proc/mounts`` (nfs, cifs, smb3, sshfs...). Elsewhere (macOS) nothing is
detected.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

DRIVE_REMOTE = 4
"""``GetDriveTypeW``'s answer for a network drive."""
NETWORK_FILE_SYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "fuse.sshfs",
        "sshfs",
        "afs",
        "ncpfs",
        "9p",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "davfs",
        "fuse.davfs2",
        "fuse.rclone",
    }
)
"""File systems (``/proc/mounts`` type) whose files are on another machine."""
MOUNTS = "/proc/mounts"


def windows_drive_type(root: str) -> int:
    """``GetDriveTypeW`` for a drive root such as ``C:\\`` (Windows only)."""
    import ctypes

    windll = ctypes.windll  # type: ignore[attr-defined,unused-ignore]
    return int(windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))


def is_network_windows_path(path: str, drive_type: Callable[[str], int]) -> bool:
    """True for a Windows path on a share: UNC (``\\\\server\\share``, ``\\\\?\\UNC\\...``,
    forward slashes too) or a drive whose ``drive_type(root)`` is ``DRIVE_REMOTE``."""
    text = path.replace("/", "\\")
    upper = text.upper()
    if upper.startswith("\\\\?\\UNC\\"):
        return True
    if upper.startswith(("\\\\?\\", "\\\\.\\")):
        text = text[4:]  # a long-path or device prefix before a drive letter
    elif text.startswith("\\\\"):
        return True  # \\server\share\...
    drive = PureWindowsPath(text).drive
    if len(drive) == 2 and drive[1] == ":":
        return drive_type(drive + "\\") == DRIVE_REMOTE
    return False


def _unescape(field: str) -> str:
    """A ``/proc/mounts`` field: spaces and tabs there are written as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def read_mounts(path: str = MOUNTS) -> list[tuple[str, str]]:
    """(mount point, file system type) of every mount; empty when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((_unescape(fields[1]), fields[2]))
    return mounts


def mount_type(path: PurePosixPath, mounts: Iterable[tuple[str, str]]) -> str | None:
    """The file system type of the longest mount point holding ``path`` (the last one
    mounted there, as the kernel lists them), None when none does."""
    best: tuple[int, str] | None = None
    for point, kind in mounts:
        mount = PurePosixPath(point)
        if path == mount or mount in path.parents:
            depth = len(mount.parts)
            if best is None or depth >= best[0]:
                best = (depth, kind)
    return best[1] if best is not None else None


def network_file_system(path: Path | str) -> str | None:
    """The kind of network location holding ``path`` (``"UNC path"``, ``"network drive"``,
    or the Linux file system type such as ``"nfs4"``), None when it is on this PC's disk."""
    if sys.platform == "win32":
        absolute = os.path.abspath(os.fspath(path))
        if not is_network_windows_path(absolute, windows_drive_type):
            return None
        return "UNC path" if absolute.replace("/", "\\").startswith("\\\\") else "network drive"
    if sys.platform.startswith("linux"):
        resolved = PurePosixPath(Path(path).resolve(strict=False))
        kind = mount_type(resolved, read_mounts())
        return kind if kind in NETWORK_FILE_SYSTEMS else None
    return None
