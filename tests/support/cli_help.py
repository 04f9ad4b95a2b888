"""The command lines in tests: ``branch-crm`` run in-process, and what the language tests of
both command lines (``branch-crm``, ``branch-crm-hq``) read off an argparse parser and its
``--help``."""

from __future__ import annotations

import argparse
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence

import pytest

from branch_crm import i18n


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``branch-crm ARGV...`` in this process: (exit code, stdout, stderr)."""
    from branch_crm.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """The parser and every sub-command parser below it, with its command path."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*path, name))


def _expanded(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """An action's help with ``%(default)s`` and the like filled in, as argparse does."""
    assert action.help is not None
    params = {**vars(action), "prog": parser.prog}
    if params.get("choices") is not None:
        params["choices"] = ", ".join(map(str, params["choices"]))
    return action.help % params


def texts(parser: argparse.ArgumentParser) -> list[str]:
    """The help texts a parser's --help shows (description, headings, arguments, commands)."""
    found = [parser.description or ""]
    found += [group.title or "" for group in parser._action_groups if group._group_actions]
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            found.append(_expanded(parser, action))
        if isinstance(action, argparse._SubParsersAction):
            found += [choice.help or "" for choice in action._choices_actions]
    return [" ".join(text.split()) for text in found if text]


@functools.cache
def help_texts(
    build_parser: Callable[[], argparse.ArgumentParser], language: str
) -> dict[tuple[str, ...], list[str]]:
    """Every command's help texts in ``language`` (the language is English again after),
    read once per process (callers must not change them)."""
    i18n.set_language(language)
    try:
        return {path: texts(parser) for path, parser in parsers(build_parser())}
    finally:
        i18n.set_language("en")


def help_output(
    main: Callable[[Sequence[str]], int], capsys: pytest.CaptureFixture[str], *argv: str
) -> str:
    """What ``main([*argv, "--help"])`` prints, its wrapping undone."""
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def columns(text: str) -> int:
    """Display width: Chinese characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_chinese_help(out: str, chinese: list[str], english: list[str]) -> None:
    """A --help output (wrapping undone) that is Chinese throughout: every help text in its
    Chinese form, none in English, argparse's own words and headings too."""
    assert "显示此帮助并退出" in out
    assert all(CJK.search(text) for text in chinese), chinese  # every text translated
    missing = [text for text in chinese if text.replace(" ", "") not in out.replace(" ", "")]
    assert missing == []
    assert [text for text in english if text in out] == []
    assert "usage:" not in out and "options:" not in out and "show this help" not in out
    assert not re.search(r"[\u4e00-\u9fff]:", out)  # headings end with a full-width colon


def assert_english_help(out: str, english: list[str], chinese: list[str]) -> None:
    """A --help output that is English throughout."""
    assert "show this help message and exit" in out
    assert all(text in out for text in english)
    assert [text for text in chinese if text in out] == []


def overlong_help_lines(
    build_parser: Callable[[], argparse.ArgumentParser], width: int
) -> list[tuple[tuple[str, ...], str]]:
    """Lines of any command's Chinese --help wider than ``width`` display columns (the
    terminal width, ``COLUMNS``, must be set to it)."""
    i18n.set_language("zh_CN")
    try:
        return [
            (path, line)
            for path, parser in parsers(build_parser())
            for line in parser.format_help().splitlines()
            if columns(line) > width
        ]
    finally:
        i18n.set_language("en")
