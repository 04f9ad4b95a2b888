"""A supervisor report (issue 14) as a print-ready A4 PDF, laid out with reportlab platypus.

Page 1 opens with a title block (title, branch, period and the period compared with,
printed-at); every page has a running header and a footer with "n / m". Each section shows
its KPIs as a grid of boxes (value, previous value, an arrow coloured by whether it went
the better way), its charts (:mod:`branch_crm.printing.report_charts`) two to a row, and
its tables, which paginate with their header row repeated. A "summary" report is kept to
one page, shrunk if it has to be: supervisors pin it up.

The report model lives in ``services.reports.model``; this layer may not import services, so
it is only named for the type checker and its enums are read as the strings they are.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepInFrame,
    LongTable,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.printing.common import (
    MM,
    NO_LINE_START,
    PAGE_H,
    PAGE_W,
    Translate,
    Writer,
    compress_finished_pages,
    translator,
)
from branch_crm.printing.fonts import LATIN, PdfFonts, pdf_fonts
from branch_crm.printing.report_charts import chart_drawing, chart_is_empty, wants_full_width
from branch_crm.printing.report_format import (
    NUMERIC_KINDS,
    cell_text,
    change_text,
    value_text,
)
from branch_crm.timeutil import to_local

if TYPE_CHECKING:
    from branch_crm.services.reports.model import Chart, Kpi, Report, Section
    from branch_crm.services.reports.model import Table as ReportTable

__all__ = ["ReportPdfError", "report_pdf_bytes", "write_report_pdf"]

SIDE = 15 * MM
TOP = 20 * MM
BOTTOM = 18 * MM
FRAME_W = PAGE_W - 2 * SIDE
FRAME_H = PAGE_H - TOP - BOTTOM
GAP = 4 * MM

INK = HexColor("#222222")
MUTED = HexColor("#5a5a5a")
RULE = HexColor("#9aa5b1")
HEADER_FILL = HexColor("#dde3ea")
ZEBRA = HexColor("#f2f4f7")
BOX_LINE = HexColor("#b8c0c8")
BETTER = HexColor("#1a7f37")
WORSE = HexColor("#c62828")
FLAT = HexColor("#7a7a7a")

CELL_SIZE = 7.5
CELL_LEADING = 9.3
CELL_PAD = 3.0
KPI_COLUMNS = 4
KPI_BOX_H = 25 * MM
CHART_H = 68 * MM
FULL_CHART_H = 76 * MM
TEXT_MIN = 22 * MM
"""A long text column is never narrower than this (unless the table has too many columns)."""
_TOKEN = re.compile(r"[A-Za-z0-9_@.\-/:+()#,;'\"!?%&*=\[\]]+\s*|\s+|.", re.DOTALL)
"""A Latin word with its trailing spaces, a run of spaces, or any one character."""
SAMPLE_ROWS = 400
"""Rows measured to size a table's columns (a 2,000-row table is not measured in full)."""


class ReportPdfError(CrmError):
    """The report PDF cannot be written where asked (folder missing, no rights, disk full)."""


# --- text ------------------------------------------------------------------------------------


def _markup(fonts: PdfFonts, text: str) -> str:
    """``text`` as Paragraph markup: escaped, characters the CJK font lacks in Helvetica."""
    if not fonts.needs_split:
        return escape(text).replace("\n", "<br/>")
    parts = []
    for piece, name in fonts.runs(text):
        escaped = escape(piece).replace("\n", "<br/>")
        parts.append(escaped if name == fonts.regular else f'<font face="{name}">{escaped}</font>')
    return "".join(parts)


