"""The command line speaks the language before it parses: ``--lang``, else the language saved
in the database, else the OS language; every command's ``--help`` (argparse's own words
included) and argparse's errors come in that language, wrapped by display width."""

from __future__ import annotations

import importlib
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from branch_crm import i18n
from branch_crm.argparse_i18n import wrap_text
from branch_crm.cli import build_parser, command_language, main, saved_language
from tests.support.cli_help import (
    assert_chinese_help,
    assert_english_help,
    columns,
    help_output,
    help_texts,
    overlong_help_lines,
)


def _help_texts(language: str) -> dict[tuple[str, ...], list[str]]:
    return help_texts(build_parser, language)


COMMANDS = sorted(_help_texts("en"))


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    return help_output(main, capsys, *argv)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "branch-crm")
def test_lang_zh_cn_help_of_every_command_is_chinese(capsys, command) -> None:  # type: ignore[no-untyped-def]
    out = _help(capsys, "--lang", "zh_CN", *command)
    chinese, english = _help_texts("zh_CN")[command], _help_texts("en")[command]
    assert out.startswith("用法：branch-crm")
    assert_chinese_help(out, chinese, english)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "branch-crm")
def test_lang_en_help_of_every_command_is_english(capsys, command) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")  # whatever came before: --lang en wins
    out = _help(capsys, "--lang", "en", *command)
    assert out.startswith("usage: branch-crm")
    assert_english_help(out, _help_texts("en")[command], _help_texts("zh_CN")[command])


def test_chinese_help_lines_fit_the_terminal(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "60")
    with pytest.raises(SystemExit):
        main(["--lang", "zh_CN", "sync", "--help"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("用法：branch-crm sync")
    description = [line for line in lines if "同步一轮" in line or "失败时" in line]
    assert description and all(columns(line) <= 60 for line in lines)


def test_wrapping_by_display_width() -> None:
    text = "不带子命令时：同步一轮（先发送待发送的变更，再接收新的变更）。成功时退出码为 0。"
    lines = wrap_text(text, 20)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(columns(line) <= 20 for line in lines)
    assert not any(line[0] in "，。）：" for line in lines)
    english = "Without a sub-command: one round (send what waits, then receive what is new)."
    assert wrap_text(english, 30) == textwrap.wrap(english, 30)  # English as argparse had it


def test_usage_continuation_lines_align_under_a_chinese_prefix(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["--lang", "zh_CN", "--help"])
    lines = capsys.readouterr().out.splitlines()
    first = lines[0]
    assert first.startswith("用法：branch-crm [-h]")
    column = columns(first[: first.index("[-h]")])  # where the options start on screen
    assert lines[1].startswith(" " * column + "[") and lines[1][column] == "["


def test_argparse_errors_in_chinese(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as done:
        main(["--lang", "zh_CN", "sync", "bogus"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：branch-crm sync")
    assert "branch-crm sync：错误：参数 SUBCOMMAND：无效的选择：'bogus'（可选：" in err
    with pytest.raises(SystemExit):
        main(["--lang", "zh_CN", "staff", "add"])
    assert "缺少以下必需参数：" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--lang", "en", "staff", "add"])
    assert "error: the following arguments are required:" in capsys.readouterr().err


def _saved(path: Path, language: str) -> Path:
    from branch_crm.db import open_database
    from branch_crm.services.settings import values as settings

    db = open_database(path)
    with db.session() as session:
        settings.put(session, None, "language", language)
    db.dispose()
    return path


def test_saved_language_applies_without_lang(capsys, db_path) -> None:  # type: ignore[no-untyped-def]
    _saved(db_path, "zh_CN")
    assert saved_language(db_path) == "zh_CN"
    out = _help(capsys, "--db", str(db_path), "sync")
    assert out.startswith("用法：") and "在总部注册本机" in out
    out = _help(capsys, f"--db={db_path}", "--lang", "en", "sync")  # --lang wins
    assert out.startswith("usage:") and "register this PC with head office" in out


def test_saved_language_of_the_default_database(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.db import default_db_path

    monkeypatch.setenv("LC_MESSAGES", "zh_CN.UTF-8")  # the OS would say Chinese
    path = default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    _saved(path, "en")
    assert command_language(["staff", "--help"]) == "en"
    assert _help(capsys, "staff").startswith("usage:")


def test_os_language_without_a_database_and_help_creates_no_file(
    capsys, db_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LC_MESSAGES", "zh_CN.UTF-8")
    assert command_language(["--db", str(db_path), "search", "x"]) == "zh_CN"
    out = _help(capsys, "--db", str(db_path), "search")
    assert out.startswith("用法：")
    assert not db_path.exists()
    monkeypatch.setenv("LC_MESSAGES", "en_GB.UTF-8")
    assert command_language(["--db", str(db_path)]) == "en"


@pytest.mark.parametrize(
    "content",
    [b"garbage" * 100, None],
    ids=["not a database", "no settings table"],
)
def test_unreadable_saved_language_falls_back_to_the_os(db_path, content, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if content is None:
        sqlite3.connect(db_path).close()  # an empty SQLite file
    else:
        db_path.write_bytes(content)
    monkeypatch.setenv("LC_MESSAGES", "zh_CN.UTF-8")
    assert saved_language(db_path) is None
    assert command_language(["--db", str(db_path)]) == "zh_CN"


def test_a_saved_value_that_is_no_language_is_ignored(db_path) -> None:
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE local_setting (key TEXT PRIMARY KEY, value TEXT)")
    raw.execute("INSERT INTO local_setting VALUES ('language', ?)", (json.dumps({"value": "fr"}),))
    raw.commit()
    raw.close()
    assert saved_language(db_path) is None


def test_lang_options_read_before_parsing() -> None:
    assert command_language(["--lang", "zh_CN", "sync", "--help"]) == "zh_CN"
    assert command_language(["--lang=zh_CN", "staff"]) == "zh_CN"
    assert command_language(["--lang", "zh_CN", "--lang", "en"]) == "en"  # the last one wins
    assert command_language(["search", "--", "--lang", "zh_CN"]) == "en"  # an argument, not it


def test_a_real_process_prints_chinese_help() -> None:
    code = "import sys; from branch_crm.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "--lang", "zh_CN", "sync", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("用法：branch-crm sync") and "同步命令：" in done.stdout


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("command_line", ["branch_crm.cli", "branch_crm.hq.cli"])
def test_no_chinese_help_line_is_wider_than_the_terminal(monkeypatch, command_line, width) -> None:  # type: ignore[no-untyped-def]
    # usage lines included: argparse counts the "用法：" prefix as 3 columns, not 6
    monkeypatch.setenv("COLUMNS", str(width))
    parser = importlib.import_module(command_line).build_parser
    assert overlong_help_lines(parser, width) == []
