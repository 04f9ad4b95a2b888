"""One message catalogue for UI, printing and error messages.

Source strings are English. Catalogues are gettext ``.po`` files under
``resources/locale/<language>/``; every ``*.po`` file of a language is loaded (one file per
area keeps edits apart). Mark strings with ``_()`` (translated now), ``N_()`` (marked for
extraction, translated where shown) or ``ngettext()``. :func:`translator` translates into a
given language without touching the process's own (head office answers each request in the
caller's language, many at once).
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
_catalogs: dict[str, tuple[dict[str, str], dict[str, tuple[str, ...]]]] = {}
_catalogs_lock = threading.Lock()


def locale_dir() -> Path:
    """The folder holding one sub-folder of ``.po`` files per language."""
    return Path(str(resources.files("branch_crm") / "resources" / "locale"))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}  # fmt: skip


def _unquote(token: str) -> str:
    """The text of one quoted PO string (C escapes resolved)."""
    token = token.strip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"not a quoted string: {token!r}")
    body, out, index = token[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            out.append(_ESCAPES.get(body[index + 1], body[index + 1]))
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _store(
    entry: dict[str, list[str]],
    fuzzy: bool,
    singular: dict[str, str],
    plural: dict[str, tuple[str, ...]],
) -> None:
    msgid = "".join(entry.get("msgid", []))
    if not msgid or fuzzy:
        return
    if "msgid_plural" in entry:
        forms = tuple(
            text
            for key in sorted(k for k in entry if k.startswith("msgstr["))
            if (text := "".join(entry[key]))
        )
        if forms:
            plural[msgid] = forms
    elif text := "".join(entry.get("msgstr", [])):
        singular[msgid] = text


def _has_msgstr(entry: dict[str, list[str]]) -> bool:
    return any(key == "msgstr" or key.startswith("msgstr[") for key in entry)


def parse_po(text: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(singular, plural) translations of a .po file's text; fuzzy and obsolete entries and
    the header are skipped, as Babel's reader does. Raises ValueError on a malformed file."""
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    entry: dict[str, list[str]] = {}
    fuzzy = False
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith('"'):
            if current is None:
                raise ValueError(f"continuation without a keyword: {raw!r}")
            entry[current].append(_unquote(line))
            continue
        if line.startswith("#~"):  # obsolete entry
            continue
        keyword, _space, rest = line.partition(" ")
        if (not line or line.startswith("#") or keyword in ("msgctxt", "msgid")) and _has_msgstr(
            entry
        ):
            _store(entry, fuzzy, singular, plural)
            entry, fuzzy, current = {}, False, None
        if not line:
            fuzzy = fuzzy and bool(entry)  # a flag belongs to the entry that follows it
            continue
        if line.startswith("#"):
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        if keyword not in ("msgctxt", "msgid", "msgid_plural", "msgstr") and not (
            keyword.startswith("msgstr[") and keyword.endswith("]")
        ):
            raise ValueError(f"unknown keyword in {raw!r}")
        current = keyword
        entry[keyword] = [_unquote(rest)]
    if _has_msgstr(entry):
        _store(entry, fuzzy, singular, plural)
    return singular, plural


def _load_with_babel(
    files: list[Path], language: str
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    from babel.messages.pofile import read_po

    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for po_file in files:
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


def load_catalog(language: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Parse every ``.po`` file of a language; returns (singular, plural) message maps.

    A small reader does it (importing and running Babel's costs a quarter of a second at
    every start); a file it cannot read goes through Babel.
    """
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for po_file in sorted((locale_dir() / language).glob("*.po")):
        try:
            one, many = parse_po(po_file.read_text(encoding="utf-8"))
        except ValueError:
            log.warning("%s read with Babel (unusual layout)", po_file)
            one, many = _load_with_babel([po_file], language)
        singular.update(one)
        plural.update(many)
    return singular, plural


def cached_catalog(language: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """:func:`load_catalog` of ``language``, read once per process (safe from any thread);
    callers must not change the maps."""
    with _catalogs_lock:
        if language not in _catalogs:
            _catalogs[language] = load_catalog(language)
        return _catalogs[language]


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")


def translator(language: str) -> Callable[[str], str]:
    """A ``_()`` for ``language`` that leaves the process-wide language as it is."""
    _check_language(language)
    singular = cached_catalog(language)[0]

    def translate(message: str) -> str:
        return singular.get(message, message)

    return translate


def language_from_header(value: str | None) -> str:
    """The shipped language an HTTP ``Accept-Language`` value prefers most (``zh-CN``,
    ``zh-Hans;q=0.9, en;q=0.8``, ...); English when it names none of ours, or is missing.

    Any ``zh`` tag gets Simplified Chinese, the only Chinese we ship (RFC 4647 lookup falls
    back from ``zh-TW`` to ``zh`` the same way); ``*`` and unknown languages get English.
    """
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((value or "").split(",")):
        tag, *options = (part.strip() for part in item.split(";"))
        quality = 1.0
        for option in options:
            name, _eq, number = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0  # a malformed weight: ignore the entry
        if tag and quality > 0:
            ranked.append((-quality, index, tag.lower().replace("_", "-")))
    for _quality, _index, tag in sorted(ranked):
        primary = tag.split("-")[0]
        if primary == "zh":
            return "zh_CN"
        if primary == "en":
            return "en"
    return "en"


def http_language(language: str | None = None) -> str:
    """A language code as HTTP writes it (``zh_CN`` -> ``zh-CN``); the current one by
    default."""
    return (language or _language).replace("_", "-")


def set_language(language: str) -> None:
    """Switch every later ``_()`` call to ``language`` and notify listeners."""
    global _language, _singular, _plural
    _check_language(language)
    singular, plural = cached_catalog(language)
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
