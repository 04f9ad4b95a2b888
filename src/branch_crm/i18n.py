"""One message catalogue for UI, printing and error messages.

Source strings are English. Catalogues are gettext ``.po`` files under
``resources/locale/<language>/``; every ``*.po`` file of a language is loaded (one file per
area keeps edits apart). Mark strings with ``_()`` (translated now), ``N_()`` (marked for
extraction, translated where shown) or ``ngettext()``.
"""

from __future__ import annotations

import locale
import logging
import os
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"

_lock = threading.Lock()
_language = "en"
_singular: dict[str, str] = {}
_plural: dict[str, tuple[str, ...]] = {}
_listeners: list[Callable[[str], None]] = []


def locale_dir() -> Path:
    """The folder holding one sub-folder of ``.po`` files per language."""
    return Path(str(resources.files("branch_crm") / "resources" / "locale"))


def load_catalog(language: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Parse every ``.po`` file of a language; returns (singular, plural) message maps."""
    from babel.messages.pofile import read_po

    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    folder = locale_dir() / language
    for po_file in sorted(folder.glob("*.po")):
        with po_file.open("rb") as handle:
            catalog = read_po(handle, locale=language.replace("-", "_"))
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            msgid, msgstr = message.id, message.string
            if isinstance(msgid, tuple | list):
                strings = tuple(s for s in (msgstr or ()) if s)
                if strings:
                    plural[str(msgid[0])] = strings
            elif isinstance(msgstr, str) and msgstr:
                singular[str(msgid)] = msgstr
    return singular, plural


def set_language(language: str) -> None:
    """Switch every later ``_()`` call to ``language`` and notify listeners."""
    global _language, _singular, _plural
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    singular, plural = load_catalog(language)
    with _lock:
        _language, _singular, _plural = language, singular, plural
    for listener in list(_listeners):
        listener(language)


def current_language() -> str:
    """The language code in use (``zh_CN`` or ``en``)."""
    return _language


def on_language_changed(listener: Callable[[str], None]) -> None:
    """Call ``listener(language)`` after every :func:`set_language`."""
    _listeners.append(listener)


def system_language() -> str:
    """The OS locale's language if we ship it, else the default (Simplified Chinese)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            break
    else:
        value = locale.getlocale()[0] or ""
    value = value.lower()
    if value.startswith("zh"):
        return "zh_CN"
    if value.startswith("en") or value.startswith("english"):
        return "en"
    return DEFAULT_LANGUAGE


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _singular.get(message, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message that depends on a count."""
    forms = _plural.get(singular)
    if forms:
        if _language.startswith("zh") or len(forms) == 1:
            return forms[0]
        return forms[0] if count == 1 else forms[min(1, len(forms) - 1)]
    return singular if count == 1 else plural
