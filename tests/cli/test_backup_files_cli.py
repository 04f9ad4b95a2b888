"""``branch-crm backup`` / ``restore`` carry the attachments' files and say so."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from branch_crm.cli import main
from branch_crm.db import file_store
from branch_crm.services.attachments import service
from branch_crm.services.backup_files import FILES_DIR
from tests.support.attachments import a_complaint, jpeg


def test_backup_and_restore_carry_the_files(
    db: Any, call: Any, counter: Any, tmp_path: Path, capsys: Any
) -> None:
    view = call(counter, service.attach_file, owner_kind="complaint",
                owner_id=a_complaint(db, counter), data=jpeg(), name="dent.jpg")  # fmt: skip
    db.dispose()
    drive = tmp_path / "usb"
    drive.mkdir()
    assert main(["--db", str(db.path), "backup", "--to", str(drive)]) == 0
    out = capsys.readouterr().out
    assert "Attachment files: 1 copied and checked, 0 already backed up." in out
    assert file_store.has(drive / FILES_DIR, view.sha256)
    (copy,) = drive.glob("BranchCRM-*.db")
    shutil.rmtree(file_store.store_root(db.path))
    assert main(["--db", str(db.path), "restore", str(copy), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Attachment files put back: 1; missing from the backup: 0." in out
    assert file_store.has(file_store.store_root(db.path), view.sha256)
