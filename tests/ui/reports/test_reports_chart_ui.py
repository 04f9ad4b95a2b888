"""The report chart widget: every shape paints (its colours where its bars are), keyboard
and mouse drill-down, tooltips with the exact value and the full label, the empty chart."""

from __future__ import annotations

from itertools import pairwise

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from report_ui_samples import CATEGORIES, every_kind, pareto

from branch_crm.services.reports.model import Chart, ChartKind, Series, ValueKind
from branch_crm.ui import theme
from branch_crm.ui.reports.chart import ChartView, colour, nice_ticks

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

SIZE = (520, 300)


def paint(view: ChartView) -> QImage:
    image = QImage(*SIZE, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    view.resize(*SIZE)
    painter = QPainter(image)
    try:
        view.draw(painter, QRectF(0, 0, *SIZE))
    finally:
        painter.end()
    return image


def pixel(image: QImage, point: QPointF) -> str:
    return QColor(image.pixel(round(point.x()), round(point.y()))).name()


def test_nice_ticks() -> None:
    assert nice_ticks(0, 47) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(0, 0.875) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]
    assert nice_ticks(-12, 30) == [-20, -10, 0, 10, 20, 30]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 123450) == [0, 25000, 50000, 75000, 100000, 125000]


def test_series_colours_differ_in_lightness() -> None:
    lightness = [colour(i).lightness() for i in range(len(theme.CHART_COLOURS))]
    for a, b in pairwise(lightness):  # neighbours are apart in grey
        assert abs(a - b) >= 25, lightness


@pytest.mark.parametrize("chart", every_kind(), ids=lambda c: c.kind.value)
def test_every_kind_paints_its_colours_where_its_marks_are(qapp, chart: Chart) -> None:
    view = ChartView(chart)
    image = paint(view)
    g = view.geometry_for(QRectF(0, 0, *SIZE))
    assert not g.empty
    if chart.kind is ChartKind.PIE:
        centre = g.pie.center()
        # the biggest slice ("Regular", 75 %) lies left of the centre, drawn clockwise from 12
        assert pixel(image, QPointF(centre.x() - g.pie.width() / 4, centre.y())) == colour(2).name()
        assert view.position_at(QPointF(centre.x() - g.pie.width() / 4, centre.y())) == 2
    elif chart.kind is ChartKind.LINE:
        point = g.points[(1, 0)]
        assert pixel(image, point) == colour(0).name()
        assert (2, 0) not in g.points  # a missing value breaks the line
    else:
        assert g.bars
        for (_position, series), box in g.bars.items():
            if box.height() >= 3:
                assert pixel(image, box.center()) == colour(series).name()
    # every shape shows the first series' colour somewhere
    colours = {
        QColor(image.pixel(x, y)).name() for x in range(0, SIZE[0], 3) for y in range(0, SIZE[1], 3)
    }
    assert colour(0).name() in colours


def test_pareto_sorts_bars_and_draws_the_cumulative_line(qapp) -> None:
    view = ChartView(pareto())
    image = paint(view)
    assert [view.category(p) for p in range(3)] == [CATEGORIES[1], CATEGORIES[0], CATEGORIES[2]]
    g = view.geometry_for(QRectF(0, 0, *SIZE))
    heights = [g.bars[(p, 0)].height() for p in range(3)]
    assert heights == sorted(heights, reverse=True)
    # cumulative share: 30/47, 42/47, 100 % on the right axis
    shares = [(g.plot.bottom() - p.y()) / g.plot.height() for p in g.cumulative]
    assert shares == pytest.approx([30 / 47, 42 / 47, 1.0])
    assert pixel(image, g.cumulative[2]) == QColor(theme.CHART_LINE).name()


def test_right_then_enter_drills_into_the_second_bar(qtbot, show) -> None:  # type: ignore[no-untyped-def]
    view = show(ChartView(pareto()))
    view.resize(*SIZE)
    drilled: list[tuple[str, str]] = []
    view.sig_drill.connect(lambda target, key: drilled.append((target, key)))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)  # first bar
    qtbot.keyClick(view, Qt.Key.Key_Right)  # second bar: "Delivery delay" (12), after 30
    assert view.highlight == 1
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert drilled == [("complaints.category", "delay")]
    qtbot.keyClick(view, Qt.Key.Key_End)
    qtbot.keyClick(view, Qt.Key.Key_Right)  # stays on the last
    qtbot.keyClick(view, Qt.Key.Key_Enter)
    assert drilled[-1] == ("complaints.category", "attitude")