class _Lines:
    """Widths and greedy line breaks of table cells in one font and size, character widths
    cached: CJK breaks between any characters, Latin at spaces, closing punctuation hangs."""

    def __init__(self, fonts: PdfFonts, size: float) -> None:
        self.fonts, self.size = fonts, size
        self._widths: dict[str, float] = {}

    def width(self, text: str) -> float:
        widths = self._widths
        total = 0.0
        for char in text:
            known = widths.get(char)
            if known is None:
                font = self.fonts.regular if self.fonts.covers(char) else LATIN
                known = widths[char] = stringWidth(char, font, self.size)
            total += known
        return total

    def wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line, used = "", 0.0
            for found in _TOKEN.findall(paragraph):
                token = found
                if line and used + self.width(token.rstrip()) > width:
                    if len(token) == 1 and token in NO_LINE_START:
                        line, used = line + token, used + self.width(token)
                        continue
                    lines.append(line.rstrip())
                    line, used, token = "", 0.0, token.lstrip()
                while len(token) > 1 and self.width(token) > width:
                    cut = self._fit(token, width)
                    lines.append(token[:cut])
                    token = token[cut:]
                line, used = line + token, used + self.width(token)
            lines.append(line.rstrip())
        return lines

    def _fit(self, token: str, width: float) -> int:
        used = 0.0
        for index, char in enumerate(token):
            used += self.width(char)
            if used > width:
                return max(1, index)
        return len(token)


class _Styles:
    """The paragraph styles of the report, all in the printing font with CJK wrapping."""

    def __init__(self, fonts: PdfFonts) -> None:
        def style(name: str, size: float, **extra: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=fonts.regular,
                fontSize=size,
                wordWrap="CJK",
                leading=extra.pop("leading", size * 1.3),
                **extra,
            )

        self.body = style("body", 9)
        self.fact = style("fact", 9, leading=13)
        self.note = style("note", 7.5, textColor=MUTED, spaceBefore=2)
        self.empty = style("empty", 8.5, textColor=MUTED, spaceBefore=1, spaceAfter=4)
        self.chart_title = style("chartTitle", 8.5, alignment=TA_CENTER, spaceAfter=2)
        self.cell = style("cell", CELL_SIZE, leading=CELL_LEADING)
        self.cell_right = style("cellRight", CELL_SIZE, leading=CELL_LEADING, alignment=TA_RIGHT)
        self.head = style("head", CELL_SIZE, leading=CELL_LEADING, textColor=INK)
        self.head_right = style("headRight", CELL_SIZE, leading=CELL_LEADING, alignment=TA_RIGHT)


