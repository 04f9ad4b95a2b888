"""Language changes as a Qt signal, so windows re-translate and disconnect when destroyed."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QObject, QTranslator, Signal

from branch_crm import i18n

log = logging.getLogger(__name__)


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


class QtTranslations(QObject):
    """Qt's own texts (OK, Cancel, the Undo/Copy/Paste menu, file and print dialogs) in the
    app's language: Qt's ``qtbase_<language>`` catalogue that ships with PySide6, switched
    with every language change."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.app = app
        self.translator: QTranslator | None = None
        self.language = ""

    def apply(self, language: str) -> bool:
        """Load Qt's catalogue of ``language`` (English: none); True when one is loaded."""
        self.language = language
        if self.translator is not None:
            self.app.removeTranslator(self.translator)
            self.translator = None
        if language.startswith("en"):
            self._deliver_language_change()
            return False
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator(self)
        if not translator.load(f"qtbase_{language}", folder):
            log.warning("Qt's translations for %s not found in %s", language, folder)
            return False
        self.app.installTranslator(translator)
        self.translator = translator
        self._deliver_language_change()
        return True

    @staticmethod
    def _deliver_language_change() -> None:
        """Qt posts LanguageChange to every window, and a button box then resets its standard
        buttons to Qt's texts; delivered now, before the windows re-translate themselves (this
        listener is connected first), the app's own texts ("Save" on an OK button) win."""
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)


_qt: list[QtTranslations] = []


def install_qt_translations(app: QCoreApplication) -> QtTranslations:
    """Qt's own texts follow the app's language from now on (installed once per app)."""
    if _qt and _qt[0].app is app:
        return _qt[0]
    _qt.clear()
    instance = QtTranslations(app)
    _qt.append(instance)
    instance.apply(i18n.current_language())
    notifier().sig_language_changed.connect(instance.apply)
    return instance
