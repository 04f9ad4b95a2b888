"""argparse in the user's language, shared by ``branch-crm`` and ``branch-crm-hq``.

argparse's own texts (usage line, headings, -h, errors) go through the message catalogue;
help texts wrap by display width (a Chinese character takes two columns); Chinese headings
end with a full-width colon. Only the standard library and :mod:`branch_crm.i18n` are
imported, so both command lines start fast.
"""

from __future__ import annotations

import argparse
import re
import textwrap
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

from branch_crm import i18n
from branch_crm.i18n import N_, _

ARGPARSE_TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("can't open '%(filename)s': %(error)s"),
)
"""argparse's own texts a user sees (usage line, headings, the -h help, errors); argparse
looks them up through its module's ``_`` when it uses them, which :func:`translate_argparse`
points at the catalogue."""


def translate_argparse() -> None:
    """Let argparse's own texts go through the catalogue (in the current language)."""
    setattr(argparse, "_", _)  # noqa: B010 - argparse calls its module global ``_``
    setattr(argparse, "ngettext", i18n.ngettext)  # noqa: B010


_WIDE_RUN = r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_TOKENS = re.compile(rf"[{_WIDE_RUN}]|[^\s{_WIDE_RUN}]+|\s+")
_NO_LINE_START = set("，。、；：？！）》」』”’")
"""Chinese punctuation that never starts a line (it stays with the character before it)."""
_NO_LINE_END = set("（《「『“‘")
"""Chinese opening punctuation that never ends a line."""
_CJK_HEADING = re.compile(r"(?m)([\u3400-\u9fff]):$")


def columns(text: str) -> int:
    """Display width: Chinese characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` display columns (argparse's wrapping counts characters, so
    Chinese lines came out twice as wide); break between Chinese characters or at spaces."""
    text = " ".join(text.split())
    if columns(text) == len(text):
        return textwrap.wrap(text, width)
    lines: list[str] = []
    line: list[str] = []  # tokens, " " between words
    used, space = 0, False
    for token in _TOKENS.findall(text):
        if token.isspace():
            space = bool(line)
            continue
        piece = [" ", token] if space else [token]
        space = False
        size = sum(map(columns, piece))
        if line and used + size > width:
            carry: list[str] = []
            if token in _NO_LINE_START:  # the character before goes down with it
                start = len(line) - 1
                while start > 0 and line[start] in _NO_LINE_START:
                    start -= 1
                if start > 0 and line[start] != " ":
                    carry, line = line[start:], line[:start]
            while len(line) > 1 and line[-1] in _NO_LINE_END:  # an opening bracket goes down
                carry.insert(0, line.pop())
            lines.append("".join(line).rstrip())
            line = [*carry, token]
            used = sum(map(columns, line))
            continue
        line += piece
        used += size
    if line:
        lines.append("".join(line).rstrip())
    return lines


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter wrapping by display width (Chinese help texts)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_text(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap_text(text, width - len(indent)))

    def _format_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None,
    ) -> str:
        # argparse counts the "usage" prefix in characters; a Chinese one is wider on
        # screen, so the usage is laid out that much narrower (Parser then shifts its
        # continuation lines under the prefix by the same amount)
        shown = _("usage: ") if prefix is None else prefix
        extra = columns(shown) - len(shown)
        self._width -= extra
        try:
            return str(super()._format_usage(usage, actions, groups, prefix))
        finally:
            self._width += extra


class Parser(argparse.ArgumentParser):
    """The parser of every command: display-width wrapping, Chinese headings with a
    full-width colon, usage continuation lines aligned under a Chinese "usage" prefix.
    Sub-command parsers are made of the same class (argparse's default)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def format_usage(self) -> str:
        return self._localise(super().format_usage())

    def format_help(self) -> str:
        return self._localise(super().format_help())

    @staticmethod
    def _localise(text: str) -> str:
        prefix = _("usage: ")
        extra = columns(prefix) - len(prefix)
        if extra and text.startswith(prefix):
            lines = text.split("\n")
            for index in range(1, len(lines)):
                if not lines[index].strip():
                    break
                lines[index] = " " * extra + lines[index]
            text = "\n".join(lines)
        return _CJK_HEADING.sub("\\1：", text)


SubParsers: TypeAlias = "argparse._SubParsersAction[Parser]"
"""What ``Parser.add_subparsers()`` returns; command modules add their parsers to it."""


Handler: TypeAlias = Callable[[argparse.Namespace], int]
"""What a command runs: the parsed arguments in, the exit code out."""


def add_command(
    sub: SubParsers,
    name: str,
    *,
    help: str,
    description: str | None = None,
    handler: Handler | None = None,
    **defaults: Any,
) -> Parser:
    """A sub-command: its line in the parent's help, its own description, and the handler
    (with further defaults) it runs."""
    parser = sub.add_parser(name, help=help, description=description)
    if handler is not None:
        parser.set_defaults(handler=handler, **defaults)
    return parser


def add_group(
    sub: SubParsers,
    name: str,
    *,
    help: str,
    description: str,
    dest: str,
    title: str,
    metavar: str = "SUBCOMMAND",
) -> SubParsers:
    """A sub-command made of sub-commands, one of which must be given (its name goes to
    ``dest``); returns where they are added."""
    parser = add_command(sub, name, help=help, description=description)
    return parser.add_subparsers(dest=dest, required=True, title=title, metavar=metavar)


def add_json_option(parser: argparse.ArgumentParser) -> None:
    """``--json``: machine-readable output."""
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))


def option_value(argv: Sequence[str], name: str) -> str | None:
    """The value of ``name`` in ``argv`` (``--name VALUE`` or ``--name=VALUE``; the last one
    wins, as in argparse), read before parsing; None when absent."""
    value = None
    for index, token in enumerate(argv):
        if token == "--":
            break
        if token == name and index + 1 < len(argv):
            value = argv[index + 1]
        elif token.startswith(f"{name}="):
            value = token[len(name) + 1 :]
    return value
