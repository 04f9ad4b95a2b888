"""Pickup preferences form: what a courier records after a pickup, in under a minute.

Built for keyboard and touch alike: a weekday x time-window grid of big toggles (arrow
keys move, Space toggles, a weekday or window heading toggles its whole row or column),
custom windows per weekday, drop-off place, call-before minutes, packaging, special
handling and notes; who recorded it and when, with the history below.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.reference.labels import (
    DROP_OFF_PLACES,
    SPECIAL_HANDLING,
    WEEKDAY_NAMES,
    WEEKDAYS,
    label,
)
from branch_crm.services.customers.preferences import (
    DROP_OFF_OTHER_MAX,
    NOTES_MAX,
    PACKAGING_MAX,
    PreferenceInput,
    PreferenceView,
    get_preferences,
    preference_history,
    save_preferences,
)
from branch_crm.timeutil import to_local
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter.widgets import error_palette
from branch_crm.ui.widgets.screen_fit import scrolling

log = logging.getLogger(__name__)

WINDOWS: tuple[tuple[str, str, str], ...] = (
    ("morning", "08:00", "12:00"),
    ("afternoon", "12:00", "18:00"),
    ("evening", "18:00", "21:00"),
)
WINDOW_NAMES = {"morning": N_("Morning"), "afternoon": N_("Afternoon"), "evening": N_("Evening")}
WEEKEND = ("sat", "sun")
PACKAGING_SUGGESTIONS = (
    N_("Customer's own carton"),
    N_("Small carton"),
    N_("Medium carton"),
    N_("Large carton"),
    N_("Document envelope"),
    N_("Bubble wrap"),
    N_("Woven bag"),
)
_WINDOW_TEXT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~到至]\s*(\d{1,2}):(\d{2})\s*$")
MAX_CALL_BEFORE = 240
TOGGLE_STYLE = (
    "QToolButton:checked { background: #2e7d32; color: white; font-weight: bold;"
    " border-radius: 4px; }"
    " QToolButton:focus { border: 3px solid #1565c0; border-radius: 4px; }"
)
LARGE_STYLE = (  # a style sheet, because fonts set on a parent do not reach styled children
    "QWidget { font-size: 15pt; }"
    ' QPushButton[windowHead="true"] { font-size: 12pt; }'
    " QRadioButton::indicator, QCheckBox::indicator { width: 26px; height: 26px; }"
)
CUSTOM_MAX = 60  # the typed text of a day's other times (parsed here into windows)


def parse_windows(text: str) -> list[tuple[str, str]]:
    """Parse "07:30-08:30, 21:00-22:00" into windows; raises ValueError with a message."""
    windows: list[tuple[str, str]] = []
    text = unicodedata.normalize("NFKC", text)  # full-width digits, colons and tildes from IMEs
    for part in re.split(r"[,;、\s]+(?=\d)", text.strip()):
        if not part.strip():
            continue
        match = _WINDOW_TEXT.match(part)
        if not match:
            raise ValueError(_("Write times like 07:30-08:30, separated by commas."))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 <= 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60):
            raise ValueError(_("Hours run from 00 to 24 and minutes from 00 to 59."))
        start, end = f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
        if end <= start:
            raise ValueError(
                _("A window must end after it starts ({start}-{end}).").format(start=start, end=end)
            )
        windows.append((start, end))
    return windows


_MOVES: dict[int, tuple[int, int]] = {  # QKeyEvent.key() is a plain int
    Qt.Key.Key_Left: (0, -1),
    Qt.Key.Key_Right: (0, 1),
    Qt.Key.Key_Up: (-1, 0),
    Qt.Key.Key_Down: (1, 0),
}


class _GridKeys(QObject):
    """The availability grid is one Tab stop: arrow keys move between its cells (the time
    toggles and each day's other-times box), Tab leaves the grid, and the cell last visited
    is where Tab comes back to."""

    def __init__(self, form: PreferencesForm) -> None:
        super().__init__(form)
        self.form = form

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self.form.set_grid_stop(watched)
            return False
        if event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        move = _MOVES.get(event.key())
        if move is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if isinstance(watched, QLineEdit) and move[0] == 0:
            at_start = watched.cursorPosition() == 0 and not watched.hasSelectedText()
            if not (move[1] < 0 and at_start):
                return False  # Left/Right move the text cursor inside the box
        return self.form.move_grid_focus(watched, *move)


class PreferencesForm(QWidget):
    """Edit one customer's pickup preferences; ``save()`` stores them through the service."""

    sig_saved = Signal(object)
    """The stored PreferenceView."""
    sig_changed = Signal()
    sig_history = Signal(object)
    """list[TimelineEntry] of the loaded customer's preference history (newest first)."""

    def __init__(
        self, ctx: AppContext, *, large: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.large = large
        self.customer_id: str | None = None
        self._initial: PreferenceInput | None = None
        self._grid_keys = _GridKeys(self)
        self.errors: dict[str, QLabel] = {}
        self.toggles: dict[tuple[str, str], QToolButton] = {}
        self.custom: dict[str, QLineEdit] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if large:  # two columns so the whole form fits a 1366x768 screen with big targets
            columns = QHBoxLayout()
            columns.addWidget(self._build_grid(), 5)
            right = QWidget(self)
            right_layout = QVBoxLayout(right)
            right_layout.setContentsMargins(0, 0, 0, 0)
            right_layout.addWidget(self._build_drop_off())
            right_layout.addLayout(self._build_details())
            right_layout.addStretch(1)
            # one field a row, scrolling when the screen is low: never wider than the screen
            columns.addWidget(scrolling(right, self), 4)
            layout.addLayout(columns, 1)
            for head in self.window_heads.values():
                head.setProperty("windowHead", True)
            self.setStyleSheet(LARGE_STYLE)
        else:
            layout.addWidget(self._build_grid())
            layout.addWidget(self._build_drop_off())
            layout.addLayout(self._build_details())
            layout.addStretch(1)
        layout.addLayout(self._build_footer())
        self._set_tab_order()
        self.set_grid_stop(self.toggles[(WEEKDAYS[0], WINDOWS[0][0])])
        self.save_shortcut = keys.save_shortcut(
            self, self.save, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.retranslate_ui()
        self._on_drop_off_changed()
        ctx.bus.sig_data_changed.connect(self._on_bus_changed)

    # -- construction ---------------------------------------------------------------------
    def _error_label(self, field: str) -> QLabel:
        error = QLabel(self)
        error.setObjectName(f"prefError_{field}")
        error.setWordWrap(True)
        error_palette(error)
        self.errors[field] = error
        return error

    def _build_grid(self) -> QGroupBox:
        box = QGroupBox(self)
        box.setObjectName("prefAvailability")
        self.availability_box = box
        grid = QGridLayout(box)
        size = (84, 44) if self.large else (84, 30)  # 44: the smallest comfortable touch target
        self.window_heads: dict[str, QPushButton] = {}
        for column, (window, _start, _end) in enumerate(WINDOWS, start=1):
            head = QPushButton(box)
            head.setObjectName(f"prefWindow_{window}")
            head.setFlat(True)
            head.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            head.clicked.connect(lambda _c=False, w=window: self.toggle_column(w))
            grid.addWidget(head, 0, column)
            self.window_heads[window] = head
        self.custom_head = QLabel(box)
        grid.addWidget(self.custom_head, 0, len(WINDOWS) + 1)
        self.day_heads: dict[str, QPushButton] = {}
        for row, day in enumerate(WEEKDAYS, start=1):
            head = QPushButton(box)
            head.setObjectName(f"prefDay_{day}")
            head.setFlat(True)
            head.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            head.clicked.connect(lambda _c=False, d=day: self.toggle_row(d))
            grid.addWidget(head, row, 0)
            self.day_heads[day] = head
            for column, (window, _start, _end) in enumerate(WINDOWS, start=1):
                toggle = QToolButton(box)
                toggle.setObjectName(f"avail_{day}_{window}")
                toggle.setCheckable(True)
                toggle.setMinimumSize(*size)
                toggle.setStyleSheet(TOGGLE_STYLE)
                toggle.installEventFilter(self._grid_keys)
                toggle.toggled.connect(self._on_any_changed)
                grid.addWidget(toggle, row, column)
                self.toggles[(day, window)] = toggle
            custom = QLineEdit(box)
            custom.setObjectName(f"prefCustom_{day}")
            custom.setMaxLength(CUSTOM_MAX)
            custom.setMaximumWidth(190 if self.large else 170)
            custom.setMinimumWidth(140 if self.large else 110)
            custom.textChanged.connect(self._on_any_changed)
            custom.installEventFilter(self._grid_keys)
            grid.addWidget(custom, row, len(WINDOWS) + 1)
            self.custom[day] = custom
            grid.addWidget(self._error_label(f"availability.{day}"), row, len(WINDOWS) + 2)
        self.away_weekends = QCheckBox(box)
        self.away_weekends.setObjectName("prefAwayWeekends")
        self.away_weekends.toggled.connect(self._on_away_weekends_toggled)
        grid.addWidget(self.away_weekends, len(WEEKDAYS) + 1, 0, 1, 3)
        grid.addWidget(self._error_label("availability"), len(WEEKDAYS) + 1, 3, 1, 2)
        grid.setColumnStretch(len(WINDOWS) + 1, 2)
        grid.setColumnStretch(len(WINDOWS) + 2, 1)
        return box

    def _build_drop_off(self) -> QGroupBox:
        box = QGroupBox(self)
        box.setObjectName("prefDropOffBox")
        self.drop_off_box = box
        grid = QGridLayout(box)
        self.drop_off_group = QButtonGroup(box)
        self._column_arrows = _ColumnArrows(box)
        self.drop_off: dict[str, QRadioButton] = {}
        per_row = 1 if self.large else len(DROP_OFF_PLACES)
        for index, code in enumerate(DROP_OFF_PLACES):
            button = QRadioButton(box)
            button.setObjectName(f"prefDropOff_{code}")
            if self.large:
                button.setMinimumHeight(44)
            self.drop_off_group.addButton(button)
            self.drop_off[code] = button
            if self.large:
                button.installEventFilter(self._column_arrows)
            grid.addWidget(button, index // per_row, index % per_row)
            button.toggled.connect(self._on_drop_off_changed)
        self.drop_off_other = QLineEdit(box)
        self.drop_off_other.setObjectName("prefDropOffOther")
        self.drop_off_other.setMaxLength(DROP_OFF_OTHER_MAX)
        self.drop_off_other.textChanged.connect(self._on_any_changed)
        below = (len(DROP_OFF_PLACES) - 1) // per_row + 1
        if self.large:  # two buttons a row: the field takes the whole row, its error below
            grid.addWidget(self.drop_off_other, below, 0, 1, per_row)
            grid.addWidget(self._error_label("drop_off_other"), below + 1, 0, 1, per_row)
        else:
            grid.addWidget(self.drop_off_other, below, 0, 1, max(2, per_row - 1))
            grid.addWidget(self._error_label("drop_off_other"), below, max(2, per_row - 1), 1, -1)
        self.drop_off["door"].setChecked(True)
        return box

    def _build_details(self) -> QGridLayout:
        grid = QGridLayout()
        self.detail_captions: dict[str, QLabel] = {}
        self.call_before = QSpinBox(self)
        self.call_before.setObjectName("prefCallBefore")
        self.call_before.setRange(0, MAX_CALL_BEFORE)
        self.call_before.setSingleStep(5)
        self.call_before.valueChanged.connect(self._on_any_changed)
        self.packaging = QComboBox(self)
        self.packaging.setObjectName("prefPackaging")
        self.packaging.setEditable(True)
        self.packaging.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line_edit = self.packaging.lineEdit()
        assert line_edit is not None
        line_edit.setMaxLength(PACKAGING_MAX)
        self.packaging.currentTextChanged.connect(self._on_any_changed)
        handling = QWidget(self)
        handling_row = QHBoxLayout(handling)
        handling_row.setContentsMargins(0, 0, 0, 0)
        self.special: dict[str, QCheckBox] = {}
        for code in SPECIAL_HANDLING:
            check = QCheckBox(handling)
            check.setObjectName(f"prefSpecial_{code}")
            if self.large:
                check.setMinimumHeight(44)
            check.toggled.connect(self._on_any_changed)
            handling_row.addWidget(check)
            self.special[code] = check
        handling_row.addStretch(1)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("prefNotes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(70 if self.large else 52)
        self.notes.textChanged.connect(self._on_notes_changed)
        rows = (
            ("call_before_minutes", self.call_before),
            ("packaging", self.packaging),
            ("special_handling", handling),
            ("notes", self.notes),
        )
        for index, (field, widget) in enumerate(rows):
            caption = QLabel(self)
            caption.setBuddy(widget if widget is not handling else self.special["fragile"])
            if self.large:  # the caption above its field: the column stays narrow
                caption.setWordWrap(True)
                grid.addWidget(caption, 3 * index, 0, 1, 2)
                grid.addWidget(widget, 3 * index + 1, 0, 1, 2)
                grid.addWidget(self._error_label(field), 3 * index + 2, 0, 1, 2)
            else:
                grid.addWidget(caption, index, 0)
                grid.addWidget(widget, index, 1)
                grid.addWidget(self._error_label(field), index, 2)
            self.detail_captions[field] = caption
        for widget in (self.call_before, self.packaging, self.notes):
            widget.setMaximumWidth(340 if self.large else 420)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 1)
        return grid

    def _build_footer(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.recorded = QLabel(self)
        self.recorded.setObjectName("prefRecorded")
        self.general_error = QLabel(self)
        self.general_error.setObjectName("prefGeneralError")
        error_palette(self.general_error)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("prefSave")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        if self.large:
            self.save_button.setMinimumSize(180, 56)
        self.save_button.clicked.connect(self.save)
        self.delete_button = QPushButton(self)  # issue 19: delete the record, undo offered
        self.delete_button.setObjectName("prefDelete")
        self.delete_button.setAutoDefault(False)
        self.delete_button.setEnabled(False)
        if self.large:
            self.delete_button.setMinimumSize(140, 56)
        self.delete_button.clicked.connect(self.delete_record)
        row.addWidget(self.recorded, 1)
        row.addWidget(self.general_error, 1)
        row.addWidget(self.delete_button)
        row.addWidget(self.save_button)
        return row

    def delete_record(self) -> None:
        """Delete the stored preferences (an undo is offered for a few seconds)."""
        if self.customer_id is None or getattr(self, "_view", None) is None:
            return
        from branch_crm.ui.records.actions import delete_preferences

        delete_preferences(self.ctx, self.customer_id, self)

    def _on_bus_changed(self, what: frozenset[str]) -> None:
        """Deleted or restored elsewhere (the undo bar): show what is stored now."""
        if "pickup_preference" in what and self.customer_id is not None and not self.is_dirty():
            self.load(self.customer_id)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = []
        for day in WEEKDAYS:
            chain += [self.toggles[(day, w)] for w, _s, _e in WINDOWS]
            chain.append(self.custom[day])
        chain.append(self.away_weekends)
        chain += list(self.drop_off.values())
        chain += [self.drop_off_other, self.call_before, self.packaging]
        chain += [*self.special.values(), self.notes, self.save_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.availability_box.setTitle(_("When is someone there to hand over parcels?"))
        for window, head in self.window_heads.items():
            start, end = next((s, e) for w, s, e in WINDOWS if w == window)
            head.setText(f"{_(WINDOW_NAMES[window])}\n{start}-{end}")
            head.setToolTip(_("Toggle this window on every day"))
        self.custom_head.setText(_("Other times"))
        self.custom_head.setToolTip(_("Times outside the windows, e.g. 07:30-08:30, 21:00-22:00"))
        for day, head in self.day_heads.items():
            head.setText(label(WEEKDAY_NAMES, day))
            head.setToolTip(_("Toggle the whole day"))
        for (day, window), toggle in self.toggles.items():
            name = f"{label(WEEKDAY_NAMES, day)} {_(WINDOW_NAMES[window])}"
            toggle.setText(_("✓ here") if toggle.isChecked() else "—")
            toggle.setAccessibleName(name)
            toggle.setToolTip(name + " · " + _("Space toggles, arrow keys move"))
        for day, custom in self.custom.items():
            custom.setAccessibleName(
                _("Other times on {day}").format(day=label(WEEKDAY_NAMES, day))
            )
            custom.setPlaceholderText("07:30-08:30")
        self.away_weekends.setText(_("Away at weekends"))
        self.away_weekends.setAccessibleName(_("Away at weekends"))
        self.drop_off_box.setTitle(_("Drop-off / collection place"))
        for code, button in self.drop_off.items():
            button.setText(label(DROP_OFF_PLACES, code))
            button.setAccessibleName(label(DROP_OFF_PLACES, code))
        self.drop_off_other.setPlaceholderText(_("Where exactly (required for Other)"))
        self.drop_off_other.setAccessibleName(_("Other drop-off place"))
        self.call_before.setSuffix(_(" min"))
        self.call_before.setSpecialValueText(_("No call needed"))
        self.call_before.setAccessibleName(_("Call before arrival (minutes)"))
        self.packaging.setAccessibleName(_("Packaging"))
        self._fill_packaging()
        packaging_edit = self.packaging.lineEdit()
        if packaging_edit is not None:  # editable: the hint shows while nothing is chosen
            packaging_edit.setPlaceholderText(_("None asked for: choose or type one"))
        for code, check in self.special.items():
            check.setText(label(SPECIAL_HANDLING, code))
        self.notes.setAccessibleName(_("Pickup notes"))
        captions = {
            "call_before_minutes": _("Ca&ll before arrival"),
            "packaging": _("P&ackaging"),
            "special_handling": _("Special handling"),
            "notes": _("Pic&kup notes"),
        }
        for field, text in captions.items():
            self.detail_captions[field].setText(text)
        self.delete_button.setText(_("Delete preferences"))
        self.delete_button.setAccessibleName(_("Delete these pickup preferences"))
        self.save_button.setText(_("Save preferences"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.setAccessibleName(_("Save preferences"))
        self._show_recorded(getattr(self, "_view", None))

    def _fill_packaging(self) -> None:
        text = self.packaging.currentText()
        blocked = self.packaging.blockSignals(True)
        self.packaging.clear()
        self.packaging.addItem("")
        for suggestion in PACKAGING_SUGGESTIONS:
            self.packaging.addItem(_(suggestion))
        self.packaging.setEditText(text)
        self.packaging.blockSignals(blocked)

    # -- grid behaviour -------------------------------------------------------------------
    def grid_cells(self) -> list[list[QWidget]]:
        """The grid's cells by row (weekday): the window toggles, then the other-times box."""
        return [
            [*(self.toggles[(day, w)] for w, _s, _e in WINDOWS), self.custom[day]]
            for day in WEEKDAYS
        ]

    def set_grid_stop(self, cell: QObject) -> None:
        """Make ``cell`` the grid's one Tab stop (the others take the focus by click or by
        arrow key only)."""
        for row in self.grid_cells():
            for widget in row:
                policy = Qt.FocusPolicy.StrongFocus if widget is cell else Qt.FocusPolicy.ClickFocus
                widget.setFocusPolicy(policy)

    def move_grid_focus(self, cell: QObject, d_row: int, d_col: int) -> bool:
        """Move focus from ``cell`` by (rows, columns), skipping disabled cells; True when
        the key was used (also at an edge, where the focus stays)."""
        cells = self.grid_cells()
        position = next(
            ((r, c) for r, row in enumerate(cells) for c, w in enumerate(row) if w is cell), None
        )
        if position is None:
            return False
        row, column = position[0] + d_row, position[1] + d_col
        while 0 <= row < len(cells) and 0 <= column < len(cells[0]):
            target = cells[row][column]
            if target.isEnabled():
                target.setFocus(Qt.FocusReason.TabFocusReason)
                if isinstance(target, QLineEdit) and d_col < 0:
                    target.end(False)
                return True
            row += d_row
            column += d_col
        return True

    def toggle_row(self, day: str) -> None:
        """All windows of ``day`` on (or all off when they already are)."""
        buttons = [self.toggles[(day, w)] for w, _s, _e in WINDOWS]
        self._toggle_all([b for b in buttons if b.isEnabled()])

    def toggle_column(self, window: str) -> None:
        """``window`` on every (enabled) day, or off everywhere when it already is."""
        buttons = [self.toggles[(d, window)] for d in WEEKDAYS]
        self._toggle_all([b for b in buttons if b.isEnabled()])

    @staticmethod
    def _toggle_all(buttons: list[QToolButton]) -> None:
        state = not all(b.isChecked() for b in buttons)
        for button in buttons:
            button.setChecked(state)

    def _on_away_weekends_toggled(self, away: bool) -> None:
        for day in WEEKEND:
            for window, _s, _e in WINDOWS:
                toggle = self.toggles[(day, window)]
                if away:
                    toggle.setChecked(False)
                toggle.setEnabled(not away)
            if away:
                self.custom[day].clear()
            self.custom[day].setEnabled(not away)
        stops = [
            w for row in self.grid_cells() for w in row if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        ]
        if not any(w.isEnabled() for w in stops):
            self.set_grid_stop(self.toggles[(WEEKDAYS[0], WINDOWS[0][0])])
        self._on_any_changed()

    def _on_drop_off_changed(self, *_args: object) -> None:
        other = self.drop_off["other"].isChecked()
        self.drop_off_other.setEnabled(other)
        self._on_any_changed()

    def _on_notes_changed(self) -> None:
        text = self.notes.toPlainText()
        if len(text) > NOTES_MAX:
            self.notes.setPlainText(text[:NOTES_MAX])
            cursor = self.notes.textCursor()
            cursor.setPosition(NOTES_MAX)
            self.notes.setTextCursor(cursor)
        self._on_any_changed()

    def _on_any_changed(self, *_args: object) -> None:
        source = self.sender()
        if isinstance(source, QToolButton):
            source.setText(_("✓ here") if source.isChecked() else "—")
        self.sig_changed.emit()

    # -- values ---------------------------------------------------------------------------
    def value(self) -> PreferenceInput:
        """The form as the service's input; raises ValidationError for unreadable times."""
        availability: dict[str, list[tuple[str, str]]] = {}
        problems: dict[str, str] = {}
        for day in WEEKDAYS:
            windows = [(s, e) for w, s, e in WINDOWS if self.toggles[(day, w)].isChecked()]
            try:
                windows += parse_windows(self.custom[day].text())
            except ValueError as exc:
                problems[f"availability.{day}"] = str(exc)
            if windows:
                availability[day] = sorted(set(windows))
        if problems:
            raise ValidationError(problems)
        drop_off = next(c for c, b in self.drop_off.items() if b.isChecked())
        return PreferenceInput(
            availability=availability,
            away_weekends=self.away_weekends.isChecked(),
            drop_off=drop_off,
            drop_off_other=self.drop_off_other.text().strip() or None
            if drop_off == "other"
            else None,
            call_before_minutes=self.call_before.value(),
            packaging=self.packaging.currentText().strip() or None,
            special_handling=[c for c, b in self.special.items() if b.isChecked()],
            notes=self.notes.toPlainText().strip() or None,
        )

    def _safe_value(self) -> PreferenceInput | None:
        try:
            return self.value()
        except ValidationError:
            return None

    def is_dirty(self) -> bool:
        """True when the form differs from what was loaded."""
        return self.customer_id is not None and self._safe_value() != self._initial

    def load(self, customer_id: str) -> None:
        """Show the stored preferences (or an empty form) and the history of a customer."""
        self.customer_id = customer_id
        try:
            view = self.ctx.read(get_preferences, customer_id=customer_id)
            history = self.ctx.read(preference_history, customer_id=customer_id)
        except CrmError as exc:
            self.general_error.setText(exc.message)
            return
        self.set_view(view)
        self.history = history
        self.sig_history.emit(history)

    def set_view(self, view: PreferenceView | None) -> None:
        """Fill the form from a stored view (None: defaults)."""
        self._view = view
        self.delete_button.setEnabled(view is not None)
        self.clear_errors()
        blocked = self.blockSignals(True)
        stored = {
            d: [tuple(w) for w in (view.availability.get(d, ()) if view else ())] for d in WEEKDAYS
        }
        self.away_weekends.setChecked(bool(view and view.away_weekends))
        for day in WEEKDAYS:
            presets = {(s, e): w for w, s, e in WINDOWS}
            extra = []
            for pair in stored[day]:
                start, end = str(pair[0]), str(pair[1])
                if (start, end) in presets:
                    continue
                extra.append(f"{start}-{end}")
            for window, start, end in WINDOWS:
                self.toggles[(day, window)].setChecked((start, end) in stored[day])
            self.custom[day].setText(", ".join(extra))
        self.drop_off.get(view.drop_off if view else "door", self.drop_off["door"]).setChecked(True)
        self.drop_off_other.setText((view.drop_off_other if view else None) or "")
        self.call_before.setValue(view.call_before_minutes if view else 0)
        self.packaging.setEditText((view.packaging if view else None) or "")
        for code, check in self.special.items():
            check.setChecked(view is not None and code in view.special_handling)
        self.notes.setPlainText((view.notes if view else None) or "")
        self.blockSignals(blocked)
        self._initial = self._safe_value()
        self._show_recorded(view)

    def _show_recorded(self, view: PreferenceView | None) -> None:
        if view is None or view.recorded_at is None:
            self.recorded.setText(_("Not recorded yet."))
            return
        self.recorded.setText(
            _("Recorded by {name} on {when}").format(
                name=view.recorded_by_name or _("unknown"),
                when=to_local(view.recorded_at).strftime("%Y-%m-%d %H:%M"),
            )
        )

    # -- saving ---------------------------------------------------------------------------
    def clear_errors(self) -> None:
        """Remove every field message."""
        for error in self.errors.values():
            error.clear()
        self.general_error.clear()

    def show_errors(self, fields: dict[str, str]) -> None:
        """Each message beside its field; others in the footer."""
        self.clear_errors()
        loose = []
        for field, message in fields.items():
            target = field if field in self.errors else _alias(field)
            if target in self.errors:
                self.errors[target].setText(message)
            else:
                loose.append(message)
        if loose or fields:
            highlighted = len(loose) < len(fields)
            self.general_error.setText(messages.banner_text(loose, highlighted=highlighted))

    def save(self) -> bool:
        """Store the form on the database thread (``sig_saved`` once stored); on refusal show
        why and keep what was typed. False when refused before anything was sent."""
        if self.customer_id is None:
            return False
        try:
            data = self.value()
        except ValidationError as exc:
            self.show_errors(exc.fields)
            return False
        job = self.ctx.write(
            save_preferences,
            customer_id=self.customer_id,
            data=data,
            busy=self,
            on_done=self._on_saved,
            on_error=self._on_save_failed,
        )
        return job is not None

    def _on_saved(self, view: PreferenceView) -> None:
        self.ctx.bus.changed("preference")
        self.set_view(view)
        try:
            self.history = self.ctx.read(preference_history, customer_id=view.customer_id)
            self.sig_history.emit(self.history)
        except CrmError:
            log.exception("reloading the preference history failed")
        self.sig_saved.emit(view)

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.show_errors(exc.fields)
            return
        self.clear_errors()
        self.general_error.setText(messages.error_text(exc))


def _alias(field: str) -> str:
    """Service field names mapped to the label beside the matching widget."""
    if field.startswith("availability."):
        day = field.split(".")[1]
        return f"availability.{day}" if day in WEEKDAYS else "availability"
    if field.startswith("special_handling"):
        return "special_handling"
    if field == "drop_off":
        return "drop_off_other"
    return field


_ALONG_IS_DOWN = {Qt.Key.Key_Right: Qt.Key.Key_Down, Qt.Key.Key_Left: Qt.Key.Key_Up}


class _ColumnArrows(QObject):
    """In courier mode the drop-off places stand one a row: Right and Left move down and up
    the list as they move along it when the places stand side by side."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = _ALONG_IS_DOWN.get(Qt.Key(event.key()))
        if key is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        moved = QKeyEvent(QEvent.Type.KeyPress, key, event.modifiers(), event.text())
        QApplication.sendEvent(watched, moved)
        return True
