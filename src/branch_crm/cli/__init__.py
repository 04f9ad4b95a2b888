"""Command line of the branch app: ``branch-crm`` starts the app; sub-commands for IT.

Each command group is a module of this package with ``register(subparsers)``, listed in
:data:`COMMANDS`; a handler receives the parsed arguments and returns the process exit code.

The language is settled before the parser is built (its help texts are translated as they
are added): ``--lang``, else the language saved in the database (the settings dialog's),
else the OS language, as the desktop app does. The translated argparse pieces (parser class,
display-width wrapping) live in :mod:`branch_crm.argparse_i18n`, shared with ``branch-crm-hq``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DatabaseError as SaDatabaseError

from branch_crm import __version__, i18n
from branch_crm.argparse_i18n import Parser, option_value, translate_argparse
from branch_crm.cli import (
    attach,
    backup,
    care,
    complaints,
    customers,
    demo,
    export,
    imports,
    print_,
    report,
    search,
    staff,
    surveys,
    sync,
    training,
)
from branch_crm.errors import CrmError
from branch_crm.i18n import LANGUAGES, _

log = logging.getLogger(__name__)

COMMANDS: tuple[Callable[[Any], None], ...] = (
    attach.register,
    backup.register,
    care.register,
    complaints.register,
    customers.register,
    demo.register,
    imports.register,
    export.register,
    print_.register,
    report.register,
    search.register,
    staff.register,
    surveys.register,
    sync.register,
    training.register,
)
"""The sub-commands of ``branch-crm``, in the order ``--help`` lists them (without one, the
desktop app starts: cli/app.py)."""


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command group of :data:`COMMANDS`, its texts in the
    current language (set it first: help texts are translated as they are added)."""
    translate_argparse()
    parser = Parser(
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
    parser.add_argument(
        "--reset-layout",
        action="store_true",
        help=_("forget the remembered window sizes, splitters and column widths"),
    )
    parser.set_defaults(handler=None)
    sub = parser.add_subparsers(title=_("commands"), metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


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
    wanted = option_value(argv, "--lang")
    if wanted in LANGUAGES:
        return str(wanted)
    from branch_crm.db import default_db_path

    db = option_value(argv, "--db")
    saved = saved_language(Path(db) if db else default_db_path())
    return saved or i18n.system_language()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``branch-crm``."""
    from branch_crm.logsetup import (
        attach_missing_streams,
        has_console,
        process_kind,
        setup_logging,
    )

    argv = list(sys.argv[1:] if argv is None else argv)
    attach_missing_streams()  # a windowed executable: what would be printed goes to the log
    no_console = not has_console()
    setup_logging(kind=process_kind(argv))  # the app and each command: a log file of its own
    if no_console:
        log.info("started without a console: %s", " ".join(argv) or "(the desktop app)")
    try:
        return _run(argv)
    except Exception:
        if not no_console:
            raise
        # a windowed executable would show the traceback in a window: the log has it
        log.exception("command failed: %s", " ".join(argv))
        sys.stderr.write(
            _("error: unexpected failure; the details are in the log file {path}").format(
                path=_log_path(argv)
            )
            + "\n"
        )
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                stream.flush()


def _log_path(argv: Sequence[str]) -> Path:
    from branch_crm.logsetup import log_file, process_kind

    return log_file(process_kind(argv))


def _run(argv: list[str]) -> int:
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
        from branch_crm.db import default_db_path
        from branch_crm.db.problems import as_database_error

        log.info("database failure in a command", exc_info=exc)  # the file, not the console
        problem = as_database_error(exc, getattr(args, "db", None) or default_db_path())
        sys.stderr.write(_("error: {message}").format(message=problem.message) + "\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(_("interrupted") + "\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
