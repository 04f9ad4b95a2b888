"""Command line of the branch app: ``branch-crm`` starts the app; sub-commands for IT.

Each module in this package that defines ``register(subparsers)`` adds its sub-commands;
a handler receives the parsed arguments and returns the process exit code.

The language is settled before the parser is built (its help texts are translated as they
are added): ``--lang``, else the language saved in the database (the settings dialog's),
else the OS language, as the desktop app does.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import pkgutil
import re
import sqlite3
import sys
import textwrap
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DatabaseError as SaDatabaseError

from branch_crm import __version__, i18n
from branch_crm.errors import CrmError
from branch_crm.i18n import LANGUAGES, N_, _

log = logging.getLogger(__name__)

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
looks them up through its module's ``_`` when it uses them, which :func:`build_parser` points
at the catalogue."""


def _translate_argparse() -> None:
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


def _columns(text: str) -> int:
    """Display width: Chinese characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` display columns (argparse's wrapping counts characters, so
    Chinese lines came out twice as wide); break between Chinese characters or at spaces."""
    text = " ".join(text.split())
    if _columns(text) == len(text):
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
        size = sum(map(_columns, piece))
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
            used = sum(map(_columns, line))
            continue
        line += piece
        used += size
    if line:
        lines.append("".join(line).rstrip())
    return lines


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter wrapping by display width (Chinese help texts)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_text(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap_text(text, width - len(indent)))


class _Parser(argparse.ArgumentParser):
    """The parser of every command: display-width wrapping, Chinese headings with a
    full-width colon, usage continuation lines aligned under a Chinese "usage" prefix.
    Sub-command parsers are made of the same class (argparse's default)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def format_usage(self) -> str:
        return self._localise(super().format_usage())

    def format_help(self) -> str:
        return self._localise(super().format_help())

    @staticmethod
    def _localise(text: str) -> str:
        prefix = _("usage: ")
        extra = _columns(prefix) - len(prefix)
        if extra and text.startswith(prefix):
            lines = text.split("\n")
            for index in range(1, len(lines)):
                if not lines[index].strip():
                    break
                lines[index] = " " * extra + lines[index]
            text = "\n".join(lines)
        return _CJK_HEADING.sub("\\1：", text)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every sub-command module registered, its texts in the
    current language (set it first: help texts are translated as they are added)."""
    _translate_argparse()
    parser = _Parser(
        prog="branch-crm",
        description=_("Branch CRM: customer desk for express-delivery branch offices."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help=_("show program's version number and exit"),
    )
    parser.add_argument("--db", type=Path, help=_("database file (default: per-user data folder)"))
    parser.add_argument("--lang", choices=sorted(LANGUAGES), help=_("user-interface language"))
    parser.add_argument(
        "--demo-if-new",
        action="store_true",
        help=_("fill a newly created database with demo data before starting"),
    )
    parser.add_argument(
        "--courier", action="store_true", help=_("start in courier mode (lookup, then preferences)")
    )
    parser.set_defaults(handler=None)
    sub = parser.add_subparsers(title=_("commands"), metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def _option(argv: Sequence[str], name: str) -> str | None:
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


def saved_language(path: Path) -> str | None:
    """The language saved in the database at ``path`` (settings dialog, sign-in dialog), read
    without opening the database for writing; None when there is none or it cannot be read
    (no file, an older or damaged file: the command reports that itself)."""
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            row = connection.execute(
                "SELECT value FROM local_setting WHERE key = 'language'"
            ).fetchone()
        finally:
            connection.close()
        value = json.loads(row[0]).get("value") if row is not None else None
    except (sqlite3.Error, ValueError, TypeError, AttributeError, OSError):
        return None
    return value if value in LANGUAGES else None


def command_language(argv: Sequence[str]) -> str:
    """The language of a command line: ``--lang``, else the language saved in the database
    (``--db`` or the default one), else the OS language."""
    wanted = _option(argv, "--lang")
    if wanted in LANGUAGES:
        return str(wanted)
    from branch_crm.db import default_db_path

    db = _option(argv, "--db")
    saved = saved_language(Path(db) if db else default_db_path())
    return saved or i18n.system_language()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``branch-crm``."""
    from branch_crm.logsetup import setup_logging

    setup_logging()
    argv = list(sys.argv[1:] if argv is None else argv)
    language = command_language(argv)
    if language != i18n.current_language():
        i18n.set_language(language)  # before the parser: its help texts are translated
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.handler is None:
            from branch_crm.cli.app import start_app

            return start_app(args)
        return int(args.handler(args))
    except CrmError as exc:
        sys.stderr.write(_("error: {message}").format(message=exc.message) + "\n")
        return 2
    except (sqlite3.DatabaseError, SaDatabaseError) as exc:  # e.g. locked in mid-command
        from branch_crm.db import as_database_error, default_db_path

        log.info("database failure in a command", exc_info=exc)  # the file, not the console
        problem = as_database_error(exc, getattr(args, "db", None) or default_db_path())
        sys.stderr.write(_("error: {message}").format(message=problem.message) + "\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(_("interrupted") + "\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
