"""``branch-crm attach complaint NUMBER FILE...``: each file attached or refused with its
reason, exit code 1 when any was refused, 2 for an unknown complaint."""

from __future__ import annotations

from pathlib import Path

from branch_crm.services.attachments import service
from branch_crm.services.complaints import views
from tests.support.attachments import a_complaint, jpeg, pdf
from tests.support.cli_help import run_cli


def test_attach_files_to_a_complaint_by_number(db, db_path, counter, call, capsys, *,
                                                tmp_path: Path) -> None:  # fmt: skip
    complaint = a_complaint(db, counter)
    number = call(counter, views.get_complaint, complaint_id=complaint).number
    photo, scan, junk = tmp_path / "box.jpg", tmp_path / "waybill.pdf", tmp_path / "notes.jpg"
    photo.write_bytes(jpeg())
    scan.write_bytes(pdf())
    junk.write_text("hello")
    db.dispose()
    files = [str(photo), str(scan), str(junk)]
    code, out, err = run_cli(capsys, "--db", str(db_path), "attach", "complaint", number.lower(),
                             *files, "--caption", "at the counter")  # fmt: skip
    assert code == 1
    assert "box.jpg attached" in out and "waybill.pdf attached" in out
    assert "notes.jpg is not a photo" in err
    listed = call(counter, service.list_attachments, owner_kind="complaint", owner_id=complaint)
    assert [(a.original_name, a.caption) for a in listed] == [
        ("box.jpg", "at the counter"), ("waybill.pdf", "at the counter")]  # fmt: skip
    db.dispose()
    code, _out, err = run_cli(capsys, "--db", str(db_path), "attach", "complaint", "X-1",
                              str(photo))  # fmt: skip
    assert code == 2 and "No complaint X-1 here." in err
