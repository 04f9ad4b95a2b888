"""Survey scores: CSAT, NPS, CES and the per-question averages for a period and tier, the
same figures per customer tier, and the month-by-month trend."""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError
from branch_crm.i18n import _, current_language
from branch_crm.reference.roles import Permission
from branch_crm.services.customers.classification import TIERS, tier_label
from branch_crm.services.permissions import allowed
from branch_crm.services.surveys import scores as ss
from branch_crm.services.surveys.template import SurveyItem, active_template
from branch_crm.timeutil import month_key
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.periods import presets
from branch_crm.ui.widgets.combos import refill_combo
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.period_picker import PeriodPicker
from branch_crm.ui.widgets.tables import Resize, setup_table

log = logging.getLogger(__name__)

PRESETS = presets("this_month", "last_month", "quarter", "year", "twelve", "custom")
TREND_MONTHS = 12
RELOAD_ON = frozenset({"survey", "sync", "customer"})


def percent(value: float | None) -> str:
    """'83 %' or '–'."""
    return "–" if value is None else f"{value:.0f} %"


def number(value: float | None, digits: int = 1) -> str:
    """'4.2' or '–'."""
    return "–" if value is None else f"{value:.{digits}f}"


def signed(value: float | None) -> str:
    """NPS as '+25' / '-10' / '–'."""
    return "–" if value is None else f"{value:+.0f}"


