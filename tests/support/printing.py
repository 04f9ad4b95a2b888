"""Printing test helpers: customers written straight into a real database, PDF readers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from pypdf import PdfReader


def add_customer(
    db: Any,
    actor: Any,
    name: str,
    phones: tuple[str, ...],
    *,
    address: str | None = None,
    company: str | None = None,
    tier: str | None = None,
    preference: dict[str, Any] | None = None,
) -> str:
    """Insert a customer (and optional stats row / pickup preference); returns its id."""
    from branch_crm.models import Customer, CustomerPhone, CustomerStats, PickupPreference
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.customers.profile import next_local_no

    with unit_of_work(db, actor) as session:
        customer = Customer(
            name=name, address=address, company=company, local_no=next_local_no(session)
        )
        session.add(customer)
        session.flush()
        for position, phone in enumerate(phones):
            kind = "mobile" if phone.startswith("1") else "landline"
            session.add(
                CustomerPhone(customer_id=customer.id, phone=phone, kind=kind, position=position)
            )
        if tier is not None:
            session.add(CustomerStats(customer_id=customer.id, tier=tier, stage="stable",
                                      lifecycle="active"))  # fmt: skip
        if preference is not None:
            session.add(PickupPreference(customer_id=customer.id, **preference))
        return str(customer.id)


def set_setting(db: Any, key: str, value: Any) -> None:
    """Store a local setting (first-run style, no actor check)."""
    from branch_crm.services.settings import values as settings

    with db.session() as session:
        settings.put(session, None, key, value)


def page_texts(path: Path) -> list[str]:
    """The text layer page by page: poppler's pdftotext when installed (it joins runs of
    different fonts on one line the way a reader sees them), else pypdf."""
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            check=True, capture_output=True, text=True, encoding="utf-8",
        ).stdout  # fmt: skip
        return out.split("\f")[: len(PdfReader(path).pages)]
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    """The text layer of every page, joined."""
    return "\n".join(page_texts(path))


def render_page(path: Path, index: int = 0, scale: float = 2.0) -> Any:
    """One page rendered by pdfium to a PIL image."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return document[index].render(scale=scale).to_pil()
    finally:
        document.close()


def add_closed_complaint(db: Any, actor: Any, customer_id: str, closed_days_ago: float) -> None:
    """A complaint of ``customer_id`` closed ``closed_days_ago`` days ago (written directly)."""
    from datetime import timedelta

    from branch_crm.models import Complaint
    from branch_crm.services.context import unit_of_work
    from branch_crm.timeutil import utcnow

    closed = utcnow() - timedelta(days=closed_days_ago)
    with unit_of_work(db, actor) as session:
        session.add(
            Complaint(
                number=f"C-{customer_id[-8:]}-{closed_days_ago}",
                customer_id=customer_id,
                channel="counter",
                category="delay",
                description="late",
                grade=3,
                suggested_grade=3,
                status="closed",
                received_at=closed - timedelta(days=1),
                closed_at=closed,
            )
        )


def decode_qr(path: Path, index: int = 0) -> list[str]:
    """Texts of the QR codes found on a rendered page (pdfium -> PIL -> zxing-cpp)."""
    import zxingcpp

    image = render_page(path, index, scale=2.0)
    return [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


class RecordingControl:
    """A job control that records progress and cancels after ``cancel_after`` forms."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.calls: list[tuple[int, int, str]] = []
        self.cancel_after = cancel_after
        self.checks = 0

    def progress(self, done: int, total: int, text: str = "") -> None:
        self.calls.append((done, total, text))

    @property
    def cancelled(self) -> bool:
        self.checks += 1
        return self.cancel_after is not None and self.checks > self.cancel_after


def undefined_fonts(path: Path) -> set[str]:
    """Font names used by a ``Tf`` operator (pages and form XObjects) that the content's
    resources do not define; poppler reports each as "Unknown font tag"."""
    import re

    used = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+[\d.]+\s+Tf")

    def check(obj: Any, data: bytes, missing: set[str], seen: set[int]) -> None:
        resources = obj.get("/Resources") or {}
        resources = resources.get_object() if hasattr(resources, "get_object") else resources
        fonts = resources.get("/Font") or {}
        fonts = fonts.get_object() if hasattr(fonts, "get_object") else fonts
        names = {str(k)[1:] for k in fonts}
        missing.update(n.decode("latin-1") for n in used.findall(data)
                       if n.decode("latin-1") not in names)  # fmt: skip
        xobjects = resources.get("/XObject") or {}
        xobjects = xobjects.get_object() if hasattr(xobjects, "get_object") else xobjects
        for ref in xobjects.values():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form" and id(form) not in seen:
                seen.add(id(form))
                check(form, form.get_data(), missing, seen)

    missing: set[str] = set()
    for page in PdfReader(path).pages:
        contents = page.get_contents()
        check(page, contents.get_data() if contents is not None else b"", missing, set())
    return missing
