"""A database on a network share is refused (db.location): WAL mode is not safe there."""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

import pytest

from branch_crm.db import location, open_database, refuse_network_location
from branch_crm.errors import DatabaseOnNetwork

LOCAL, REMOTE = 3, location.DRIVE_REMOTE  # DRIVE_FIXED, DRIVE_REMOTE


def drives(**types: int):  # type: ignore[no-untyped-def]
    """A GetDriveTypeW stand-in: drive letter -> type; records the roots it was asked."""
    asked: list[str] = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return types.get(root[0].upper(), LOCAL)

    drive_type.asked = asked  # type: ignore[attr-defined]
    return drive_type


@pytest.mark.parametrize(
    ("path", "network"),
    [
        (r"\\fileserver\crm\branch.db", True),
        ("//fileserver/crm/branch.db", True),
        (r"\\?\UNC\fileserver\crm\branch.db", True),
        (r"\\?\unc\fileserver\crm\branch.db", True),
        (r"C:\Users\li\AppData\Local\BranchCRM\branch.db", False),
        (r"\\?\C:\data\branch.db", False),
        (r"Z:\crm\branch.db", True),  # Z: is a mapped share below
        (r"z:/crm/branch.db", True),
        (r"\\?\Z:\crm\branch.db", True),
        (r"D:\branch.db", False),
    ],
)
def test_windows_paths_are_classified(path: str, network: bool) -> None:
    assert location.is_network_windows_path(path, drives(Z=REMOTE)) is network


def test_a_drive_letter_is_asked_about_its_root() -> None:
    drive_type = drives(Z=REMOTE)
    location.is_network_windows_path(r"Z:\crm\branch.db", drive_type)
    assert drive_type.asked == ["Z:\\"]  # type: ignore[attr-defined]


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
fileserver:/export/crm /mnt/crm nfs4 rw,relatime 0 0
//nas/office /mnt/office cifs rw 0 0
/dev/sdb1 /mnt/office/local ext4 rw 0 0
user@host:/home /mnt/my\\040share fuse.sshfs rw 0 0
"""


def test_proc_mounts_is_read(tmp_path: Path) -> None:
    table = tmp_path / "mounts"
    table.write_text(MOUNTS, encoding="utf-8")
    mounts = location.read_mounts(str(table))
    assert ("/mnt/my share", "fuse.sshfs") in mounts
    assert ("/mnt/crm", "nfs4") in mounts
    assert location.read_mounts(str(tmp_path / "none")) == []


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/home/li/.local/share/BranchCRM/branch.db", "ext4"),
        ("/mnt/crm/branch.db", "nfs4"),
        ("/mnt/crmx/branch.db", "ext4"),  # not under /mnt/crm
        ("/mnt/office/branch.db", "cifs"),
        ("/mnt/office/local/branch.db", "ext4"),  # a local disk mounted inside the share
        ("/mnt/my share/branch.db", "fuse.sshfs"),
    ],
)
def test_the_longest_mount_point_decides(tmp_path, path: str, kind: str) -> None:
    table = tmp_path / "mounts"
    table.write_text(MOUNTS, encoding="utf-8")
    assert location.mount_type(PurePosixPath(path), location.read_mounts(str(table))) == kind


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux mount table")
def test_a_database_on_an_nfs_mount_is_refused(tmp_path, monkeypatch) -> None:
    path = tmp_path / "share" / "branch.db"
    path.parent.mkdir()
    mounts = [("/", "ext4"), (str(path.parent.resolve()), "nfs")]
    monkeypatch.setattr(location, "read_mounts", lambda: mounts)
    assert location.network_file_system(path) == "nfs"
    with pytest.raises(DatabaseOnNetwork) as refused:
        open_database(path)
    assert "network share (nfs)" in refused.value.message
    assert "this PC's own disk" in refused.value.message
    assert not path.exists()  # nothing created there
    monkeypatch.setattr(location, "read_mounts", lambda: [("/", "ext4")])
    refuse_network_location(path)  # the same folder on a local disk is fine


def test_the_refusal_is_shown_in_a_dialog_with_advice() -> None:
    pytest.importorskip("PySide6")
    from branch_crm.ui.shell.db_error import database_error_texts

    title, what, advice = database_error_texts(DatabaseOnNetwork("on a share", "/x/branch.db"))
    assert (title, what) == ("Database on a network share", "on a share")
    assert "folder on this PC" in advice
