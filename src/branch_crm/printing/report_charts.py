"""A report's charts as reportlab.graphics drawings: vector shapes, readable in grey.

Every chart kind of ``services.reports.model.ChartKind`` (bar, stacked, line, pareto, pie) is
drawn from plain shapes rather than reportlab's chart widgets, so that text goes through the
printing fonts (Chinese and Latin runs, :mod:`branch_crm.printing.fonts`), long category
labels are wrapped or shortened to their slot, and series differ by lightness, hatching,
dash pattern and marker shape as well as by colour (supervisors print in black and white).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.graphics.shapes import Wedge as _Wedge
from reportlab.lib.colors import Color, HexColor, white

from branch_crm.printing.common import Translate, Writer
from branch_crm.printing.fonts import PdfFonts, pdf_fonts
from branch_crm.printing.report_format import axis_text, value_text

if TYPE_CHECKING:
    from branch_crm.services.reports.model import Chart

__all__ = ["chart_drawing", "chart_is_empty", "nice_ticks", "wants_full_width"]

INK = HexColor("#222222")
MUTED = HexColor("#555555")
GRID = HexColor("#d0d0d0")
AXIS = HexColor("#444444")
TITLE_SIZE = 8.5
LABEL_SIZE = 6.5
TICK_SIZE = 6.5
VALUE_SIZE = 6.0
LEGEND_SIZE = 7.0
ELLIPSIS = "…"

FILLS: tuple[tuple[str, str | None], ...] = (
    # (fill, hatch colour or None): lightness alternates dark/light so greys stay apart
    ("#1f4e79", None),
    ("#f4b183", None),
    ("#70ad47", None),
    ("#d9d9d9", "#404040"),
    ("#7b2c3b", "#ffffff"),
    ("#ffd966", "#7f6000"),
)
LINES: tuple[tuple[str, tuple[float, ...] | None, str], ...] = (
    ("#1f4e79", None, "circle"),
    ("#c55a11", (3.0, 2.0), "square"),
    ("#548235", (1.0, 1.5), "triangle"),
    ("#7030a0", (4.0, 1.5, 1.0, 1.5), "diamond"),
    ("#404040", (6.0, 2.0), "cross"),
)
PARETO_BAR = "#9dc3e6"
PARETO_LINE = "#c00000"
PIE_FILLS = (
    "#1f4e79",
    "#f4b183",
    "#70ad47",
    "#d9d9d9",
    "#7b2c3b",
    "#ffd966",
    "#5b9bd5",
    "#a5a5a5",
)
PIE_MAX_SLICES = 8
PIE_MAX_DIAMETER = 165.0
"""About 58 mm: a bigger pie only pushes its legend away."""
MAX_BAR = 42.0
"""Widest a bar gets (about 15 mm): one category alone is not a slab across the chart."""
FULL_WIDTH_CATEGORIES = 10
"""Bar-like charts with more categories than this get a whole row."""


def chart_is_empty(chart: Chart) -> bool:
    """True when there is nothing to draw: no category, or no value above zero."""
    values = [v for s in chart.series for v in s.values if v is not None]
    return not chart.categories or not values or all(v == 0 for v in values)


def wants_full_width(chart: Chart) -> bool:
    """True for a chart that needs the whole page width (many categories)."""
    kind = str(chart.kind)
    if kind == "pie":
        return False
    limit = FULL_WIDTH_CATEGORIES * (2 if kind == "line" else 1)
    bars = len(chart.categories) * (len(chart.series) if kind == "bar" else 1)
    return len(chart.categories) > limit or (kind == "bar" and bars > 2 * limit)


# --- text ------------------------------------------------------------------------------------


class _Pen:
    """Puts text into a drawing with the printing fonts, one String per font run."""

    def __init__(self, fonts: PdfFonts) -> None:
        self.fonts = fonts
        self.measure = Writer(None, fonts)

    def width(self, text: str, size: float) -> float:
        return self.measure.width(text, size)

    def text(
        self,
        group: Group,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        anchor: str = "start",
        color: Color = INK,
    ) -> None:
        """Add ``text`` with its baseline at y, starting/centred/ending at x."""
        if anchor != "start":
            w = self.width(text, size)
            x -= w / 2 if anchor == "middle" else w
        for piece, name in self.fonts.runs(text):
            group.add(String(x, y, piece, fontName=name, fontSize=size, fillColor=color))
            x += self.width(piece, size)

    def shorten(self, text: str, width: float, size: float) -> str:
        """``text`` cut with an ellipsis to fit ``width``."""
        if self.width(text, size) <= width:
            return text
        for cut in range(len(text) - 1, 0, -1):
            candidate = text[:cut].rstrip() + ELLIPSIS
            if self.width(candidate, size) <= width:
                return candidate
        return ELLIPSIS

    def fit(self, text: str, width: float, size: float, max_lines: int) -> list[str]:
        """``text`` wrapped to ``width``; past ``max_lines`` the last line ends in an ellipsis."""
        # a Latin word too long for the line is shortened rather than broken in two
        words = [self.shorten(w, width, size) if _latin(w) else w for w in text.split(" ")]
        lines = [line for line in self.measure.wrap(" ".join(words), width, size) if line] or [""]
        if len(lines) <= max_lines:
            return lines
        kept = lines[:max_lines]
        kept[-1] = self.shorten(kept[-1] + ELLIPSIS + lines[max_lines], width, size)
        if not kept[-1].endswith(ELLIPSIS):
            kept[-1] = self.shorten(kept[-1] + " " * 50, width, size)
        return kept


def _latin(word: str) -> bool:
    """True for a word written without CJK characters (it breaks at spaces only)."""
    return all(ord(char) < 0x2E80 for char in word)


# --- geometry helpers ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Plot:
    """The plot area and its value scale (left axis)."""

    x: float
    y: float
    w: float
    h: float
    lo: float
    hi: float

    def y_of(self, value: float) -> float:
        return self.y + (value - self.lo) / (self.hi - self.lo) * self.h


def _nice_step(raw: float, kind: str) -> float:
    if kind == "minutes" and raw >= 30:
        hours = raw / 60
        for whole in (0.5, 1, 2, 3, 4, 6, 8, 12, 24):
            if whole >= hours * 0.999:
                return 60.0 * whole
        return 60 * 24 * _nice_step(hours / 24, "number")
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw * 0.999)
    if kind == "count":
        return float(max(1, round(step)))
    return step


def nice_ticks(lo: float, hi: float, kind: str, count: int = 5) -> tuple[list[float], float]:
    """Round tick values covering lo..hi (about ``count`` of them) and their step."""
    if hi <= lo:
        hi = lo + (1 if kind != "percent" else 0.1)
    step = _nice_step((hi - lo) / (count - 1), kind)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    n = round((last - first) / step)
    return [first + i * step for i in range(n + 1)], step


def _style(index: int) -> tuple[Color, Color | None]:
    fill, hatch = FILLS[index % len(FILLS)]
    return HexColor(fill), HexColor(hatch) if hatch else None


def _bar(
    group: Group,
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    fill: Color,
    hatch: Color | None,
) -> None:
    """A bar (h may be negative), outlined, hatched when the style asks."""
    if h < 0:
        y, h = y + h, -h
    if w <= 0 or h <= 0:
        return
    group.add(Rect(x, y, w, h, fillColor=fill, strokeColor=AXIS, strokeWidth=0.3))
    if hatch is None:
        return
    gap = 2.6
    d = -h
    while d < w:
        sx, sy = (x + d, y) if d >= 0 else (x, y - d)
        t = min(x + w - sx, y + h - sy)
        if t > 0:
            group.add(Line(sx, sy, sx + t, sy + t, strokeColor=hatch, strokeWidth=0.5))
        d += gap


def _marker(group: Group, shape: str, x: float, y: float, *, color: Color, r: float = 1.9) -> None:
    if shape == "circle":
        group.add(Circle(x, y, r, fillColor=color, strokeColor=color, strokeWidth=0.5))
    elif shape == "square":
        group.add(Rect(x - r, y - r, 2 * r, 2 * r, fillColor=color, strokeColor=color))
    elif shape == "triangle":
        points = [x - r * 1.1, y - r, x + r * 1.1, y - r, x, y + r * 1.2]
        group.add(Polygon(points, fillColor=color, strokeColor=color, strokeWidth=0.5))
    elif shape == "diamond":
        points = [x - r * 1.2, y, x, y - r * 1.2, x + r * 1.2, y, x, y + r * 1.2]
        group.add(Polygon(points, fillColor=white, strokeColor=color, strokeWidth=0.9))
    else:
        group.add(Line(x - r, y - r, x + r, y + r, strokeColor=color, strokeWidth=1))
        group.add(Line(x - r, y + r, x + r, y - r, strokeColor=color, strokeWidth=1))


# --- legend ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    """A legend entry: a swatch (bar style index, or line style index) and its label."""

    label: str
    bar: int | None = None
    line: int | None = None
    pareto: str = ""  # "bar" / "line": the pareto colours


def _key_swatch(group: Group, key: _Key, x: float, y: float) -> None:
    if key.pareto == "bar":
        _bar(group, x, y, 9, 6, fill=HexColor(PARETO_BAR), hatch=None)
    elif key.pareto == "line":
        color = HexColor(PARETO_LINE)
        group.add(Line(x, y + 3, x + 9, y + 3, strokeColor=color, strokeWidth=1.2))
        _marker(group, "circle", x + 4.5, y + 3, color=color, r=1.6)
    elif key.line is not None:
        color_hex, dash, shape = LINES[key.line % len(LINES)]
        color = HexColor(color_hex)
        group.add(
            Line(x, y + 3, x + 12, y + 3, strokeColor=color, strokeWidth=1.2, strokeDashArray=dash)
        )
        _marker(group, shape, x + 6, y + 3, color=color, r=1.6)
    else:
        fill, hatch = _style(key.bar or 0)
        _bar(group, x, y, 9, 6, fill=fill, hatch=hatch)


def _legend_rows(pen: _Pen, keys: Sequence[_Key], width: float) -> list[list[tuple[_Key, str]]]:
    """Keys laid out in rows across ``width`` (labels shortened to a third of it at most)."""
    rows: list[list[tuple[_Key, str]]] = [[]]
    used = 0.0
    for key in keys:
        label = pen.shorten(key.label, width / 3 if len(keys) > 1 else width - 20, LEGEND_SIZE)
        need = 16 + pen.width(label, LEGEND_SIZE) + 8
        if rows[-1] and used + need > width:
            rows.append([])
            used = 0.0
        rows[-1].append((key, label))
        used += need
    return rows


def _draw_legend(
    group: Group, pen: _Pen, rows: list[list[tuple[_Key, str]]], width: float, y: float
) -> None:
    """Legend rows centred under the plot, the first row's baseline area at y."""
    for row in rows:
        total = sum(16 + pen.width(label, LEGEND_SIZE) + 8 for _k, label in row) - 8
        x = (width - total) / 2
        for key, label in row:
            _key_swatch(group, key, x, y)
            pen.text(group, x + 15, y + 0.6, label, LEGEND_SIZE, color=INK)
            x += 16 + pen.width(label, LEGEND_SIZE) + 8
        y -= 10


