"""The start-up .po reader must read every shipped catalogue exactly as Babel does."""

from __future__ import annotations

from pathlib import Path

import pytest

from branch_crm import i18n


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_fast_reader_equals_babel(language: str) -> None:
    files = sorted((i18n.locale_dir() / language).glob("*.po"))
    assert files
    for path in files:
        fast = i18n.parse_po(path.read_text(encoding="utf-8"))
        slow = _read_with_babel(path, language)
        assert fast == slow, path.name


def _read_with_babel(
    path: Path, language: str
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(singular, plural) as Babel (a development tool here, not a run-time dependency) reads
    the file."""
    from babel.messages.pofile import read_po

    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            strings = tuple(s for s in (message.string or ()) if s)
            if strings:
                plural[str(message.id[0])] = strings
        elif isinstance(message.string, str) and message.string:
            singular[str(message.id)] = message.string
    return singular, plural


def test_reader_handles_escapes_fuzzy_plural_and_obsolete() -> None:
    text = r"""
msgid ""
msgstr "Content-Type: text/plain; charset=utf-8\n"

#, fuzzy
msgid "Old"
msgstr "旧"

#: somewhere.py:1
msgid "Line one\n"
"line \"two\""
msgstr "第一行\n"
"第\"二\"行"

msgid "{n} file"
msgid_plural "{n} files"
msgstr[0] "{n} 个文件"

#~ msgid "Gone"
#~ msgstr "没了"
msgid "Empty"
msgstr ""
"""
    singular, plural = i18n.parse_po(text)
    assert singular == {'Line one\nline "two"': '第一行\n第"二"行'}
    assert plural == {"{n} file": ("{n} 个文件",)}
    with pytest.raises(ValueError):
        i18n.parse_po('msgid "x"\nbogus "y"\n')
