"""The month's visit list for account managers to take along: A4, one section per account
manager (each starting on a new page), the customers still due visits that month.

Each row: number, customer (and company), visit class, phone, address, visits made / due,
the last visit, and an empty box to write down when the visit was made. Every text from the
data is fitted to its cell (printing.common.draw_fitted: wrapped, shrunk, then cut with
"…"), so a long company name or address never runs into the next column. Every page repeats
the section's title and the table header; the footer says "page 3 of 5" over the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from branch_crm.printing.common import (
    MARGIN,
    MM,
    PAGE_H,
    PAGE_W,
    Writer,
    draw_fitted,
    titled,
    translator,
)
from branch_crm.printing.pdf_file import pdf_canvas
from branch_crm.reference.form_layout import Rect

__all__ = [
    "VisitList",
    "VisitListEntry",
    "VisitListSection",
    "document_title",
    "month_text",
    "render_visit_list",
    "rows_per_page",
]

ROW_H = 12 * MM
"""Room for two lines of text, and for writing down the visit by hand."""
HEADER_ROW_H = 8 * MM
CELL_PAD_X = 1.2 * MM
CELL_PAD_Y = 0.8 * MM
NAME_SHARE = 0.55
"""Of a customer cell with a company: the name's part (the company gets the rest)."""
TITLE_SIZE = 15
TABLE_SIZE = 9.0
SMALL_SIZE = 7.5
TABLE_TOP = PAGE_H - MARGIN - 22 * MM
FOOTER_Y = MARGIN - 4 * MM
COLUMNS = (0.05, 0.20, 0.06, 0.14, 0.24, 0.08, 0.10, 0.13)
"""Shares of the table width: No., customer, class, phone, address, visits, last visit,
visited on (written by hand)."""


@dataclass(frozen=True)
class VisitListEntry:
    """One customer to visit, already formatted."""

    name: str
    visit_class: str
    phone: str
    address: str
    company: str
    visits: int
    required: int
    last_visit: str
    """The last visit's date, or "" when the customer was never visited."""


@dataclass(frozen=True)
class VisitListSection:
    """The customers of one account manager ("" when they have none)."""

    manager: str
    entries: tuple[VisitListEntry, ...]
    customers: int
    """All the manager's classed customers (visited enough or not)."""


@dataclass(frozen=True)
class VisitList:
    """Everything printed."""

    company: str
    branch: str
    month: str
    """'YYYY-MM'."""
    sections: tuple[VisitListSection, ...]
    printed_at: str
    language: str


def month_text(month: str, language: str) -> str:
    """'2027年3月' in Chinese, '2027-03' in English."""
    if language.startswith("zh"):
        return f"{int(month[:4])}年{int(month[5:7])}月"
    return month


def document_title(data: VisitList) -> str:
    """'A公司2027年3月拜访清单' / 'ACME Visit list 2027-03'."""
    _ = translator(data.language)
    month = month_text(data.month, data.language)
    return titled(data.company, _("Visit list {month}").format(month=month), data.language)


