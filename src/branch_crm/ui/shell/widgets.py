"""Small widgets shared by the shell's dialogs."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QWidget

from branch_crm import i18n
from branch_crm.i18n import _


def heading_font(base: QFont) -> QFont:
    """A larger bold variant of ``base`` for dialog titles."""
    font = QFont(base)
    font.setPointSizeF(max(base.pointSizeF(), 9.0) * 1.35)
    font.setBold(True)
    return font


class LanguageBox(QComboBox):
    """Choose the interface language; with ``live`` the app switches at once."""

    def __init__(
        self, parent: QWidget | None = None, *, live: bool = True, with_default: bool = False
    ) -> None:
        super().__init__(parent)
        self.live = live
        self.with_default = with_default
        if with_default:
            self.addItem("", "")
        for code, name in i18n.LANGUAGES.items():
            self.addItem(name, code)  # each language named in itself
        self.select(i18n.current_language() if not with_default else "")
        self.currentIndexChanged.connect(self._on_index_changed)

    def select(self, code: str) -> None:
        """Show ``code`` as the current choice (no live switch)."""
        index = self.findData(code)
        if index >= 0:
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)

    def code(self) -> str:
        """The chosen language code ('' = the computer's language)."""
        return str(self.currentData() or "")

    def retranslate_ui(self) -> None:
        """The "computer's language" entry is the only translated one."""
        if self.with_default:
            self.setItemText(0, _("As the computer (default)"))

    def _on_index_changed(self, _index: int) -> None:
        if not self.live:
            return
        code = self.code() or i18n.system_language()
        if code != i18n.current_language():
            i18n.set_language(code)
