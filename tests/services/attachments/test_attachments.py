"""Attaching files: checked by content, downscaled and stripped, stored once by hash beside
the database, one row per file and record, clear refusals with nothing half-stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from branch_crm.db import file_store
from branch_crm.models import Attachment, AttachmentFile, ComplaintEvent
from branch_crm.services.attachments import service, store
from branch_crm.services.attachments.store import AttachmentRefused
from branch_crm.services.context import unit_of_work
from branch_crm.services.settings import values as settings
from tests.support.attachments import a_complaint, jpeg, pdf, png


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _attach(call, actor, complaint: str, data: bytes, name: str = "photo.jpg"):  # type: ignore[no-untyped-def]
    return call(actor, service.attach_file, owner_kind="complaint", owner_id=complaint,
                data=data, name=name)  # fmt: skip


def test_a_photo_is_stored_once_by_hash_beside_the_database(db, counter, call) -> None:
    complaint = a_complaint(db, counter)
    view = _attach(call, counter, complaint, jpeg())
    root = file_store.store_root(db.path)
    assert root.parent == db.path.parent
    assert view.available and view.mime == "image/jpeg" and view.path is not None
    assert view.path == root / view.sha256[:2] / view.sha256
    assert store.Prepared(view.path.read_bytes(), "").sha256 == view.sha256
    with unit_of_work(db, counter) as session:
        row = session.get(Attachment, view.id)
        assert row is not None and row.branch_id and row.created_by == counter.staff_id
        assert session.get(AttachmentFile, view.sha256) is not None
        kinds = [e.kind for e in session.query(ComplaintEvent).filter_by(complaint_id=complaint)]
    assert "attachment" in kinds
    # the same picture on another record: one file, two rows
    other = a_complaint(db, counter)
    again = _attach(call, counter, other, jpeg())
    assert again.sha256 == view.sha256 and again.id != view.id
    assert len(_files(root)) == 1


def test_the_same_photo_twice_on_one_record_is_refused_with_one_row(db, counter, call) -> None:
    complaint = a_complaint(db, counter)
    _attach(call, counter, complaint, jpeg())
    with pytest.raises(AttachmentRefused, match="already attached to this complaint"):
        _attach(call, counter, complaint, jpeg(), name="again.jpg")
    listed = call(counter, service.list_attachments, owner_kind="complaint", owner_id=complaint)
    assert len(listed) == 1


def test_a_large_photo_is_turned_upright_scaled_down_and_loses_its_metadata(
    db, counter, call
) -> None:
    complaint = a_complaint(db, counter)
    # stored 3000x1000 sideways; orientation 6 = rotate 90 degrees clockwise to view
    view = _attach(call, counter, complaint, jpeg(3000, 1000, orientation=6, gps=True))
    assert view.path is not None
    with Image.open(view.path) as stored:
        assert max(stored.size) == store.MAX_SIDE
        assert stored.size == (667, 2000)  # upright: portrait now
        assert not stored.getexif()  # no orientation, no GPS
        assert "exif" not in stored.info


def test_png_stays_png_and_pdf_is_kept_as_is(db, counter, call) -> None:
    complaint = a_complaint(db, counter)
    shot = _attach(call, counter, complaint, png(), name="screen.png")
    assert shot.mime == "image/png" and (shot.width, shot.height) == (40, 30)
    document = pdf()
    scan = _attach(call, counter, complaint, document, name="waybill.pdf")
    assert scan.mime == "application/pdf" and scan.path is not None
    assert scan.path.read_bytes() == document


def test_heic_photos_become_jpeg(db, counter, call) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 10)).save(out, "HEIF")
    complaint = a_complaint(db, counter)
    view = _attach(call, counter, complaint, out.getvalue(), name="IMG_0001.HEIC")
    assert view.mime == "image/jpeg" and (view.width, view.height) == (80, 60)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 this is a program", r"is not a photo \(JPEG, PNG, HEIC\) or a PDF"),
        (b"", "is empty"),
        (jpeg(400, 300)[:900], "cut short or damaged"),
        (pdf()[:-40], "cut short: the PDF has no end"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "cut short or damaged"),
    ],
    ids=["not-an-image", "empty", "truncated-jpeg", "truncated-pdf", "broken-png"],
)
def test_bad_files_get_a_clear_message_and_nothing_is_stored(
    db, counter, call, data: bytes, message: str
) -> None:
    complaint = a_complaint(db, counter)
    with pytest.raises(AttachmentRefused, match=message):
        _attach(call, counter, complaint, data, name="evidence.jpg")
    assert _files(file_store.store_root(db.path)) == []
    with unit_of_work(db, counter) as session:
        assert session.query(Attachment).count() == 0


def test_a_file_over_the_size_setting_is_refused_before_it_is_read(
    db, counter, admin, call, tmp_path: Path
) -> None:
    with unit_of_work(db, admin) as session:
        settings.put(session, admin, "attachments.max_file_mb", 1)
    big = tmp_path / "huge.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024) + b"\n%%EOF\n")
    complaint = a_complaint(db, counter)
    limit = r"huge.pdf is 2.0 MB; a file may be at most 1.0 MB"
    with pytest.raises(AttachmentRefused, match=limit):
        call(counter, service.attach_path, owner_kind="complaint", owner_id=complaint, path=big)
    assert _files(file_store.store_root(db.path)) == []


def test_a_customer_takes_attachments_and_removing_one_leaves_a_tombstone(
    db, counter, call
) -> None:
    from tests.support.sync import add_customer

    customer = add_customer(db, "BR001", "李四")
    view = call(counter, service.attach_file, owner_kind="customer", owner_id=customer,
                data=png(), name="card.png")  # fmt: skip
    call(counter, service.remove_attachment, attachment_id=view.id)
    assert call(counter, service.list_attachments, owner_kind="customer", owner_id=customer) == []
    with unit_of_work(db, counter) as session:
        row = session.get(Attachment, view.id, execution_options={"include_deleted": True})
        assert row is not None and row.deleted_at is not None
    # attaching it again brings the same row back
    again = call(counter, service.attach_file, owner_kind="customer", owner_id=customer,
                 data=png(), name="card.png")  # fmt: skip
    assert again.id == view.id


def test_an_interrupted_write_leaves_no_partial_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        file_store.put(tmp_path / "files", b"some bytes")
    assert _files(tmp_path / "files") == []
