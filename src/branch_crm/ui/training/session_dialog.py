"""Plan or edit a training session: when, who trains whom, where, what, and who is expected.

Keyboard first: every field is reachable with Tab; Ctrl+Enter saves; in the attendee table
Insert adds a row and Delete removes the selected ones. Content points are typed one per
line. Staff are added from a list; external people are typed with their contact.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import ValidationError
from branch_crm.i18n import N_, _
from branch_crm.services.training import inputs, sessions
from branch_crm.timeutil import BUSINESS_TZ, local_today, to_local
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.messages import FieldErrors
from branch_crm.ui.widgets.screen_fit import fit_window
from branch_crm.ui.widgets.tables import commit_open_editor

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole
STAFF_ROLE = Qt.ItemDataRole.UserRole + 1
AUDIENCES = (N_("Project drivers"), N_("Pickup couriers"), N_("Counter staff"), N_("All staff"))


def local_datetime(day: QDate, at: QTime) -> datetime:
    """A date and time typed in the branch's time zone as an aware datetime."""
    return datetime(day.year(), day.month(), day.day(), at.hour(), at.minute(), tzinfo=BUSINESS_TZ)


ADD_PERSON = N_("Add a person to the list")
REMOVE_PEOPLE = N_("Remove the selected people")


class AttendeeTable(QTableWidget):
    """Expected attendees: name and contact; a row remembers its attendee id and staff id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setObjectName("trainingAttendees")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setTabKeyNavigation(False)

    def add_person(
        self,
        name: str = "",
        contact: str = "",
        *,
        attendee_id: str | None = None,
        staff_id: str | None = None,
    ) -> int:
        """Append a row; returns its index."""
        row = self.rowCount()
        self.insertRow(row)
        name_item = QTableWidgetItem(name)
        name_item.setData(ID_ROLE, attendee_id)
        name_item.setData(STAFF_ROLE, staff_id)
        self.setItem(row, 0, name_item)
        self.setItem(row, 1, QTableWidgetItem(contact))
        return row

    def remove_selected(self) -> None:
        """Remove the selected rows."""
        for row in sorted({i.row() for i in self.selectedIndexes()}, reverse=True):
            self.removeRow(row)

    def people(self) -> list[inputs.AttendeeInput]:
        """The rows as service input (rows left completely empty are skipped)."""
        out = []
        for row in range(self.rowCount()):
            name_item, contact_item = self.item(row, 0), self.item(row, 1)
            name = name_item.text().strip() if name_item else ""
            contact = contact_item.text().strip() if contact_item else ""
            if not name and not contact:
                continue
            out.append(
                inputs.AttendeeInput(
                    name=name,
                    contact=contact or None,
                    staff_id=name_item.data(STAFF_ROLE) if name_item else None,
                    id=name_item.data(ID_ROLE) if name_item else None,
                )
            )
        return out


class SessionDialog(QDialog):
    """Create (``session=None``) or edit a training session."""

    def __init__(
        self,
        ctx: AppContext,
        session: sessions.SessionView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainingSessionDialog")
        self.ctx = ctx
        self.session = session
        self.saved: sessions.SessionView | None = None
        self._build()
        self._fill()
        self.retranslate_ui()
        self.title_edit.setFocus()

    # --- construction --------------------------------------------------------------------------

    def _build(self) -> None:
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("trainingTitle")
        self.date_edit = QDateEdit(self)
        self.date_edit.setObjectName("trainingDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.start_edit = QTimeEdit(self)
        self.start_edit.setObjectName("trainingStart")
        self.start_edit.setDisplayFormat("HH:mm")
        self.end_edit = QTimeEdit(self)
        self.end_edit.setObjectName("trainingEnd")
        self.end_edit.setDisplayFormat("HH:mm")
        self.trainer_edit = QLineEdit(self)
        self.trainer_edit.setObjectName("trainingTrainer")
        self.audience_edit = QComboBox(self)
        self.audience_edit.setObjectName("trainingAudience")
        self.audience_edit.setEditable(True)
        self.location_edit = QLineEdit(self)
        self.location_edit.setObjectName("trainingLocation")
        self.points_edit = QPlainTextEdit(self)
        self.points_edit.setObjectName("trainingContent")
        self.points_edit.setTabChangesFocus(True)
        self.incident_edit = QPlainTextEdit(self)
        self.incident_edit.setObjectName("trainingIncident")
        self.incident_edit.setTabChangesFocus(True)
        self.incident_edit.setMaximumHeight(70)
        self.attendees = AttendeeTable(self)
        self.staff_combo = QComboBox(self)
        self.staff_combo.setObjectName("trainingStaffChoice")
        self.add_staff_button = QPushButton(self)
        self.add_staff_button.setObjectName("trainingAddStaff")
        self.add_person_button = QPushButton(self)
        self.add_person_button.setObjectName("trainingAddPerson")
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("trainingRemovePerson")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("trainingSave")
        self._layout()
        self._connect()

    def _layout(self) -> None:
        self.form = QFormLayout()
        when = QHBoxLayout()
        for part in (self.date_edit, self.start_edit, QLabel("–", self), self.end_edit):
            when.addWidget(part)
        when.addStretch(1)
        self.when_box = QWidget(self)
        self.when_box.setLayout(when)
        when.setContentsMargins(0, 0, 0, 0)
        self.labels = {
            key: QLabel(self)
            for key in ("title", "when", "trainer", "audience", "location", "content", "incident")
        }
        self.form.addRow(self.labels["title"], self.title_edit)
        self.form.addRow(self.labels["when"], self.when_box)
        self.form.addRow(self.labels["trainer"], self.trainer_edit)
        self.form.addRow(self.labels["audience"], self.audience_edit)
        self.form.addRow(self.labels["location"], self.location_edit)
        self.form.addRow(self.labels["content"], self.points_edit)
        self.form.addRow(self.labels["incident"], self.incident_edit)
        people = QHBoxLayout()
        for control in (
            self.staff_combo,
            self.add_staff_button,
            self.add_person_button,
            self.remove_button,
        ):
            people.addWidget(control)
        people.addStretch(1)
        self.attendees_label = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.attendees_label)
        layout.addWidget(self.attendees, 1)
        self.attendees_error = QLabel(self)
        self.attendees_error.setWordWrap(True)
        layout.addWidget(self.attendees_error)
        layout.addLayout(people)
        layout.addWidget(self.buttons)
        self.errors = FieldErrors(self)
        for name, widget in (
            ("title", self.title_edit),
            ("starts_at", self.when_box),
            ("ends_at", self.when_box),
            ("trainer", self.trainer_edit),
            ("audience", self.audience_edit),
            ("location", self.location_edit),
            ("content_points", self.points_edit),
            ("incident_notice", self.incident_edit),
        ):
            self.errors.add(name, widget)
        self.errors.add("attendees", self.attendees, self.attendees_error)
        fit_window(self, (720, 760), name="trainingSession")

    def _connect(self) -> None:
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.add_staff_button.clicked.connect(self.add_staff)
        self.add_person_button.clicked.connect(self.add_person)
        self.remove_button.clicked.connect(self.attendees.remove_selected)
        keys.shortcut(self, "Ctrl+Return", self.save, keys.SAVE)
        keys.shortcut(self, "Ctrl+Enter", self.save, keys.SAVE)
        keys.save_shortcut(self, self.save)
        keys.shortcut(self.attendees, "Insert", self.add_person, ADD_PERSON)
        keys.shortcut(
            self.attendees,
            QKeySequence.StandardKey.Delete,
            self.attendees.remove_selected,
            REMOVE_PEOPLE,
        )

    def _fill(self) -> None:
        for staff_id, name, phone in self.ctx.read(sessions.staff_choices):
            self.staff_combo.addItem(name, (staff_id, name, phone or ""))
        s = self.session
        if s is None:
            today = local_today()  # the branch's day, like every date the services check
            self.date_edit.setDate(QDate(today.year, today.month, today.day))
            self.start_edit.setTime(QTime(9, 0))
            self.end_edit.setTime(QTime(11, 0))
            return
        start = to_local(s.starts_at)
        end = to_local(s.ends_at) if s.ends_at else start + timedelta(hours=2)
        self.title_edit.setText(s.title)
        self.date_edit.setDate(QDate(start.year, start.month, start.day))
        self.start_edit.setTime(QTime(start.hour, start.minute))
        self.end_edit.setTime(QTime(end.hour, end.minute))
        self.trainer_edit.setText(s.trainer or "")
        self.audience_edit.setEditText(s.audience or "")
        self.location_edit.setText(s.location or "")
        self.points_edit.setPlainText("\n".join(s.content_points))
        self.incident_edit.setPlainText(s.incident_notice or "")
        for a in s.attendees:
            self.attendees.add_person(
                a.name, inputs.display_contact(a.contact), attendee_id=a.id, staff_id=a.staff_id
            )

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(
            _("New training session") if self.session is None else _("Edit training session")
        )
        texts = {
            "title": _("&Topic:"),
            "when": _("&Date and time:"),
            "trainer": _("T&rainer:"),
            "audience": _("Trainees (&audience):"),
            "location": _("&Location:"),
            "content": _("&Content (one point per line):"),
            "incident": _("&Incident case notice:"),
        }
        buddies = {
            "title": self.title_edit,
            "when": self.date_edit,
            "trainer": self.trainer_edit,
            "audience": self.audience_edit,
            "location": self.location_edit,
            "content": self.points_edit,
            "incident": self.incident_edit,
        }
        for key, label in self.labels.items():
            label.setText(texts[key])
            label.setBuddy(buddies[key])
            buddies[key].setAccessibleName(texts[key].replace("&", "").rstrip(":："))
        current = self.audience_edit.currentText()
        self.audience_edit.clear()
        self.audience_edit.addItems([_(a) for a in AUDIENCES])
        self.audience_edit.setEditText(current)
        self.points_edit.setPlaceholderText(
            _("e.g. Check water, power, oil, tyres and the extinguisher before every trip.")
        )
        self.attendees_label.setText(_("Expected attendees (Insert adds a row, Delete removes):"))
        self.attendees.setHorizontalHeaderLabels([_("Name"), _("Contact")])
        self.attendees.setAccessibleName(_("Expected attendees"))
        self.add_staff_button.setText(_("Add staff member"))
        self.add_person_button.setText(_("Add person"))
        self.remove_button.setText(_("Remove"))
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.setAccessibleName(_("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))

    # --- actions -------------------------------------------------------------------------------

    def add_staff(self) -> None:
        """Add the staff member chosen in the list."""
        data = self.staff_combo.currentData()
        if not data:
            return
        staff_id, name, phone = data
        if any(p.staff_id == staff_id for p in self.attendees.people()):
            return
        self.attendees.add_person(name, inputs.display_contact(phone), staff_id=staff_id)

    def add_person(self) -> None:
        """Add an empty row and start typing the name."""
        row = self.attendees.add_person()
        self.attendees.setCurrentCell(row, 0)
        item = self.attendees.item(row, 0)
        assert item is not None  # add_person fills both cells
        self.attendees.editItem(item)

    def data(self) -> inputs.SessionInput:
        """What the form holds, as service input."""
        day = self.date_edit.date()
        return inputs.SessionInput(
            title=self.title_edit.text(),
            starts_at=local_datetime(day, self.start_edit.time()),
            ends_at=local_datetime(day, self.end_edit.time()),
            trainer=self.trainer_edit.text(),
            audience=self.audience_edit.currentText(),
            location=self.location_edit.text(),
            content_points=self.points_edit.toPlainText().splitlines(),
            incident_notice=self.incident_edit.toPlainText(),
            attendees=self.attendees.people(),
        )

    def _attendee_messages(self, fields: dict[str, str]) -> dict[str, str]:
        """'attendees.3.name' -> 'attendees': 'Row 4: ...' (the table has one error label)."""
        out: dict[str, str] = {}
        rows: list[str] = []
        for key, message in fields.items():
            parts = key.split(".")
            if parts[0] == "attendees" and len(parts) > 1 and parts[1].isdigit():
                rows.append(_("Row {n}: {message}").format(n=int(parts[1]) + 1, message=message))
            elif parts[0] == "content_points":
                out["content_points"] = message
            else:
                out[key] = message
        if rows:
            out["attendees"] = "\n".join(rows)
        return out

    def save(self) -> None:
        """Validate and store; the dialog closes once stored."""
        commit_open_editor(self.attendees)
        data = self.data()
        saved, failed = self._on_saved, self._on_save_failed
        if self.session is None:
            self.ctx.write(
                sessions.create_session, data=data, busy=self, on_done=saved, on_error=failed
            )
            return
        self.ctx.write(
            sessions.update_session,
            session_id=self.session.id,
            data=data,
            busy=self,
            on_done=saved,
            on_error=failed,
        )

    def _on_saved(self, saved: sessions.SessionView) -> None:
        self.saved = saved
        self.ctx.bus.changed("training")
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(self._attendee_messages(exc.fields))
            if unplaced:
                messages.show_error(self, ValidationError(unplaced))
            return
        messages.show_error(self, exc)
