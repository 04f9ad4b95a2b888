"""Messages under the fields of a form layout, by service field name (cleared on edit)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

ERROR_STYLE = "color: #C42B1C;"
CHANGE_SIGNALS = ("textChanged", "currentIndexChanged", "valueChanged", "toggled", "sig_chosen")


class InlineErrors:
    """A hidden red label under each named field; ``show`` fills them and focuses the first."""

    def __init__(self, form: QFormLayout, widgets: Mapping[str, QWidget]) -> None:
        self.widgets = dict(widgets)
        self.labels: dict[str, QLabel] = {}
        for name, widget in self.widgets.items():
            row, _role = form.getWidgetPosition(widget)
            label = QLabel(widget.parentWidget())
            label.setObjectName(f"error_{name}")
            label.setStyleSheet(ERROR_STYLE)
            label.setWordWrap(True)
            label.setVisible(False)
            form.insertRow(row + 1, "", label)
            self.labels[name] = label
            for signal_name in CHANGE_SIGNALS:
                signal = getattr(widget, signal_name, None)
                if signal is not None and hasattr(signal, "connect"):
                    signal.connect(lambda *_a, n=name: self.clear(n))
                    break

    def show(self, fields: Mapping[str, str]) -> list[str]:
        """Show each message beside its field; returns the names that had no field here."""
        unknown = []
        first = None
        for name, message in fields.items():
            label = self.labels.get(name)
            if label is None:
                unknown.append(name)
                continue
            label.setText(message)
            label.setVisible(True)
            first = first or self.widgets[name]
        if first is not None:
            first.setFocus()
        return unknown

    def clear(self, name: str | None = None) -> None:
        """Hide one message (or all)."""
        for key, label in self.labels.items():
            if name is None or key == name:
                label.clear()
                label.setVisible(False)

    def message(self, name: str) -> str:
        """The message now shown for a field ('' if none)."""
        label = self.labels[name]
        return label.text() if label.isVisible() or label.text() else ""