class _Heading(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A bold heading (CJK-aware, wrapped), optionally with a rule under it."""

    def __init__(
        self,
        text: str,
        size: float,
        fonts: PdfFonts,
        *,
        rule: bool = False,
        space_before: float = 0.0,
        space_after: float = 3.0,
    ) -> None:
        super().__init__()
        self.text, self.size, self.fonts, self.rule = text, size, fonts, rule
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self.lines: list[str] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.lines = Writer(None, self.fonts).wrap(self.text, avail_width, self.size, bold=True)
        self.height = len(self.lines) * self.size * 1.3 + (4 if self.rule else 0)
        return self.width, self.height

    def draw(self) -> None:
        writer = Writer(self.canv, self.fonts)
        self.canv.setFillColor(INK)
        self.canv.setStrokeColor(INK)
        y = self.height - self.size
        for line in self.lines:
            writer.text(0, y, line, self.size, bold=True)
            y -= self.size * 1.3
        if self.rule:
            self.canv.setStrokeColor(RULE)
            self.canv.setLineWidth(0.8)
            self.canv.line(0, 1, self.width, 1)


# --- KPIs ------------------------------------------------------------------------------------


def _arrow(canvas: Any, x: float, y: float, change: float | None, color: Color) -> float:
    """A filled triangle pointing the way the value moved (a dash when flat); returns its width.

    Drawn as a shape, not a ▲▼ glyph, so it prints whatever font is chosen."""
    canvas.setFillColor(color)
    if change is None:
        return 0.0
    if change == 0:
        canvas.rect(x, y + 2.2, 6, 1.4, stroke=0, fill=1)
        return 8.0
    path = canvas.beginPath()
    if change > 0:
        path.moveTo(x, y)
        path.lineTo(x + 7, y)
        path.lineTo(x + 3.5, y + 6.5)
    else:
        path.moveTo(x, y + 6.5)
        path.lineTo(x + 7, y + 6.5)
        path.lineTo(x + 3.5, y)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    return 9.0


class _KpiGrid(Flowable):  # type: ignore[misc]
    """KPIs as boxes in a grid; splits between rows of boxes."""

    def __init__(
        self, kpis: Sequence[Kpi], fonts: PdfFonts, translate: Translate, box_h: float = KPI_BOX_H
    ) -> None:
        super().__init__()
        self.kpis, self.fonts, self.t, self.box_h = list(kpis), fonts, translate, box_h
        self.columns = KPI_COLUMNS  # boxes keep their size however few there are
        self.spaceAfter = GAP

    def _rows(self) -> int:
        return math.ceil(len(self.kpis) / self.columns)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = self._rows() * (self.box_h + 3 * MM) - 3 * MM
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        rows = int((avail_height + 3 * MM) // (self.box_h + 3 * MM))
        if rows < 1 or rows >= self._rows():
            return []
        cut = rows * self.columns
        first = _KpiGrid(self.kpis[:cut], self.fonts, self.t, self.box_h)
        rest = _KpiGrid(self.kpis[cut:], self.fonts, self.t, self.box_h)
        first.columns = rest.columns = self.columns
        return [first, rest]

    def draw(self) -> None:
        gap = 3 * MM
        box_w = (self.width - gap * (self.columns - 1)) / self.columns
        for index, kpi in enumerate(self.kpis):
            row, column = divmod(index, self.columns)
            x = column * (box_w + gap)
            y = self.height - (row + 1) * self.box_h - row * gap
            self._box(kpi, x, y, box_w)

    def _box(self, kpi: Kpi, x: float, y: float, w: float) -> None:
        c, _ = self.canv, self.t
        writer = Writer(c, self.fonts)
        kind = str(kpi.kind)
        improved = kpi.improved
        color = FLAT if improved is None else BETTER if improved else WORSE
        c.setStrokeColor(BOX_LINE)
        c.setFillColor(white)
        c.setLineWidth(0.6)
        c.roundRect(x, y, w, self.box_h, 2.5, stroke=1, fill=1)
        c.setFillColor(color)
        c.rect(x, y, 2.2, self.box_h, stroke=0, fill=1)
        inner, left = w - 9, x + 6
        top = y + self.box_h - 4
        c.setFillColor(MUTED)
        label_lines = writer.wrap(kpi.label, inner, 7.5)[:2]
        for line in label_lines:
            top -= 8.5
            writer.text(left, top, line, 7.5)
        value = value_text(kpi.value, kind, _)
        size = 15.0
        while size > 9 and writer.width(value, size, bold=True) > inner:
            size -= 0.5
        c.setFillColor(INK)
        c.setStrokeColor(INK)
        top -= size + 2
        writer.text(left, top, value, size, bold=True)
        top -= 11
        shift = _arrow(c, left, top, kpi.change, color)
        c.setFillColor(color)
        writer.text(left + shift, top + 0.5, change_text(kpi.change, kind, _), 8)
        c.setFillColor(MUTED)
        previous = _("Previous: {value}").format(value=value_text(kpi.previous, kind, _))
        writer.text(left, y + 5 + (8 if kpi.note else 0), previous, 7)
        if kpi.note:
            note = writer.wrap(kpi.note, inner, 6.5)
            text = note[0] + ("…" if len(note) > 1 else "")
            writer.text(left, y + 4, text, 6.5)


# --- charts ----------------------------------------------------------------------------------


class _Builder:
    """Turns a report into platypus flowables in the report's language."""

    def __init__(self, report: Report, fonts: PdfFonts) -> None:
        self.report = report
        self.fonts = fonts
        self.t = translator(report.language)
        self.styles = _Styles(fonts)
        self.summary = str(report.kind) == "summary"
        self.lines = _Lines(fonts, CELL_SIZE)

    def para(self, text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(_markup(self.fonts, text), style)

    def no_data(self) -> Paragraph:
        _ = self.t
        return self.para(_("No data for this period."), self.styles.empty)

    # title block

    def title_block(self) -> list[Flowable]:
        _ = self.t
        r = self.report
        printed = to_local(r.printed_at).strftime("%Y-%m-%d %H:%M")
        facts = [
            _("Branch: {branch}").format(branch=r.branch),
            _("Period: {period}").format(period=r.period.label()),
            _("Printed: {when}").format(when=printed),
            _("Compared with: {period}").format(period=r.previous.label()),
        ]
        cells = [
            [self.para(facts[0], self.styles.fact), self.para(facts[1], self.styles.fact)],
            [self.para(facts[2], self.styles.fact), self.para(facts[3], self.styles.fact)],
        ]
        grid = Table(cells, colWidths=[FRAME_W * 0.45, FRAME_W * 0.55])
        grid.setStyle(
            TableStyle(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        title = _Heading(r.title, 18, self.fonts, space_after=4)
        rule = _Heading("", 1, self.fonts, rule=True, space_before=2, space_after=GAP)
        return [title, grid, rule]

    # charts

    def chart_cell(self, chart: Chart, width: float, height: float) -> list[Flowable]:
        if chart_is_empty(chart):
            return [self.para(chart.title, self.styles.chart_title), self.no_data()]
        return [chart_drawing(chart, width, height, translate=self.t, fonts=self.fonts)]

    def chart_rows(self, charts: Sequence[Chart], height: float | None = None) -> list[Flowable]:
        """Charts two to a row; a chart with many categories gets a row of its own."""
        rows: list[list[Chart]] = []
        pending: list[Chart] = []
        for chart in charts:
            if wants_full_width(chart) and not chart_is_empty(chart):
                rows += [pending] if pending else []
                rows.append([chart])
                pending = []
                continue
            pending.append(chart)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
        rows += [pending] if pending else []
        return [self.chart_row(row, height) for row in rows]

    def chart_row(self, row: list[Chart], height: float | None) -> Flowable:
        if len(row) == 1:
            h = height or (FULL_CHART_H if wants_full_width(row[0]) else CHART_H)
            cells = [self.chart_cell(row[0], FRAME_W, h)]
            widths = [FRAME_W]
        else:
            half = (FRAME_W - GAP) / 2
            h = height or CHART_H
            cells = [self.chart_cell(chart, half, h) for chart in row]
            cells.insert(1, [])
            widths = [half, GAP, half]
        table = Table([cells], colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    *(
                        (p, (0, 0), (-1, -1), 0)
                        for p in ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING")
                    ),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), GAP),
                ]
            )
        )
        return table

    # tables

    def table(self, table: ReportTable) -> list[Flowable]:
        """Title, the table (header row repeated on every page), its note; or "no data"."""
        heading = _Heading(table.title, 10, self.fonts, space_before=2, space_after=3)
        out: list[Flowable] = [CondPageBreak(35 * MM), heading]
        if not table.rows:
            return [*out, self.no_data()]
        out.append(self.long_table(table))
        if table.note:
            out.append(self.para(table.note, self.styles.note))
        out.append(Spacer(1, GAP))
        return out

    def long_table(self, table: ReportTable) -> LongTable:
        _ = self.t
        kinds = [str(column.kind) for column in table.columns]
        numeric = [kind in NUMERIC_KINDS for kind in kinds]
        texts = [
            [cell_text(v, k, _) for v, k in zip(row, kinds, strict=True)] for row in table.rows
        ]
        whole = [kind in NUMERIC_KINDS or kind == "date" for kind in kinds]
        widths = self.column_widths([c.label for c in table.columns], texts, whole)
        header = [
            self.para(c.label, self.styles.head_right if right else self.styles.head)
            for c, right in zip(table.columns, numeric, strict=True)
        ]
        body = [self.cells(row, widths, numeric) for row in texts]
        result = LongTable([header, *body], colWidths=widths, repeatRows=1)
        result.setStyle(self.table_style(numeric))
        return result

    def cells(self, row: list[str], widths: list[float], numeric: list[bool]) -> list[Any]:
        """Cells as plain strings, wrapped here into lines (fast: a 2,000-row table would
        spend seconds in Paragraph line breaking); Paragraphs only where the font needs
        Helvetica runs for Latin characters."""
        out: list[Any] = []
        for text, width, right in zip(row, widths, numeric, strict=True):
            if self.fonts.needs_split and not all(map(self.fonts.covers, text)):
                style = self.styles.cell_right if right else self.styles.cell
                out.append(self.para(text, style))
            elif right and "\n" not in text:
                out.append(text)  # a number is never broken (at worst it eats the padding)
            elif "\n" in text or self.lines.width(text) > width - 2 * CELL_PAD:
                out.append("\n".join(self.lines.wrap(text, width - 2 * CELL_PAD)))
            else:
                out.append(text)
        return out

    def width(self, text: str) -> float:
        return self.lines.width(text)

    def column_widths(
        self, labels: list[str], texts: list[list[str]], whole: list[bool]
    ) -> list[float]:
        """Numbers and dates (``whole``) get the width of their widest cell, short texts
        (codes) what most of their cells need, long texts at least :data:`TEXT_MIN` each;
        what is left goes to the long texts by how much more they want."""
        sample = texts[:SAMPLE_ROWS]
        natural: list[float] = []
        least: list[float] = []
        for index, label in enumerate(labels):
            if whole[index]:
                typical = max((self.width(row[index]) for row in texts), default=0.0)
            else:
                cells = sorted(self.width(row[index]) for row in sample)
                typical = cells[int(len(cells) * 0.9)] if cells else 0.0
            word = max((self.width(w) for w in label.split()), default=0.0)
            natural.append(max(typical, min(self.width(label), 30 * MM), 8 * MM) + 2 * CELL_PAD)
            least.append(min(max(word + 2 * CELL_PAD, TEXT_MIN), natural[-1]))
        if sum(natural) <= FRAME_W:
            extra = (FRAME_W - sum(natural)) / len(natural)
            return [w + extra for w in natural]
        widths = [
            w if fixed or w <= TEXT_MIN else least[i]
            for i, (w, fixed) in enumerate(zip(natural, whole, strict=True))
        ]
        if sum(widths) > FRAME_W:
            return [FRAME_W * w / sum(widths) for w in widths]
        wanting = [natural[i] - widths[i] for i in range(len(widths))]
        room = FRAME_W - sum(widths)
        return [w + room * want / sum(wanting) for w, want in zip(widths, wanting, strict=True)]

    def table_style(self, numeric: list[bool]) -> TableStyle:
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
            ("LEADING", (0, 0), (-1, -1), CELL_LEADING),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, ZEBRA]),
            ("LINEBELOW", (0, 0), (-1, 0), 0.7, MUTED),
            ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ]
        for index, right in enumerate(numeric):
            if right:
                commands.append(("ALIGN", (index, 0), (index, -1), "RIGHT"))
        return TableStyle(commands)

    # sections

    def section(self, section: Section, chart_h: float | None = None) -> list[Flowable]:
        """Heading, KPIs, charts, tables; the heading starts a page when what follows it
        would not fit under it."""
        heading = _Heading(
            section.title, 13, self.fonts, rule=True, space_before=2, space_after=GAP
        )
        if section.kpis:
            need = KPI_BOX_H
        elif section.charts:
            need = CHART_H
        else:
            need = 30 * MM
        out: list[Flowable] = [CondPageBreak(need + 15 * MM), heading]
        if not (section.kpis or section.charts or section.tables):
            return [*out, self.no_data()]
        if section.kpis:
            out.append(_KpiGrid(section.kpis, self.fonts, self.t))
        out += self.chart_rows(section.charts, chart_h)
        for index, table in enumerate(section.tables):
            parts = self.table(table)
            out += parts[1:] if index == 0 and not (section.kpis or section.charts) else parts
        return out

    def story(self) -> list[Flowable]:
        if self.summary:
            return [self.summary_page()]
        story = self.title_block()
        for section in self.report.sections:
            story += self.section(section)
        return story

    def summary_page(self) -> Flowable:
        """Everything on one page: charts sized to the room left, then shrunk if needed."""
        fixed = self.title_block()
        for section in self.report.sections:
            fixed += [f for f in self.section(section) if not isinstance(f, Table)]
        used = sum(
            f.wrap(FRAME_W, FRAME_H)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in fixed
        )
        rows = sum(len(self.chart_rows(s.charts)) for s in self.report.sections)
        chart_h = (FRAME_H - used - 6 * MM) / rows if rows else CHART_H
        chart_h = max(45 * MM, min(chart_h, 85 * MM))
        content = self.title_block()
        for section in self.report.sections:
            content += self.section(section, chart_h)
        content = [f for f in content if not isinstance(f, CondPageBreak)]
        return KeepInFrame(FRAME_W, FRAME_H - 1, content, mode="shrink")