# --- category axis -------------------------------------------------------------------------


@dataclass(frozen=True)
class _XLabels:
    """How the category labels are set: horizontal lines or rotated, every ``every``-th."""

    lines: list[list[str]]
    rotated: bool
    every: int
    height: float


ROTATION = 45.0
ROTATED_MAX = 62.0
"""Longest a rotated label may be (points along its baseline)."""


def _x_labels(pen: _Pen, categories: Sequence[str], slot: float) -> _XLabels:
    size = LABEL_SIZE
    room = slot - 2
    widest = max((pen.width(c, size) for c in categories), default=0.0)
    if widest <= room:
        return _XLabels([[c] for c in categories], False, 1, size * 1.3)
    if room >= 22:
        max_lines = 3 if room < 40 else 2
        lines = [pen.fit(c, room, size, max_lines) for c in categories]
        depth = max(len(one) for one in lines)
        return _XLabels(lines, False, 1, depth * size * 1.15 + 2)
    # rotated labels stand slot * sin(45°) apart across their baselines
    every = max(1, math.ceil(size * 1.15 / (slot * math.sin(math.radians(ROTATION)))))
    shortened = [[pen.shorten(c, ROTATED_MAX, size)] for c in categories]
    longest = max(pen.width(one[0], size) for one in shortened)
    height = longest * math.sin(math.radians(ROTATION)) + size * 1.2
    return _XLabels(shortened, True, every, height)


