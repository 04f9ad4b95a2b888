"""Attachment test helpers: small pictures and PDFs made on the spot, a complaint to attach
them to."""

from __future__ import annotations

import io
from typing import Any


def jpeg(width: int = 64, height: int = 48, *, color: tuple[int, int, int] = (200, 30, 30),
         orientation: int | None = None, gps: bool = False) -> bytes:  # fmt: skip
    """A JPEG photo; ``orientation`` writes an EXIF orientation tag, ``gps`` a GPS block."""
    from PIL import Image

    picture = Image.new("RGB", (width, height), color)
    picture.putpixel((0, 0), (0, 0, 255))  # a marker in the top-left corner
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def png(width: int = 40, height: int = 30) -> bytes:
    """A PNG screenshot-like picture."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    """A one-page PDF (a scanned waybill)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 700, "Waybill 1234567890")
    page.save()
    return out.getvalue()


def a_complaint(db: Any, actor: Any) -> str:
    """A complaint of a new customer; its id."""
    from branch_crm.models import Customer
    from branch_crm.services.complaints import intake
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, actor) as session:
        customer = Customer(name="王五")
        session.add(customer)
        session.flush()
        data = intake.ComplaintInput(customer.id, "counter", "damage", "box crushed")
        return str(intake.take_complaint(session=session, actor=actor, data=data).id)


def parcel_photo(width: int = 1600, height: int = 1200) -> bytes:
    """A photo-like picture of a dented brown box (for screenshots and the fit test)."""
    import io

    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (width, height), (214, 214, 206))
    draw = ImageDraw.Draw(picture)
    box = (width // 5, height // 4, width * 4 // 5, height * 4 // 5)
    draw.rectangle(box, fill=(176, 124, 72), outline=(90, 60, 30), width=12)
    draw.line((box[0], height // 2, box[2], height // 2 + 40), fill=(120, 80, 40), width=18)
    draw.polygon([(box[2] - 220, box[1]), (box[2], box[1]), (box[2], box[1] + 260)],
                 fill=(214, 214, 206))  # fmt: skip
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88)
    return out.getvalue()


def add_demo_attachments(db: Any, actor: Any, complaint_id: str) -> None:
    """Attach a parcel photo, a screenshot and a waybill scan to a complaint, and one photo
    whose file is not on this PC (as if it came from another PC by sync)."""
    from branch_crm.services.attachments import service
    from branch_crm.services.context import unit_of_work

    files = [(parcel_photo(), "IMG_2041.jpg"), (png(900, 600), "screenshot.png"),
             (pdf(), "waybill-scan.pdf"), (parcel_photo(800, 1000), "IMG_2042.jpg")]  # fmt: skip
    last = None
    for data, name in files:
        with unit_of_work(db, actor) as session:
            last = service.attach_file(session=session, actor=actor, owner_kind="complaint",
                                       owner_id=complaint_id, data=data, name=name)  # fmt: skip
    assert last is not None and last.path is not None
    last.path.unlink()  # its row is here, its file still on the other PC
