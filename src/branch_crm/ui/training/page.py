"""The training page: sessions (plan, edit, print the sign-in sheet, record attendance) and
attendance per person.

Keys: Ctrl+N new session, Enter or Ctrl+E edit, Ctrl+P print the sign-in sheet, Ctrl+T
attendance, Delete removes a session; Ctrl+F goes to the search box.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.db import default_data_dir
from branch_crm.errors import CrmError
from branch_crm.i18n import N_, _
from branch_crm.services.exports.common import ExportFilters
from branch_crm.services.training import attendance, inputs, sessions, signin_sheet
from branch_crm.timeutil import local_today, to_local, utcnow
from branch_crm.ui import keys as ui_keys
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.export import export_button, export_page, retranslate_button
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.combos import refill_combo
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.labels import page_title
from branch_crm.ui.widgets.search_box import SearchRun, placeholder, search_box
from branch_crm.ui.widgets.tables import setup_table

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole
PERIODS = (
    ("all", N_("All sessions")),
    ("upcoming", N_("From today on")),
    ("month", N_("Last 30 days")),
    ("quarter", N_("Last 90 days")),
    ("year", N_("Last 12 months")),
)
RELOAD_ON = frozenset({"training", "sync", "staff"})


def period_range(key: str, today: date) -> tuple[date | None, date | None]:
    """(since, until) of a period choice."""
    days = {"month": 30, "quarter": 90, "year": 365}
    if key == "upcoming":
        return today, None
    if key in days:
        return today - timedelta(days=days[key]), today
    return None, None


def printout_path(reference: str, now: datetime | None = None) -> Path:
    """Where a freshly printed sign-in sheet goes before the user saves it elsewhere (named by
    the branch's local time, like the pickup sheets)."""
    stamp = to_local(now or utcnow()).strftime("%Y%m%d-%H%M%S")
    folder = default_data_dir() / "printouts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"signin-{reference}-{stamp}.pdf"


def _item(text: str, key: str | None = None, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if key is not None:
        item.setData(ID_ROLE, key)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


OPEN_SESSION = N_("Open the selected session")
DELETE_SESSION = N_("Delete the selected session")


class _Table(QTableWidget):
    """A read-only, row-selecting table."""

    def __init__(self, name: str, parent: QWidget | None = None, stretch: int = -1) -> None:
        super().__init__(parent)
        setup_table(self, name=name, stretch_last=stretch < 0)
        self.setSortingEnabled(False)
        self._stretch = stretch

    def setColumnCount(self, columns: int) -> None:
        """Set the columns; the chosen column takes the spare width."""
        super().setColumnCount(columns)
        if 0 <= self._stretch < columns:
            self.horizontalHeader().setSectionResizeMode(
                self._stretch, QHeaderView.ResizeMode.Stretch
            )

    def current_key(self) -> str | None:
        """The id stored in the first cell of the current row."""
        row = self.currentRow()
        item = self.item(row, 0) if row >= 0 else None
        return str(item.data(ID_ROLE)) if item is not None and item.data(ID_ROLE) else None


TrainingLists = tuple[list[sessions.SessionSummary], list[attendance.PersonAttendance]]


def training_lists(
    *, session: Session, since: date | None, until: date | None, text: str
) -> TrainingLists:
    """The page's two lists in one read job: sessions by topic, trainer or place, and the
    people by name, pinyin initials or phone."""
    found = sessions.list_sessions(session=session, since=since, until=until, text=text)
    people = attendance.attendance_by_person(session=session, since=since, until=until, search=text)
    return found, people


class TrainingPage(QWidget):
    """Sessions and attendance; the page reloads when training data changes."""

    sig_loaded = Signal(int)
    """Emitted after the session list was reloaded, with the number of sessions."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPage")
        self.ctx = ctx
        self.sessions: list[sessions.SessionSummary] = []
        self.people: list[attendance.PersonAttendance] = []
        self._build()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.reload()

    # --- construction --------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = page_title(self)
        self.search = search_box(self, "trainingSearch")
        self.search.setMinimumWidth(280)
        self._search_run = SearchRun(self.ctx, self)
        self.period = QComboBox(self)
        self.period.setObjectName("trainingPeriod")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("trainingTabs")
        self.tabs.addTab(self._sessions_tab(), "")
        self.tabs.addTab(self._people_tab(), "")
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.search)
        top.addWidget(self.period)
        self.export_button = export_button(self, "trainingExport")
        self.export_button.clicked.connect(self.export)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.search.sig_search.connect(lambda _text: self.reload())
        self.period.currentIndexChanged.connect(lambda _i: self.reload())
        self.table.doubleClicked.connect(lambda _i: self.edit_session())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.people_table.itemSelectionChanged.connect(self.show_person)
        self._shortcuts()

    def _sessions_tab(self) -> QWidget:
        self.new_button = self._button("trainingNew", "training_new", self.new_session)
        self.edit_button = self._button("trainingEdit", "training_edit", self.edit_session)
        self.print_button = self._button("trainingPrint", "signin_sheet", self.print_sheet)
        self.attendance_button = self._button(
            "trainingAttendance", "attendance", self.record_attendance
        )
        self.delete_button = self._button("trainingDelete", "training_delete", self.delete_session)
        self.table = _Table("trainingSessions", self, stretch=1)
        self.table.setColumnCount(10)
        self.empty_state = empty_state(
            self.table,
            lambda: (
                _("No session matches “{text}” in this period.").format(text=self.search.query())
                if self.search.query()
                else _("No training sessions yet. New session (Ctrl+N) plans one.")
            ),
        )
        tab = QWidget(self)
        buttons = QHBoxLayout()
        for widget in (
            self.new_button,
            self.edit_button,
            self.print_button,
            self.attendance_button,
            self.delete_button,
        ):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        return tab

    def _people_tab(self) -> QWidget:
        tab = QWidget(self)
        self.people_table = _Table("trainingPeople", tab)
        self.people_table.setColumnCount(9)
        self.people_empty = empty_state(
            self.people_table,
            lambda: (
                _("Nobody matches “{text}” in this period.").format(text=self.search.query())
                if self.search.query()
                else _("No attendance recorded in this period.")
            ),
        )
        self.history = _Table("trainingPersonHistory", tab)
        self.history.setColumnCount(4)
        self.history_label = QLabel(tab)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.people_table, 2)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history, 1)
        return tab

    def _button(self, name: str, icon_name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(icon(icon_name), "", self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _shortcuts(self) -> None:
        for keys, slot in (
            ("Ctrl+N", self.new_session),
            ("Ctrl+E", self.edit_session),
            ("Ctrl+P", self.print_sheet),
            ("Ctrl+T", self.record_attendance),
        ):
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
        for enter in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            ui_keys.shortcut(self.table, QKeySequence(enter), self.edit_session, OPEN_SESSION)
        ui_keys.shortcut(
            self.table, QKeySequence.StandardKey.Delete, self.delete_session, DELETE_SESSION
        )

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Training"))
        self.search.setPlaceholderText(
            placeholder(_("Topic, trainer, place; people by name, initials or phone"))
        )
        self.search.setAccessibleName(_("Search training sessions"))
        refill_combo(self.period, ((key, _(label)) for key, label in PERIODS), default="all")
        self.period.setAccessibleName(_("Period"))
        for button, text, tip in (
            (self.new_button, _("New session"), "Ctrl+N"),
            (self.edit_button, _("Edit"), "Ctrl+E"),
            (self.print_button, _("Print sign-in sheet"), "Ctrl+P"),
            (self.attendance_button, _("Attendance"), "Ctrl+T"),
            (self.delete_button, _("Delete"), "Del"),
        ):
            button.setText(text)
            button.setToolTip(f"{text} ({tip})")
            button.setAccessibleName(text)
        retranslate_button(self.export_button, _("E&xport attendance…"))
        self.export_button.setToolTip(
            _("Write the attendance of the period's sessions to an Excel file")
        )
        self.tabs.setTabText(0, _("Sessions"))
        self.tabs.setTabText(1, _("Attendance by person"))
        self.table.setHorizontalHeaderLabels(
            [
                _("Date"),
                _("Topic"),
                _("Trainees"),
                _("Trainer"),
                _("Location"),
                _("Expected"),
                _("Present"),
                _("Late"),
                _("Absent"),
                _("Reference"),
            ]
        )
        self.table.setAccessibleName(_("Training sessions"))
        self.people_table.setHorizontalHeaderLabels(
            [
                _("Name"),
                _("Contact"),
                _("Sessions"),
                _("Present"),
                _("Late"),
                _("Absent"),
                _("Excused"),
                _("Not recorded"),
                _("Attendance rate"),
            ]
        )
        self.people_table.setAccessibleName(_("Attendance by person"))
        self.history.setHorizontalHeaderLabels(
            [_("Date"), _("Topic"), _("Attendance"), _("Remarks")]
        )
        self.history_label.setText(_("Sessions of the selected person:"))
        self._fill_sessions()
        self._fill_people()

    # --- loading -------------------------------------------------------------------------------

    def export_request(self) -> tuple[str, ExportFilters]:
        """The attendance of the sessions of the period chosen (ui.export)."""
        since, until = period_range(str(self.period.currentData() or "all"), local_today())
        return "attendance", ExportFilters(since=since, until=until)

    def export(self) -> None:
        """Export the period's attendance to an Excel file."""
        export_page(self.ctx, self)

    def reload(self) -> None:
        """Load the sessions and per-person attendance of the chosen period."""
        since, until = period_range(str(self.period.currentData() or "all"), local_today())
        self._search_run.start(
            training_lists,
            {"since": since, "until": until, "text": self.search.query()},
            self._on_loaded,
            lambda exc: messages.show_error(self, exc),
        )

    def _on_loaded(self, lists: TrainingLists) -> None:
        self.sessions, self.people = lists
        self._fill_sessions()
        self._fill_people()
        self.sig_loaded.emit(len(self.sessions))

    def _fill_sessions(self) -> None:
        chosen = self.table.current_key()
        self.table.setRowCount(len(self.sessions))
        for row, s in enumerate(self.sessions):
            c = s.counts
            cells = [
                _item(to_local(s.starts_at).strftime("%Y-%m-%d %H:%M"), s.id),
                _item(s.title),
                _item(s.audience or ""),
                _item(s.trainer or ""),
                _item(s.location or ""),
                _item(str(c.total), align_right=True),
                _item(str(c.present), align_right=True),
                _item(str(c.late), align_right=True),
                _item(str(c.absent), align_right=True),
                _item(s.reference),
            ]
            for column, item in enumerate(cells):
                self.table.setItem(row, column, item)
            if s.id == chosen:
                self.table.setCurrentCell(row, 0)
        if self.table.currentRow() < 0 and self.sessions:
            self.table.setCurrentCell(0, 0)
        self._update_buttons()

    def _fill_people(self) -> None:
        self.people_table.setRowCount(len(self.people))
        for row, p in enumerate(self.people):
            cells = [
                _item(p.name, p.key),
                _item(inputs.display_contact(p.contact)),
                _item(str(p.invited), align_right=True),
                _item(str(p.present), align_right=True),
                _item(str(p.late), align_right=True),
                _item(str(p.absent), align_right=True),
                _item(str(p.excused), align_right=True),
                _item(str(p.unrecorded), align_right=True),
                _item(_rate(p.rate), align_right=True),
            ]
            for column, item in enumerate(cells):
                self.people_table.setItem(row, column, item)
        self.history.setRowCount(0)

    def show_person(self) -> None:
        """List the sessions of the person selected in the per-person table."""
        key = self.people_table.current_key()
        if key is None:
            self.history.setRowCount(0)
            return
        since, until = period_range(str(self.period.currentData() or "all"), local_today())
        rows = self.ctx.read(attendance.person_sessions, key=key, since=since, until=until)
        self.history.setRowCount(len(rows))
        for row, h in enumerate(rows):
            for column, item in enumerate(
                (
                    _item(to_local(h.starts_at).strftime("%Y-%m-%d %H:%M"), h.session_id),
                    _item(h.title),
                    _item(inputs.status_label(h.status)),
                    _item(h.remarks or ""),
                )
            ):
                self.history.setItem(row, column, item)

    def _update_buttons(self) -> None:
        has = self.table.current_key() is not None
        for button in (
            self.edit_button,
            self.print_button,
            self.attendance_button,
            self.delete_button,
        ):
            button.setEnabled(has)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & RELOAD_ON:
            self.reload()

    def on_shown(self) -> None:
        """Reload when the user comes to the page."""
        self.reload()

    # --- actions -------------------------------------------------------------------------------

    def _current(self) -> sessions.SessionView | None:
        key = self.table.current_key()
        if key is None:
            return None
        try:
            view: sessions.SessionView = self.ctx.read(sessions.get_session, session_id=key)
        except CrmError as exc:
            messages.show_error(self, exc)
            self.reload()
            return None
        return view

    def new_session(self) -> None:
        """Plan a new session."""
        from branch_crm.ui.training.session_dialog import SessionDialog

        dialog = SessionDialog(self.ctx, None, self)
        if dialog.exec() and dialog.saved is not None:
            self.select(dialog.saved.id)

    def edit_session(self) -> None:
        """Edit the selected session."""
        from branch_crm.ui.training.session_dialog import SessionDialog

        view = self._current()
        if view is None:
            return
        dialog = SessionDialog(self.ctx, view, self)
        if dialog.exec() and dialog.saved is not None:
            self.select(dialog.saved.id)

    def record_attendance(self) -> None:
        """Record the attendance of the selected session."""
        from branch_crm.ui.training.attendance_dialog import AttendanceDialog

        view = self._current()
        if view is None:
            return
        AttendanceDialog(self.ctx, view, self).exec()

    def delete_session(self) -> None:
        """Delete the selected session after confirmation."""
        view = self._current()
        if view is None:
            return
        if not messages.confirm(
            self, _("Delete the training session “{title}”?").format(title=view.title)
        ):
            return
        self.ctx.write(
            sessions.delete_session,
            session_id=view.id,
            busy=self,
            on_done=lambda _none: self.ctx.bus.changed("training"),
        )

    def print_sheet(self) -> None:
        """Write the sign-in sheet off the GUI thread, then preview it (print / Save PDF)."""
        view = self._current()
        if view is None:
            return
        from branch_crm.ui.printing.preview import preview_pdf

        title = _("Sign-in sheet: {title}").format(title=view.title)

        def on_result(path: Path) -> None:
            preview_pdf(self, Path(path), title)

        self.ctx.submit(
            signin_sheet.print_signin_sheet,
            kwargs={"session_id": view.id, "output": printout_path(view.reference)},
            on_result=on_result,
            on_error=lambda exc: messages.show_error(self, exc),
            title=_("Printing the sign-in sheet…"),
        )

    def show_session(self, session_id: str) -> None:
        """Show every session (search and period cleared) with ``session_id`` selected on
        the sessions tab (a report's drill-down)."""
        for widget in (self.search, self.period):
            widget.blockSignals(True)
        self.search.clear()
        self.period.setCurrentIndex(max(0, self.period.findData("all")))
        for widget in (self.search, self.period):
            widget.blockSignals(False)
        self.tabs.setCurrentIndex(0)
        self.select(session_id)
        self.table.setFocus()

    def select(self, session_id: str) -> None:
        """Reload and select a session."""
        self.reload()
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(ID_ROLE) == session_id:
                self.table.setCurrentCell(row, 0)
                return
