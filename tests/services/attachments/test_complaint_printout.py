"""The complaint's printout carries its photos on extra pages, two to a page; a PDF
attachment and a photo not on this PC yet are named."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from branch_crm.services.attachments import service
from branch_crm.services.attachments.printout import print_complaint
from tests.support.attachments import a_complaint, jpeg, pdf


def test_photos_print_on_extra_pages(db, counter, call, tmp_path: Path) -> None:
    complaint = a_complaint(db, counter)
    for i, colour in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200)]):
        call(counter, service.attach_file, owner_kind="complaint", owner_id=complaint,
             data=jpeg(400, 300, color=colour), name=f"photo{i}.jpg")  # fmt: skip
    call(counter, service.attach_file, owner_kind="complaint", owner_id=complaint,
         data=pdf(), name="waybill.pdf", caption="scan")  # fmt: skip
    output = call(counter, print_complaint, complaint_id=complaint, output=tmp_path / "c.pdf",
                  language="en")  # fmt: skip
    reader = PdfReader(output)
    assert len(reader.pages) == 3  # the complaint, then two pages of photos (2 + 1)
    first = reader.pages[0].extract_text()
    assert "box crushed" in first and "waybill.pdf (PDF, printed separately)" in first
    assert "Attachment added: photo0.jpg" in first
    images = [len(page.images) for page in reader.pages]
    assert images == [0, 2, 1]
    assert "photo2.jpg" in reader.pages[2].extract_text()
