"""Both catalogues ship, load, and translate every visible string in the source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scripts import i18n as tool

from branch_crm.i18n import LANGUAGES, _, load_catalog, set_language

ROOT = Path(__file__).resolve().parents[1]

PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


@pytest.fixture(scope="module")
def source_strings() -> dict[str | tuple[str, str], list[str]]:
    return tool.extract(tool.source_files([]))


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_string_is_translated(language: str, source_strings: dict) -> None:  # type: ignore[type-arg]
    singular, plural = load_catalog(language)
    missing = []
    for key, where in source_strings.items():
        msgid = key if isinstance(key, str) else key[0]
        if msgid not in singular and msgid not in plural:
            missing.append(f"{msgid!r} ({where[0]})")
    assert missing == [], f"{len(missing)} strings lack a {language} translation"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_translations_keep_placeholders(language: str) -> None:
    singular, _plural = load_catalog(language)
    broken = [
        msgid
        for msgid, text in singular.items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert broken == []


def test_switching_language_changes_messages() -> None:
    message = "Please correct the highlighted fields."
    set_language("zh_CN")
    chinese = _(message)
    set_language("en")
    assert _(message) == message
    assert chinese != message
    assert re.search(r"[\u4e00-\u9fff]", chinese)


CJK = "\u3400-\u9fff"
ASCII_PUNCTUATION_IN_CHINESE = re.compile(
    rf"[{CJK}]\s*[:,;!?]|[:,;!?]\s*[{CJK}]|\([{CJK}]|[{CJK}]\)"
)
"""An ASCII colon, comma, semicolon, !, ? or bracket touching a Chinese character: Chinese UI
text uses the full-width forms (：，；！？（）). Accelerator hints like "保存(&S)", file filters
"(*.pdf)" and times like 09:00 do not touch a Chinese character and pass."""
ASCII_PUNCTUATION_ALLOWED = {
    "Write times as HH:MM, e.g. 09:00.",  # 时:分 is the time pattern itself
}


def test_chinese_text_uses_full_width_punctuation() -> None:
    singular, plural = load_catalog("zh_CN")
    texts = [(msgid, text) for msgid, text in singular.items()]
    texts += [(msgid, form) for msgid, forms in plural.items() for form in forms]
    wrong = [
        f"{msgid!r}: {text!r}"
        for msgid, text in texts
        if msgid not in ASCII_PUNCTUATION_ALLOWED and ASCII_PUNCTUATION_IN_CHINESE.search(text)
    ]
    assert wrong == []


def test_chinese_cli_error_prefix_has_a_full_width_colon(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.cli import main

    code = main(["--lang", "zh_CN", "search", "张", "--db", str(tmp_path / "missing.db")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "错误:" not in err