def _rotated_overhang(pen: _Pen, labels: _XLabels, slot: float) -> float:
    """The left margin rotated labels need so that none starts left of the drawing."""
    if not labels.rotated:
        return 0.0
    slant = math.cos(math.radians(ROTATION))
    need = 0.0
    for index, lines in enumerate(labels.lines):
        if index % labels.every == 0:
            reach = pen.width(lines[0], LABEL_SIZE) * slant + LABEL_SIZE * 0.4
            need = max(need, reach - slot * (index + 0.5) + 1)
    return need


def _draw_x_labels(group: Group, pen: _Pen, labels: _XLabels, plot: _Plot, slot: float) -> None:
    size = LABEL_SIZE
    for index, lines in enumerate(labels.lines):
        if index % labels.every:
            continue
        cx = plot.x + slot * (index + 0.5)
        if labels.rotated:
            turned = Group()
            turned.translate(cx + size * 0.35, plot.y - 3)
            turned.rotate(ROTATION)
            pen.text(turned, 0, 0, lines[0], size, anchor="end", color=INK)
            group.add(turned)
            continue
        y = plot.y - size - 1.5
        for line in lines:
            pen.text(group, cx, y, line, size, anchor="middle", color=INK)
            y -= size * 1.15


# --- value axis ----------------------------------------------------------------------------------


