"""The printed satisfaction survey: one personalised A4 form per customer.

Each form carries its serial as text and as a QR code (top right, and small at the bottom),
corner marks for a scanner, and tick boxes big enough for a pen; a long template flows onto a
second page that has all of these too. Everything is drawn where
:func:`branch_crm.reference.form_layout.form_layout` puts it, and every text is fitted into
its box (wrapped, shrunk, at worst ended with an ellipsis). The part of each page that is the
same on every form (questions, boxes, headings) is drawn once per document as a PDF form
XObject and placed on each page, so a batch of a thousand forms costs little more than the
names, serials and QR codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from branch_crm.printing.common import (
    Translate,
    Writer,
    draw_fitted,
    titled,
    translator,
)
from branch_crm.printing.pdf_file import PdfFile
from branch_crm.reference.form_layout import (
    MAX_PAGES,
    MM,
    FormLayout,
    PageLayout,
    RangeQuestion,
    Rect,
    ScaleHeading,
    ScaleRow,
    TextQuestion,
    form_layout,
    qr_text,
)

__all__ = [
    "FormHeader",
    "FormTooLong",
    "Question",
    "SurveyFormWriter",
    "build_header",
    "draw_qr",
    "header_layout",
    "qr_runs",
]

STATIC = "surveyStatic"
"""Name prefix of the per-page form XObjects (``surveyStatic1``, ``surveyStatic2``)."""


class FormTooLong(ValueError):
    """The template needs more pages than a form may have (``pages`` > ``MAX_PAGES``)."""

    def __init__(self, pages: int) -> None:
        super().__init__(f"the form needs {pages} pages; at most {MAX_PAGES} are printed")
        self.pages = pages


@dataclass(frozen=True)
class Question:
    """A question as printed: ``kind`` scale5 / nps / ces / text, answers ``low``..``high``,
    ``code`` the template item code (the key of its boxes in the layout)."""

    kind: str
    text: str
    low: int = 0
    high: int = 0
    code: str = ""


@dataclass(frozen=True)
class FormHeader:
    """What is the same on every form of one document."""

    title: str
    company: str
    branch: str
    date_text: str
    language: str
    questions: tuple[Question, ...]


def _item_keys(questions: Sequence[Question]) -> list[tuple[str, str]]:
    return [(q.code or f"q{i}", q.kind) for i, q in enumerate(questions, start=1)]


def header_layout(header: FormHeader) -> FormLayout:
    """The layout the forms of ``header`` are drawn with (see reference.form_layout)."""
    return form_layout(_item_keys(header.questions))


def qr_runs(data: str) -> tuple[int, list[tuple[int, int, int]]]:
    """QR code of ``data`` as (modules per side, [(row, first column, run length), ...]).

    reportlab's own encoder (``reportlab.graphics.barcode.qrencoder``, what its QR widget
    draws with) makes the matrix: error correction M, the smallest version that fits, the best
    mask, the most compact mode the text allows; no quiet zone (the layout keeps it blank)."""
    from reportlab.graphics.barcode import qrencoder

    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)  # numeric, alphanumeric (serials are) or byte mode, as the text allows
    code.make()
    matrix: list[list[bool]] = code.modules
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return len(matrix), runs


def draw_qr(canvas: Any, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``data`` as one filled path, lower-left corner at (x, y). The
    quiet zone (4 modules) is the caller's: the layout keeps it blank."""
    modules, runs = qr_runs(data)
    cell = size / modules
    path = canvas.beginPath()
    for r, c, n in runs:
        path.rect(x + c * cell, y + size - (r + 1) * cell, n * cell, cell)
    canvas.drawPath(path, stroke=0, fill=1)


def _marks(canvas: Any, page: PageLayout) -> None:
    for mark in page.marks:
        canvas.setLineWidth(mark.line_width)
        path = canvas.beginPath()
        path.moveTo(mark.x + mark.dx * mark.length, mark.y)
        path.lineTo(mark.x, mark.y)
        path.lineTo(mark.x, mark.y + mark.dy * mark.length)
        canvas.drawPath(path, stroke=1, fill=0)


