"""A report chart on screen, drawn with QPainter.

Why not QtCharts: the app depends on PySide6-Essentials, which has no QtCharts module; that
comes only with PySide6-Addons, a large second wheel the Windows bundle would have to carry
for five chart shapes. The shapes a report needs (grouped and stacked bars, lines, a Pareto
chart, a pie) are a few hundred lines of painting here, drawn as vectors (sharp at any
screen scale) in the theme's colours, which differ in lightness as well as hue.

:class:`ChartView` draws one :class:`~branch_crm.services.reports.model.Chart`: axes with
round tick values, values formatted by the chart's value kind, a legend, category labels
elided (the full text in the tooltip), a tooltip with the exact value under the mouse. It
takes the keyboard focus (Tab): Left/Right (Home/End) move a highlighted category, Enter
drills down; a click on a bar does the same. Drilling emits :attr:`ChartView.sig_drill`
with ``(chart.drill_target, key)`` when the chart has drill keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from branch_crm.i18n import N_, _
from branch_crm.services.reports.formatting import axis_text, format_value
from branch_crm.services.reports.model import Chart, ChartKind, ValueKind
from branch_crm.ui import theme

__all__ = ["ChartView", "colour", "nice_ticks"]

NO_DATA = N_("No data for this period")
LABEL_MAX = 110.0
"""Widest a category label is drawn (px) before it is elided."""
SLANT = 40.0
"""Degrees category labels are turned when they do not fit side by side."""
GRID = "#e1e4e8"
FRAME = "#c4c7cc"


def colour(index: int) -> QColor:
    """The theme's colour of series (or slice) ``index``."""
    return QColor(theme.CHART_COLOURS[index % len(theme.CHART_COLOURS)])


STEP_FACTORS = (1.0, 2.0, 2.5, 5.0)


