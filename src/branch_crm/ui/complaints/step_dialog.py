"""Small forms for one workflow step (note, feedback, close, regrade, compensation).

The dialog asks for the step's write itself when OK is pressed and closes once it is stored,
so a validation problem (or a busy database) keeps the form open with the message beside the
field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import ValidationError
from branch_crm.i18n import _
from branch_crm.services.complaints import intake
from branch_crm.ui import keys, messages
from branch_crm.ui.widgets.screen_fit import fit_window

if TYPE_CHECKING:
    from branch_crm.ui.context import AppContext


class StepDialog(QDialog):
    """A form of named fields; OK writes ``action(**fixed, **values)`` and closes once stored."""

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str, QWidget]],
        ctx: AppContext,
        action: Callable[..., Any],
        *,
        fixed: Mapping[str, Any] | None = None,
        intro: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("complaintStepDialog")
        self.setWindowTitle(title)
        self.ctx = ctx
        self.action = action
        self.fixed = dict(fixed or {})
        self.result_value: object = None
        self.widgets = {name: widget for name, _label, widget in fields}
        form = QFormLayout()
        if intro:
            note = QLabel(intro, self)
            note.setWordWrap(True)
            form.addRow(note)
        for name, label, widget in fields:
            widget.setParent(self)
            widget.setObjectName(f"step_{name}")
            widget.setAccessibleName(label.replace("&", ""))
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("complaintStepOk")
        self.ok_button.setText(_("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.ok_button.setAccessibleName(title)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.ok_button.setToolTip(_("Save (Ctrl+S)"))
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            keys.shortcut(self, sequence, self.submit, keys.SAVE)
        keys.save_shortcut(self, self.submit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.errors = messages.FieldErrors(self)
        for name, widget in self.widgets.items():
            self.errors.add(name, widget)
        fit_window(self, (480, 200 + 60 * len(fields)), name="complaintStep")

    def values(self) -> dict[str, object]:
        """Field name -> value as the service wants it."""
        result: dict[str, object] = {}
        for name, widget in self.widgets.items():
            if isinstance(widget, QPlainTextEdit):
                result[name] = widget.toPlainText()
            elif isinstance(widget, QComboBox):
                result[name] = widget.currentData()
            elif isinstance(widget, QCheckBox):
                result[name] = widget.isChecked()
            elif isinstance(widget, QDoubleSpinBox):
                result[name] = round(widget.value() * 100)
        return result

    def submit(self) -> None:
        """Write the step; keep the form open with the messages if it is refused."""
        self.errors.clear()
        self.ctx.write(
            self.action,
            **self.fixed,
            **self.values(),
            busy=self,
            on_done=self._on_done,
            on_error=self._on_failed,
        )

    def _on_done(self, result: Any) -> None:
        self.result_value = result
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc)
            if not unplaced and exc.fields:
                return
        messages.show_error(self, exc)


def text_field(placeholder: str = "") -> QPlainTextEdit:
    """A short multi-line text box where Tab moves on."""
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setPlaceholderText(placeholder)
    box.setMinimumHeight(60)
    return box


def combo(items: Sequence[tuple[str, object]], current: object = None) -> QComboBox:
    """A combo box of (label, value) pairs."""
    box = QComboBox()
    for label, value in items:
        box.addItem(label, value)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


def money_field(cents: int = 0) -> QDoubleSpinBox:
    """Yuan with two decimals (the value is handed on in cents)."""
    box = QDoubleSpinBox()
    box.setRange(0, intake.MAX_COMPENSATION_CENTS / 100)
    box.setDecimals(2)
    box.setPrefix("¥ ")
    box.setGroupSeparatorShown(True)
    box.setValue(cents / 100)
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    return box
