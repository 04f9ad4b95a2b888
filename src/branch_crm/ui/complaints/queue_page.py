"""The complaint queue page: open complaints by time left, filters, self-refreshing.

Every ``refresh_ms`` (30 s) the page re-evaluates states and time left in place (no query)
and runs the SLA sweep on the database worker; a sweep that recorded something, or any
"complaint"/"sync" change on the data bus, reloads the rows.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints import reference, sla
from branch_crm.services.complaints.labels import grade_label
from branch_crm.services.complaints.search import ComplaintMatches, find_complaints
from branch_crm.services.exports.common import ExportFilters
from branch_crm.services.permissions import allowed
from branch_crm.timeutil import BUSINESS_TZ, utcnow
from branch_crm.ui import keys
from branch_crm.ui.complaints.queue_model import CUSTOMER, ID_ROLE, ComplaintQueueModel
from branch_crm.ui.context import AppContext
from branch_crm.ui.export import export_button, export_page, retranslate_button
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.labels import page_title
from branch_crm.ui.widgets.screen_fit import fit_columns
from branch_crm.ui.widgets.search_box import SearchRun, placeholder, search_box
from branch_crm.ui.widgets.tables import Resize, setup_table

if TYPE_CHECKING:
    from branch_crm.ui.complaints.detail import ComplaintDetailDialog
    from branch_crm.ui.complaints.figures import ComplaintFiguresDialog
    from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog

log = logging.getLogger(__name__)

REFRESH_MS = 30_000
RELOAD_ON = frozenset({"complaint", "customer", "sync", "reference"})


class ComplaintQueuePage(QWidget):
    """Open complaints, least time left first; Enter opens one, Ctrl+N takes a new one."""

    sig_loaded = Signal(int)
    """Emitted after the rows were (re)loaded, with the number of open complaints."""
    sig_ticked = Signal()
    """Emitted after a time-passing refresh."""
    sig_searched = Signal(int)
    """Emitted when a search result is shown, with the rows shown (-1: search cleared)."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS
    ):
        super().__init__(parent)
        self.setObjectName("complaintQueuePage")
        self.ctx = ctx
        self.model = ComplaintQueueModel(self)
        self._loading = False
        self._reload_pending = False
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.reload()

    # -- construction -----------------------------------------------------------------
    def _build(self) -> None:
        self.title = page_title(self)
        self.counts = QLabel(self)
        self.counts.setObjectName("complaintQueueCounts")
        self.mine = QCheckBox(self)
        self.mine.setObjectName("complaintFilterMine")
        self.grade = QComboBox(self)
        self.grade.setObjectName("complaintFilterGrade")
        self.category = QComboBox(self)
        self.category.setObjectName("complaintFilterCategory")
        self.breached = QCheckBox(self)
        self.breached.setObjectName("complaintFilterBreached")
        self.waiting = QCheckBox(self)
        self.waiting.setObjectName("complaintFilterWaiting")
        self.received = QCheckBox(self)
        self.received.setObjectName("complaintFilterReceived")
        self.received.setVisible(False)
        self.received_period: tuple[date, date] | None = None
        self.new_button = QPushButton(self)
        self.new_button.setIcon(icon("complaint_new"))
        self.new_button.setObjectName("complaintNew")
        self.open_button = QPushButton(self)
        self.open_button.setIcon(icon("open"))
        self.open_button.setObjectName("complaintOpen")
        self.figures_button = QPushButton(self)
        self.figures_button.setIcon(icon("reports"))
        self.figures_button.setObjectName("complaintOpenFigures")
        self.figures_button.setVisible(allowed(self.ctx.actor, Permission.REPORT_VIEW))
        self.export_button = export_button(self, "complaintExport")
        self.search = search_box(self, "complaintSearch")
        self._search_run = SearchRun(self.ctx, self)
        self.matches: ComplaintMatches | None = None
        """What the search box found (None: no search)."""
        self.table = QTableView(self)
        self.table.setObjectName("complaintQueue")
        self.table.setModel(self.model)
        self.empty = QLabel(self)
        self.empty.setObjectName("complaintQueueEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setProperty("emptyState", True)
        self.empty.setWordWrap(True)
        self._setup_table()
        self._layout()
        self._connect()

    def _setup_table(self) -> None:
        view = self.table
        setup_table(view, resize=Resize.Interactive, word_wrap=False, row_height=28)
        view.setTabKeyNavigation(False)
        self.columns = fit_columns(view, CUSTOMER, "complaintQueue")  # the customer takes the rest

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.search)
        top.addWidget(self.counts)
        filters = QHBoxLayout()
        for widget in (
            self.mine,
            self.grade,
            self.category,
            self.breached,
            self.waiting,
            self.received,
        ):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.new_button)
        filters.addWidget(self.open_button)
        filters.addWidget(self.figures_button)
        filters.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.setFocusProxy(self.table)

    def _connect(self) -> None:
        for box in (self.mine, self.breached, self.waiting, self.received):
            box.toggled.connect(self._on_filter_changed)
        for combo in (self.grade, self.category):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.table.activated.connect(self._on_table_activated)
        self.search.sig_search.connect(self._on_search_sig_search)
        self.new_button.clicked.connect(self.new_complaint)
        self.open_button.clicked.connect(self.open_current)
        self.figures_button.clicked.connect(self.open_figures)
        self.export_button.clicked.connect(self.export)
        for sequence, slot in (
            ("Ctrl+N", self.new_complaint),
            ("Ctrl+R", self.reload),
            ("Ctrl+I", self.open_figures),
        ):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            if sequence in ("Ctrl+R",):  # the others are named by their buttons in the F1 list
                shortcut.setProperty(keys.DESCRIPTION, N_("Refresh"))

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Complaint queue"))
        retranslate_button(self.export_button)
        self.mine.setText(_("&Mine"))
        self.mine.setToolTip(_("Only complaints assigned to me (Alt+M)"))
        self.breached.setText(_("&Breached"))
        self.breached.setToolTip(_("Only complaints past a target (Alt+B)"))
        self.waiting.setText(_("&Waiting for customer"))
        self.waiting.setToolTip(_("Only complaints whose clock is paused for the customer (Alt+W)"))
        self._label_received()
        self._fill_combos()
        self.new_button.setText(_("New complaint"))
        self.new_button.setToolTip(_("Take a new complaint (Ctrl+N)"))
        self.open_button.setText(_("Open"))
        self.open_button.setToolTip(_("Open the selected complaint (Enter)"))
        self.figures_button.setText(_("Figures…"))
        self.figures_button.setToolTip(
            _("SLA compliance, times, backlog, hotspots and compensation per period (Ctrl+I)")
        )
        self.table.setAccessibleName(_("Complaint queue"))
        self.search.setPlaceholderText(
            placeholder(_("Number or last digits, waybill, phone, last 4, name, initials"))
        )
        self.search.setAccessibleName(_("Search complaints"))
        self.grade.setAccessibleName(_("Grade filter"))
        self.category.setAccessibleName(_("Category filter"))
        for widget in (
            self.mine,
            self.breached,
            self.waiting,
            self.new_button,
            self.open_button,
            self.figures_button,
        ):
            widget.setAccessibleName(widget.text().replace("&", "").replace("…", ""))
        self.model.retranslate()
        self._show_counts()

    def _fill_combos(self, categories: dict[str, str] | None = None) -> None:
        grade, category = self.grade.currentData(), self.category.currentData()
        for combo in (self.grade, self.category):
            combo.blockSignals(True)
            combo.clear()
        self.grade.addItem(_("All grades"), None)
        for g in (1, 2, 3):
            self.grade.addItem(grade_label(g), g)
        self.category.addItem(_("All categories"), None)
        labels = categories if categories is not None else self._categories()
        for code, label in labels.items():
            self.category.addItem(label, code)
        for combo, value in ((self.grade, grade), (self.category, category)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)

    def _categories(self) -> dict[str, str]:
        try:
            codes = self.ctx.read(reference.reference_codes, kind="complaint_category")
        except Exception:
            log.exception("categories could not be read")
            return {}
        return {c.code: c.label for c in codes}

    # -- data -----------------------------------------------------------------------
    def current_filter(self) -> cq.QueueFilter:
        """The filter the controls describe."""
        since, before = self._received_bounds()
        return cq.QueueFilter(
            mine=self.mine.isChecked(),
            grade=self.grade.currentData(),
            category=self.category.currentData(),
            breached=self.breached.isChecked(),
            waiting=self.waiting.isChecked(),
            received_since=since,
            received_before=before,
            ids=self.matches.open_ids if self.matches is not None else None,
        )

    def _received_bounds(self) -> tuple[float | None, float | None]:
        period = self.received_period if self.received.isChecked() else None
        if period is None:
            return None, None
        first, last = (datetime.combine(d, time.min, tzinfo=BUSINESS_TZ) for d in period)
        return first.timestamp(), (last + timedelta(days=1)).timestamp()

    def _label_received(self) -> None:
        if self.received_period is None:
            return
        first, last = self.received_period
        self.received.setText(
            _("Received {start} – {end}").format(start=first.isoformat(), end=last.isoformat())
        )
        self.received.setToolTip(_("Only complaints received in the report's period"))
        self.received.setAccessibleName(self.received.text())

    def show_filtered(
        self,
        *,
        grade: int | None = None,
        category: str | None = None,
        received: tuple[date, date] | None = None,
    ) -> None:
        """Show the open complaints of one grade and/or category received in ``received``
        (local days, both included): a report's drill-down. The other filters are cleared;
        the period shows as a ticked box that unticks it."""
        controls = (self.mine, self.breached, self.waiting, self.received, self.grade)
        for widget in (*controls, self.category):
            widget.blockSignals(True)
        for box in (self.mine, self.breached, self.waiting):
            box.setChecked(False)
        self.grade.setCurrentIndex(max(0, self.grade.findData(grade)) if grade else 0)
        self.category.setCurrentIndex(max(0, self.category.findData(category)) if category else 0)
        self.received_period = received
        self.received.setChecked(received is not None)
        self.received.setVisible(received is not None)
        self._label_received()
        for widget in (*controls, self.category):
            widget.blockSignals(False)
        self._on_filter_changed()

    def show_report_slice(
        self, field: str, key: str, *, received: tuple[date, date] | None = None
    ) -> None:
        """A report bar's list: ``field`` "grade" or "category" equal to ``key``, received
        in ``received``. Root causes are recorded when a complaint is closed, and the queue
        holds open complaints: a "root_cause" bar shows the period's open complaints."""
        if field == "grade":
            self.show_filtered(grade=int(key), received=received)
        elif field == "category":
            self.show_filtered(category=key, received=received)
        else:
            self.show_filtered(received=received)

    def export_request(self) -> tuple[str, ExportFilters]:
        """The open complaints with the queue's filters (ui.export)."""
        flt = self.current_filter()
        period = self.received_period if self.received.isChecked() else None
        return "complaints", ExportFilters(
            open_only=True,
            mine=flt.mine,
            grade=flt.grade,
            category=flt.category,
            breached=flt.breached,
            waiting=flt.waiting,
            since=period[0] if period else None,
            until=period[1] if period else None,
        )

    def export(self) -> None:
        """Export the queue as filtered to an Excel file."""
        export_page(self.ctx, self)

    def reload(self) -> None:
        """Query the open complaints again (on the database worker)."""
        if self._loading:
            self._reload_pending = True
            return
        self._loading = True
        self.ctx.submit(
            cq.queue_snapshot, on_result=self._on_snapshot, on_error=self._on_load_error
        )

    def _on_snapshot(self, snapshot: cq.QueueSnapshot) -> None:
        self._loading = False
        selected = self.current_id()
        self.model.set_snapshot(
            snapshot, utcnow().timestamp(), self.current_filter(), self.ctx.actor.staff_id
        )
        self._select(selected)
        self._show_counts()
        self.sig_loaded.emit(self.model.total())
        if self._reload_pending:
            self._reload_pending = False
            self.reload()

    def _on_load_error(self, exc: BaseException) -> None:
        self._loading = False
        log.error("complaint queue could not be loaded: %s", exc)
        self.empty.setText(_("The complaints could not be loaded: {error}").format(error=exc))
        self.empty.setVisible(True)

    def tick(self) -> None:
        """Time passed: states and time left move on, order follows (no query)."""
        self.model.tick(utcnow().timestamp())
        self._show_counts()
        self.sig_ticked.emit()

    def _on_timer_timeout(self) -> None:
        self.tick()
        self.ctx.submit(sla.sweep, on_result=self._on_sweep_result, on_error=self._on_sweep_error)

    def _on_sweep_result(self, result: sla.SweepResult) -> None:
        if result.breaches or result.escalations or result.recomputed:
            self.ctx.bus.changed("complaint")

    def _on_sweep_error(self, exc: BaseException) -> None:
        log.warning("SLA sweep failed: %s", exc)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & RELOAD_ON:
            if "reference" in what:
                self._fill_combos()
            self.reload()
            if self.matches is not None:
                self._on_search_sig_search(self.search.query())

    # -- search box -----------------------------------------------------------------
    def _on_search_sig_search(self, text: str) -> None:
        if not text:
            self._search_run.cancel()
            self._show_matches(None)
            return
        self._search_run.start(
            find_complaints, {"text": text}, self._show_matches, self._on_search_error
        )

    def _show_matches(self, matches: ComplaintMatches | None) -> None:
        self.matches = matches
        self._on_filter_changed()
        self.sig_searched.emit(-1 if matches is None else self.model.rowCount())

    def _on_search_error(self, exc: BaseException) -> None:
        log.warning("complaint search failed: %s", exc)
        self.empty.setText(_("The search failed: {error}").format(error=exc))
        self.empty.setVisible(True)

    def _on_filter_changed(self, *_args: object) -> None:
        selected = self.current_id()
        self.model.set_filter(self.current_filter(), self.ctx.actor.staff_id)
        self._select(selected)
        self._show_counts()

    def _show_counts(self) -> None:
        model = self.model
        states = [model.state_at(i) for i in range(model.rowCount())]
        shown, total = len(states), model.total()
        text = _("{shown} of {total} open · {warned} due soon · {breached} breached").format(
            shown=shown,
            total=total,
            warned=states.count(cq.WARNED),
            breached=states.count(cq.BREACHED),
        )
        self.counts.setText(text)
        self.counts.setAccessibleName(text)
        if self.matches is not None and not shown:
            self.empty.setText(self._no_match_text(self.matches))
        elif total and not shown:
            self.empty.setText(
                _("No open complaint matches the filters. Untick them above to see all.")
            )
        elif not total:
            self.empty.setText(
                _("No open complaints. Well done! New complaint (Ctrl+N) records one.")
            )
        self.empty.setVisible(not shown)

    def _no_match_text(self, matches: ComplaintMatches) -> str:
        text = _("No open complaint matches “{text}”.").format(text=matches.text)
        if matches.closed_ids:
            text += " " + _("Closed complaints that match: {n}; Go to (Ctrl+K) opens one.").format(
                n=len(matches.closed_ids)
            )
        return text

    # -- selection and actions ------------------------------------------------------
    def current_id(self) -> str | None:
        """The complaint selected in the table."""
        index = self.table.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def _select(self, complaint_id: str | None) -> None:
        row = self.model.row_of(complaint_id) if complaint_id else -1
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _on_table_activated(self, index: QModelIndex) -> None:
        complaint_id = index.data(ID_ROLE)
        if complaint_id:
            self.open_complaint(complaint_id)

    def open_current(self) -> None:
        """Open the selected complaint."""
        complaint_id = self.current_id()
        if complaint_id:
            self.open_complaint(complaint_id)

    def open_complaint(self, complaint_id: str) -> ComplaintDetailDialog:
        """Show the detail window of a complaint."""
        from branch_crm.ui.complaints.detail import open_complaint

        return open_complaint(self.ctx, complaint_id, parent=self)

    def open_figures(self) -> ComplaintFiguresDialog | None:
        """Show the complaint figures (supervisors)."""
        from branch_crm.ui.complaints.figures import open_figures

        if not allowed(self.ctx.actor, Permission.REPORT_VIEW):
            return None
        return open_figures(self.ctx, parent=self)

    def new_complaint(self) -> TakeComplaintDialog | None:
        """Open the take-a-complaint dialog."""
        from branch_crm.ui.complaints.take_dialog import take_complaint

        if not allowed(self.ctx.actor, Permission.COMPLAINT_CREATE):
            return None
        return take_complaint(self.ctx, parent=self)

    def on_shown(self) -> None:
        """The page appeared: refresh the clock view and focus the table."""
        self.tick()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