def _draw_value_axis(
    group: Group,
    pen: _Pen,
    plot: _Plot,
    marks: list[float],
    texts: list[str],
) -> None:
    for value, text in zip(marks, texts, strict=True):
        y = plot.y_of(value)
        color = AXIS if value == 0 else GRID
        group.add(Line(plot.x, y, plot.x + plot.w, y, strokeColor=color, strokeWidth=0.4))
        pen.text(
            group, plot.x - 2.5, y - TICK_SIZE * 0.35, text, TICK_SIZE, anchor="end", color=MUTED
        )
    group.add(Line(plot.x, plot.y, plot.x, plot.y + plot.h, strokeColor=AXIS, strokeWidth=0.5))


def _draw_share_axis(group: Group, pen: _Pen, plot: _Plot) -> None:
    """The right axis of a Pareto chart: cumulative share 0-100 %."""
    right = plot.x + plot.w
    group.add(Line(right, plot.y, right, plot.y + plot.h, strokeColor=AXIS, strokeWidth=0.5))
    for step in range(6):
        share = step / 5
        y = plot.y + share * plot.h
        group.add(Line(right, y, right + 2, y, strokeColor=AXIS, strokeWidth=0.5))
        pen.text(
            group,
            right + 3,
            y - TICK_SIZE * 0.35,
            f"{round(share * 100)} %",
            TICK_SIZE,
            color=MUTED,
        )


# --- the chart kinds -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    """A chart's numbers ready to draw (Pareto: sorted, with the cumulative share)."""

    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    cumulative: tuple[float, ...] = ()


def _data(chart: Chart) -> _Data:
    series = tuple((s.label, s.values) for s in chart.series)
    if str(chart.kind) != "pareto":
        return _Data(chart.categories, series)
    label, values = series[0]
    order = sorted(range(len(values)), key=lambda i: -(values[i] or 0))
    sorted_values = tuple(values[i] for i in order)
    total = sum(v for v in sorted_values if v and v > 0)
    running, cumulative = 0.0, []
    for value in sorted_values:
        running += max(value or 0, 0)
        cumulative.append(running / total if total else 0.0)
    categories = tuple(chart.categories[i] for i in order)
    return _Data(categories, ((label, sorted_values),), tuple(cumulative))


