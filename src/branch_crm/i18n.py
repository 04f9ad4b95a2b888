"""One message catalogue for UI, printing and error messages.

Source strings are English. Catalogues are gettext ``.po`` files under
``resources/locale/<language>/``; every ``*.po`` file of a language is part of it (one file
per area keeps edits apart). Mark strings with ``_()`` (translated now), ``N_()`` (marked for
extraction, translated where shown) or ``ngettext()``. :func:`translator` translates into a
given language without touching the process's own (head office answers each request in the
caller's language, many at once).

At run time the standard :mod:`gettext` reads one compiled catalogue per language,
``resources/locale/<language>/LC_MESSAGES/branch_crm.mo``, which :func:`compile_catalog`
writes from all the language's ``.po`` files (``scripts/compile_catalogs.py``: bootstrap, the
installer build and the head-office image run it). The ``.mo`` records a digest of the
``.po`` files it came from: in a source checkout whose ``.po`` files changed since (or where
none was compiled) the catalogue is compiled in memory instead, so an edit shows at the next
start. The installed bundle ships the ``.mo`` files only. No Babel at run time.
"""

from __future__ import annotations

import array
import gettext
import hashlib
import io
import locale
import logging
import os
import struct
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"

DOMAIN = "branch_crm"
"""gettext domain: the compiled file is ``<language>/LC_MESSAGES/branch_crm.mo``."""
PLURAL_FORMS = {"zh_CN": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
DIGEST_HEADER = "X-Source-Digest"
"""Header of a compiled catalogue: :func:`source_digest` of the ``.po`` files it came from."""

_lock = threading.Lock()
_language = "en"
_active: gettext.NullTranslations = gettext.NullTranslations()
_listeners: list[Callable[[str], None]] = []
_catalogs: dict[str, gettext.NullTranslations] = {}
_catalogs_lock = threading.Lock()


def locale_dir() -> Path:
    """The folder holding one sub-folder of ``.po`` files per language."""
    return Path(str(resources.files("branch_crm") / "resources" / "locale"))


def mo_path(language: str, base: Path | None = None) -> Path:
    """Where the compiled catalogue of ``language`` lives (gettext's layout)."""
    return (base or locale_dir()) / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


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
    plural_ids: dict[str, str],
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
            plural_ids[msgid] = "".join(entry["msgid_plural"])
    elif text := "".join(entry.get("msgstr", [])):
        singular[msgid] = text


def _has_msgstr(entry: dict[str, list[str]]) -> bool:
    return any(key == "msgstr" or key.startswith("msgstr[") for key in entry)


def parse_po(text: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(singular, plural) translations of a .po file's text; fuzzy and obsolete entries and
    the header are skipped, as Babel's reader does. Raises ValueError on a malformed file."""
    singular, plural, _plural_ids = _parse_po(text)
    return singular, plural


def _parse_po(
    text: str,
) -> tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, str]]:
    """:func:`parse_po` plus each plural entry's ``msgid_plural``."""
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    plural_ids: dict[str, str] = {}
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
            _store(entry, fuzzy, singular, plural, plural_ids)
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
        _store(entry, fuzzy, singular, plural, plural_ids)
    return singular, plural, plural_ids


def po_files(language: str, base: Path | None = None) -> list[Path]:
    """The ``.po`` files of ``language``, in the order they are merged (a later file's entry
    wins)."""
    return sorted(((base or locale_dir()) / language).glob("*.po"))