def _box(canvas: Any, rect: Rect) -> None:
    canvas.setLineWidth(0.9)
    canvas.setFillGray(1)
    canvas.rect(rect.x, rect.y, rect.width, rect.height, stroke=1, fill=1)
    canvas.setFillGray(0)


class _StaticPart:
    """Draws everything of one page that does not depend on the customer."""

    def __init__(self, canvas: Canvas, header: FormHeader, layout: FormLayout, _: Translate):
        self.c = canvas
        self.w = Writer(canvas)
        self.h = header
        self.layout = layout
        self.t = _
        keys = _item_keys(header.questions)
        self.texts = {key: q.text for (key, _kind), q in zip(keys, header.questions, strict=True)}

    def draw(self, page: PageLayout) -> None:
        _ = self.t
        c, w, h = self.c, self.w, self.h
        _marks(c, page)
        title = titled(h.company, h.title, h.language)
        draw_fitted(w, page.title, title, size=17, min_size=9, bold=True, valign="top")
        sub = "    ".join(
            (
                _("Branch: {branch}").format(branch=h.branch),
                _("Date: {date}").format(date=h.date_text),
            )
        )
        draw_fitted(w, page.subtitle, sub, size=10, min_size=6.5, max_lines=1)
        c.setLineWidth(1)
        c.line(page.content.x + 2 * MM, page.rule_y, page.content.right - 2 * MM, page.rule_y)
        if page.intro is not None:
            intro = _(
                "Thank you for using our service. Please tick one box on each line and hand "
                "the form to the counter or your courier. Your answers are only used to "
                "improve our service."
            )
            draw_fitted(w, page.intro, intro, size=9.5, min_size=7, leading=1.35, valign="top")
        for block in page.blocks:
            if isinstance(block, ScaleHeading):
                self.scale_heading(block)
            elif isinstance(block, ScaleRow):
                self.scale_row(block)
            elif isinstance(block, RangeQuestion):
                self.range_question(block)
            else:
                self.text_question(block)
        label = _("Page {n} of {total}").format(n=page.number, total=self.layout.page_count)
        draw_fitted(w, page.page_label, label, size=8, min_size=6, align="centre", max_lines=1)
        if page.office_use is not None:
            office = _("For office use: entered by ________  on ________")
            draw_fitted(w, page.office_use, office, size=7.5, min_size=5.5, max_lines=1)

    def scale_heading(self, block: ScaleHeading) -> None:
        _ = self.t
        heading = _("How satisfied are you? (1 = very dissatisfied, 5 = very satisfied)")
        text = f"{block.number}. {heading}"
        if block.continued:
            text += (" " if not self.h.language.startswith("zh") else "") + _("(continued)")
        draw_fitted(self.w, block.heading, text, size=11, min_size=7, bold=True, max_lines=1)
        self.c.setFont("Helvetica-Bold", 10)
        for value, centre in enumerate(block.centres, start=1):
            self.c.drawCentredString(centre, block.digits_baseline, str(value))

    def scale_row(self, block: ScaleRow) -> None:
        c = self.c
        if block.shade is not None:
            s = block.shade
            c.setFillGray(0.93)
            c.rect(s.x, s.y, s.width, s.height, stroke=0, fill=1)
            c.setFillGray(0)
        text = self.texts.get(block.item, block.item)
        draw_fitted(self.w, block.text, text, size=10, min_size=6.5, leading=1.15)
        for box in block.boxes:
            _box(c, box.rect)

    def range_question(self, block: RangeQuestion) -> None:
        _ = self.t
        c = self.c
        text = f"{block.number}. {self.texts.get(block.item, block.item)}"
        draw_fitted(self.w, block.heading, text, size=11, min_size=7, bold=True, valign="bottom")
        for box in block.boxes:
            _box(c, box.rect)
        c.setFont("Helvetica-Bold", 10)
        for box in block.boxes:
            c.drawCentredString(box.rect.centre[0], block.digits_baseline, str(box.value))
        if block.kind == "nps":
            low, high = _("0 = not at all likely"), _("10 = extremely likely")
        else:
            low, high = _("1 = strongly disagree"), _("7 = strongly agree")
        draw_fitted(self.w, block.low_label, low, size=8.5, min_size=6, max_lines=1)
        draw_fitted(
            self.w, block.high_label, high, size=8.5, min_size=6, align="right", max_lines=1
        )

    def text_question(self, block: TextQuestion) -> None:
        c = self.c
        text = f"{block.number}. {self.texts.get(block.item, block.item)}"
        draw_fitted(self.w, block.heading, text, size=11, min_size=7, bold=True, valign="bottom")
        c.setLineWidth(0.5)
        c.setStrokeGray(0.5)
        for y in block.lines:
            c.line(block.area.x, y, block.area.right, y)
        c.setStrokeGray(0)


