"""``branch-crm-hq`` speaks ``--lang``, else the OS language (head office has no saved one):
every command's ``--help`` (argparse's own words included), argparse's errors, the command
outputs and the ``branch list`` table, which stays aligned with Chinese headings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from branch_crm import i18n
from branch_crm.hq.cli import build_parser, command_language, main
from branch_crm.reference.defaults import default_reference
from tests.support.cli_help import (
    CJK,
    assert_chinese_help,
    assert_english_help,
    columns,
    help_output,
    help_texts,
)


def _help_texts(language: str) -> dict[tuple[str, ...], list[str]]:
    return help_texts(build_parser, language)


COMMANDS = sorted(_help_texts("en"))


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    return help_output(main, capsys, *argv)


def test_every_command_is_covered() -> None:
    assert ("ref", "survey-template") in COMMANDS and ("branch", "list") in COMMANDS
    assert ("pc", "list") in COMMANDS and ("pc", "revoke") in COMMANDS
    assert ("quarantine", "list") in COMMANDS and ("quarantine", "show") in COMMANDS
    assert ("backup",) in COMMANDS and ("restore",) in COMMANDS
    assert ("branch", "rotate-code") in COMMANDS
    assert ("user", "add") in COMMANDS and ("user", "disable") in COMMANDS
    assert ("dashboard", "rebuild") in COMMANDS
    # top, 12 commands, 3 branch, 2 pc, 2 quarantine, 1 dashboard, 6 ref, 4 user
    assert len(COMMANDS) == 31


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "branch-crm-hq")
def test_lang_zh_cn_help_of_every_command_is_chinese(capsys, command) -> None:  # type: ignore[no-untyped-def]
    out = _help(capsys, "--lang", "zh_CN", *command)
    chinese, english = _help_texts("zh_CN")[command], _help_texts("en")[command]
    assert out.startswith(" ".join(("用法：branch-crm-hq", *command)))
    assert_chinese_help(out, chinese, english)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "branch-crm-hq")
def test_lang_en_help_of_every_command_is_english(capsys, command) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")  # whatever came before: --lang en wins
    out = _help(capsys, "--lang", "en", *command)
    assert out.startswith("usage: branch-crm-hq")
    assert_english_help(out, _help_texts("en")[command], _help_texts("zh_CN")[command])
    assert not CJK.search(out)


def test_technical_words_stay_untranslated(capsys) -> None:  # type: ignore[no-untyped-def]
    out = _help(capsys, "--lang", "zh_CN")
    assert "$BRANCH_CRM_HQ_DATABASE_URL" in out and "hq.db" in out and "URL" in out
    assert "YYYY-MM-DD" in _help(capsys, "--lang", "zh_CN", "ref", "holiday")
    assert "SLA" in _help(capsys, "--lang", "zh_CN", "ref", "sla")


@pytest.mark.parametrize(
    ("variable", "value", "language"),
    [
        ("LC_MESSAGES", "zh_CN.UTF-8", "zh_CN"),
        ("LC_ALL", "zh_CN.UTF-8", "zh_CN"),
        ("LANG", "zh_CN.UTF-8", "zh_CN"),
        ("LC_MESSAGES", "en_GB.UTF-8", "en"),
    ],
)
def test_without_lang_the_os_language(capsys, monkeypatch, variable, value, language) -> None:  # type: ignore[no-untyped-def]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, value)
    assert command_language(["branch", "list"]) == language
    out = _help(capsys, "ref")
    assert out.startswith("用法：" if language == "zh_CN" else "usage:")
    assert command_language(["--lang", "en", "ref"]) == "en"  # --lang wins
    assert command_language(["--lang=zh_CN", "ref"]) == "zh_CN"


def test_lang_read_before_parsing() -> None:
    assert command_language(["--lang", "zh_CN", "--lang", "en"]) == "en"  # the last one wins
    assert command_language(["--lang", "fr", "migrate"]) == "en"  # not ours: the OS language
    assert command_language(["ref", "holiday", "--", "--lang", "zh_CN"]) == "en"


@pytest.fixture
def hq_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``--db`` of a migrated SQLite head-office database."""
    url = f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
    assert main(["--db", url, "migrate"]) == 0
    capsys.readouterr()
    return url


