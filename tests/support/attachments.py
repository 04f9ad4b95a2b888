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
