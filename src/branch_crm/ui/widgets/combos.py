"""Combo box helper shared by the pages."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox


def refill_combo(
    combo: QComboBox, entries: Iterable[tuple[object, str]], *, default: object = None
) -> None:
    """Replace the (data, shown text) entries, keeping the choice, without change signals.

    ``default`` is chosen when nothing was (the first entry when it is not listed either).
    """
    current = combo.currentData()
    if not current and default is not None:
        current = default
    combo.blockSignals(True)
    combo.clear()
    for data, text in entries:
        combo.addItem(text, data)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.blockSignals(False)
