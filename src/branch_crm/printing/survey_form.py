"""The printed satisfaction survey: one personalised A4 form per customer.

Each form carries its serial as text and as a QR code, corner marks for a later scanner, and
tick boxes big enough for a pen. The part that is the same on every form (questions, boxes,
headings) is drawn once per document as a PDF form XObject and placed on each page, so a
batch of a thousand forms costs little more than the names, serials and QR codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from branch_crm.printing.common import (
    MM,
    PAGE_H,
    PAGE_W,
    Translate,
    Writer,
    corner_marks,
    titled,
    translator,
)
from branch_crm.printing.pdf_file import PdfFile

LEFT = 20 * MM
RIGHT = PAGE_W - 20 * MM
BOX = 6.5 * MM
ROW = 9 * MM
SCALE_CENTRES = [132 * MM + i * 13 * MM for i in range(5)]
QR_SIZE = 24 * MM
QR_X = RIGHT - QR_SIZE
QR_Y = PAGE_H - 45 * MM
STATIC = "surveyStatic"


@dataclass(frozen=True)
class Question:
    """A question as printed: ``kind`` scale5 / nps / ces / text, answers ``low``..``high``."""

    kind: str
    text: str
    low: int = 0
    high: int = 0


@dataclass(frozen=True)
class FormHeader:
    """What is the same on every form of one document."""

    title: str
    company: str
    branch: str
    date_text: str
    language: str
    questions: tuple[Question, ...]


def qr_runs(data: str) -> tuple[int, list[tuple[int, int, int]]]:
    """QR code of ``data`` as (modules per side, [(row, first column, run length), ...])."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
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
    """Draw the QR code of ``data`` as one filled path, lower-left corner at (x, y)."""
    modules, runs = qr_runs(data)
    cell = size / modules
    path = canvas.beginPath()
    for r, c, n in runs:
        path.rect(x + c * cell, y + size - (r + 1) * cell, n * cell, cell)
    canvas.drawPath(path, stroke=0, fill=1)


def _boxes(canvas: Any, centres: Sequence[float], y: float, digits_y: float | None) -> None:
    canvas.setLineWidth(0.9)
    canvas.setFillGray(1)
    for centre in centres:
        canvas.rect(centre - BOX / 2, y, BOX, BOX, stroke=1, fill=1)
    canvas.setFillGray(0)
    if digits_y is not None:
        canvas.setFont("Helvetica", 9)
        for value, centre in enumerate(centres):
            canvas.drawCentredString(centre, digits_y, str(value))


