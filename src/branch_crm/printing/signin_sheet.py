"""The training sign-in sheet of seed 003 ("A公司培训签到表"), A4, laid out in millimetres.

Page 1: company + 培训签到表, date, audience, trainer, location, the numbered content points
with the incident case notice as the last point (as in the sample), then the table
序号 / 姓名 / 联系方式 / 签到 / 备注. Expected attendees are pre-filled; blank rows fill the
rest of the last page for people who were not on the list. Every further page repeats a
short title and the table header. The layout is computed before drawing, so the footer can
say "page 1 of 2".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from branch_crm.printing.common import (
    MARGIN,
    MM,
    PAGE_H,
    PAGE_W,
    Translate,
    Writer,
    draw_fitted,
    translator,
)
from branch_crm.printing.pdf_file import pdf_canvas
from branch_crm.reference.form_layout import Rect

ROW_H = 10 * MM
"""Row height: room for a signature."""
HEADER_ROW_H = 9 * MM
FOOTER_H = 8 * MM
TITLE_SIZE = 18
TITLE_BOX_H = 12.5 * MM
"""Height of the heading's box (baseline up): two lines of a long company name fit, shrunk."""
BODY_SIZE = 10.5
TABLE_SIZE = 10.5
CONTINUED_TABLE_TOP = PAGE_H - MARGIN - 16 * MM
MIN_TABLE_ROWS = 3
"""The table starts on a new page when fewer rows than this fit under the intro."""
COLUMNS = (0.09, 0.22, 0.25, 0.24, 0.20)
"""Shares of the table width: No., name, contact, signature, remarks."""


@dataclass(frozen=True)
class SigninRow:
    """A pre-filled row: an expected attendee."""

    name: str
    contact: str = ""


@dataclass(frozen=True)
class PagePlan:
    """One page: intro lines ``intro_start:intro_end``, then ``rows`` table rows numbered
    from ``first_row`` under a header at ``table_top`` (no table when ``rows`` is 0)."""

    intro_start: int
    intro_end: int
    first_row: int
    rows: int
    continued: bool
    table_top: float = 0.0


@dataclass(frozen=True)
class SigninSheet:
    """Everything printed on the sheet, already formatted as text."""

    company: str
    title: str
    """The session's own title, printed under the heading."""
    starts_at: datetime
    ends_at: datetime | None
    audience: str
    trainer: str
    location: str
    content_points: tuple[str, ...]
    incident_notice: str
    rows: tuple[SigninRow, ...]
    reference: str
    """A short reference printed in the footer (to find the session when keying attendance)."""
    language: str


def date_text(start: datetime, end: datetime | None, language: str) -> str:
    """'2025年1月15日 09:00–11:00' in Chinese, '2025-01-15 09:00–11:00' in English."""
    if language.startswith("zh"):
        day = f"{start.year}年{start.month}月{start.day}日"
    else:
        day = start.strftime("%Y-%m-%d")
    times = start.strftime("%H:%M")
    if end is not None:
        times += "–" + end.strftime("%H:%M")
    return f"{day} {times}"


def heading(company: str, language: str, _: Translate) -> str:
    """'A公司培训签到表' / 'ACME training sign-in sheet'."""
    title = _("Training sign-in sheet")
    if not company:
        return title
    return f"{company}{title}" if language.startswith("zh") else f"{company} {title}"