# --- pages -----------------------------------------------------------------------------------


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Keeps the pages until the end so the footer can say "n / m" (reports are short)."""

    def __init__(self, *args: Any, stamp: Callable[[Canvas, int, int], None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._stamp = stamp
        self._saved: list[dict[str, Any]] = []
        compress_finished_pages(self)  # deflate only: no ASCII85 layer (faster, smaller)

    def showPage(self) -> None:
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for number, state in enumerate(self._saved, start=1):
            self.__dict__.update(state)
            self._stamp(self, number, total)
            super().showPage()
        super().save()


class _Pages:
    """The running header and footer of every page."""

    def __init__(self, report: Report, fonts: PdfFonts) -> None:
        self.report, self.fonts, self.t = report, fonts, translator(report.language)

    def decorate(self, canvas: Canvas, _doc: Any) -> None:
        """Header (title, branch, period) and the footer's printed-at, on every page."""
        _ = self.t
        r = self.report
        writer = Writer(canvas, self.fonts)
        canvas.saveState()
        canvas.setFillColor(MUTED)
        top = PAGE_H - TOP + 4 * MM
        writer.text(SIDE, top, _shorten(writer, r.title, FRAME_W * 0.55, 8), 8)
        right = f"{r.branch} · {r.period.label()}"
        writer.right(PAGE_W - SIDE, top, _shorten(writer, right, FRAME_W * 0.42, 8), 8)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(SIDE, top - 2 * MM, PAGE_W - SIDE, top - 2 * MM)
        bottom = BOTTOM - 8 * MM
        canvas.line(SIDE, bottom + 3.5 * MM, PAGE_W - SIDE, bottom + 3.5 * MM)
        printed = to_local(r.printed_at).strftime("%Y-%m-%d %H:%M")
        writer.text(SIDE, bottom, _("Printed: {when}").format(when=printed), 7.5)
        canvas.restoreState()

    def stamp(self, canvas: Canvas, number: int, total: int) -> None:
        """The page number, once the page count is known."""
        _ = self.t
        canvas.saveState()
        canvas.setFillColor(MUTED)
        text = _("Page {n} / {total}").format(n=number, total=total)
        Writer(canvas, self.fonts).right(PAGE_W - SIDE, BOTTOM - 8 * MM, text, 7.5)
        canvas.restoreState()