def _value_range(chart: Chart, data: _Data) -> tuple[float, float]:
    kind = str(chart.kind)
    values = [v for _l, vs in data.series for v in vs if v is not None]
    if kind == "stacked":
        sums = [
            sum(max(vs[i] or 0, 0) for _l, vs in data.series) for i in range(len(data.categories))
        ]
        lows = [
            sum(min(vs[i] or 0, 0) for _l, vs in data.series) for i in range(len(data.categories))
        ]
        return min([0.0, *lows]), max([0.0, *sums])
    return min([0.0, *values]), max([0.0, *values])


def _keys(chart: Chart, data: _Data, _: Translate) -> list[_Key]:
    kind = str(chart.kind)
    if kind == "pareto":
        return [_Key(data.series[0][0], pareto="bar"), _Key(_("Cumulative share"), pareto="line")]
    if len(data.series) < 2:
        return []
    if kind == "line":
        return [_Key(label, line=i) for i, (label, _v) in enumerate(data.series)]
    return [_Key(label, bar=i) for i, (label, _v) in enumerate(data.series)]


def _value_label(
    group: Group, pen: _Pen, text: str, cx: float, top: float, *, room: float, plot: _Plot
) -> None:
    """A value printed just above a bar when it fits over the bar's width."""
    if pen.width(text, VALUE_SIZE) <= room and top + VALUE_SIZE + 1 <= plot.y + plot.h + 7:
        pen.text(group, cx, top + 1.5, text, VALUE_SIZE, anchor="middle", color=INK)


def _draw_bars(
    group: Group,
    pen: _Pen,
    chart: Chart,
    data: _Data,
    *,
    plot: _Plot,
    slot: float,
    translate: Translate,
) -> None:
    _ = translate
    n = len(data.series)
    width = min(slot * 0.78 / n, MAX_BAR)
    inner = width * n
    zero = plot.y_of(0)
    kind = str(chart.kind)
    for s, (_label, values) in enumerate(data.series):
        fill, hatch = (HexColor(PARETO_BAR), None) if kind == "pareto" else _style(s)
        for i, value in enumerate(values):
            if value is None:
                continue
            x = plot.x + slot * i + (slot - inner) / 2 + width * s
            top = plot.y_of(value)
            _bar(group, x, zero, width, top - zero, fill=fill, hatch=hatch)
            text = value_text(value, str(chart.value_kind), _)
            _value_label(group, pen, text, x + width / 2, max(top, zero), room=width + 2, plot=plot)


def _draw_stacked(
    group: Group,
    pen: _Pen,
    chart: Chart,
    data: _Data,
    *,
    plot: _Plot,
    slot: float,
    translate: Translate,
) -> None:
    _ = translate
    width = min(slot * 0.62, MAX_BAR * 1.3)
    for i in range(len(data.categories)):
        x = plot.x + slot * i + (slot - width) / 2
        up = down = 0.0
        for s, (_label, values) in enumerate(data.series):
            value = values[i]
            if not value:
                continue
            fill, hatch = _style(s)
            base = up if value > 0 else down
            _bar(
                group,
                x,
                plot.y_of(base),
                width,
                plot.y_of(base + value) - plot.y_of(base),
                fill=fill,
                hatch=hatch,
            )
            if value > 0:
                up += value
            else:
                down += value
        if up:
            text = value_text(up, str(chart.value_kind), _)
            _value_label(group, pen, text, x + width / 2, plot.y_of(up), room=slot, plot=plot)


def _draw_lines(group: Group, chart: Chart, data: _Data, plot: _Plot, slot: float) -> None:
    markers = len(data.categories) <= 40
    for s, (_label, values) in enumerate(data.series):
        color_hex, dash, shape = LINES[s % len(LINES)]
        color = HexColor(color_hex)
        run: list[float] = []
        points: list[tuple[float, float]] = []
        for i, value in enumerate([*values, None]):
            if value is None:
                if len(run) >= 4:
                    group.add(
                        PolyLine(run, strokeColor=color, strokeWidth=1.3, strokeDashArray=dash)
                    )
                run = []
                continue
            x, y = plot.x + slot * (i + 0.5), plot.y_of(value)
            run += [x, y]
            points.append((x, y))
        if markers:
            for x, y in points:
                _marker(group, shape, x, y, color=color)