class _Layout:
    """Measures and draws the sheet; ``plan()`` first, then ``draw()``."""

    def __init__(self, canvas: Canvas, sheet: SigninSheet) -> None:
        self.c = canvas
        self.w = Writer(canvas)
        self.sheet = sheet
        self.t = translator(sheet.language)
        self.left = MARGIN
        self.width = PAGE_W - 2 * MARGIN
        self.bottom = MARGIN + FOOTER_H

    # --- measuring ---------------------------------------------------------------------------

    def _intro_lines(self) -> list[tuple[str, float, bool, float]]:
        """(text, x indent, bold, line gap) of everything above the table on page 1."""
        _ = self.t
        s = self.sheet
        lines: list[tuple[str, float, bool, float]] = []

        def fact_line(*facts: str) -> None:
            """Facts on one line when they fit, else each on its own; a long one wraps, its
            further lines indented."""
            joined = "    ".join(facts)
            if self.w.width(joined, BODY_SIZE) <= self.width:
                facts = (joined,)
            indent = 6 * MM
            for text in facts:
                first, *rest = self.w.wrap(text, self.width, BODY_SIZE) or [""]
                lines.append((first, 0, False, 6.5 * MM))
                if rest:
                    for line in self.w.wrap(" ".join(rest), self.width - indent, BODY_SIZE):
                        lines.append((line, indent, False, 5.4 * MM))

        if s.title:
            fact_line(_("Topic: {title}").format(title=s.title))
        facts = [_("Date: {date}").format(date=date_text(s.starts_at, s.ends_at, s.language))]
        if s.trainer:
            facts.append(_("Trainer: {name}").format(name=s.trainer))
        fact_line(*facts)
        where = []
        if s.audience:
            where.append(_("Trainees: {audience}").format(audience=s.audience))
        if s.location:
            where.append(_("Location: {place}").format(place=s.location))
        if where:
            fact_line(*where)
        points = list(s.content_points)
        if s.incident_notice:
            points.append(_("Incident case notice: {text}").format(text=s.incident_notice))
        if points:
            lines.append((_("Content:"), 0, True, 6.5 * MM))
        indent = 6 * MM
        for number, point in enumerate(points, start=1):
            label = f"{number}. "
            label_w = self.w.width(label, BODY_SIZE)
            wrapped = self.w.wrap(point, self.width - indent - label_w, BODY_SIZE)
            for i, line in enumerate(wrapped):
                text = (label if i == 0 else "") + line
                x = indent + (0 if i == 0 else label_w)
                lines.append((text, x, False, 5.4 * MM))
        return lines

    def _rows_fitting(self, table_top: float) -> int:
        return max(0, int((table_top - HEADER_ROW_H - self.bottom) // ROW_H))

    def plan(self) -> list[PagePlan]:
        """What goes on each page: intro lines (flowing over pages when there are many content
        points), then the table: attendees first, blank rows up to the end of the last page."""
        intro = self._intro_lines()
        pages: list[PagePlan] = []
        y = PAGE_H - MARGIN - 10 * MM - 4 * MM  # under the title of page 1
        start = 0
        for index, (_text, _x, _bold, gap) in enumerate(intro):
            if y - gap < self.bottom:
                pages.append(PagePlan(start, index, 0, 0, continued=bool(pages)))
                start, y = index, CONTINUED_TABLE_TOP
            y -= gap
        table_top = y - 4 * MM
        room = self._rows_fitting(table_top)
        if room < min(MIN_TABLE_ROWS, max(1, len(self.sheet.rows))):
            pages.append(PagePlan(start, len(intro), 0, 0, continued=bool(pages)))
            start = len(intro)
            table_top = CONTINUED_TABLE_TOP
            room = self._rows_fitting(table_top)
        remaining = len(self.sheet.rows)
        first_row = 1
        while True:
            pages.append(
                PagePlan(start, len(intro), first_row, max(room, 0), bool(pages), table_top)
            )
            start = len(intro)
            remaining -= room
            first_row += room
            if remaining <= 0:
                return pages
            table_top = CONTINUED_TABLE_TOP
            room = self._rows_fitting(table_top)

    # --- drawing -----------------------------------------------------------------------------

    def _title(self, text: str, y: float) -> None:
        """The heading centred with its baseline near ``y``: shrunk, or on two lines, when a
        long company name would not fit the width (never past the margins)."""
        box = Rect(self.left, y - 0.2 * TITLE_SIZE, self.width, TITLE_BOX_H)
        draw_fitted(self.w, box, text, size=TITLE_SIZE, min_size=10, bold=True,
                    align="centre", valign="bottom")  # fmt: skip

    def _intro(self, lines: list[tuple[str, float, bool, float]], y: float) -> float:
        for text, x, bold, gap in lines:
            y -= gap
            self.w.text(self.left + x, y, text, BODY_SIZE, bold=bold)
        return y - 4 * MM

    def _first_title(self) -> float:
        s = self.sheet
        top = PAGE_H - MARGIN - 10 * MM
        self._title(heading(s.company, s.language, self.t), top)
        return top - 4 * MM

    def _continued(self) -> float:
        _ = self.t
        s = self.sheet
        top = PAGE_H - MARGIN - 6 * MM
        gap = "" if s.language.startswith("zh") else " "
        text = heading(s.company, s.language, _) + gap + _("(continued)")
        self._title(text, top)
        self.w.centred(PAGE_W / 2, top - 6 * MM, date_text(s.starts_at, s.ends_at, s.language), 9.5)
        return CONTINUED_TABLE_TOP

    def _column_edges(self) -> list[float]:
        edges = [self.left]
        for share in COLUMNS:
            edges.append(edges[-1] + share * self.width)
        edges[-1] = self.left + self.width
        return edges

    def _table_header(self, top: float) -> float:
        _ = self.t
        c = self.c
        edges = self._column_edges()
        c.setFillGray(0.88)
        c.rect(self.left, top - HEADER_ROW_H, self.width, HEADER_ROW_H, stroke=0, fill=1)
        c.setFillGray(0)
        labels = (_("No."), _("Name"), _("Contact"), _("Signature"), _("Remarks"))
        baseline = top - HEADER_ROW_H / 2 - TABLE_SIZE * 0.35
        for i, label in enumerate(labels):
            self.w.centred((edges[i] + edges[i + 1]) / 2, baseline, label, TABLE_SIZE, bold=True)
        return top - HEADER_ROW_H

    def _rows(self, top: float, first_number: int, count: int) -> None:
        c = self.c
        edges = self._column_edges()
        rows = self.sheet.rows
        for i in range(count):
            number = first_number + i
            y = top - (i + 1) * ROW_H
            baseline = y + ROW_H / 2 - TABLE_SIZE * 0.35
            self.w.centred((edges[0] + edges[1]) / 2, baseline, str(number), TABLE_SIZE)
            if number <= len(rows):
                row = rows[number - 1]
                self._cell(row.name, edges[1], edges[2], baseline)
                self._cell(row.contact, edges[2], edges[3], baseline)
        bottom = top - count * ROW_H
        c.setLineWidth(0.6)
        for y in [top + HEADER_ROW_H] + [top - k * ROW_H for k in range(count + 1)]:
            c.line(self.left, y, self.left + self.width, y)
        for x in edges:
            c.line(x, top + HEADER_ROW_H, x, bottom)

    def _cell(self, text: str, x0: float, x1: float, baseline: float) -> None:
        """A name or contact in its cell: shrunk, then on two lines, then cut with an
        ellipsis; never across the column lines."""
        if not text:
            return
        row_bottom = baseline - (ROW_H / 2 - TABLE_SIZE * 0.35)
        box = Rect(x0 + 1.5 * MM, row_bottom + 0.8 * MM, x1 - x0 - 3 * MM, ROW_H - 1.6 * MM)
        draw_fitted(self.w, box, text, size=TABLE_SIZE, min_size=7, leading=1.1)

    def _footer(self, page: int, pages: int) -> None:
        _ = self.t
        y = MARGIN
        self.w.text(self.left, y, self.sheet.reference, 7.5)
        self.w.right(
            self.left + self.width, y, _("Page {n} of {total}").format(n=page, total=pages), 8
        )

    def draw(self) -> int:
        """Draw every page; returns the page count."""
        plan = self.plan()
        intro = self._intro_lines()
        for index, page in enumerate(plan):
            y = self._continued() if page.continued else self._first_title()
            if page.intro_end > page.intro_start:
                self._intro(intro[page.intro_start : page.intro_end], y)
            if page.rows:
                body_top = self._table_header(page.table_top)
                self._rows(body_top, page.first_row, page.rows)
            self._footer(index + 1, len(plan))
            self.c.showPage()
        return len(plan)


def render_signin_sheet(output: Path, sheet: SigninSheet) -> int:
    """Write the sign-in sheet PDF to ``output`` (atomically, see printing.pdf_file);
    returns the number of pages."""
    title = heading(sheet.company, sheet.language, translator(sheet.language))
    with pdf_canvas(output, title=title) as canvas:
        return _Layout(canvas, sheet).draw()


def pages_needed(sheet: SigninSheet) -> int:
    """How many pages the sheet takes (without writing it)."""
    from io import BytesIO

    return len(_Layout(Canvas(BytesIO()), sheet).plan())


def blank_rows_on_last_page(sheet: SigninSheet) -> int:
    """Blank rows left on the last page after the expected attendees."""
    from io import BytesIO

    plan = _Layout(Canvas(BytesIO()), sheet).plan()
    return sum(page.rows for page in plan) - len(sheet.rows)


__all__ = [
    "SigninRow",
    "SigninSheet",
    "blank_rows_on_last_page",
    "date_text",
    "heading",
    "pages_needed",
    "render_signin_sheet",
]
