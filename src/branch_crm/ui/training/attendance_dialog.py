"""Record attendance after a session from the signed sheet, keyboard first.

In the table, 1 / 2 / 3 / 4 (or P / L / A / E) set present / late / absent / excused for the
current row and move to the next one; F2 edits remarks; "Add walk-in" adds someone who signed
a blank row; Ctrl+Enter saves.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import ValidationError
from branch_crm.i18n import _
from branch_crm.services.training import inputs, sessions
from branch_crm.timeutil import to_local
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.widgets.screen_fit import fit_window
from branch_crm.ui.widgets.tables import commit_open_editor, setup_table

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
COL_NO, COL_NAME, COL_CONTACT, COL_STATUS, COL_REMARKS = range(5)
KEYS = {
    Qt.Key.Key_1: "present",
    Qt.Key.Key_P: "present",
    Qt.Key.Key_2: "late",
    Qt.Key.Key_L: "late",
    Qt.Key.Key_3: "absent",
    Qt.Key.Key_A: "absent",
    Qt.Key.Key_4: "excused",
    Qt.Key.Key_E: "excused",
    Qt.Key.Key_0: "expected",
}
COLOURS = {"present": "#1E7B34", "late": "#B25E00", "absent": "#C42B1C", "excused": "#555555"}


def row_messages(fields: dict[str, str]) -> dict[str, str]:
    """'marks.2.name' -> 'Row 3: ...' so the user knows which line to fix."""
    out = {}
    for key, message in fields.items():
        parts = key.split(".")
        if len(parts) > 1 and parts[1].isdigit():
            out[key] = _("Row {n}: {message}").format(n=int(parts[1]) + 1, message=message)
        else:
            out[key] = message
    return out


class AttendanceTable(QTableWidget):
    """Attendees with their status; number keys set the status of the current row."""

    sig_status_changed = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 5, parent)
        setup_table(
            self,
            name="attendanceTable",
            read_only=False,
            stretch_last=None,
            stretch_column=COL_REMARKS,
        )
        self.setTabKeyNavigation(False)

    def add_row(
        self,
        *,
        number: int,
        name: str,
        contact: str,
        status: str,
        remarks: str,
        attendee_id: str | None,
    ) -> int:
        """Append an attendee; a row without ``attendee_id`` is a walk-in (name editable)."""
        row = self.rowCount()
        self.insertRow(row)
        fixed = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        number_item = QTableWidgetItem(str(number))
        number_item.setFlags(fixed)
        number_item.setData(ID_ROLE, attendee_id)
        self.setItem(row, COL_NO, number_item)
        for column, text in ((COL_NAME, name), (COL_CONTACT, contact)):
            item = QTableWidgetItem(text)
            if attendee_id is not None:
                item.setFlags(fixed)
            self.setItem(row, column, item)
        status_item = QTableWidgetItem()
        status_item.setFlags(fixed)
        self.setItem(row, COL_STATUS, status_item)
        self.setItem(row, COL_REMARKS, QTableWidgetItem(remarks))
        self.set_status(row, status)
        return row

    def cell(self, row: int, column: int) -> QTableWidgetItem:
        """The item of a cell (add_row fills every cell of its row)."""
        item = self.item(row, column)
        assert item is not None
        return item

    def set_status(self, row: int, status: str) -> None:
        """Show ``status`` in the row."""
        item = self.cell(row, COL_STATUS)
        item.setData(STATUS_ROLE, status)
        item.setText(inputs.status_label(status))
        item.setForeground(Qt.GlobalColor.black)
        if status in COLOURS:
            from PySide6.QtGui import QColor

            item.setForeground(QColor(COLOURS[status]))
        self.sig_status_changed.emit(row, status)

    def status(self, row: int) -> str:
        """The status chosen for a row."""
        return str(self.cell(row, COL_STATUS).data(STATUS_ROLE))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """1-4 / P L A E: set the current row's status and go to the next row; F2 edits the
        row's remarks (a walk-in's name first while it has none); Enter goes to the next row
        (it does not save the dialog: Ctrl+Enter does)."""
        key = Qt.Key(event.key())
        status = KEYS.get(key)
        row = self.currentRow()
        editing = self.state() == self.State.EditingState
        if status is not None and row >= 0 and not editing and not event.modifiers():
            self.set_status(row, status)
            if row + 1 < self.rowCount():
                self.setCurrentCell(row + 1, COL_STATUS)
            return
        if key == Qt.Key.Key_F2 and row >= 0 and not editing:
            self.edit_remarks(row)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not editing and not event.modifiers():
            if row + 1 < self.rowCount():
                self.setCurrentCell(row + 1, COL_STATUS)
            event.accept()
            return
        super().keyPressEvent(event)

    def edit_remarks(self, row: int) -> None:
        """Open the remarks cell of ``row`` (the name cell of a walk-in still unnamed)."""
        column = COL_REMARKS
        walk_in = self.cell(row, COL_NO).data(ID_ROLE) is None
        if walk_in and not self.cell(row, COL_NAME).text().strip():
            column = COL_NAME
        self.setCurrentCell(row, column)
        self.editItem(self.cell(row, column))

    def marks(self) -> list[inputs.AttendanceMark]:
        """The rows as service input (walk-in rows without a name are skipped)."""
        marks = []
        for row in range(self.rowCount()):
            attendee_id = self.cell(row, COL_NO).data(ID_ROLE)
            name = self.cell(row, COL_NAME).text().strip()
            if attendee_id is None and not name:
                continue
            marks.append(
                inputs.AttendanceMark(
                    attendee_id=attendee_id,
                    status=self.status(row),
                    remarks=self.cell(row, COL_REMARKS).text().strip() or None,
                    name=None if attendee_id else name,
                    contact=None if attendee_id else self.cell(row, COL_CONTACT).text().strip(),
                )
            )
        return marks


class AttendanceDialog(QDialog):
    """Attendance of one session: statuses, remarks, walk-ins."""

    def __init__(
        self, ctx: AppContext, session: sessions.SessionView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attendanceDialog")
        self.ctx = ctx
        self.session = session
        self.saved: sessions.SessionView | None = None
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.table = AttendanceTable(self)
        self.counts = QLabel(self)
        self.counts.setObjectName("attendanceCounts")
        self.all_present_button = QPushButton(self)
        self.all_present_button.setObjectName("attendanceRestPresent")
        self.walk_in_button = QPushButton(self)
        self.walk_in_button.setObjectName("attendanceWalkIn")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("attendanceSave")
        self.save_button.setAutoDefault(False)
        self.save_button.setDefault(False)
        row = QHBoxLayout()
        row.addWidget(self.all_present_button)
        row.addWidget(self.walk_in_button)
        row.addStretch(1)
        row.addWidget(self.counts)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.all_present_button.clicked.connect(self.rest_present)
        self.walk_in_button.clicked.connect(self.add_walk_in)
        self.table.sig_status_changed.connect(lambda _r, _s: self._update_counts())
        keys.shortcut(self, "Ctrl+Return", self.save, keys.SAVE)
        keys.shortcut(self, "Ctrl+Enter", self.save, keys.SAVE)
        keys.save_shortcut(self, self.save)
        for a in session.attendees:
            self.table.add_row(
                number=a.position,
                name=a.name,
                contact=inputs.display_contact(a.contact),
                status=a.status,
                remarks=a.remarks or "",
                attendee_id=a.id,
            )
        self.retranslate_ui()
        fit_window(self, (760, 620), name="trainingAttendance")
        if self.table.rowCount():
            self.table.setCurrentCell(0, COL_STATUS)
        self.table.setFocus()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        s = self.session
        self.setWindowTitle(_("Attendance: {title}").format(title=s.title))
        self.heading.setText(
            f"<b>{s.title}</b> · {to_local(s.starts_at).strftime('%Y-%m-%d %H:%M')} · "
            f"{s.audience or ''} · {s.reference}"
        )
        self.hint.setText(
            _(
                "Keys: 1 or P present, 2 or L late, 3 or A absent, 4 or E excused "
                "(then the next row); F2 edits remarks; Ctrl+S saves."
            )
        )
        self.table.setHorizontalHeaderLabels(
            [_("No."), _("Name"), _("Contact"), _("Attendance"), _("Remarks")]
        )
        self.table.setAccessibleName(_("Attendance"))
        for row in range(self.table.rowCount()):
            self.table.set_status(row, self.table.status(row))
        self.all_present_button.setText(_("Everyone not marked is present"))
        self.walk_in_button.setText(_("Add walk-in"))
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self._update_counts()

    def _update_counts(self) -> None:
        statuses = [self.table.status(r) for r in range(self.table.rowCount())]
        self.counts.setText(
            _(
                "Present {present} · late {late} · absent {absent} · excused {excused} · "
                "not recorded {expected}"
            ).format(**{s: statuses.count(s) for s in inputs.STATUSES})
        )

    def rest_present(self) -> None:
        """Mark everyone without a status as present."""
        for row in range(self.table.rowCount()):
            if self.table.status(row) == "expected":
                self.table.set_status(row, "present")

    def add_walk_in(self) -> None:
        """A row for someone who came without being on the list (present)."""
        number = self.table.rowCount() + 1
        row = self.table.add_row(
            number=number, name="", contact="", status="present", remarks="", attendee_id=None
        )
        self.table.setCurrentCell(row, COL_NAME)
        self.table.editItem(self.table.cell(row, COL_NAME))

    def save(self) -> None:
        """Store the attendance; the dialog closes once stored."""
        commit_open_editor(self.table)
        self.ctx.write(
            sessions.record_attendance,
            session_id=self.session.id,
            marks=self.table.marks(),
            busy=self,
            on_done=self._on_saved,
            on_error=self._on_save_failed,
        )

    def _on_saved(self, saved: sessions.SessionView) -> None:
        self.saved = saved
        self.ctx.bus.changed("training")
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            exc = ValidationError(row_messages(exc.fields), exc.message)
        messages.show_error(self, exc)
