"""Shared drawing helpers for printed documents: CJK-aware text, wrapping, boxes, language.

Everything is laid out in millimetres on A4 with reportlab's canvas. Printed forms follow the
branch language, which may differ from the language of the screen, so documents translate
with :func:`translator` instead of the global ``_()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from branch_crm.printing.fonts import PdfFonts, pdf_fonts
from branch_crm.reference.form_layout import Rect

PAGE_W: float = float(A4[0])
PAGE_H: float = float(A4[1])
MM: float = float(mm)
MARGIN: float = 15 * MM
_TOKEN = re.compile(r"[A-Za-z0-9_@.\-/:+()#,;'\"!?%&*=\[\]]+\s*|\s+|.", re.DOTALL)

Translate = Callable[[str], str]
NO_LINE_START = frozenset("。，、；：？！）」』】》〉”’…·.,;:!?)]}%")
"""Punctuation that must not begin a line (kinsoku): it hangs at the end of the line before."""


def translator(language: str) -> Translate:
    """A ``_()`` for ``language`` that leaves the screen language alone (the catalogue
    cache of :mod:`branch_crm.i18n`; a language without a catalogue prints the source)."""
    from branch_crm.i18n import cached_translations

    return cached_translations(language).gettext


def titled(company: str, title: str, language: str) -> str:
    """'A公司培训签到表' in Chinese, 'ACME Training sign-in sheet' in English."""
    if not company:
        return title
    return f"{company}{title}" if language.startswith("zh") else f"{company} {title}"


class Writer:
    """Draws text on a reportlab canvas with the printing fonts (CJK + Latin runs)."""

    def __init__(self, canvas: Any, fonts: PdfFonts | None = None) -> None:
        self.c = canvas
        self.fonts = fonts or pdf_fonts()

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """Width of ``text`` in points."""
        return float(
            sum(stringWidth(piece, name, size) for piece, name in self.fonts.runs(text, bold))
        )

    def text(self, x: float, y: float, text: str, size: float, bold: bool = False) -> float:
        """Draw ``text`` with its baseline at (x, y); returns the x after it."""
        c = self.c
        for piece, name in self.fonts.runs(text, bold):
            c.setFont(name, size)
            if bold and name not in ("Helvetica-Bold",):
                c.setLineWidth(size * 0.035)
                c.drawString(x, y, piece, mode=2)
            else:
                c.drawString(x, y, piece)
            x += stringWidth(piece, name, size)
        return x

    def centred(self, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
        """Draw ``text`` centred on x."""
        self.text(x - self.width(text, size, bold) / 2, y, text, size, bold)

    def right(self, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
        """Draw ``text`` ending at x."""
        self.text(x - self.width(text, size, bold), y, text, size, bold)

    def wrap(self, text: str, max_width: float, size: float, bold: bool = False) -> list[str]:
        """Greedy line breaking: CJK breaks between any characters, Latin at spaces."""
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line = ""
            for token in _TOKEN.findall(paragraph):
                candidate = line + token
                overflows = line and self.width(candidate.rstrip(), size, bold) > max_width
                if overflows and len(token) == 1 and token in NO_LINE_START:
                    line = candidate  # hanging punctuation, slightly past the margin
                elif overflows:
                    lines.append(line.rstrip())
                    line = token.lstrip()
                    while self.width(line, size, bold) > max_width and len(line) > 1:
                        cut = _fit(self, line, max_width, size, bold)
                        lines.append(line[:cut])
                        line = line[cut:]
                else:
                    line = candidate
                    # one word longer than the line (an e-mail address, a long number):
                    # cut it where the width ends
                    while self.width(line.rstrip(), size, bold) > max_width and len(line) > 1:
                        cut = _fit(self, line, max_width, size, bold)
                        lines.append(line[:cut])
                        line = line[cut:]
            lines.append(line.rstrip())
        return lines

    def paragraph(
        self,
        x: float,
        y: float,
        text: str,
        *,
        max_width: float,
        size: float,
        leading: float | None = None,
        bold: bool = False,
    ) -> float:
        """Draw wrapped text from baseline y downwards; returns the y below the last line."""
        leading = leading or size * 1.35
        for line in self.wrap(text, max_width, size, bold):
            self.text(x, y, line, size, bold)
            y -= leading
        return y


@dataclass(frozen=True)
class Fitted:
    """Text fitted into a box: the font ``size``, the ``lines`` and their ``leading``."""

    size: float
    lines: tuple[str, ...]
    leading: float


ELLIPSIS = "…"


def fit_text(
    writer: Writer,
    text: str,
    width: float,
    height: float,
    *,
    size: float,
    min_size: float = 6.0,
    bold: bool = False,
    leading: float = 1.2,
    max_lines: int = 0,
) -> Fitted:
    """The largest font size from ``size`` down to ``min_size`` (0.5 pt steps) at which
    ``text``, wrapped, fits ``width`` x ``height`` (and ``max_lines`` when given). When even
    ``min_size`` is too big, the lines that fit are kept and the last one ends in an ellipsis:
    a text from data never leaves its box."""
    text = re.sub(r"\s*\n\s*", " ", text).strip()
    current = size
    while True:
        lead = current * leading
        lines = writer.wrap(text, width, current, bold) if text else [""]
        if any(writer.width(line, current, bold) > width for line in lines):
            # punctuation hung past the margin (kinsoku): wrap one em narrower instead
            lines = writer.wrap(text, max(width - current, current), current, bold)
        allowed = max(1, int((height + 0.01 - current) // lead) + 1) if height >= current else 0
        if max_lines:
            allowed = min(allowed, max_lines)
        if allowed and len(lines) <= allowed:
            return Fitted(current, tuple(lines), lead)
        if current - 0.5 < min_size - 1e-9:
            break
        current -= 0.5
    lead = min_size * leading
    allowed = max(1, allowed)
    kept = list(lines[:allowed])
    last = kept[-1]
    while last and writer.width(last + ELLIPSIS, min_size, bold) > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + ELLIPSIS
    return Fitted(min_size, tuple(kept), lead)


def draw_fitted(
    writer: Writer,
    box: Rect,
    text: str,
    *,
    size: float,
    min_size: float = 6.0,
    bold: bool = False,
    align: str = "left",
    valign: str = "middle",
    leading: float = 1.2,
    max_lines: int = 0,
) -> Fitted:
    """Draw ``text`` fitted (see :func:`fit_text`) into ``box``: ``align`` left, centre or
    right; ``valign`` top, middle or bottom (of the block of lines, by the font size)."""
    fitted = fit_text(
        writer,
        text,
        box.width,
        box.height,
        size=size,
        min_size=min_size,
        bold=bold,
        leading=leading,
        max_lines=max_lines,
    )
    block = fitted.size + (len(fitted.lines) - 1) * fitted.leading
    if valign == "top":
        first = box.top - fitted.size
    elif valign == "bottom":
        first = box.y + block - fitted.size
    else:
        first = box.y + (box.height + block) / 2 - fitted.size
    # baseline of a line: descenders (about 0.2 em) stay inside the box
    first += 0.2 * fitted.size
    for index, line in enumerate(fitted.lines):
        baseline = first - index * fitted.leading
        if align == "centre":
            writer.centred(box.x + box.width / 2, baseline, line, fitted.size, bold)
        elif align == "right":
            writer.right(box.right, baseline, line, fitted.size, bold)
        else:
            writer.text(box.x, baseline, line, fitted.size, bold)
    return fitted


def _fit(writer: Writer, text: str, max_width: float, size: float, bold: bool) -> int:
    """How many leading characters of ``text`` fit in ``max_width`` (at least one)."""
    for cut in range(len(text), 0, -1):
        if writer.width(text[:cut], size, bold) <= max_width:
            return cut
    return 1


def tick_box(canvas: Any, x: float, y: float, size: float = 5 * mm) -> None:
    """An empty square for a pen tick, lower-left corner at (x, y)."""
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, size, size, stroke=1, fill=0)


def corner_marks(canvas: Any, inset: float = 8 * mm, length: float = 8 * mm) -> None:
    """L-shaped registration marks in the four page corners (for a later scanner)."""
    canvas.setLineWidth(1.6)
    w, h = PAGE_W, PAGE_H
    for cx, cy, dx, dy in (
        (inset, inset, 1, 1),
        (w - inset, inset, -1, 1),
        (inset, h - inset, 1, -1),
        (w - inset, h - inset, -1, -1),
    ):
        path = canvas.beginPath()
        path.moveTo(cx + dx * length, cy)
        path.lineTo(cx, cy)
        path.lineTo(cx, cy + dy * length)
        canvas.drawPath(path, stroke=1, fill=0)


def compress_finished_pages(canvas: Any) -> None:
    """Deflate each page's content stream as soon as the page is finished.

    reportlab keeps every finished page's drawing operators as text until ``save()`` and
    compresses them only then; for a batch of a thousand forms that text is most of the
    memory. Compressing at once keeps about a tenth of it (the PDF bytes are the same).
    """
    import zlib

    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream

    def on_page(_number: int) -> None:
        page = canvas._doc.Pages.pages[-1]
        stream = page.stream
        if not stream or page.Contents:
            return
        data = stream.encode("latin-1") if isinstance(stream, str) else stream
        contents = PDFStream(
            PDFDictionary({"Filter": PDFArray([PDFName("FlateDecode")])}), zlib.compress(data)
        )
        contents.__Comment__ = "page stream"
        page.Contents = contents
        page.stream = None

    canvas.setPageCallBack(on_page)
