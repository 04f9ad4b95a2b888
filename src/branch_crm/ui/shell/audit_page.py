"""Audit log page for supervisors: who changed what and when, filterable, newest first."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import ValidationError
from branch_crm.i18n import N_, _
from branch_crm.services.exports.common import ExportFilters
from branch_crm.services.staff import audit
from branch_crm.services.staff.audit import AuditFilter, AuditRow
from branch_crm.services.staff.audit_text import entity_label
from branch_crm.timeutil import BUSINESS_TZ, local_today, to_local
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.export import export_button, export_page, retranslate_button
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.screen_fit import remember_header
from branch_crm.ui.widgets.search_box import placeholder, search_box
from branch_crm.ui.widgets.table_model import Column, RowTableModel
from branch_crm.ui.widgets.tables import Resize, setup_table

log = logging.getLogger(__name__)

PAGE_SIZE = 200


def _actor_text(row: AuditRow) -> str:
    if row.actor_is_system:
        return _("System (automatic)")
    if row.actor_id is None:
        return _("nobody signed in")
    return row.actor_name or row.actor_id[:8]


def _changes_tooltip(row: AuditRow) -> str:
    return row.describe(limit=50).replace(_("; "), "\n")


def _subject_tooltip(row: AuditRow) -> str:
    return _("Record id: {id}").format(id=row.entity_id) if row.entity_id else ""


AUDIT_COLUMNS: tuple[Column[AuditRow], ...] = (
    Column(N_("When"), lambda r: to_local(r.at).strftime("%Y-%m-%d %H:%M:%S")),
    Column(N_("Who"), _actor_text),
    Column(N_("Action"), lambda r: audit.action_label(r.action)),
    Column(N_("Record"), lambda r: r.entity_label()),
    Column(N_("Customer / complaint"), lambda r: r.subject, tooltip=_subject_tooltip),
    Column(N_("Changes"), lambda r: r.describe(), tooltip=_changes_tooltip),
)


class AuditModel(RowTableModel[AuditRow]):
    """Audit rows; more are appended as the user asks for older ones."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(AUDIT_COLUMNS, parent)


def _start_of(day: QDate) -> datetime:
    return datetime(day.year(), day.month(), day.day(), tzinfo=BUSINESS_TZ)


