"""Language-neutral text kept in the database: a message id and its values, rendered in the
reader's language when shown (a sentence stored translated would show in the language of
whoever happened to write it).

A stored message is a JSON object ``{"msg": "<English msgid>", "args": {...}}``; the msgid is
marked with ``N_()`` where the message is made, so the catalogues translate it. A value in
``args`` is plain (a number, a name, a note someone typed), a nested message, a list of
values (joined with the language's list separator) or ``{"langs": {"en": ..., "zh_CN": ...}}``
(a text that exists in every language, e.g. a survey item's short name).

Rows written before this existed keep their free text: :func:`render` falls back to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from branch_crm.i18n import _, current_language

Message = dict[str, Any]


def message(msgid: str, /, **args: Any) -> Message:
    """A stored message: ``msgid`` (marked with ``N_()``) and the values of its placeholders."""
    return {"msg": msgid, "args": args} if args else {"msg": msgid}


def in_languages(texts: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """A value that exists in every language (language code -> text)."""
    return {"langs": dict(texts)}


def is_message(value: Any) -> bool:
    """True for a stored message (a mapping with a text ``msg``)."""
    return isinstance(value, Mapping) and isinstance(value.get("msg"), str)


def render(stored: Any, fallback: str | None = None, *, translate: bool = True) -> str:
    """The message in the current language (``translate`` False: in English, the msgid's
    language); ``fallback`` (a row's old free text) when there is no message."""
    if not is_message(stored):
        return fallback or ""
    msgid = str(stored["msg"])
    args = stored.get("args") or {}
    values = {k: _value(v, translate) for k, v in args.items()} if isinstance(args, dict) else {}
    template = _(msgid) if translate else msgid
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a broken translation: the English words
        try:
            return msgid.format(**values)
        except (KeyError, IndexError, ValueError):
            return fallback or msgid


def english(stored: Any, fallback: str | None = None) -> str:
    """The message in English (the text columns kept beside it for older readers and logs)."""
    return render(stored, fallback, translate=False)


def _value(value: Any, translate: bool) -> str:
    if is_message(value):
        return render(value, translate=translate)
    if isinstance(value, list | tuple):
        separator = _(", ") if translate else ", "
        return separator.join(_value(v, translate) for v in value)
    if isinstance(value, Mapping) and isinstance(value.get("langs"), Mapping):
        texts = value["langs"]
        language = current_language() if translate else "en"
        return str(texts.get(language) or texts.get("en") or next(iter(texts.values()), ""))
    return "" if value is None else str(value)