def nice_ticks(low: float, high: float, count: int = 6, *, integer: bool = False) -> list[float]:
    """Round tick values from at or below ``low`` to at or above ``high``: steps of 1, 2,
    2.5 or 5 times a power of ten (whole steps when ``integer``), as close to ``count``
    ticks as such steps allow (the fewer when two are as close)."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (1.0 if low >= 0 else abs(low))
    power = 10 ** math.floor(math.log10((high - low) / max(1, count - 1)))
    best: tuple[int, float, float, int] | None = None
    for scale in (power / 10, power, power * 10):
        for factor in STEP_FACTORS:
            step = factor * scale
            if integer and (step < 1 or step != round(step)):
                continue
            first = math.floor(low / step + 1e-9) * step
            last = math.ceil(high / step - 1e-9) * step
            n = round((last - first) / step) + 1
            score = (abs(n - count), -step, first, n)
            if best is None or score < best:
                best = score
    assert best is not None
    _distance, negative_step, first, n = best
    return [round(first - negative_step * i, 10) for i in range(max(2, n))]


@dataclass
class _Geometry:
    """Where everything goes in a given rectangle (computed, not painted)."""

    title: QRectF
    legend: list[tuple[QRectF, str, QColor, bool]] = field(default_factory=list)
    """(swatch + text box, label, colour, is a line)"""
    plot: QRectF = field(default_factory=QRectF)
    empty: bool = False
    slots: list[QRectF] = field(default_factory=list)
    labels: list[QRectF] = field(default_factory=list)
    """Category label areas (for the tooltip of an elided label)."""
    label_slanted: bool = False
    label_every: int = 1
    ticks: list[float] = field(default_factory=list)
    bars: dict[tuple[int, int], QRectF] = field(default_factory=dict)
    points: dict[tuple[int, int], QPointF] = field(default_factory=dict)
    cumulative: list[QPointF] = field(default_factory=list)
    pie: QRectF = field(default_factory=QRectF)
    slices: list[tuple[float, float]] = field(default_factory=list)
    """(start, span) in degrees, counter-clockwise from 3 o'clock (Qt's convention)."""


class ChartView(QWidget):
    """One chart; focusable, with hover tooltips, keyboard highlight and drill-down."""

    sig_drill = Signal(str, str)
    """(drill target, key), e.g. ("complaints.category", "delay")."""

    def __init__(self, chart: Chart | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportChart")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.chart: Chart | None = None
        self.order: list[int] = []
        """Category indexes in the order drawn (a Pareto chart sorts them)."""
        self.highlight = -1
        """Position (in drawing order) of the highlighted category; -1 for none."""
        self._hover = -1
        self._cache: tuple[tuple[float, float, float, float], _Geometry] | None = None
        self.set_chart(chart)

    # --- data ------------------------------------------------------------------------------

    def set_chart(self, chart: Chart | None) -> None:
        """Show ``chart`` (None: nothing)."""
        self.chart = chart
        self._cache = None
        self.order = self._drawing_order(chart) if chart is not None else []
        self.highlight = -1
        self._hover = -1
        title = chart.title if chart is not None else ""
        self.setAccessibleName(title or _("Chart"))
        self.setAccessibleDescription(self._summary())
        self.update()

    @staticmethod
    def _drawing_order(chart: Chart) -> list[int]:
        indexes = list(range(len(chart.categories)))
        if chart.kind is ChartKind.PARETO and chart.series:
            values = chart.series[0].values
            indexes.sort(key=lambda i: (values[i] is None, -(values[i] or 0.0), i))
        return indexes

    def is_empty(self) -> bool:
        """True when there is nothing to draw (no categories or no value)."""
        chart = self.chart
        if chart is None or not chart.categories or not chart.series:
            return True
        series = (
            chart.series[:1] if chart.kind in (ChartKind.PIE, ChartKind.PARETO) else chart.series
        )
        values = [v for s in series for v in s.values if v is not None]
        if chart.kind is ChartKind.PIE:
            return not any(v > 0 for v in values)
        return not values or (chart.kind is ChartKind.PARETO and not any(values))

    def drillable(self) -> bool:
        """True when the bars lead to a list (the chart has drill keys and a target)."""
        return bool(self.chart and self.chart.drill and self.chart.drill_target)

    def category(self, position: int) -> str:
        """Full label of the category drawn at ``position``."""
        assert self.chart is not None
        return self.chart.categories[self.order[position]]

    def drill_key(self, position: int) -> str | None:
        """The drill key of the category drawn at ``position`` (None when there is none)."""
        if not self.drillable() or not 0 <= position < len(self.order):
            return None
        assert self.chart is not None
        return self.chart.drill[self.order[position]]

    def drill(self, position: int | None = None) -> bool:
        """Drill down into the category at ``position`` (default: the highlighted one);
        True when :attr:`sig_drill` was emitted."""
        position = self.highlight if position is None else position
        key = self.drill_key(position)
        if key is None or self.chart is None:
            return False
        self.sig_drill.emit(self.chart.drill_target, key)
        return True

    # --- sizes -----------------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:
        return QSize(300, 220)

    def sizeHint(self) -> QSize:
        return QSize(520, 300)

    # --- geometry --------------------------------------------------------------------------

    def _fonts(self) -> tuple[QFont, QFont, QFont]:
        body = QFont(self.font())
        title = QFont(body)
        title.setBold(True)
        small = QFont(body)
        small.setPointSizeF(max(7.0, body.pointSizeF() - 1))
        return title, body, small

    def geometry_for(self, rect: QRectF) -> _Geometry:
        """Where the parts of the chart go when drawn in ``rect`` (cached per size)."""
        key = (rect.x(), rect.y(), rect.width(), rect.height())
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        geometry = self._layout(rect)
        self._cache = (key, geometry)
        return geometry

    def _layout(self, rect: QRectF) -> _Geometry:
        title_font, _body_font, small_font = self._fonts()
        fm_title, fm_small = QFontMetricsF(title_font), QFontMetricsF(small_font)
        inner = rect.adjusted(10, 8, -10, -8)
        g = _Geometry(title=QRectF(inner.left(), inner.top(), inner.width(), fm_title.height()))
        top = g.title.bottom() + 6
        chart = self.chart
        if chart is None or self.is_empty():
            g.empty = True
            g.plot = QRectF(inner.left(), top, inner.width(), max(0.0, inner.bottom() - top))
            return g
        assert chart is not None
        if chart.kind is ChartKind.PIE:
            return self._layout_pie(g, inner, top, fm_small)
        top = self._layout_legend(g, inner, top, fm_small)
        integer = chart.value_kind is ValueKind.COUNT
        low, high = self._value_range()
        g.ticks = nice_ticks(low, high, integer=integer)
        left_w = max(fm_small.horizontalAdvance(axis_text(t, chart.value_kind)) for t in g.ticks)
        right_w = fm_small.horizontalAdvance("100 %") + 8 if chart.kind is ChartKind.PARETO else 8
        plot_left = inner.left() + left_w + 8
        plot_right = inner.right() - right_w
        n = len(self.order)
        slot_w = max(1.0, (plot_right - plot_left) / n)
        texts = [self.category(p) for p in range(n)]
        widest = min(LABEL_MAX, max(fm_small.horizontalAdvance(t) for t in texts))
        slanted = widest > slot_w - 6
        if slanted:
            angle = math.radians(SLANT)
            # the first label runs down to the left of its bar: leave it room
            reach = widest * math.cos(angle) - slot_w / 2
            if plot_left < inner.left() + reach:
                plot_left = min(inner.left() + reach, plot_right - n * 8.0)
                slot_w = max(1.0, (plot_right - plot_left) / n)
            label_h = widest * math.sin(angle) + fm_small.height() * math.cos(angle) + 6
            g.label_every = max(1, math.ceil((fm_small.height() + 2) / slot_w))
        else:
            label_h = fm_small.height() + 6
        label_h = min(label_h, max(fm_small.height() + 6, (inner.bottom() - top) * 0.4))
        g.label_slanted = slanted
        plot_bottom = inner.bottom() - label_h
        g.plot = QRectF(plot_left, top + fm_small.height() / 2, plot_right - plot_left, 0)
        g.plot.setBottom(max(g.plot.top() + 20, plot_bottom))
        for position in range(n):
            slot = QRectF(plot_left + position * slot_w, g.plot.top(), slot_w, g.plot.height())
            g.slots.append(slot)
            g.labels.append(QRectF(slot.left(), g.plot.bottom(), slot_w, label_h))
        self._layout_marks(g, slot_w)
        return g

    def _layout_legend(self, g: _Geometry, inner: QRectF, top: float, fm: QFontMetricsF) -> float:
        chart = self.chart
        assert chart is not None
        entries: list[tuple[str, QColor, bool]] = []
        if chart.kind is ChartKind.PARETO:
            entries = [
                (chart.series[0].label, colour(0), False),
                (_("Cumulative share"), QColor(theme.CHART_LINE), True),
            ]
        elif len(chart.series) > 1:
            entries = [(s.label, colour(i), False) for i, s in enumerate(chart.series)]
        if not entries:
            return top
        x, y = inner.left(), top
        for label, tint, line in entries:
            text = fm.elidedText(label, Qt.TextElideMode.ElideRight, 160)
            width = 18 + fm.horizontalAdvance(text) + 14
            if x + width > inner.right() and x > inner.left():
                x, y = inner.left(), y + fm.height() + 2
            g.legend.append((QRectF(x, y, width, fm.height()), text, tint, line))
            x += width
        return y + fm.height() + 6

    def _value_range(self) -> tuple[float, float]:
        chart = self.chart
        assert chart is not None
        if chart.kind is ChartKind.STACKED:
            positives = [
                sum(max(0.0, s.values[i] or 0.0) for s in chart.series)
                for i in range(len(chart.categories))
            ]
            negatives = [
                sum(min(0.0, s.values[i] or 0.0) for s in chart.series)
                for i in range(len(chart.categories))
            ]
            return min([0.0, *negatives]), max([0.0, *positives])
        series = chart.series[:1] if chart.kind is ChartKind.PARETO else chart.series
        values = [v for s in series for v in s.values if v is not None]
        low, high = min([0.0, *values]), max([0.0, *values])
        if chart.value_kind is ValueKind.PERCENT and high <= 1 and high > 0.6:
            high = 1.0
        return low, high

    def _y(self, g: _Geometry, value: float) -> float:
        low, high = g.ticks[0], g.ticks[-1]
        share = (value - low) / (high - low) if high != low else 0.0
        return g.plot.bottom() - share * g.plot.height()

    def _layout_marks(self, g: _Geometry, slot_w: float) -> None:
        chart = self.chart
        assert chart is not None
        if chart.kind is ChartKind.LINE:
            for position, index in enumerate(self.order):
                x = g.slots[position].center().x()
                for s, series in enumerate(chart.series):
                    value = series.values[index]
                    if value is not None:
                        g.points[(position, s)] = QPointF(x, self._y(g, value))
        elif chart.kind is ChartKind.STACKED:
            self._layout_stacked(g, slot_w)
        else:
            self._layout_bars(g, slot_w)

    def _layout_stacked(self, g: _Geometry, slot_w: float) -> None:
        chart = self.chart
        assert chart is not None
        width = slot_w * 0.6
        for position, index in enumerate(self.order):
            left = g.slots[position].center().x() - width / 2
            up = down = 0.0
            for s, series in enumerate(chart.series):
                value = series.values[index] or 0.0
                if value == 0:
                    continue
                base = up if value > 0 else down
                a, b = self._y(g, base), self._y(g, base + value)
                g.bars[(position, s)] = QRectF(left, min(a, b), width, abs(a - b))
                if value > 0:
                    up += value
                else:
                    down += value

    def _layout_bars(self, g: _Geometry, slot_w: float) -> None:
        chart = self.chart
        assert chart is not None
        zero = self._y(g, 0.0) if g.ticks[0] <= 0 <= g.ticks[-1] else g.plot.bottom()
        series_list = chart.series[:1] if chart.kind is ChartKind.PARETO else chart.series
        group = slot_w * (0.6 if len(series_list) == 1 else 0.8)
        width = group / len(series_list)
        for position, index in enumerate(self.order):
            left = g.slots[position].center().x() - group / 2
            for s, series in enumerate(series_list):
                value = series.values[index]
                if value is None:
                    continue
                y = self._y(g, value)
                g.bars[(position, s)] = QRectF(
                    left + s * width + 1, min(y, zero), max(1.0, width - 2), abs(zero - y)
                )
        if chart.kind is ChartKind.PARETO:
            values = [chart.series[0].values[i] or 0.0 for i in self.order]
            total = sum(v for v in values if v > 0)
            running = 0.0
            for position, value in enumerate(values):
                running += max(0.0, value)
                share = running / total if total else 0.0
                y = g.plot.bottom() - share * g.plot.height()
                g.cumulative.append(QPointF(g.slots[position].center().x(), y))

    def _layout_pie(self, g: _Geometry, inner: QRectF, top: float, fm: QFontMetricsF) -> _Geometry:
        chart = self.chart
        assert chart is not None
        height = inner.bottom() - top
        legend_w = min(inner.width() * 0.55, 260.0)
        size = max(40.0, min(height, inner.width() - legend_w - 16))
        g.pie = QRectF(inner.left() + 4, top + (height - size) / 2, size, size)
        values = [max(0.0, chart.series[0].values[i] or 0.0) for i in self.order]
        total = sum(values)
        start = 90.0
        for value in values:
            span = -360.0 * value / total if total else 0.0
            g.slices.append((start, span))
            start += span
        x = g.pie.right() + 16
        line_h = fm.height() + 4
        y = top + max(0.0, (height - line_h * len(values)) / 2)
        for position in range(len(values)):
            box = QRectF(x, y + position * line_h, inner.right() - x, fm.height())
            g.legend.append((box, self.category(position), colour(position), False))
            g.labels.append(box)
        return g

    # --- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self.draw(painter, QRectF(self.rect()))
        finally:
            painter.end()

    def draw(self, painter: QPainter, rect: QRectF) -> None:
        """Paint the whole chart into ``rect`` of any paint device (a widget, an image)."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        title_font, body_font, small_font = self._fonts()
        painter.fillRect(rect, QColor(theme.PAPER))
        focused = self.hasFocus()
        pen = QPen(QColor(theme.ACCENT if focused else FRAME), theme.FOCUS_WIDTH if focused else 1)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
        g = self.geometry_for(rect)
        chart = self.chart
        painter.setFont(title_font)
        painter.setPen(QColor(theme.INK))
        title = chart.title if chart is not None else ""
        fm_title = QFontMetricsF(title_font)
        painter.drawText(
            g.title,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm_title.elidedText(title, Qt.TextElideMode.ElideRight, g.title.width()),
        )
        if g.empty or chart is None:
            painter.setFont(body_font)
            painter.setPen(QColor("#3c4043"))
            painter.drawText(g.plot, Qt.AlignmentFlag.AlignCenter, _(NO_DATA))
            return
        painter.setFont(small_font)
        if chart.kind is ChartKind.PIE:
            self._draw_pie(painter, g)
            return
        self._draw_legend(painter, g)
        self._draw_axes(painter, g)
        shown = self.highlight if self.highlight >= 0 else self._hover
        if 0 <= shown < len(g.slots):
            painter.fillRect(g.slots[shown], QColor(theme.ACCENT_SOFT))
        self._draw_grid(painter, g)
        if chart.kind is ChartKind.LINE:
            self._draw_lines(painter, g)
        else:
            self._draw_bars(painter, g)
        if chart.kind is ChartKind.PARETO:
            self._draw_cumulative(painter, g)
        self._draw_labels(painter, g)

    def _draw_legend(self, painter: QPainter, g: _Geometry) -> None:
        fm = QFontMetricsF(painter.font())
        for box, text, tint, line in g.legend:
            middle = box.center().y()
            if line:
                painter.setPen(QPen(tint, 2))
                painter.drawLine(QPointF(box.left(), middle), QPointF(box.left() + 12, middle))
            else:
                painter.fillRect(QRectF(box.left(), middle - 5, 12, 10), tint)
            painter.setPen(QColor(theme.INK))
            painter.drawText(
                QRectF(box.left() + 18, box.top(), box.width() - 18, fm.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )

    def _draw_grid(self, painter: QPainter, g: _Geometry) -> None:
        painter.setPen(QPen(QColor(GRID), 1))
        for tick in g.ticks:
            y = self._y(g, tick)
            painter.drawLine(QPointF(g.plot.left(), y), QPointF(g.plot.right(), y))
        if g.ticks[0] < 0 < g.ticks[-1]:
            painter.setPen(QPen(QColor(theme.LINE), 1))
            zero = self._y(g, 0.0)
            painter.drawLine(QPointF(g.plot.left(), zero), QPointF(g.plot.right(), zero))

    def _draw_axes(self, painter: QPainter, g: _Geometry) -> None:
        chart = self.chart
        assert chart is not None
        fm = QFontMetricsF(painter.font())
        painter.setPen(QColor(theme.INK))
        for tick in g.ticks:
            y = self._y(g, tick)
            text = axis_text(tick, chart.value_kind)
            box = QRectF(g.plot.left() - 200 - 6, y - fm.height() / 2, 200, fm.height())
            painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        if chart.kind is ChartKind.PARETO:
            for share in (0.0, 0.25, 0.5, 0.75, 1.0):
                y = g.plot.bottom() - share * g.plot.height()
                box = QRectF(g.plot.right() + 6, y - fm.height() / 2, 200, fm.height())
                painter.drawText(
                    box,
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    f"{share * 100:.0f} %",
                )
        painter.setPen(QPen(QColor(theme.LINE), 1))
        painter.drawLine(g.plot.bottomLeft(), g.plot.bottomRight())
        painter.drawLine(g.plot.bottomLeft(), g.plot.topLeft())
        if chart.kind is ChartKind.PARETO:
            painter.drawLine(g.plot.bottomRight(), g.plot.topRight())

    def _draw_bars(self, painter: QPainter, g: _Geometry) -> None:
        chart = self.chart
        assert chart is not None
        painter.setPen(Qt.PenStyle.NoPen)
        for (position, s), box in g.bars.items():
            tint = colour(s)
            painter.fillRect(box, tint)
            if position == self.highlight and self.hasFocus():
                painter.setPen(QPen(QColor(theme.INK), 2))
                painter.drawRect(box.adjusted(-1, -1, 1, 1))
                painter.setPen(Qt.PenStyle.NoPen)
        single = chart.kind is ChartKind.PARETO or (
            chart.kind is ChartKind.BAR and len(chart.series) == 1
        )
        if not single:
            return
        fm = QFontMetricsF(painter.font())
        painter.setPen(QColor(theme.INK))
        for (position, _s), box in g.bars.items():
            value = chart.series[0].values[self.order[position]]
            text = format_value(value, chart.value_kind)
            if fm.horizontalAdvance(text) + 2 > g.slots[position].width():
                continue
            y = box.top() - fm.height() - 1
            if y < g.plot.top() - fm.height() / 2:
                continue
            painter.drawText(
                QRectF(g.slots[position].left(), y, g.slots[position].width(), fm.height()),
                Qt.AlignmentFlag.AlignCenter,
                text,
            )

    def _draw_lines(self, painter: QPainter, g: _Geometry) -> None:
        chart = self.chart
        assert chart is not None
        for s in range(len(chart.series)):
            tint = colour(s)
            painter.setPen(QPen(tint, 2))
            path = QPainterPath()
            drawing = False
            for position in range(len(self.order)):
                point = g.points.get((position, s))
                if point is None:
                    drawing = False
                    continue
                if drawing:
                    path.lineTo(point)
                else:
                    path.moveTo(point)
                    drawing = True
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            painter.setBrush(QBrush(tint))
            for position in range(len(self.order)):
                point = g.points.get((position, s))
                if point is not None:
                    radius = 5.0 if position == self.highlight else 3.0
                    painter.drawEllipse(point, radius, radius)

    def _draw_cumulative(self, painter: QPainter, g: _Geometry) -> None:
        tint = QColor(theme.CHART_LINE)
        painter.setPen(QPen(tint, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath()
        for i, point in enumerate(g.cumulative):
            if i:
                path.lineTo(point)
            else:
                path.moveTo(point)
        painter.drawPath(path)
        painter.setBrush(QBrush(tint))
        for point in g.cumulative:
            painter.drawEllipse(point, 3.0, 3.0)

    def _draw_labels(self, painter: QPainter, g: _Geometry) -> None:
        fm = QFontMetricsF(painter.font())
        painter.setPen(QColor(theme.INK))
        for position, box in enumerate(g.labels):
            if position % g.label_every:
                continue
            text = self.category(position)
            if not g.label_slanted:
                shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, box.width() - 4)
                painter.drawText(
                    box.adjusted(0, 3, 0, 0),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    shown,
                )
                continue
            room = (box.height() - fm.height()) / math.sin(math.radians(SLANT))
            shown = fm.elidedText(
                text, Qt.TextElideMode.ElideRight, max(20.0, min(LABEL_MAX, room))
            )
            width = fm.horizontalAdvance(shown)
            painter.save()
            painter.translate(box.center().x() + fm.height() / 3, box.top() + 4)
            painter.rotate(-SLANT)
            painter.drawText(
                QRectF(-width, 0, width, fm.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                shown,
            )
            painter.restore()

    def _draw_pie(self, painter: QPainter, g: _Geometry) -> None:
        chart = self.chart
        assert chart is not None
        shown = self.highlight if self.highlight >= 0 else self._hover
        painter.setPen(QPen(QColor(theme.PAPER), 1.5))
        for position, (start, span) in enumerate(g.slices):
            if not span:
                continue
            box = QRectF(g.pie)
            if position == shown:
                middle = math.radians(start + span / 2)
                box.translate(6 * math.cos(middle), -6 * math.sin(middle))
            painter.setBrush(QBrush(colour(position)))
            painter.drawPie(box, round(start * 16), round(span * 16))
        fm = QFontMetricsF(painter.font())
        values = [chart.series[0].values[i] for i in self.order]
        total = sum(max(0.0, v or 0.0) for v in values)
        for position, (box, text, tint, _line) in enumerate(g.legend):
            if position == shown:
                painter.fillRect(box.adjusted(-2, -1, 2, 1), QColor(theme.ACCENT_SOFT))
            middle = box.center().y()
            painter.fillRect(QRectF(box.left(), middle - 5, 12, 10), tint)
            value = values[position]
            share = (max(0.0, value or 0.0) / total) if total else 0.0
            tail = f"  {format_value(value, chart.value_kind)} · {share * 100:.1f} %"
            room = box.width() - 18 - fm.horizontalAdvance(tail)
            label = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(30.0, room))
            painter.setPen(QColor(theme.INK))
            painter.drawText(
                QRectF(box.left() + 18, box.top(), box.width() - 18, fm.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label + tail,
            )

    # --- hit tests and tooltips ------------------------------------------------------------

    def position_at(self, point: QPointF) -> int:
        """The category (drawing position) under ``point``, or -1."""
        if self.chart is None or self.is_empty():
            return -1
        g = self.geometry_for(QRectF(self.rect()))
        if self.chart.kind is ChartKind.PIE:
            for position, box in enumerate(g.labels):
                if box.contains(point):
                    return position
            return self._slice_at(g, point)
        for position, slot in enumerate(g.slots):
            column = QRectF(
                slot.left(), slot.top(), slot.width(), g.labels[position].bottom() - slot.top()
            )
            if column.contains(point):
                return position
        return -1

    @staticmethod
    def _slice_at(g: _Geometry, point: QPointF) -> int:
        centre = g.pie.center()
        dx, dy = point.x() - centre.x(), centre.y() - point.y()
        if math.hypot(dx, dy) > g.pie.width() / 2:
            return -1
        angle = math.degrees(math.atan2(dy, dx))
        for position, (start, span) in enumerate(g.slices):
            if not span:
                continue
            low, high = sorted((start, start + span))
            for turn in (-360.0, 0.0, 360.0):
                if low <= angle + turn <= high:
                    return position
        return -1

    def tooltip(self, position: int) -> str:
        """What the tooltip of the category at ``position`` says: its full label, then each
        series' exact value (a Pareto chart adds the cumulative share, a pie the share)."""
        chart = self.chart
        if chart is None or not 0 <= position < len(self.order):
            return ""
        index = self.order[position]
        lines = [chart.categories[index]]
        kind = chart.value_kind
        if chart.kind is ChartKind.PIE:
            values = [max(0.0, v or 0.0) for v in chart.series[0].values]
            total = sum(values)
            value = chart.series[0].values[index]
            share = values[index] / total if total else 0.0
            lines.append(f"{format_value(value, kind)} ({share * 100:.1f} %)")
        else:
            shown = chart.series[:1] if chart.kind is ChartKind.PARETO else chart.series
            for series in shown:
                lines.append(f"{series.label}: {format_value(series.values[index], kind)}")
            if chart.kind is ChartKind.PARETO:
                g = self.geometry_for(QRectF(self.rect()))
                if position < len(g.cumulative) and g.plot.height():
                    share = (g.plot.bottom() - g.cumulative[position].y()) / g.plot.height()
                    lines.append(
                        _("Cumulative share: {share}").format(share=f"{share * 100:.1f} %")
                    )
        if self.drill_key(position) is not None:
            lines.append(_("Click or press Enter to open the list"))
        return "\n".join(lines)

    def tooltip_at(self, point: QPointF) -> str:
        """The tooltip text at ``point`` in widget coordinates ("" over nothing)."""
        position = self.position_at(point)
        return self.tooltip(position) if position >= 0 else ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    # --- mouse and keyboard ----------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = self.position_at(event.position())
        if position != self._hover:
            self._hover = position
            drill = position >= 0 and self.drill_key(position) is not None
            self.setCursor(
                Qt.CursorShape.PointingHandCursor if drill else Qt.CursorShape.ArrowCursor
            )
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = -1
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        position = self.position_at(event.position())
        if position >= 0:
            self.set_highlight(position)
            self.drill(position)
        event.accept()

    def set_highlight(self, position: int) -> None:
        """Highlight the category drawn at ``position`` (clamped); -1 for none."""
        count = len(self.order) if not self.is_empty() else 0
        self.highlight = -1 if position < 0 or not count else min(position, count - 1)
        self.setAccessibleDescription(self._summary())
        self.update()

    def _summary(self) -> str:
        if self.highlight >= 0:
            return self.tooltip(self.highlight).replace("\n", "; ")
        if self.chart is None or self.is_empty():
            return _(NO_DATA)
        return ", ".join(self.chart.categories[:12])

    def keyPressEvent(self, event: QKeyEvent) -> None:
        count = len(self.order) if not self.is_empty() else 0
        key = Qt.Key(event.key())
        moves: dict[Qt.Key, int] = {
            Qt.Key.Key_Right: self.highlight + 1,
            Qt.Key.Key_Down: self.highlight + 1,
            Qt.Key.Key_Left: max(0, self.highlight - 1),
            Qt.Key.Key_Up: max(0, self.highlight - 1),
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: count - 1,
        }
        if count and key in moves and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.set_highlight(moves[key])
            self._show_tip()
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and count:
            if self.highlight < 0:
                self.set_highlight(0)
            if self.drill():
                event.accept()
                return
        super().keyPressEvent(event)

    def _show_tip(self) -> None:
        if self.highlight < 0 or not self.isVisible():
            return
        g = self.geometry_for(QRectF(self.rect()))
        if g.slots and self.highlight < len(g.slots):
            anchor = g.slots[self.highlight].center()
        elif self.highlight < len(g.labels):
            anchor = g.labels[self.highlight].center()
        else:
            return
        QToolTip.showText(
            self.mapToGlobal(QPoint(round(anchor.x()), round(anchor.y()))),
            self.tooltip(self.highlight),
            self,
        )

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._cache = None
        super().resizeEvent(event)