def _day(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class AuditPage(QWidget):
    """Filters above, the log below; loading runs off the GUI thread."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("audit_page")
        self._generation = 0
        self._exhausted = False
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self._build_filters(layout)
        self._build_table(layout)
        self.use_period.toggled.connect(self._on_use_period_toggled)
        self.apply_button.clicked.connect(self.reload)
        self.search.sig_search.connect(lambda _text: self.reload())
        for combo in (self.entity, self.actor, self.action):
            combo.activated.connect(lambda _i: self.reload())
        self.more_button.clicked.connect(self.load_more)
        self._fill_combos()
        self.retranslate_ui()
        self._loaded_once = False

    # --- filters -------------------------------------------------------------------------

    def _fill_combos(self) -> None:
        self.entity.clear()
        self.entity.addItem("", None)
        for name in self.ctx.read(audit.audit_entities):
            self.entity.addItem(entity_label(name), name)
        self.actor.clear()
        self.actor.addItem("", None)
        for staff_id, name in self.ctx.read(audit.audit_actors):
            self.actor.addItem(name, staff_id)
        self.action.clear()
        self.action.addItem("", None)
        for code in audit.ACTION_LABELS:
            self.action.addItem(audit.action_label(code), code)

    def _on_use_period_toggled(self, checked: bool) -> None:
        self.since.setEnabled(checked)
        self.until.setEnabled(checked)

    def current_filter(self) -> AuditFilter:
        """The filter the widgets describe (the period's end day is included)."""
        since = until = None
        if self.use_period.isChecked():
            since = _start_of(self.since.date())
            until = _start_of(self.until.date().addDays(1))
        return AuditFilter(
            entity=self.entity.currentData(),
            search=self.search.query() or None,
            actor_id=self.actor.currentData(),
            action=self.action.currentData(),
            since=since,
            until=until,
        )

    def export_request(self) -> tuple[str, ExportFilters]:
        """The whole log with the filters chosen (not only the entries loaded; ui.export)."""
        period = self.use_period.isChecked()
        return "audit", ExportFilters(
            entity=self.entity.currentData(),
            search=self.search.query() or None,
            actor_id=self.actor.currentData(),
            action=self.action.currentData(),
            since=_day(self.since.date()) if period else None,
            until=_day(self.until.date()) if period else None,
        )

    def export(self) -> None:
        """Export the log as filtered to an Excel file."""
        export_page(self.ctx, self)

    # --- loading -------------------------------------------------------------------------

    def on_shown(self) -> None:
        """Load on first show (and refresh the filter lists)."""
        if not self._loaded_once:
            self._loaded_once = True
            self.reload()

    def reload(self) -> None:
        """Load the newest entries matching the filter."""
        self._load(offset=0)

    def load_more(self) -> None:
        """Load the next older entries."""
        self._load(offset=len(self.model.rows))

    def _load(self, *, offset: int) -> None:
        try:
            flt = self.current_filter()
        except ValueError as exc:
            messages.show_error(self, str(exc))
            return
        self._generation += 1
        generation = self._generation
        self.more_button.setEnabled(False)
        self.ctx.submit(
            audit.query_audit,
            kwargs={"flt": flt, "limit": PAGE_SIZE, "offset": offset},
            on_result=lambda rows: self._on_loaded(generation, rows, offset),
            on_error=self._on_load_failed,
        )

    def _on_loaded(self, generation: int, rows: list[AuditRow], offset: int) -> None:
        if generation != self._generation:
            return  # a newer filter was applied meanwhile
        (self.model.append_rows if offset > 0 else self.model.set_rows)(rows)
        self._exhausted = len(rows) < PAGE_SIZE
        self.more_button.setEnabled(not self._exhausted)
        if offset == 0:
            self.table.resizeColumnsToContents()
        self._show_count()

    def _on_load_failed(self, exc: BaseException) -> None:
        self.more_button.setEnabled(not self._exhausted)
        if isinstance(exc, ValidationError):
            messages.show_error(self, exc)
        else:
            messages.show_error(self, exc)

    def _show_count(self) -> None:
        shown = len(self.model.rows)
        if self._exhausted:
            self.count_label.setText(_("{n} entries").format(n=shown))
        else:
            self.count_label.setText(_("Newest {n} entries shown").format(n=shown))

    def _build_filters(self, layout: QVBoxLayout) -> None:
        filters = QFormLayout()
        row1 = QHBoxLayout()
        self.entity = QComboBox(self)
        self.entity.setObjectName("audit_entity")
        self.search = search_box(self, "audit_search")
        self.actor = QComboBox(self)
        self.actor.setObjectName("audit_actor")
        self.action = QComboBox(self)
        self.action.setObjectName("audit_action")
        row1.addWidget(self.entity)
        row1.addWidget(self.search, 1)
        row1.addWidget(self.actor)
        row1.addWidget(self.action)
        row2 = QHBoxLayout()
        self.use_period = QCheckBox(self)
        self.use_period.setObjectName("audit_use_period")
        self.since = QDateEdit(self)
        self.since.setObjectName("audit_since")
        self.until = QDateEdit(self)
        self.until.setObjectName("audit_until")
        today = local_today()
        for edit, day in ((self.since, today - timedelta(days=7)), (self.until, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.setEnabled(False)
        self.apply_button = QPushButton(icon("filter"), "", self)
        self.apply_button.setObjectName("audit_apply")
        self.apply_button.setDefault(True)
        row2.addWidget(self.use_period)
        row2.addWidget(self.since)
        row2.addWidget(self.until)
        row2.addStretch(1)
        row2.addWidget(self.apply_button)
        self.filter_label = QLabel(self)
        self.period_label = QLabel(self)
        filters.addRow(self.filter_label, row1)
        filters.addRow(self.period_label, row2)
        layout.addLayout(filters)

    def _build_table(self, layout: QVBoxLayout) -> None:
        self.model = AuditModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.empty_state = empty_state(
            self.table,
            lambda: (
                _("Nothing recorded about “{text}” with these filters.").format(
                    text=self.search.query()
                )
                if self.search.query()
                else _(
                    "Nothing recorded for this person, kind and period. Widen the filters "
                    "above to see more."
                )
            ),
        )
        setup_table(self.table, name="audit_table", selection=None, resize=Resize.Interactive)
        remember_header(self.table.horizontalHeader(), "auditTable")  # widths dragged
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.count_label = QLabel(self)
        self.count_label.setObjectName("audit_count")
        self.more_button = QPushButton(self)
        self.more_button.setObjectName("audit_more")
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.more_button)
        self.export_button = export_button(self, "audit_export")
        self.export_button.clicked.connect(self.export)
        bottom.addWidget(self.export_button)
        layout.addLayout(bottom)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Audit log"))
        self.filter_label.setText(_("Filter:"))
        self.period_label.setText(_("Period:"))
        self.entity.setItemText(0, _("All records"))
        self.entity.setAccessibleName(_("Record type"))
        self.search.setPlaceholderText(
            placeholder(_("Complaint number, waybill, phone, last 4, name, initials, serial"))
        )
        self.search.setAccessibleName(_("Search the log"))
        self.actor.setItemText(0, _("Everyone"))
        self.actor.setAccessibleName(_("Who"))
        for index in range(1, self.entity.count()):
            self.entity.setItemText(index, entity_label(str(self.entity.itemData(index))))
        for index in range(1, self.action.count()):
            self.action.setItemText(index, audit.action_label(str(self.action.itemData(index))))
        self.action.setItemText(0, _("All actions"))
        self.action.setAccessibleName(_("Action"))
        self.use_period.setText(_("Only from"))
        self.use_period.setAccessibleName(_("Limit to a period"))
        self.since.setAccessibleName(_("From"))
        self.until.setAccessibleName(_("To"))
        self.apply_button.setText(_("Show"))
        self.apply_button.setAccessibleName(_("Show"))
        self.more_button.setText(_("Older entries…"))
        self.more_button.setAccessibleName(_("Older entries"))
        retranslate_button(self.export_button)
        self.table.setAccessibleName(_("Audit log"))
        self.model.retranslate()
        if self.model.rows:
            self._show_count()
