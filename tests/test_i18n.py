"""Both catalogues ship, load, and translate every visible string in the source."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from branch_crm.i18n import LANGUAGES, _, load_catalog, set_language

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n as tool  # noqa: E402

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