def load_catalog(
    language: str, base: Path | None = None
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Parse every ``.po`` file of a language; returns (singular, plural) message maps (the
    source of the compiled catalogue; tests check the ``.po`` files with it). Raises
    ValueError naming the file when one is malformed."""
    singular, plural, _plural_ids = _merged(language, base)
    return singular, plural


def _merged(
    language: str, base: Path | None
) -> tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, str]]:
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    plural_ids: dict[str, str] = {}
    for po_file in po_files(language, base):
        try:
            one, many, ids = _parse_po(po_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"{po_file}: {exc}") from exc
        singular.update(one)
        plural.update(many)
        plural_ids.update(ids)
    return singular, plural, plural_ids


def source_digest(language: str, base: Path | None = None) -> str | None:
    """SHA-256 over the names and bytes of the language's ``.po`` files; None without any
    (the installed bundle ships compiled catalogues only)."""
    files = po_files(language, base)
    if not files:
        return None
    digest = hashlib.sha256()
    for po_file in files:
        digest.update(po_file.name.encode() + b"\0" + po_file.read_bytes() + b"\0")
    return digest.hexdigest()


def compile_catalog(language: str, base: Path | None = None) -> bytes:
    """The GNU ``.mo`` file (what ``msgfmt`` writes) of all the ``.po`` files of ``language``
    merged: little-endian, entries sorted, no hash table (gettext does not need one), a
    header with the charset, the language's plural rule and :data:`DIGEST_HEADER`."""
    singular, plural, plural_ids = _merged(language, base)
    header = (
        "Project-Id-Version: Branch CRM\n"
        f"Language: {language}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        f"Plural-Forms: {PLURAL_FORMS.get(language, PLURAL_FORMS['en'])}\n"
        f"{DIGEST_HEADER}: {source_digest(language, base)}\n"
    )
    messages: dict[bytes, bytes] = {b"": header.encode()}
    for msgid, text in singular.items():
        messages[msgid.encode()] = text.encode()
    for msgid, forms in plural.items():
        messages[msgid.encode() + b"\0" + plural_ids[msgid].encode()] = "\0".join(forms).encode()
    keys = sorted(messages)
    ids = bytearray()
    strs = bytearray()
    spans: list[tuple[int, int, int, int]] = []
    for key in keys:
        spans.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    table = array.array("i")
    for id_offset, id_length, _s, _l in spans:
        table.extend((id_length, id_offset + key_start))
    for _i, _n, str_offset, str_length in spans:
        table.extend((str_length, str_offset + value_start))
    if table.itemsize != 4:  # pragma: no cover - every platform we run on has 32-bit ints
        raise RuntimeError("array('i') is not 32-bit here")
    head = struct.pack("<Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    if struct.pack("=i", 1) != struct.pack("<i", 1):  # pragma: no cover - big-endian host
        table.byteswap()
    return head + table.tobytes() + bytes(ids) + bytes(strs)


def write_catalogs(base: Path | None = None) -> list[Path]:
    """Compile every shipped language's ``.po`` files into its ``.mo`` (rewritten only when
    the sources changed); the files written."""
    written: list[Path] = []
    for language in LANGUAGES:
        target = mo_path(language, base)
        if _compiled_is_current(target, source_digest(language, base)):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".mo.tmp")
        temporary.write_bytes(compile_catalog(language, base))
        os.replace(temporary, target)
        written.append(target)
    return written


def _compiled_is_current(path: Path, digest: str | None) -> bool:
    if not path.is_file():
        return False
    if digest is None:
        return True
    try:
        with path.open("rb") as handle:
            info = gettext.GNUTranslations(handle).info()
    except (OSError, ValueError, struct.error, UnicodeDecodeError):
        return False
    return info.get(DIGEST_HEADER.lower()) == digest


def load_translations(language: str, base: Path | None = None) -> gettext.NullTranslations:
    """The gettext catalogue of ``language``: its compiled ``.mo`` when it is current (or the
    only thing there, as in the installed bundle), else compiled in memory from the ``.po``
    files; without either, no translations (the source text shows)."""
    path = mo_path(language, base)
    digest = source_digest(language, base)
    if _compiled_is_current(path, digest):
        with path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if digest is None:
        log.warning("no catalogue for %s at %s", language, path.parent.parent)
        return gettext.NullTranslations()
    log.info("%s: compiled catalogue missing or older than the .po files; compiling", language)
    return gettext.GNUTranslations(io.BytesIO(compile_catalog(language, base)))


def cached_translations(language: str) -> gettext.NullTranslations:
    """:func:`load_translations` of ``language``, read once per process (safe from any
    thread)."""
    with _catalogs_lock:
        if language not in _catalogs:
            _catalogs[language] = load_translations(language)
        return _catalogs[language]


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")


def translator(language: str) -> Callable[[str], str]:
    """A ``_()`` for ``language`` that leaves the process-wide language as it is."""
    _check_language(language)
    return cached_translations(language).gettext


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
    global _language, _active
    _check_language(language)
    translations = cached_translations(language)
    with _lock:
        _language, _active = language, translations
    for listener in list(_listeners):
        listener(language)


def current_language() -> str:
    """The language code in use (``zh_CN`` or ``en``)."""
    return _language


def on_language_changed(listener: Callable[[str], None]) -> None:
    """Call ``listener(language)`` after every :func:`set_language`."""
    _listeners.append(listener)


def system_language() -> str:
    """The language of a new installation: the one IT preset at install (``/LANG=``, see
    :mod:`branch_crm.install_defaults`), else the OS locale's if we ship it, else the default
    (Simplified Chinese). A language saved in the database comes before this (callers)."""
    from branch_crm.install_defaults import preset

    chosen = preset("language")
    if chosen in LANGUAGES:
        return chosen
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
    return _active.gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message that depends on a count (the language's plural rule picks the
    form)."""
    return _active.ngettext(singular, plural, count)
