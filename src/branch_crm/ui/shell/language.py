"""Language changes as a Qt signal, so windows re-translate and disconnect when destroyed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from branch_crm import i18n


class LanguageNotifier(QObject):
    """Emits ``sig_language_changed(code)`` after every ``i18n.set_language``."""

    sig_language_changed = Signal(str)


_notifier: list[LanguageNotifier] = []


def notifier() -> LanguageNotifier:
    """The one notifier (created on first use, hooked into branch_crm.i18n once)."""
    if not _notifier:
        instance = LanguageNotifier()
        _notifier.append(instance)
        i18n.on_language_changed(instance.sig_language_changed.emit)
    return _notifier[0]