def test_migrate_prints_chinese(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
    assert main(["--lang", "zh_CN", "--db", url, "migrate"]) == 0
    assert capsys.readouterr().out.startswith("总部数据库结构版本：hq")


def test_branch_add_and_list_in_chinese_with_an_aligned_table(capsys, hq_db) -> None:  # type: ignore[no-untyped-def]
    zh = ["--lang", "zh_CN", "--db", hq_db]
    assert main([*zh, "branch", "add", "BR001", "一号网点"]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r"网点 BR001：注册码 \S{14}（7 天内有效，仅可使用一次）\n", out), out
    long_name = "名字很长很长很长很长的二号网点"
    assert main([*zh, "branch", "add", "BR002", long_name, "--days", "1"]) == 0
    assert "（1 天内有效，仅可使用一次）" in capsys.readouterr().out
    assert main([*zh, "branch", "list"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    headings = ["代码", "名称", "电脑", "待接收", "最近发送", "最近接收", "程序版本", "结构版本"]
    assert header.split() == headings
    assert len(rows) == 2 and all("从未" in row and "never" not in row for row in rows)
    assert rows[1].startswith("BR002      名字很长很长很长很长 ")  # cut to its 20 columns

    heads = _cells(header)
    for row in rows:
        cells = _cells(row)
        seeded = str(len(default_reference()))  # head office's own reference rows wait
        assert [c[0] for c in cells][2:] == ["0", seeded, "从未", "从未", "-", "-"]
        for index, ((_h, h_start, h_end), (_c, c_start, c_end)) in enumerate(
            zip(heads, cells, strict=True)
        ):
            if index in (2, 3):  # PCs and backlog: right-aligned
                assert c_end == h_end
            else:
                assert c_start == h_start


def _cells(line: str) -> list[tuple[str, int, int]]:
    """The words of a table line with the display columns where each starts and ends."""
    return [
        (m.group(), columns(line[: m.start()]), columns(line[: m.end()]))
        for m in re.finditer(r"\S+", line)
    ]


def test_branch_list_in_english_keeps_its_layout(capsys, hq_db) -> None:  # type: ignore[no-untyped-def]
    assert main(["--lang", "en", "--db", hq_db, "branch", "add", "BR001", "一号网点"]) == 0
    assert "registration code" in capsys.readouterr().out
    assert main(["--lang", "en", "--db", hq_db, "branch", "list"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header == (
        "code       name                 PCs  backlog  last push         last pull         "
        "app      schema"
    )
    seeded = len(default_reference())  # head office's own reference rows wait for it
    assert row.startswith(f"BR001      一号网点               0  {seeded:>7}  never ")


def test_reference_outputs_and_errors_in_chinese(capsys, hq_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    zh = ["--lang", "zh_CN", "--db", hq_db]
    assert main([*zh, "ref", "category", "late", "延误", "Late delivery"]) == 0
    assert re.fullmatch(r"投诉类别已保存（\S+）\n", capsys.readouterr().out)
    assert main([*zh, "ref", "holiday", "2026-02-30", "春节"]) == 2
    assert capsys.readouterr().err == "错误：2026-02-30 不是有效的日期（格式为 YYYY-MM-DD）\n"
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main([*zh, "ref", "sla", str(broken)]) == 2
    assert capsys.readouterr().err.startswith(f"错误：{broken}：不是有效的 JSON（")
    assert main([*zh, "branch", "add", "HQ"]) == 2
    refused = "错误：“HQ”不是有效的网点代码（只能用字母和数字，最多 16 位）。\n"
    assert capsys.readouterr().err == refused  # head office's own sentence in Chinese too
    assert main(["--lang", "en", "--db", hq_db, "ref", "holiday", "2026-02-30", "x"]) == 2
    assert capsys.readouterr().err == "error: 2026-02-30 is not a date (YYYY-MM-DD)\n"


def test_argparse_errors_in_chinese(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as done:
        main(["--lang", "zh_CN", "branch", "add"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：branch-crm-hq branch add")
    assert "branch-crm-hq branch add：错误：缺少以下必需参数：code" in err
    with pytest.raises(SystemExit):
        main(["--lang", "zh_CN", "ref-list", "bogus"])
    assert "错误：参数 kind：无效的选择：'bogus'（可选：" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--lang", "zh_CN", "serve", "--port", "x"])
    assert "无效的 int 值：'x'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--lang", "en", "branch", "add"])
    assert "error: the following arguments are required: code" in capsys.readouterr().err


def test_a_real_process_prints_chinese_help_without_loading_the_database_layer() -> None:
    code = (
        "import sys\nfrom branch_crm.hq.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'uvicorn', "
        "'fastapi', 'PySide6'})\nprint('heavy:', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--lang", "zh_CN", "ref", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("用法：branch-crm-hq ref") and "参考数据类别：" in done.stdout
    assert done.stdout.endswith("heavy: []\n")
