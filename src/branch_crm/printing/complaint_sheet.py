"""A complaint on paper: its facts, what happened, the timeline, and its attachments.

A4. The first pages carry the complaint (facts as label/value rows, the description, the
timeline, flowing onto more pages when long); then the attached photos follow, two to a
page, each scaled to its box with its name and caption under it. A PDF attachment is named
(it prints on its own); a photo whose file has not reached this PC yet is named as pending.
Every page has the complaint number and its page number in its footer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.utils import ImageReader

from branch_crm.printing.common import MARGIN, MM, PAGE_H, PAGE_W, Writer, titled, translator
from branch_crm.printing.pdf_file import pdf_canvas

TITLE_SIZE = 15
TEXT_SIZE = 9.5
LABEL_W = 38 * MM
FOOTER_Y = MARGIN - 4 * MM
BOTTOM = MARGIN + 4 * MM
PHOTOS_PER_PAGE = 2


@dataclass(frozen=True)
class SheetAttachment:
    """One attachment as printed: a photo's file (None: not on this PC yet), or a PDF."""

    name: str
    caption: str
    path: Path | None
    is_image: bool


@dataclass(frozen=True)
class ComplaintSheet:
    """Everything printed, already in words."""

    company: str
    number: str
    facts: tuple[tuple[str, str], ...]
    description: str
    events: tuple[tuple[str, str, str, str], ...]
    """(when, what, who, note), oldest first."""
    attachments: tuple[SheetAttachment, ...]
    printed_at: str
    language: str


def document_title(data: ComplaintSheet) -> str:
    """'A公司投诉单 C-…' / 'ACME Complaint C-…'."""
    _ = translator(data.language)
    return titled(data.company, _("Complaint {number}").format(number=data.number), data.language)


class _Layout:
    def __init__(self, canvas: Any, data: ComplaintSheet) -> None:
        self.c = canvas
        self.w = Writer(canvas)
        self.data = data
        self.t = translator(data.language)
        self.left = MARGIN
        self.width = PAGE_W - 2 * MARGIN
        self.pages = 0
        self.y = 0.0

    def draw(self) -> int:
        """Every page; returns the page count."""
        self._new_page()
        self._facts()
        self._timeline()
        self._attachments()
        self._end_page()
        return self.pages

    # -- pages ------------------------------------------------------------------------
    def _new_page(self) -> None:
        self.pages += 1
        top = PAGE_H - MARGIN
        self.w.text(self.left, top - 6 * MM, document_title(self.data), TITLE_SIZE, bold=True)
        self.c.setLineWidth(1)
        self.c.line(self.left, top - 10 * MM, self.left + self.width, top - 10 * MM)
        self.y = top - 17 * MM

    def _end_page(self) -> None:
        _ = self.t
        self.w.text(self.left, FOOTER_Y, _("Printed: {when}").format(when=self.data.printed_at),
                    7.5)  # fmt: skip
        self.w.right(self.left + self.width, FOOTER_Y, f"{self.data.number} · {self.pages}", 8)
        self.c.showPage()

    def _room(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self._end_page()
            self._new_page()

    def _heading(self, text: str) -> None:
        self._room(12 * MM)
        self.y -= 3 * MM
        self.w.text(self.left, self.y, text, 11.5, bold=True)
        self.y -= 6 * MM

    # -- content ----------------------------------------------------------------------
    def _facts(self) -> None:
        _ = self.t
        for label, value in self.data.facts:
            lines = self.w.wrap(value or "-", self.width - LABEL_W, TEXT_SIZE)
            self._room(len(lines) * 4.6 * MM)
            self.w.text(self.left, self.y, label, TEXT_SIZE, bold=True)
            for line in lines:
                self.w.text(self.left + LABEL_W, self.y, line, TEXT_SIZE)
                self.y -= 4.6 * MM
        self._heading(_("What happened"))
        for line in self.w.wrap(self.data.description or "-", self.width, TEXT_SIZE):
            self._room(4.6 * MM)
            self.w.text(self.left, self.y, line, TEXT_SIZE)
            self.y -= 4.6 * MM

    def _timeline(self) -> None:
        _ = self.t
        self._heading(_("Timeline"))
        when_w, who_w = 30 * MM, 28 * MM
        what_w = self.width - when_w - who_w
        for when, what, who, note in self.data.events:
            text = what + (f" — {note}" if note else "")
            lines = self.w.wrap(text, what_w - 2 * MM, TEXT_SIZE - 0.5)
            self._room(len(lines) * 4.4 * MM + 1 * MM)
            self.w.text(self.left, self.y, when, TEXT_SIZE - 0.5)
            self.w.text(self.left + when_w + what_w, self.y, who[:20], TEXT_SIZE - 0.5)
            for line in lines:
                self.w.text(self.left + when_w, self.y, line, TEXT_SIZE - 0.5)
                self.y -= 4.4 * MM
            self.y -= 1 * MM

    def _attachments(self) -> None:
        _ = self.t
        if not self.data.attachments:
            return
        others = [a for a in self.data.attachments if not (a.is_image and a.path is not None)]
        photos = [a for a in self.data.attachments if a.is_image and a.path is not None]
        self._heading(_("Attachments"))
        for item in others:
            state = _("PDF, printed separately") if not item.is_image else _("photo pending")
            self._room(4.6 * MM)
            note = f"（{state}）" if self.data.language.startswith("zh") else f" ({state})"
            self.w.text(self.left, self.y, item.name + note, TEXT_SIZE)
            self.y -= 4.6 * MM
        for index, photo in enumerate(photos):
            if index % PHOTOS_PER_PAGE == 0:
                self._end_page()
                self._new_page()
            self._photo(photo)

    def _photo(self, photo: SheetAttachment) -> None:
        assert photo.path is not None
        box_h = (PAGE_H - 2 * MARGIN - 17 * MM) / PHOTOS_PER_PAGE - 14 * MM
        reader = ImageReader(str(photo.path))
        width, height = reader.getSize()
        scale = min(self.width / width, box_h / height)
        drawn_w, drawn_h = width * scale, height * scale
        x = self.left + (self.width - drawn_w) / 2
        self.c.drawImage(reader, x, self.y - drawn_h, drawn_w, drawn_h)
        self.y -= drawn_h + 5 * MM
        label = photo.name + (f" — {photo.caption}" if photo.caption else "")
        self.w.centred(self.left + self.width / 2, self.y, label, TEXT_SIZE)
        self.y -= 8 * MM


def render_complaint_sheet(output: Path, data: ComplaintSheet) -> int:
    """Write the complaint's PDF to ``output`` (atomically); the number of pages."""
    with pdf_canvas(output, title=document_title(data)) as canvas:
        return _Layout(canvas, data).draw()
