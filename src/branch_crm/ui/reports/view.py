"""A report on screen: its title block, then each section with its KPI cards, its charts
beside their tables (sortable, columns fitted to the room), scrolling up and down only.

Every text of a report is already in the language it was built in, so headings and labels
are shown as they come (not passed through the catalogue again); only the view's own words
("Before", "No rows") are translated here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.services.reports.formatting import (
    arrow,
    change_text,
    format_value,
    sort_key,
)
from branch_crm.services.reports.model import Chart, Kpi, Report, Section, Table, ValueKind
from branch_crm.timeutil import to_local
from branch_crm.ui import theme
from branch_crm.ui.reports.chart import ChartView
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.screen_fit import fit_columns, scrolling
from branch_crm.ui.widgets.table_model import DISPLAY, RIGHT, Column, RowTableModel
from branch_crm.ui.widgets.tables import Resize, setup_table

__all__ = ["KpiCard", "ReportTable", "ReportTableModel", "ReportView", "kpi_colour"]

Row = tuple[Any, ...]
KPI_COLUMNS = 5
"""KPI cards side by side at most (five fit 1366 pixels, Chinese labels included)."""
TABLE_ROWS_SHOWN = 12
"""A table taller than this scrolls inside itself (the page scrolls around it)."""
CHART_HEIGHT = 300
WIDE_TABLE = 5
"""A table of more columns than this takes the whole width, under its chart."""
RIGHT_KINDS = frozenset(ValueKind) - {ValueKind.TEXT}


def kpi_colour(kpi: Kpi) -> str:
    """Colour of a KPI's arrow: green when it moved the better way, red the worse, grey
    when flat, unknown or neither way is better."""
    if kpi.improved is None:
        return theme.DISABLED
    return theme.GOOD if kpi.improved else theme.BAD


def _label(text: str, parent: QWidget, *, kind: str = "body", bold: bool = False) -> QLabel:
    label = QLabel(text, parent)
    label.setFont(theme.font(kind, bold=bold))
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class KpiCard(QFrame):
    """A headline figure: its name, the value, the arrow and change against the period
    before (green when better, red when worse) and the previous value."""

    def __init__(self, kpi: Kpi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kpi = kpi
        self.setObjectName("reportKpi")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            f"#reportKpi {{ background: {theme.PAPER}; border: 1px solid #c4c7cc;"
            " border-radius: 4px; }"
        )
        self.setMinimumWidth(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.caption = _label(kpi.label, self, kind="small")
        self.value = _label(format_value(kpi.value, kpi.kind), self, kind="heading", bold=True)
        self.value.setObjectName("reportKpiValue")
        tint = kpi_colour(kpi)
        change = change_text(kpi)
        self.change = _label(f"{arrow(kpi)} {change}" if kpi.change else change, self, bold=True)
        self.change.setObjectName("reportKpiChange")
        self.change.setStyleSheet(f"color: {tint};")
        self.previous = _label(
            _("Before: {value}").format(value=format_value(kpi.previous, kpi.kind)),
            self,
            kind="small",
        )
        self.previous.setObjectName("reportKpiPrevious")
        self.previous.setStyleSheet("color: #3c4043;")
        self.note = _label(kpi.note, self, kind="small")
        self.note.setStyleSheet("color: #3c4043;")
        self.note.setVisible(bool(kpi.note))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        for widget in (self.caption, self.value, self.change, self.previous, self.note):
            layout.addWidget(widget)
        layout.addStretch(1)
        words = {True: _("better"), False: _("worse"), None: ""}[kpi.improved]
        summary = (
            f"{kpi.label}: {self.value.text()}, {self.change.text()} {words}, "
            f"{self.previous.text()}"
        )
        self.setAccessibleName(summary)
        self.setToolTip(summary if not kpi.note else f"{summary}\n{kpi.note}")


class ReportTableModel(RowTableModel[Row]):
    """A report table's typed rows, shown by each column's value kind and sorted by value."""

    def __init__(self, table: Table, parent: QWidget | None = None) -> None:
        super().__init__([self._column(i, c.kind) for i, c in enumerate(table.columns)], parent)
        self.table = table
        self.set_rows(list(table.rows))

    @staticmethod
    def _column(index: int, kind: ValueKind) -> Column[Row]:
        return Column(
            "",
            lambda row: format_value(row[index], kind),
            align=RIGHT if kind in RIGHT_KINDS else None,
            sort_key=lambda row: sort_key(row[index]),
        )

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        """The report's own (already translated) column headings, also as their tooltips
        (a narrow column elides its heading)."""
        shown = (int(DISPLAY.value), int(Qt.ItemDataRole.ToolTipRole.value))
        if orientation != Qt.Orientation.Horizontal or int(role) not in shown:
            return None
        columns = self.table.columns
        return columns[section].label if 0 <= section < len(columns) else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        """Qt: the cell's text, with the full text as its tooltip when long."""
        if int(role) == int(Qt.ItemDataRole.ToolTipRole.value):
            text = super().data(index, DISPLAY)
            return text if isinstance(text, str) and len(text) > 24 else None
        return super().data(index, role)


