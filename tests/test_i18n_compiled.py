"""Compiled catalogues: the .mo the build writes says exactly what the .po files say, read by
the standard gettext; a stale or missing .mo falls back to compiling in memory; the bundle's
.mo-only folder works."""

from __future__ import annotations

import gettext
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from branch_crm import i18n

ROOT = Path(__file__).resolve().parents[1]

PO_TEXT = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Hello"
msgstr "你好"

msgid "{n} file"
msgid_plural "{n} files"
msgstr[0] "{n} 个文件"
"""


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_compiled_catalogue_equals_the_po_files(language: str) -> None:
    singular, plural = i18n.load_catalog(language)
    compiled = gettext.GNUTranslations(io.BytesIO(i18n.compile_catalog(language)))
    assert singular and plural
    assert {m: compiled.gettext(m) for m in singular} == singular
    for msgid, forms in plural.items():
        counts = (1,) if language == "zh_CN" else (1, 2)
        assert tuple(compiled.ngettext(msgid, msgid + "?", n) for n in counts) == forms, msgid
    assert compiled.info()["x-source-digest"] == i18n.source_digest(language)


def test_plural_rule_of_each_language() -> None:
    i18n.set_language("en")
    try:
        assert i18n.ngettext("{n} day overdue", "{n} days overdue", 1) == "{n} day overdue"
        assert i18n.ngettext("{n} day overdue", "{n} days overdue", 3) == "{n} days overdue"
        assert i18n.ngettext("no such thing", "no such things", 3) == "no such things"
        i18n.set_language("zh_CN")
        one = i18n.ngettext("{n} day overdue", "{n} days overdue", 1)
        assert one == i18n.ngettext("{n} day overdue", "{n} days overdue", 7)
        assert "天" in one
    finally:
        i18n.set_language("en")


def _tree(tmp_path: Path) -> Path:
    base = tmp_path / "locale"
    for language in i18n.LANGUAGES:
        (base / language).mkdir(parents=True)
        (base / language / "a.po").write_text(PO_TEXT, encoding="utf-8")
    return base


def test_compiled_file_is_used_until_a_po_file_changes(tmp_path: Path) -> None:
    base = _tree(tmp_path)
    assert sorted(p.parent.parent.name for p in i18n.write_catalogs(base)) == sorted(i18n.LANGUAGES)
    assert i18n.write_catalogs(base) == []  # current: nothing rewritten
    mo = i18n.mo_path("zh_CN", base)
    mo.write_bytes(mo.read_bytes().replace("你好".encode(), "您好".encode()))
    assert i18n.load_translations("zh_CN", base).gettext("Hello") == "您好"  # the .mo is read
    (base / "zh_CN" / "a.po").write_text(PO_TEXT.replace("你好", "哈喽"), encoding="utf-8")
    # stale: the .po files win (compiled in memory) until the catalogues are compiled again
    assert i18n.load_translations("zh_CN", base).gettext("Hello") == "哈喽"
    assert i18n.write_catalogs(base) == [mo]
    assert i18n.load_translations("zh_CN", base).gettext("Hello") == "哈喽"


def test_missing_mo_compiles_in_memory_and_bundle_reads_mo_alone(tmp_path: Path) -> None:
    base = _tree(tmp_path)
    assert i18n.load_translations("zh_CN", base).gettext("Hello") == "你好"  # no .mo yet
    i18n.write_catalogs(base)
    (base / "zh_CN" / "a.po").unlink()  # the bundle ships the .mo only
    translations = i18n.load_translations("zh_CN", base)
    assert translations.gettext("Hello") == "你好"
    assert translations.ngettext("{n} file", "{n} files", 5) == "{n} 个文件"
    shutil.rmtree(base / "zh_CN" / "LC_MESSAGES")
    assert i18n.load_translations("zh_CN", base).gettext("Hello") == "Hello"  # nothing: source


def test_malformed_po_file_is_named(tmp_path: Path) -> None:
    base = _tree(tmp_path)
    (base / "en" / "b.po").write_text('msgid "x"\nbogus "y"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.po"):
        i18n.compile_catalog("en", base)


def test_compile_script_needs_only_the_standard_library(tmp_path: Path) -> None:
    """scripts/compile_catalogs.py runs before anything is installed (bootstrap, the head-office
    image): with -I -S no site-packages are visible."""
    base = _tree(tmp_path)
    script = ROOT / "scripts" / "compile_catalogs.py"
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(base)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert i18n.mo_path("en", base).is_file() and i18n.mo_path("zh_CN", base).is_file()