def _draw_cumulative(group: Group, pen: _Pen, data: _Data, plot: _Plot, slot: float) -> None:
    color = HexColor(PARETO_LINE)
    points = [
        (plot.x + slot * (i + 0.5), plot.y + share * plot.h)
        for i, share in enumerate(data.cumulative)
    ]
    flat = [c for point in points for c in point]
    if len(points) > 1:
        group.add(PolyLine(flat, strokeColor=color, strokeWidth=1.2, strokeDashArray=(3, 1.5)))
    for x, y in points:
        _marker(group, "circle", x, y, color=color, r=1.6)
    y80 = plot.y + 0.8 * plot.h
    group.add(
        Line(
            plot.x,
            y80,
            plot.x + plot.w,
            y80,
            strokeColor=color,
            strokeWidth=0.4,
            strokeDashArray=(1, 2),
        )
    )


def _axes_chart(
    drawing: Drawing,
    pen: _Pen,
    chart: Chart,
    top: float,
    _: Translate,
) -> None:
    """Bar, stacked, line and Pareto charts: value axis left (share axis right), categories."""
    width = float(drawing.width)
    kind = str(chart.kind)
    value_kind = str(chart.value_kind)
    data = _data(chart)
    legend = _legend_rows(pen, _keys(chart, data, _), width - 8)
    legend_h = 10.0 * len(legend) if legend[0] else 0.0
    lo, hi = _value_range(chart, data)
    marks, step = nice_ticks(lo, hi, value_kind)
    texts = [axis_text(m, value_kind, step, _) for m in marks]
    left = max(pen.width(t, TICK_SIZE) for t in texts) + 5
    right = pen.width("100 %", TICK_SIZE) + 6 if kind == "pareto" else 6.0
    slot = (width - left - right) / len(data.categories)
    labels = _x_labels(pen, data.categories, slot)
    overhang = _rotated_overhang(pen, labels, slot)
    if overhang > left:  # the first rotated labels would reach past the left edge
        left = overhang
        slot = (width - left - right) / len(data.categories)
        labels = _x_labels(pen, data.categories, slot)
        left = max(left, _rotated_overhang(pen, labels, slot))
    bottom = legend_h + labels.height + 4
    headroom = VALUE_SIZE + 4 if kind != "line" else 4
    plot = _Plot(left, bottom, width - left - right, top - bottom - headroom, marks[0], marks[-1])
    group = Group()
    _draw_value_axis(group, pen, plot, marks, texts)
    if kind == "stacked":
        _draw_stacked(group, pen, chart, data, plot=plot, slot=slot, translate=_)
    elif kind == "line":
        _draw_lines(group, chart, data, plot, slot)
    else:
        _draw_bars(group, pen, chart, data, plot=plot, slot=slot, translate=_)
    if kind == "pareto":
        _draw_share_axis(group, pen, plot)
        _draw_cumulative(group, pen, data, plot, slot)
    _draw_x_labels(group, pen, labels, plot, slot)
    if legend_h:
        _draw_legend(group, pen, legend, width, legend_h - 8)
    drawing.add(group)


def _pie_slices(chart: Chart, limit: int, _: Translate) -> list[tuple[str, float]]:
    values = chart.series[0].values
    slices = [(c, float(v)) for c, v in zip(chart.categories, values, strict=True) if v and v > 0]
    slices.sort(key=lambda one: -one[1])
    if len(slices) > limit:
        rest = sum(v for _c, v in slices[limit - 1 :])
        slices = [*slices[: limit - 1], (_("Other"), rest)]
    return slices


def _luminance(color: Color) -> float:
    return float(0.299 * color.red + 0.587 * color.green + 0.114 * color.blue)