class SurveyFormWriter:
    """Writes personalised forms into one PDF, form by form (call :meth:`close` at the end).

    Raises :class:`FormTooLong` when the questions need more than ``MAX_PAGES`` pages."""

    def __init__(self, output: Path, header: FormHeader) -> None:
        self.output = output
        self.header = header
        self.t = translator(header.language)
        self.layout = header_layout(header)
        if not self.layout.printable:
            raise FormTooLong(self.layout.page_count)
        # pages go to the file as they are finished: memory does not grow with the batch
        self.pdf = PdfFile(output, title=titled(header.company, header.title, header.language))
        self.c = self.pdf.canvas
        self.w = Writer(self.c)
        static = _StaticPart(self.c, header, self.layout, self.t)
        for page in self.layout.pages:
            self.c.beginForm(f"{STATIC}{page.number}")
            static.draw(page)
            self.c.endForm()
        self.pages = 0
        self.forms = 0

    def add(self, serial: str, customer_name: str) -> None:
        """One form (all its pages) for ``customer_name`` numbered ``serial``."""
        _ = self.t
        c, w = self.c, self.w
        for page in self.layout.pages:
            c.doForm(f"{STATIC}{page.number}")
            if page.greeting is not None:
                greeting = _("Dear {name},").format(name=customer_name)
                draw_fitted(w, page.greeting, greeting, size=12, min_size=7, bold=True,
                            max_lines=1)  # fmt: skip
            data = qr_text(serial, page.number)
            qr, small = page.qr, page.small_qr
            draw_qr(c, data, qr.x, qr.y, qr.width)
            draw_qr(c, data, small.x, small.y, small.width)
            _serial_text(c, page.serial, serial, 10, bold=True)
            _serial_text(c, page.footer_serial, serial, 8, bold=False)
            c.showPage()
            self.pages += 1
        self.forms += 1

    def close(self) -> Path:
        """Finish the PDF file: it appears at ``output`` now, complete."""
        return self.pdf.finish()

    def discard(self) -> None:
        """Abandon the unfinished file (cancel or error): ``output`` is left as it was."""
        self.pdf.discard()


def _serial_text(canvas: Any, box: Rect, serial: str, size: float, *, bold: bool) -> None:
    """The serial right-aligned in ``box`` (Courier, shrunk when a long branch code needs it)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = "Courier-Bold" if bold else "Courier"
    while size > 5 and stringWidth(serial, font, size) > box.width:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawRightString(box.right, box.y + (box.height - size * 0.6) / 2, serial)


def build_header(
    *,
    title: str,
    company: str,
    branch: str,
    date_text: str,
    language: str,
    questions: Sequence[Question],
) -> FormHeader:
    """A :class:`FormHeader` (keyword-only convenience for services)."""
    return FormHeader(title, company, branch, date_text, language, tuple(questions))
