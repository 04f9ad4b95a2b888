"""Message boxes and per-field error labels: the one way the UI tells a user something.

Tests patch ``show_error``, ``confirm`` and ``info`` so nothing modal blocks.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QMessageBox,
    QWidget,
)
from sqlalchemy.exc import DBAPIError

from branch_crm.errors import CrmError, DatabaseError, DatabaseLocked, ValidationError
from branch_crm.i18n import _

log = logging.getLogger(__name__)

ERROR_COLOUR = "#C42B1C"
ERROR_LABEL_STYLE = f"color: {ERROR_COLOUR};"
INVALID_PROPERTY = "invalid"
CHANGE_SIGNALS = (
    "textChanged",
    "currentIndexChanged",
    "valueChanged",
    "dateChanged",
    "timeChanged",
    "toggled",
    "itemChanged",
    "sig_changed",
    "sig_chosen",
)


_DATABASE_FAILURES = (
    "locked",
    "busy",
    "readonly",
    "read-only",
    "unable to open",
    "malformed",
    "not a database",
)
"""What a SQLite error says when the file itself is the problem (another program holds a lock,
the file became read-only, it is damaged); other SQLite errors are bugs and stay as they are."""


def _busy_text(path: str | None) -> str:
    if path is None:
        return _("The database is busy: another program is using it. Try again in a moment.")
    return _(
        "The database {path} is busy: another program is using it. Try again in a moment."
    ).format(path=path)


def database_problem(exc: BaseException, path: Path | str | None) -> DatabaseError | None:
    """The typed, translated error for a SQLite failure of the open database ``path`` in the
    middle of a session (db.as_database_error: locked, read-only, damaged), or None when
    ``exc`` is not such a failure. The unit of work that failed has rolled back. Without
    ``path`` only a lock is explained (naming no file)."""
    from branch_crm.db.problems import as_database_error

    raw = exc.orig if isinstance(exc, DBAPIError) else exc
    if raw is None or type(raw) not in (sqlite3.OperationalError, sqlite3.DatabaseError):
        return None  # IntegrityError, ProgrammingError ...: a bug, not the file
    text = str(raw).lower()
    if not any(marker in text for marker in _DATABASE_FAILURES):
        return None
    problem = as_database_error(raw, path or "")
    if isinstance(problem, DatabaseLocked):  # "try again", not "close it" as at start-up
        return DatabaseLocked(_busy_text(None if path is None else problem.path), problem.path)
    return problem if path is not None else None


def _refusal_text(exc: ValidationError) -> str:
    """A refusal in a box, which highlights no field: the generic "correct the highlighted
    fields" would point at nothing, so the field messages say it themselves."""
    found = list(dict.fromkeys(exc.fields.values()))
    if exc.generic and len(found) == 1:
        return found[0]
    lines = [] if exc.generic and found else [exc.message]
    lines += [f"• {message}" for message in found]
    return "\n".join(dict.fromkeys(lines))


def error_text(exc_or_text: BaseException | str, db_path: Path | str | None = None) -> str:
    """What a user reads for an error: a CrmError's translated message, never a traceback.

    A SQLite failure of the database file (locked by another program, read-only, damaged) is
    explained, naming ``db_path`` when given."""
    if isinstance(exc_or_text, str):
        return exc_or_text
    if isinstance(exc_or_text, ValidationError):
        return _refusal_text(exc_or_text)
    if isinstance(exc_or_text, CrmError):
        return exc_or_text.message
    if isinstance(exc_or_text, OSError):
        detail = exc_or_text.strerror or str(exc_or_text)
        where = f" ({exc_or_text.filename})" if exc_or_text.filename else ""
        return _("The file system refused: {detail}{where}").format(detail=detail, where=where)
    problem = database_problem(exc_or_text, db_path)
    if problem is not None:
        log.warning("database failure shown to the user", exc_info=exc_or_text)
        return problem.message
    log.error("unexpected error shown to the user", exc_info=exc_or_text)
    return _(
        "Something went wrong: {error}. The details are in the log file; please tell IT."
    ).format(error=type(exc_or_text).__name__)


def _box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, name: str
) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    box.setObjectName(name)
    box.setAccessibleName(title)
    return box


def show_error(
    parent: QWidget | None, exc_or_text: BaseException | str, title: str | None = None
) -> None:
    """Show an error (CrmError message, or a generic message for unexpected exceptions)."""
    box = _box(
        parent, QMessageBox.Icon.Warning, title or _("Branch CRM"), error_text(exc_or_text),
        "error_box",
    )  # fmt: skip
    box.exec()


def info(parent: QWidget | None, text: str, title: str | None = None) -> None:
    """Show an information message."""
    box = _box(parent, QMessageBox.Icon.Information, title or _("Branch CRM"), text, "info_box")
    box.exec()