def _pie(drawing: Drawing, pen: _Pen, chart: Chart, top: float, _: Translate) -> None:
    """Shares of the first series: wedges with their share printed, a legend with values."""
    width = float(drawing.width)
    entry_h = LEGEND_SIZE * 2.5
    diameter = max(20.0, min(top - 6, width * 0.46, PIE_MAX_DIAMETER))
    limit = max(2, min(PIE_MAX_SLICES, int((top - 4) // entry_h)))
    slices = _pie_slices(chart, limit, _)
    total = sum(v for _c, v in slices)
    legend_w = max(pen.width(label, LEGEND_SIZE) for label, _v in slices) + 16
    left = max(4.0, (width - diameter - 12 - legend_w) / 2)
    cx, cy, r = left + diameter / 2, top / 2, diameter / 2
    group = Group()
    angle = 90.0
    for index, (_label, value) in enumerate(slices):
        sweep = 360 * value / total
        fill = HexColor(PIE_FILLS[index % len(PIE_FILLS)])
        if len(slices) == 1:
            group.add(Circle(cx, cy, r, fillColor=fill, strokeColor=white))
        else:
            group.add(
                _Wedge(
                    cx,
                    cy,
                    r,
                    angle - sweep,
                    angle,
                    fillColor=fill,
                    strokeColor=white,
                    strokeWidth=0.8,
                )
            )
        middle = math.radians(angle - sweep / 2)
        if value / total >= 0.06:
            tx, ty = cx + r * 0.62 * math.cos(middle), cy + r * 0.62 * math.sin(middle)
            ink = white if _luminance(fill) < 0.5 else INK
            pen.text(
                group,
                tx,
                ty - 2.2,
                f"{value / total * 100:.0f} %",
                VALUE_SIZE + 0.5,
                anchor="middle",
                color=ink,
            )
        angle -= sweep
    _pie_legend(group, pen, chart, slices, total=total, box=(left + diameter + 12, width, top))
    drawing.add(group)


def _pie_legend(
    group: Group,
    pen: _Pen,
    chart: Chart,
    slices: list[tuple[str, float]],
    *,
    total: float,
    box: tuple[float, float, float],
) -> None:
    left, right, top = box
    entry_h = LEGEND_SIZE * 2.5
    y = top / 2 + len(slices) * entry_h / 2 - LEGEND_SIZE
    room = right - left - 14
    for index, (label, value) in enumerate(slices):
        fill = HexColor(PIE_FILLS[index % len(PIE_FILLS)])
        group.add(Rect(left, y - 1, 8, 7, fillColor=fill, strokeColor=AXIS, strokeWidth=0.3))
        pen.text(group, left + 12, y, pen.shorten(label, room, LEGEND_SIZE), LEGEND_SIZE)
        amount = value_text(value, str(chart.value_kind), lambda m: m)
        detail = f"{amount} · {value / total * 100:.1f} %"
        pen.text(group, left + 12, y - LEGEND_SIZE * 1.15, detail, LEGEND_SIZE - 0.8, color=MUTED)
        y -= entry_h


def _title(drawing: Drawing, pen: _Pen, title: str) -> float:
    """The chart's title at the top (two lines at most); returns the y under it."""
    width, y = float(drawing.width), float(drawing.height)
    if not title:
        return y
    group = Group()
    for line in pen.fit(title, width - 4, TITLE_SIZE, 2):
        y -= TITLE_SIZE * 1.2
        pen.text(group, width / 2, y, line, TITLE_SIZE, anchor="middle")
    drawing.add(group)
    return y - 4


def chart_drawing(
    chart: Chart,
    width: float,
    height: float,
    *,
    translate: Translate,
    fonts: PdfFonts | None = None,
) -> Drawing:
    """``chart`` drawn in a ``width`` x ``height`` points drawing (a platypus flowable).

    ``translate`` gives the few words the chart adds ("Cumulative share", "Other") in the
    report's language. Call :func:`chart_is_empty` first: an empty chart draws its title only.
    """
    drawing = Drawing(width, height)
    pen = _Pen(fonts or pdf_fonts())
    top = _title(drawing, pen, chart.title)
    if chart_is_empty(chart):
        return drawing
    if str(chart.kind) == "pie":
        _pie(drawing, pen, chart, top, translate)
    else:
        _axes_chart(drawing, pen, chart, top, translate)
    return drawing