class _StaticPart:
    """Draws everything that does not depend on the customer."""

    def __init__(self, canvas: Canvas, header: FormHeader, _: Translate) -> None:
        self.c = canvas
        self.w = Writer(canvas)
        self.h = header
        self.t = _

    def draw(self) -> None:
        _ = self.t
        c, w, h = self.c, self.w, self.h
        corner_marks(c)
        w.text(LEFT, PAGE_H - 24 * MM, titled(h.company, h.title, h.language), 17, bold=True)
        sub = "    ".join(
            (
                _("Branch: {branch}").format(branch=h.branch),
                _("Date: {date}").format(date=h.date_text),
            )
        )
        w.text(LEFT, PAGE_H - 31 * MM, sub, 10)
        c.setLineWidth(1)
        c.line(LEFT, PAGE_H - 52 * MM, RIGHT, PAGE_H - 52 * MM)
        intro = _(
            "Thank you for using our service. Please tick one box on each line and hand the "
            "form to the counter or your courier. Your answers are only used to improve our "
            "service."
        )
        w.paragraph(LEFT, PAGE_H - 66 * MM, intro, max_width=RIGHT - LEFT, size=9.5)
        y = PAGE_H - 82 * MM
        number = 1
        scales = [q for q in h.questions if q.kind == "scale5"]
        if scales:
            y = self.scale_block(number, y, scales)
            number += 1
        for question in h.questions:
            if question.kind in ("nps", "ces"):
                y = self.range_block(number, y, question)
                number += 1
        for question in h.questions:
            if question.kind == "text":
                y = self.text_block(number, y, question)
                number += 1
        c.setFont("Helvetica", 7)
        w.text(LEFT, 13 * MM, _("For office use: entered by ________  on ________"), 7.5)

    def scale_block(self, number: int, y: float, scales: list[Question]) -> float:
        _ = self.t
        c, w = self.c, self.w
        heading = _("How satisfied are you? (1 = very dissatisfied, 5 = very satisfied)")
        w.text(LEFT, y, f"{number}. {heading}", 11, bold=True)
        y -= 7 * MM
        c.setFont("Helvetica-Bold", 10)
        for value, centre in enumerate(SCALE_CENTRES, start=1):
            c.drawCentredString(centre, y, str(value))
        y -= 2 * MM
        for index, question in enumerate(scales):
            top = y - index * ROW
            if index % 2 == 0:
                c.setFillGray(0.93)
                c.rect(LEFT - 2 * MM, top - ROW, RIGHT - LEFT + 4 * MM, ROW, stroke=0, fill=1)
                c.setFillGray(0)
            size = 10.0
            while w.width(question.text, size) > 108 * MM and size > 7:
                size -= 0.5
            w.text(LEFT, top - ROW / 2 - size * 0.35, question.text, size)
            _boxes(c, SCALE_CENTRES, top - ROW / 2 - BOX / 2, None)
        return y - len(scales) * ROW - 10 * MM

    def range_block(self, number: int, y: float, question: Question) -> float:
        _ = self.t
        c, w = self.c, self.w
        y = w.paragraph(
            LEFT, y, f"{number}. {question.text}", max_width=RIGHT - LEFT, size=11, bold=True
        )
        count = question.high - question.low + 1
        step = (RIGHT - LEFT) / count
        centres = [LEFT + step * (i + 0.5) for i in range(count)]
        box_y = y - BOX
        c.setLineWidth(0.9)
        for centre in centres:
            c.rect(centre - BOX / 2, box_y, BOX, BOX, stroke=1, fill=0)
        c.setFont("Helvetica-Bold", 10)
        for value, centre in zip(range(question.low, question.high + 1), centres, strict=True):
            c.drawCentredString(centre, box_y - 4.5 * MM, str(value))
        if question.kind == "nps":
            low, high = _("0 = not at all likely"), _("10 = extremely likely")
        else:
            low, high = _("1 = strongly disagree"), _("7 = strongly agree")
        w.text(LEFT, box_y - 9.5 * MM, low, 8.5)
        w.right(RIGHT, box_y - 9.5 * MM, high, 8.5)
        return box_y - 18 * MM

    def text_block(self, number: int, y: float, question: Question) -> float:
        c, w = self.c, self.w
        y = w.paragraph(
            LEFT, y, f"{number}. {question.text}", max_width=RIGHT - LEFT, size=11, bold=True
        )
        c.setLineWidth(0.5)
        c.setStrokeGray(0.5)
        line_y = y - 6 * MM
        while line_y > 22 * MM:
            c.line(LEFT, line_y, RIGHT, line_y)
            line_y -= 8 * MM
        c.setStrokeGray(0)
        return line_y


class SurveyFormWriter:
    """Writes personalised forms into one PDF, page by page (call :meth:`close` at the end)."""

    def __init__(self, output: Path, header: FormHeader) -> None:
        self.output = output
        self.header = header
        self.t = translator(header.language)
        # pages go to the file as they are finished: memory does not grow with the batch
        self.pdf = PdfFile(output, title=titled(header.company, header.title, header.language))
        self.c = self.pdf.canvas
        self.w = Writer(self.c)
        self.c.beginForm(STATIC)
        _StaticPart(self.c, header, self.t).draw()
        self.c.endForm()
        self.pages = 0

    def add(self, serial: str, customer_name: str) -> None:
        """One form for ``customer_name`` numbered ``serial``."""
        _ = self.t
        c, w = self.c, self.w
        c.doForm(STATIC)
        w.text(LEFT, PAGE_H - 60 * MM, _("Dear {name},").format(name=customer_name), 12, True)
        draw_qr(c, serial, QR_X, QR_Y, QR_SIZE)
        c.setFont("Courier-Bold", 10)
        c.drawRightString(RIGHT, QR_Y - 4.5 * MM, serial)
        c.setFont("Courier", 8)
        c.drawRightString(RIGHT, 13 * MM, serial)
        c.showPage()
        self.pages += 1

    def close(self) -> Path:
        """Finish the PDF file: it appears at ``output`` now, complete."""
        return self.pdf.finish()

    def discard(self) -> None:
        """Abandon the unfinished file (cancel or error): ``output`` is left as it was."""
        self.pdf.discard()


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