def test_tab_reaches_the_chart(qtbot, show) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    holder = QWidget()
    layout = QVBoxLayout(holder)
    field = QLineEdit(holder)
    view = ChartView(pareto(), holder)
    layout.addWidget(field)
    layout.addWidget(view)
    show(holder)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert view.hasFocus()


def test_a_click_on_a_bar_drills(qtbot, show) -> None:  # type: ignore[no-untyped-def]
    view = show(ChartView(pareto()))
    view.resize(*SIZE)
    qtbot.waitUntil(lambda: view.width() == SIZE[0])
    drilled: list[tuple[str, str]] = []
    view.sig_drill.connect(lambda target, key: drilled.append((target, key)))
    box = view.geometry_for(QRectF(view.rect())).bars[(0, 0)]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=box.center().toPoint())
    assert drilled == [("complaints.category", "damage")]
    assert view.highlight == 0


def test_no_drill_without_keys(qtbot, show) -> None:  # type: ignore[no-untyped-def]
    chart = Chart("Trend", ChartKind.BAR, ("a", "b"), (Series("n", (1.0, 2.0)),))
    view = show(ChartView(chart))
    drilled: list[object] = []
    view.sig_drill.connect(lambda *a: drilled.append(a))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert drilled == []
    assert "Enter" not in view.tooltip(0)


def test_tooltip_gives_the_full_label_and_exact_values(qapp) -> None:
    view = ChartView(pareto())
    view.resize(*SIZE)
    g = view.geometry_for(QRectF(view.rect()))
    text = view.tooltip_at(g.bars[(0, 0)].center())
    lines = text.split("\n")
    assert lines[0] == CATEGORIES[1]  # the long label, elided under the bar, whole here
    assert lines[1] == "Complaints: 30"
    assert lines[2] == "Cumulative share: 63.8 %"
    assert view.tooltip_at(g.labels[0].center()) == text  # over the elided label too
    assert view.tooltip_at(QPointF(2, 2)) == ""
    percent = ChartView(every_kind()[0])
    percent.resize(*SIZE)
    assert percent.tooltip(2).split("\n")[1:3] == ["Response: 50.0 %", "Resolution: —"]
    pie = ChartView(every_kind()[4])
    assert pie.tooltip(0).split("\n")[:2] == ["VIP", "5 (5.0 %)"]


def test_empty_chart_says_so(qapp) -> None:
    for chart in (
        Chart("Nothing", ChartKind.BAR, (), ()),
        Chart("Zeros", ChartKind.PIE, ("a",), (Series("n", (0.0,)),)),
        Chart("Unknown", ChartKind.LINE, ("a", "b"), (Series("n", (None, None)),)),
    ):
        view = ChartView(chart)
        assert view.is_empty()
        paint(view)  # no error
        assert view.geometry_for(QRectF(0, 0, *SIZE)).empty
        assert view.position_at(QPointF(100, 100)) == -1
    assert (
        ChartView(Chart("Money", ChartKind.BAR, ("a",), (Series("n", (5.0,)),), ValueKind.MONEY))
        .minimumSizeHint()
        .width()
        >= 300
    )


def test_drawn_as_vectors_at_twice_the_pixels(qapp) -> None:
    """High-DPI screens: on a 2x device the same logical layout is drawn with twice the
    pixels (a bar's edge falls between two physical pixels, not on a blown-up one)."""
    view = ChartView(pareto())
    view.resize(*SIZE)
    image = QImage(SIZE[0] * 2, SIZE[1] * 2, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(2.0)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        view.draw(painter, QRectF(0, 0, *SIZE))
    finally:
        painter.end()
    box = view.geometry_for(QRectF(0, 0, *SIZE)).bars[(0, 0)]
    centre = box.center()
    assert (
        QColor(image.pixel(round(centre.x() * 2), round(centre.y() * 2))).name() == colour(0).name()
    )
    left = round(box.left() * 2)
    assert QColor(image.pixel(left + 2, round(centre.y() * 2))).name() == colour(0).name()
    assert QColor(image.pixel(left - 3, round(centre.y() * 2))).name() != colour(0).name()