def rows_per_page() -> int:
    """Table rows on a page."""
    return int((TABLE_TOP - HEADER_ROW_H - (MARGIN + 4 * MM)) // ROW_H)


class _Layout:
    """Draws the list page by page."""

    def __init__(self, canvas: Canvas, data: VisitList) -> None:
        self.c = canvas
        self.w = Writer(canvas)
        self.data = data
        self.t = translator(data.language)
        self.left = MARGIN
        self.width = PAGE_W - 2 * MARGIN
        self.edges = [self.left]
        for share in COLUMNS:
            self.edges.append(self.edges[-1] + share * self.width)
        self.edges[-1] = self.left + self.width

    def pages(self) -> list[tuple[int, int, int, bool]]:
        """(section, first entry, entries, continued) of every page."""
        per_page = rows_per_page()
        plan: list[tuple[int, int, int, bool]] = []
        for index, section in enumerate(self.data.sections):
            first = 0
            while True:
                count = min(per_page, len(section.entries) - first)
                plan.append((index, first, max(0, count), first > 0))
                first += per_page
                if first >= len(section.entries):
                    break
        return plan or [(-1, 0, 0, False)]

    def draw(self) -> int:
        """Every page; returns the page count."""
        plan = self.pages()
        for number, (index, first, count, continued) in enumerate(plan, start=1):
            if index < 0:
                self._heading(None, continued=False)
                self._nothing()
            else:
                section = self.data.sections[index]
                self._heading(section, continued=continued)
                if section.entries:
                    top = self._table_header(TABLE_TOP)
                    self._rows(top, section.entries[first : first + count], first + 1)
                else:
                    self._nothing()
            self._footer(number, len(plan))
            self.c.showPage()
        return len(plan)

    def _heading(self, section: VisitListSection | None, *, continued: bool) -> None:
        _ = self.t
        top = PAGE_H - MARGIN
        title = document_title(self.data)
        if continued:
            gap = "" if self.data.language.startswith("zh") else " "
            title += gap + _("(continued)")
        self.w.text(self.left, top - 6 * MM, title, TITLE_SIZE, bold=True)
        bits = [_("Branch: {branch}").format(branch=self.data.branch)]
        if section is not None:
            manager = section.manager or _("No account manager")
            bits.insert(0, _("Account manager: {name}").format(name=manager))
            bits.append(
                _("To visit: {behind} of {customers} customers").format(
                    behind=len(section.entries), customers=section.customers
                )
            )
        self.w.text(self.left, top - 13 * MM, "    ".join(bits), 10)
        self.c.setLineWidth(1)
        self.c.line(self.left, top - 16 * MM, self.left + self.width, top - 16 * MM)

    def _nothing(self) -> None:
        _ = self.t
        self.w.text(
            self.left, TABLE_TOP - 8 * MM, _("Every customer is visited enough this month."), 11
        )

    def _table_header(self, top: float) -> float:
        _ = self.t
        c = self.c
        c.setFillGray(0.88)
        c.rect(self.left, top - HEADER_ROW_H, self.width, HEADER_ROW_H, stroke=0, fill=1)
        c.setFillGray(0)
        labels = (
            _("No."),
            _("Customer"),
            _("Class"),
            _("Phone"),
            _("Address"),
            _("Visits"),
            _("Last visit"),
            _("Visited on"),
        )
        baseline = top - HEADER_ROW_H / 2 - TABLE_SIZE * 0.35
        for i, label in enumerate(labels):
            mid = (self.edges[i] + self.edges[i + 1]) / 2
            size = TABLE_SIZE
            while size > 6 and self.w.width(label, size, True) > self.edges[i + 1] - self.edges[i]:
                size -= 0.5
            self.w.centred(mid, baseline, label, size, bold=True)
        return top - HEADER_ROW_H

    def _rows(self, top: float, entries: tuple[VisitListEntry, ...], first_number: int) -> None:
        c = self.c
        edges = self.edges
        for i, entry in enumerate(entries):
            y_top = top - i * ROW_H
            self._fitted(str(first_number + i), 0, y_top, align="centre")
            if entry.company:  # the name above (up to two lines), the company below
                name_h = NAME_SHARE * (ROW_H - 2 * CELL_PAD_Y)
                self._fitted(entry.name, 1, y_top, bold=True, valign="bottom", leading=1.1,
                             max_lines=2, height=name_h)  # fmt: skip
                self._fitted(entry.company, 1, y_top - name_h, size=SMALL_SIZE, min_size=5.5,
                             valign="top", leading=1.1, max_lines=2, height=-name_h)  # fmt: skip
            else:  # a long name takes both lines
                self._fitted(entry.name, 1, y_top, bold=True, max_lines=2, leading=1.1)
            self._fitted(entry.visit_class, 2, y_top, align="centre")
            self._fitted(entry.phone, 3, y_top, max_lines=1)
            self._fitted(entry.address, 4, y_top, size=SMALL_SIZE + 0.5, leading=1.1)
            visits = f"{entry.visits} / {entry.required}"
            self._fitted(visits, 5, y_top, align="centre", max_lines=1)
            self._fitted(entry.last_visit or "—", 6, y_top, max_lines=1)
        bottom = top - len(entries) * ROW_H
        c.setLineWidth(0.6)
        for y in [top + HEADER_ROW_H] + [top - k * ROW_H for k in range(len(entries) + 1)]:
            c.line(self.left, y, self.left + self.width, y)
        for x in edges:
            c.line(x, top + HEADER_ROW_H, x, bottom)

    def _fitted(
        self,
        text: str,
        column: int,
        top: float,
        *,
        size: float = TABLE_SIZE,
        min_size: float = 6.0,
        bold: bool = False,
        align: str = "left",
        valign: str = "middle",
        leading: float = 1.2,
        max_lines: int = 0,
        height: float = 0.0,
    ) -> None:
        """``text`` in a column of the row whose top is ``top``, fitted to its cell (common.
        draw_fitted: wrapped, shrunk down to ``min_size``, then cut with "…"): the whole cell,
        or its top ``height`` points (negative: the cell but its top ``-height`` points)."""
        if not text:
            return
        inner = ROW_H - 2 * CELL_PAD_Y
        if height > 0:
            inner = height
        elif height < 0:
            inner += height
        box = Rect(
            self.edges[column] + CELL_PAD_X,
            top - CELL_PAD_Y - inner,
            self.edges[column + 1] - self.edges[column] - 2 * CELL_PAD_X,
            inner,
        )
        draw_fitted(self.w, box, text, size=size, min_size=min_size, bold=bold, align=align,
                    valign=valign, leading=leading, max_lines=max_lines)  # fmt: skip

    def _footer(self, page: int, pages: int) -> None:
        _ = self.t
        left = _("Printed: {when}").format(when=self.data.printed_at)
        self.w.text(self.left, FOOTER_Y, left, 7.5)
        text = _("Page {n} of {total}").format(n=page, total=pages)
        self.w.right(self.left + self.width, FOOTER_Y, text, 8)


def render_visit_list(output: Path, data: VisitList) -> int:
    """Write the visit list PDF to ``output`` (atomically, see printing.pdf_file); returns
    the number of pages."""
    with pdf_canvas(output, title=document_title(data)) as canvas:
        return _Layout(canvas, data).draw()
