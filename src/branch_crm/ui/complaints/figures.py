"""Complaint figures for supervisors: SLA compliance, handling times, open backlog by age,
hotspots by category and root cause (Pareto) and compensation, per month or week.

Computed by services.complaints.figures on the database worker; printed reports come with the
reports feature, ``branch-crm complaints stats`` prints the same figures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _
from branch_crm.services.complaints import figures as cst
from branch_crm.services.complaints.labels import format_minutes, format_money, grade_label
from branch_crm.timeutil import to_local
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.periods import presets
from branch_crm.ui.widgets.combos import refill_combo
from branch_crm.ui.widgets.period_picker import PeriodPicker
from branch_crm.ui.widgets.screen_fit import fit_window
from branch_crm.ui.widgets.tables import setup_table

log = logging.getLogger(__name__)

PRESETS = presets("this_month", "last_month", "quarter", "year", "custom")
SPLITS = (
    ("month", N_("By month")),
    ("week", N_("By week")),
    ("all", N_("Whole period")),
)
RELOAD_ON = frozenset({"complaint", "sync", "reference"})


def percent(value: float | None) -> str:
    """'83.3 %' or '–' when nothing was measured."""
    return "–" if value is None else f"{value * 100:.1f} %"


def minutes(value: float | None) -> str:
    """A duration in business time, or '–'."""
    return "–" if value is None else format_minutes(value)


def compliance(c: cst.Compliance) -> str:
    """'19 / 23 (82.6 %)' or '–'."""
    return "–" if not c.measured else f"{c.met} / {c.measured} ({percent(c.rate)})"


def period_label(s: cst.ComplaintStats, by: str) -> str:
    """Column title of a period: '2026-11', '11-02 – 11-08' or the full range."""
    if by == "month":
        return f"{s.start:%Y-%m}"
    if by == "week":
        return f"{s.start:%m-%d} – {s.end:%m-%d}"
    return f"{s.start:%Y-%m-%d} – {s.end:%Y-%m-%d}"


Row = tuple[str, Callable[[cst.ComplaintStats], str]]


def _received_in_grade(grade: int) -> Callable[[cst.ComplaintStats], str]:
    return lambda s: str(s.by_grade.get(grade, 0))


def _open_in_bucket(index: int) -> Callable[[cst.ComplaintStats], str]:
    return lambda s: str(s.backlog[index][1])


def summary_rows() -> list[Row]:
    """(caption, value of a period) for every line of the summary table, translated."""
    rows: list[Row] = [
        (_("Complaints received"), lambda s: str(s.received)),
        (_("Complaints closed"), lambda s: str(s.closed)),
    ]
    for grade in (1, 2, 3):
        caption = _("Received, {grade}").format(grade=grade_label(grade))
        rows.append((caption, _received_in_grade(grade)))
    rows += [
        (_("Response target met"), lambda s: compliance(s.response)),
        (_("Resolution target met"), lambda s: compliance(s.resolution)),
        (_("Response time, mean"), lambda s: minutes(s.response_time.mean_minutes)),
        (_("Response time, median"), lambda s: minutes(s.response_time.median_minutes)),
        (_("Resolution time, mean"), lambda s: minutes(s.resolution_time.mean_minutes)),
        (_("Resolution time, median"), lambda s: minutes(s.resolution_time.median_minutes)),
        (_("Open at the period's end (or now)"), lambda s: str(s.backlog_total)),
    ]
    for index, label in enumerate(cst.AGE_BUCKETS):
        rows.append(("    " + _("open {age}").format(age=_(label[0])), _open_in_bucket(index)))
    rows += [
        (_("Compensation requested"), lambda s: format_money(s.compensation_requested_cents)),
        (_("Compensation granted"), lambda s: format_money(s.compensation_granted_cents)),
    ]
    return rows


def _cell(text: str, right: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    row_height = table.fontMetrics().height() + 8
    setup_table(
        table, name=name, selection=None, stretch_last=None, word_wrap=False, row_height=row_height
    )
    return table


class ComplaintFiguresDialog(QDialog):
    """Period, split, the summary per period and the two Pareto tables of the whole range."""

    sig_loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("complaintFigures")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx = ctx
        self.figures: cst.Figures | None = None
        self._loading = False
        self._build()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        fit_window(self, (1100, 840))
        self.apply_preset()

    # -- construction -----------------------------------------------------------------
    def _build(self) -> None:
        self.picker = PeriodPicker(PRESETS, prefix="complaintFigures", parent=self)
        self.preset, self.start, self.end = self.picker.preset, self.picker.start, self.picker.end
        self.split = QComboBox(self)
        self.split.setObjectName("complaintFiguresSplit")
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("complaintFiguresRefresh")
        self.report_button = QPushButton(self)
        self.report_button.setObjectName("complaintFiguresReport")
        self.report_button.setVisible(self.ctx.main_window is not None)
        self.status = QLabel(self)
        self.status.setObjectName("complaintFiguresStatus")
        self.summary = _table("complaintFiguresSummary", self)
        self.categories = _table("complaintFiguresCategories", self)
        self.causes = _table("complaintFiguresRootCauses", self)
        self.captions = {key: QLabel(self) for key in ("summary", "categories", "causes")}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        self._layout()
        self.picker.sig_changed.connect(self.reload)
        self.split.currentIndexChanged.connect(lambda _i: self.reload())
        self.refresh_button.clicked.connect(self.reload)
        self.report_button.clicked.connect(self.open_report)
        QShortcut(QKeySequence("F5"), self).activated.connect(self.reload)

    def _layout(self) -> None:
        choose = QHBoxLayout()
        for widget in (self.picker, self.split):
            choose.addWidget(widget)
        choose.addWidget(self.refresh_button)
        choose.addWidget(self.report_button)
        choose.addStretch(1)
        choose.addWidget(self.status)
        pareto = QGridLayout()
        pareto.addWidget(self.captions["categories"], 0, 0)
        pareto.addWidget(self.categories, 1, 0)
        pareto.addWidget(self.captions["causes"], 0, 1)
        pareto.addWidget(self.causes, 1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(choose)
        layout.addWidget(self.captions["summary"])
        layout.addWidget(self.summary, 5)
        layout.addLayout(pareto, 3)
        layout.addWidget(self.buttons)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Complaint figures"))
        self.picker.retranslate()
        refill_combo(self.split, ((key, _(label)) for key, label in SPLITS))
        self.split.setAccessibleName(_("Split"))
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Refresh (F5)"))
        self.refresh_button.setAccessibleName(_("Refresh"))
        self.report_button.setText(_("&Report…"))
        self.report_button.setToolTip(
            _("The complaints report of this period: charts, print, PDF and Excel (Alt+R)")
        )
        self.report_button.setAccessibleName(_("Complaints report"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self.captions["summary"].setText(
            _("Complaints received in each period; times in business time of their SLA calendar")
        )
        self.captions["categories"].setText(_("Hotspots by category (received)"))
        self.captions["causes"].setText(_("Hotspots by root cause (closed)"))
        self.summary.setAccessibleName(_("Complaint figures per period"))
        self.categories.setAccessibleName(_("Hotspots by category"))
        self.causes.setAccessibleName(_("Hotspots by root cause"))
        for table, first in ((self.categories, _("Category")), (self.causes, _("Root cause"))):
            table.setColumnCount(4)
            table.setHorizontalHeaderLabels([first, _("Complaints"), _("Share"), _("Cumulative")])
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._fill()

    # -- period -------------------------------------------------------------------------
    def apply_preset(self) -> None:
        """Set the dates of the chosen preset and reload."""
        self.picker.apply_preset()

    def set_period(self, first: date, last: date, *, preset: str = "custom") -> None:
        """Show the figures of ``first``..``last`` (both included)."""
        self.picker.set_period(first, last, preset=preset)

    def period(self) -> tuple[date, date]:
        """The chosen (first day, last day)."""
        return self.picker.period()

    def open_report(self) -> QWidget | None:
        """The Reports page of the main window on the complaints report of this period."""
        from branch_crm.ui.reports.page import open_report

        start, end = self.period()
        return open_report(
            self.ctx, "complaints", start, end, str(self.picker.preset.currentData() or "")
        )

    # -- loading ------------------------------------------------------------------------
    def reload(self) -> None:
        """Compute the figures of the chosen period on the database worker."""
        start, end = self.period()
        self._loading = True
        self.status.setText(_("Computing…"))
        self.ctx.submit(
            cst.complaint_figures,
            kwargs={"start": start, "end": end, "by": str(self.split.currentData() or "month")},
            on_result=self._on_figures,
            on_error=self._on_error,
        )

    def _on_figures(self, figures: cst.Figures) -> None:
        self._loading = False
        self.figures = figures
        self._fill()
        self.sig_loaded.emit()

    def _on_error(self, exc: BaseException) -> None:
        self._loading = False
        self.status.setText("")
        messages.show_error(self, exc)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & RELOAD_ON and not self._loading:
            self.reload()

    # -- showing ------------------------------------------------------------------------
    def _fill(self) -> None:
        f = self.figures
        if f is None:
            return
        columns = list(f.periods) + ([f.total] if len(f.periods) > 1 else [])
        titles = [period_label(s, f.by) for s in f.periods]
        if len(f.periods) > 1:
            titles.append(_("Whole period"))
        rows = summary_rows()
        table = self.summary
        table.clear()
        table.setRowCount(len(rows))
        table.setColumnCount(1 + len(columns))
        table.setHorizontalHeaderLabels(["", *titles])
        for r, (caption, value) in enumerate(rows):
            table.setItem(r, 0, _cell(caption, right=False))
            for c, stats in enumerate(columns, start=1):
                table.setItem(r, c, _cell(value(stats)))
        self._fill_pareto(self.categories, f.total.by_category)
        self._fill_pareto(self.causes, f.total.by_root_cause)
        self.status.setText(
            _("as of {when}").format(when=f"{to_local(f.total.backlog_as_of):%Y-%m-%d %H:%M}")
        )

    @staticmethod
    def _fill_pareto(table: QTableWidget, rows: tuple[cst.ShareRow, ...]) -> None:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            table.setItem(r, 0, _cell(row.label, right=False))
            table.setItem(r, 1, _cell(str(row.count)))
            table.setItem(r, 2, _cell(percent(row.share)))
            table.setItem(r, 3, _cell(percent(row.cumulative)))

    def column_texts(self, column: int) -> dict[str, str]:
        """Summary caption -> text of one column (tests, automation)."""
        table = self.summary

        def text(row: int, col: int) -> str:
            item = table.item(row, col)
            return item.text() if item is not None else ""

        return {text(r, 0): text(r, column) for r in range(table.rowCount())}


def open_figures(ctx: AppContext, parent: QWidget | None = None) -> ComplaintFiguresDialog:
    """Show the figures window (non-modal)."""
    dialog = ComplaintFiguresDialog(ctx, parent)
    dialog.show()
    return dialog