def _shorten(writer: Writer, text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` points."""
    if writer.width(text, size) <= width:
        return text
    while text and writer.width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _render(report: Report, out: BytesIO) -> None:
    fonts = pdf_fonts()
    pages = _Pages(report, fonts)
    doc = BaseDocTemplate(
        out,
        pagesize=(PAGE_W, PAGE_H),
        leftMargin=SIDE,
        rightMargin=SIDE,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=report.title,
        author=report.branch,
        creator="Branch CRM",
    )
    frame = Frame(
        SIDE,
        BOTTOM,
        FRAME_W,
        FRAME_H,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=pages.decorate)])
    doc.build(
        _Builder(report, fonts).story(), canvasmaker=partial(_NumberedCanvas, stamp=pages.stamp)
    )


def report_pdf_bytes(report: Report) -> bytes:
    """The report as PDF bytes (the print preview shows these)."""
    out = BytesIO()
    _render(report, out)
    return out.getvalue()


def write_report_pdf(report: Report, path: Path) -> Path:
    """Write the report to ``path`` atomically: the file appears complete or not at all (an
    earlier file there is kept on failure). Raises :class:`ReportPdfError` when the folder
    cannot be written."""
    data = report_pdf_bytes(report)
    path = Path(path)
    partial_path: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".part", dir=path.parent)
        partial_path = Path(name)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(partial_path, path)
    except OSError as exc:
        if partial_path is not None:
            partial_path.unlink(missing_ok=True)
        message = _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        raise ReportPdfError(message) from exc
    return path
