"""The month's visit list for account managers to take along: A4, one section per account
manager (each starting on a new page), the customers still due visits that month.

Each row: number, customer (and company), visit class, phone, address, visits made / due,
the last visit, and an empty box to write down when the visit was made. Every page repeats
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
    titled,
    translator,
)
from branch_crm.printing.pdf_file import pdf_canvas

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
            line1 = y_top - 4.6 * MM
            line2 = y_top - 9.2 * MM
            middle = y_top - ROW_H / 2 - TABLE_SIZE * 0.35
            self.w.centred((edges[0] + edges[1]) / 2, middle, str(first_number + i), TABLE_SIZE)
            if entry.company:
                self._cell(entry.name, 1, line1, bold=True, smallest=7.5)
                self._cell(entry.company, 1, line2, size=SMALL_SIZE)
            else:  # a long name takes both lines
                self._two_lines(entry.name, 1, line1, line2, size=TABLE_SIZE, bold=True)
            self.w.centred((edges[2] + edges[3]) / 2, middle, entry.visit_class, TABLE_SIZE)
            self._cell(entry.phone, 3, middle)
            self._two_lines(entry.address, 4, line1, line2)
            visits = f"{entry.visits} / {entry.required}"
            self.w.centred((edges[5] + edges[6]) / 2, middle, visits, TABLE_SIZE)
            self._cell(entry.last_visit or "—", 6, middle)
        bottom = top - len(entries) * ROW_H
        c.setLineWidth(0.6)
        for y in [top + HEADER_ROW_H] + [top - k * ROW_H for k in range(len(entries) + 1)]:
            c.line(self.left, y, self.left + self.width, y)
        for x in edges:
            c.line(x, top + HEADER_ROW_H, x, bottom)

    def _cell(
        self,
        text: str,
        column: int,
        baseline: float,
        *,
        size: float = TABLE_SIZE,
        bold: bool = False,
        smallest: float = 6.0,
    ) -> None:
        """``text`` in a column, shrunk (down to ``smallest`` pt) and then cut to fit."""
        if not text:
            return
        room = self.edges[column + 1] - self.edges[column] - 2.4 * MM
        while size > smallest and self.w.width(text, size, bold) > room:
            size -= 0.5
        while len(text) > 1 and self.w.width(text, size, bold) > room:
            text = text[:-2] + "…"
        self.w.text(self.edges[column] + 1.2 * MM, baseline, text, size, bold)

    def _two_lines(
        self,
        text: str,
        column: int,
        first: float,
        second: float,
        *,
        size: float = SMALL_SIZE + 0.5,
        bold: bool = False,
    ) -> None:
        """``text`` wrapped on at most two lines (the second cut with "…")."""
        if not text:
            return
        room = self.edges[column + 1] - self.edges[column] - 2.4 * MM
        lines = self.w.wrap(text, room, size, bold)
        self._cell(lines[0], column, first, size=size, bold=bold)
        if len(lines) > 1:
            rest = (
                "".join(lines[1:]) if self.data.language.startswith("zh") else " ".join(lines[1:])
            )
            self._cell(rest, column, second, size=size, bold=bold, smallest=size)

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