def confirm(parent: QWidget | None, text: str, title: str | None = None) -> bool:
    """Ask a yes/no question; True when the user confirms (No is the default button)."""
    box = _box(parent, QMessageBox.Icon.Question, title or _("Please confirm"), text, "confirm_box")
    yes = box.addButton(_("Yes"), QMessageBox.ButtonRole.YesRole)
    no = box.addButton(_("No"), QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def _insert_below(widget: QWidget, label: QLabel) -> bool:
    """Put ``label`` right under ``widget`` in its parent's layout; False if not possible."""
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    if layout is None:
        return False
    # the widget may sit in a nested layout: search every layout of the parent
    stack = [layout]
    while stack:
        current = stack.pop()
        if isinstance(current, QFormLayout):
            # PySide6's stubs declare the (row, role) pair as plain object
            row, _role = cast("tuple[int, QFormLayout.ItemRole]", current.getWidgetPosition(widget))
            if row >= 0:
                current.insertRow(row + 1, "", label)
                return True
        elif isinstance(current, QBoxLayout):
            index = current.indexOf(widget)
            if index >= 0:
                current.insertWidget(index + 1, label)
                return True
        elif isinstance(current, QGridLayout):
            index = current.indexOf(widget)
            if index >= 0:
                # PySide6's stubs declare the (row, column, row span, column span) as object
                position = cast("tuple[int, int, int, int]", current.getItemPosition(index))
                row, column, _rs, col_span = position
                current.addWidget(label, row + 1, column, 1, col_span or 1)
                return True
        for i in range(current.count()):
            item = current.itemAt(i)
            child = item.layout() if item is not None else None
            if child is not None:
                stack.append(child)
    return False


def banner_text(
    loose: Sequence[str], *, highlighted: bool, error: ValidationError | None = None
) -> str:
    """What a form's banner says after a refusal: "correct the highlighted fields" only when
    some field is highlighted, then the messages that have no field of their own (a
    refusal's own sentence, when it is not that generic one, comes first)."""
    parts: list[str] = []
    if error is not None and not error.generic:
        parts.append(error.message)
    elif highlighted:
        parts.append(_("Please correct the highlighted fields."))
    parts += loose
    return " ".join(dict.fromkeys(p for p in parts if p))


class FieldErrors(QObject):
    """Red messages under form fields by service field name; cleared when the field is edited.

    ``errors.add("name", name_edit)`` creates a hidden label under the widget (in a form,
    box or grid layout; otherwise place ``errors.label("name")`` yourself).
    ``errors.show(exc)`` shows a ValidationError's fields; names like "phones.0" fall back to
    "phones" when only that is registered. Returns the messages that had no field here.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}

    def add(self, name: str, widget: QWidget, label: QLabel | None = None) -> QLabel:
        """Register a field; returns its (hidden) error label."""
        if label is None:
            label = QLabel(widget.parentWidget())
            label.setWordWrap(True)
            if not _insert_below(widget, label):
                log.debug("error label of %s needs placing by the caller", name)
        label.setObjectName(f"error_{name.replace('.', '_')}")
        label.setAccessibleName(f"error_{name}")
        label.setStyleSheet(ERROR_LABEL_STYLE)
        label.setVisible(False)
        self.widgets[name] = widget
        self.labels[name] = label
        for signal_name in CHANGE_SIGNALS:
            signal = getattr(widget, signal_name, None)
            if signal is not None and hasattr(signal, "connect"):
                signal.connect(lambda *_args, n=name: self.clear(n))
                break
        return label

    def label(self, name: str) -> QLabel:
        """The error label of a field."""
        return self.labels[name]

    def _resolve(self, name: str) -> str | None:
        while name:
            if name in self.labels:
                return name
            if "." not in name:
                return None
            name = name.rsplit(".", 1)[0]
        return None

    def show(self, errors: ValidationError | Mapping[str, str]) -> dict[str, str]:
        """Show each message under its field and focus the first; returns the unplaced ones."""
        fields = errors.fields if isinstance(errors, ValidationError) else dict(errors)
        self.clear()
        unplaced: dict[str, str] = {}
        placed: dict[str, list[str]] = {}
        for name, message in fields.items():
            key = self._resolve(name)
            if key is None:
                unplaced[name] = message
            else:
                placed.setdefault(key, []).append(message)
        first: QWidget | None = None
        for key, texts in placed.items():
            label = self.labels[key]
            label.setText("\n".join(dict.fromkeys(texts)))
            label.setVisible(True)
            label.setProperty("shown", True)
            widget = self.widgets[key]
            widget.setProperty(INVALID_PROPERTY, True)
            widget.setAccessibleDescription(label.text())
            _repolish(widget)
            first = first or widget
        if first is not None:
            first.setFocus()
            window = first.window()
            if isinstance(window, QDialog):  # wrapped messages need room: let the dialog grow
                layout = window.layout()
                if layout is not None:
                    layout.activate()
                window.adjustSize()
        return unplaced

    def clear(self, name: str | None = None) -> None:
        """Hide one field's message, or all."""
        for key, label in self.labels.items():
            if name is not None and key != name:
                continue
            label.clear()
            label.setVisible(False)
            label.setProperty("shown", False)
            widget = self.widgets[key]
            if widget.property(INVALID_PROPERTY):
                widget.setProperty(INVALID_PROPERTY, False)
                widget.setAccessibleDescription("")
                _repolish(widget)

    def message(self, name: str) -> str:
        """The message shown under a field now ('' if none)."""
        label = self.labels[name]
        return label.text() if label.property("shown") else ""

    def messages(self) -> dict[str, str]:
        """Every message shown now, by field name."""
        return {name: self.message(name) for name in self.labels if self.message(name)}


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def invalid_style_sheet() -> str:
    """Application style sheet fragment: a red border on fields marked invalid."""
    return f'*[invalid="true"] {{ border: 1px solid {ERROR_COLOUR}; }}'