def _cell(text: str, right: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(
    name: str, parent: QWidget, stretch: int | None = None, spread: bool = False
) -> QTableWidget:
    table = QTableWidget(parent)
    resize = Resize.Stretch if spread else Resize.ResizeToContents
    setup_table(table, name=name, selection=None, resize=resize, stretch_last=False)
    if stretch is not None:
        table.setColumnCount(stretch + 1)
        table.horizontalHeader().setSectionResizeMode(stretch, Resize.Stretch)
    return table


class ScoresWidget(QWidget):
    """Period and tier choice, headline figures, item averages, per tier, monthly trend."""

    sig_loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surveyScores")
        self.ctx = ctx
        self.scores: ss.Scores | None = None
        self.by_tier: dict[str, ss.Scores] = {}
        self.trend: list[ss.MonthScores] = []
        self._questions: dict[str, SurveyItem] = {}
        self._build()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.apply_preset()

    def _build(self) -> None:
        self.picker = PeriodPicker(PRESETS, prefix="scores", parent=self)
        self.preset, self.start, self.end = self.picker.preset, self.picker.start, self.picker.end
        self.tier = QComboBox(self)
        self.tier.setObjectName("scoresTier")
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("scoresRefresh")
        self.report_button = QPushButton(self)
        self.report_button.setObjectName("scoresReport")
        self.report_button.setVisible(
            self.ctx.main_window is not None and allowed(self.ctx.actor, Permission.REPORT_VIEW)
        )
        self.headline = {key: QLabel(self) for key in ("responses", "csat", "nps", "ces")}
        for key, label in self.headline.items():
            label.setObjectName(f"scores_{key}")
            font = label.font()
            font.setPointSize(font.pointSize() + 3)
            font.setBold(True)
            label.setFont(font)
        self.captions = {key: QLabel(self) for key in self.headline}
        self.items_table = _table("scoresItems", self, stretch=0)
        self.tier_table = _table("scoresByTier", self, spread=True)
        self.trend_table = _table("scoresTrend", self, spread=True)
        self.empty_state = empty_state(
            self.items_table,
            lambda: _(
                "No survey answers in this period. Key returned forms in on the first tab, "
                "or choose a longer period."
            ),
        )
        self.section = {key: QLabel(self) for key in ("items", "tiers", "trend")}
        self._layout()
        self.picker.sig_changed.connect(self.reload)
        self.tier.currentIndexChanged.connect(lambda _i: self.reload())
        self.refresh_button.clicked.connect(self.reload)
        self.report_button.clicked.connect(self.open_report)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self).activated.connect(
            self.reload
        )

    def _layout(self) -> None:
        choose = QHBoxLayout()
        for widget in (self.picker, self.tier, self.refresh_button, self.report_button):
            choose.addWidget(widget)
        choose.addStretch(1)
        figures = QGridLayout()
        for column, key in enumerate(self.headline):
            figures.addWidget(self.headline[key], 0, column, Qt.AlignmentFlag.AlignHCenter)
            figures.addWidget(self.captions[key], 1, column, Qt.AlignmentFlag.AlignHCenter)
        tables = QGridLayout()
        tables.addWidget(self.section["items"], 0, 0)
        tables.addWidget(self.items_table, 1, 0)
        tables.addWidget(self.section["tiers"], 0, 1)
        tables.addWidget(self.tier_table, 1, 1)
        tables.addWidget(self.section["trend"], 2, 0, 1, 2)
        tables.addWidget(self.trend_table, 3, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(choose)
        layout.addLayout(figures)
        layout.addLayout(tables, 1)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self._fill_choices()
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Refresh (F5)"))
        self.refresh_button.setAccessibleName(_("Refresh"))
        self.report_button.setText(_("&Report…"))
        self.report_button.setToolTip(
            _("The satisfaction report of this period: charts, print, PDF and Excel (Alt+R)")
        )
        self.report_button.setAccessibleName(_("Satisfaction report"))
        self.tier.setAccessibleName(_("Customer tier"))
        self.captions["responses"].setText(_("Responses"))
        self.captions["csat"].setText(_("CSAT (share of 4–5)"))
        self.captions["nps"].setText(_("NPS (promoters − detractors)"))
        self.captions["ces"].setText(_("CES (1–7, 7 = easy)"))
        self.section["items"].setText(_("Average per question (1–5)"))
        self.section["tiers"].setText(_("By customer tier"))
        self.section["trend"].setText(_("Month by month"))
        self.items_table.setColumnCount(3)
        self.items_table.setHorizontalHeaderLabels([_("Question"), _("Average"), _("Answers")])
        self.tier_table.setColumnCount(5)
        self.tier_table.setHorizontalHeaderLabels(
            [_("Tier"), _("Responses"), _("CSAT"), _("NPS"), _("CES")]
        )
        self.trend_table.setColumnCount(7)
        self.trend_table.setHorizontalHeaderLabels(
            [
                _("Month"),
                _("Responses"),
                _("CSAT"),
                _("NPS"),
                _("Promoters"),
                _("Detractors"),
                _("CES"),
            ]
        )
        self._fill()

    def _fill_choices(self) -> None:
        self.picker.retranslate()
        refill_combo(self.tier, [("", _("All tiers")), *((t, tier_label(t)) for t in TIERS)])

    # --- period --------------------------------------------------------------------------------

    def apply_preset(self) -> None:
        """Set the dates of the chosen preset and reload."""
        self.picker.apply_preset()

    def period(self) -> tuple[date, date]:
        """The chosen (first day, last day)."""
        return self.picker.period()

    def open_report(self) -> QWidget | None:
        """The Reports page of the main window on the satisfaction report of this period."""
        from branch_crm.ui.reports.page import open_report

        start, end = self.period()
        return open_report(
            self.ctx, "satisfaction", start, end, str(self.picker.preset.currentData() or "")
        )

    # --- loading -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Compute the figures for the chosen period and tier."""
        start, end = self.period()
        tier = str(self.tier.currentData() or "") or None
        try:
            self.scores = self.ctx.read(ss.survey_scores, start=start, end=end, tier=tier)
            self.by_tier = self.ctx.read(ss.scores_by_tier, start=start, end=end)
            self.trend = self.ctx.read(
                ss.monthly_trend, months=TREND_MONTHS, last_month=month_key(end), tier=tier
            )
            template = self.ctx.read(active_template)
        except CrmError as exc:
            messages.show_error(self, exc)
            return
        self._questions = {i.code: i for i in template.items}
        self._fill()
        self.sig_loaded.emit()

    def _fill(self) -> None:
        s = self.scores
        if s is None:
            return
        self.headline["responses"].setText(str(s.responses))
        self.headline["csat"].setText(percent(s.csat))
        self.headline["nps"].setText(signed(s.nps))
        self.headline["ces"].setText(number(s.ces))
        self._fill_items(s)
        self._fill_tiers()
        self._fill_trend()

    def _fill_items(self, s: ss.Scores) -> None:
        language = current_language()
        rows = [(code, avg) for code, avg in s.item_averages.items()]
        self.items_table.setRowCount(len(rows))
        for row, (code, avg) in enumerate(rows):
            item = self._questions.get(code)
            text = item.text(language) if item is not None else code
            self.items_table.setItem(row, 0, _cell(text, right=False))
            self.items_table.setItem(row, 1, _cell(number(avg, 2)))
            self.items_table.setItem(row, 2, _cell(str(s.item_counts.get(code, 0))))

    def _fill_tiers(self) -> None:
        self.tier_table.setRowCount(len(self.by_tier))
        for row, (tier, t) in enumerate(self.by_tier.items()):
            for column, text in enumerate(
                (tier_label(tier), str(t.responses), percent(t.csat), signed(t.nps), number(t.ces))
            ):
                self.tier_table.setItem(row, column, _cell(text, right=column > 0))

    def _fill_trend(self) -> None:
        self.trend_table.setRowCount(len(self.trend))
        for row, m in enumerate(self.trend):
            t = m.scores
            values = (
                m.month,
                str(t.responses),
                percent(t.csat),
                signed(t.nps),
                str(t.promoters),
                str(t.detractors),
                number(t.ces),
            )
            for column, text in enumerate(values):
                self.trend_table.setItem(row, column, _cell(text, right=column > 0))
        self.trend_table.scrollToBottom()  # the latest months first in view

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & RELOAD_ON and self.isVisible():
            self.reload()