class ReportTable(QTableView):
    """A sortable, read-only report table, as tall as its rows (up to a dozen)."""

    def __init__(self, table: Table, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_ = ReportTableModel(table, self)
        self.setModel(self.model_)
        row_height = self.fontMetrics().height() + 8
        setup_table(
            self,
            name=name,
            resize=Resize.Interactive,
            word_wrap=False,
            alternating=True,
            row_height=row_height,
        )
        header = self.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the report's own order first
        header.setSortIndicatorShown(True)
        self.setSortingEnabled(True)
        self.setTabKeyNavigation(False)
        self.setAccessibleName(table.title)
        self.setMinimumWidth(280)
        self.empty = empty_state(self, lambda: _("No rows for this period."))
        shown = max(3, min(TABLE_ROWS_SHOWN, len(table.rows)))
        heading = self.horizontalHeader().sizeHint().height()
        self.setFixedHeight(heading + shown * row_height + 2 * self.frameWidth() + 2)
        self.columns = fit_columns(self, 0, name, widest=260)


class ReportView(QWidget):
    """A whole report, scrolling vertically; charts' drill-downs come out of
    :attr:`sig_drill`."""

    sig_drill = Signal(str, str)
    """(drill target, key) of a chart's bar the user opened."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportView")
        self.report: Report | None = None
        self.charts: list[ChartView] = []
        self.tables: list[ReportTable] = []
        self.cards: list[KpiCard] = []
        self.body = QWidget(self)
        self.area = scrolling(self.body, self)
        self.area.setObjectName("reportScroll")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.area)

    def set_report(self, report: Report | None) -> None:
        """Show ``report`` (None: nothing)."""
        self.report = report
        self.charts, self.tables, self.cards = [], [], []
        old = self.area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.body = QWidget()
        self.body.setObjectName("reportBody")
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 8, 8)
        layout.setSpacing(theme.SPACING + 4)
        if report is not None:
            layout.addWidget(self._title_block(report))
            for number, section in enumerate(report.sections):
                layout.addWidget(self._section(report, number, section))
        layout.addStretch(1)
        self.area.setWidget(self.body)

    def _title_block(self, report: Report) -> QWidget:
        block = QWidget(self.body)
        layout = QVBoxLayout(block)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        title = _label(report.title, block, kind="title", bold=True)
        title.setObjectName("reportTitle")
        printed = f"{to_local(report.printed_at):%Y-%m-%d %H:%M}"
        line = _("{branch} · {period}, compared with {previous} · as of {printed}").format(
            branch=report.branch,
            period=report.period.label(),
            previous=report.previous.label(),
            printed=printed,
        )
        subtitle = _label(line, block, kind="small")
        subtitle.setObjectName("reportSubtitle")
        layout.addWidget(title)
        layout.addWidget(subtitle)
        return block

    def _section(self, report: Report, number: int, section: Section) -> QWidget:
        box = QWidget(self.body)
        box.setObjectName(f"reportSection{number}")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACING)
        heading = _label(section.title, box, kind="title", bold=True)
        heading.setAccessibleName(section.title)
        layout.addWidget(heading)
        if section.kpis:
            grid = QGridLayout()
            grid.setSpacing(theme.SPACING)
            columns = min(KPI_COLUMNS, len(section.kpis))
            for i, kpi in enumerate(section.kpis):
                card = KpiCard(kpi, box)
                self.cards.append(card)
                grid.addWidget(card, i // columns, i % columns)
            for column in range(columns):
                grid.setColumnStretch(column, 1)
            layout.addLayout(grid)
        charts: list[QWidget] = [
            self._chart(chart, f"reportChart{number}_{i}", box)
            for i, chart in enumerate(section.charts)
        ]
        rows: list[list[QWidget]] = []
        for i, table in enumerate(section.tables):  # each chart beside its table
            name = f"report_{report.kind}_{number}_{i}"
            view = self._table(table, name, box)
            if len(table.columns) > WIDE_TABLE:  # too wide for half the page: below its chart
                rows += [charts[i : i + 1], [view]] if i < len(charts) else [[view]]
            else:
                rows.append([*charts[i : i + 1], view])
        rest = charts[len(section.tables) :]  # charts without a table: two side by side
        rows += [rest[i : i + 2] for i in range(0, len(rest), 2)]
        for widgets in rows:
            row = QHBoxLayout()
            row.setSpacing(theme.SPACING + 4)
            for widget in widgets:
                row.addWidget(widget, 1)
            if len(widgets) == 1 and isinstance(widgets[0], ChartView):
                row.addStretch(1)  # a lone chart keeps half the width, like its neighbours
            layout.addLayout(row)
        return box

    def _chart(self, chart: Chart, name: str, parent: QWidget) -> ChartView:
        view = ChartView(chart, parent)
        view.setObjectName(name)
        view.setMinimumHeight(CHART_HEIGHT)
        view.sig_drill.connect(self.sig_drill)
        self.charts.append(view)
        return view

    def _table(self, table: Table, name: str, parent: QWidget) -> QWidget:
        holder = QWidget(parent)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        caption = _label(table.title, holder, bold=True)
        view = ReportTable(table, name, holder)
        self.tables.append(view)
        layout.addWidget(caption)
        layout.addWidget(view)
        if table.note:
            note = _label(table.note, holder, kind="small")
            note.setStyleSheet("color: #3c4043;")
            layout.addWidget(note)
        layout.addStretch(1)
        return holder
