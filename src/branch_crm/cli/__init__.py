"""Command line of the branch app: ``branch-crm`` starts the app; sub-commands for IT.

Each module in this package that defines ``register(subparsers)`` adds its sub-commands;
a handler receives the parsed arguments and returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import DatabaseError as SaDatabaseError

from branch_crm import __version__
from branch_crm.errors import CrmError
from branch_crm.i18n import LANGUAGES, _

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every sub-command module registered."""
    parser = argparse.ArgumentParser(
        prog="branch-crm",
        description=_("Branch CRM: customer desk for express-delivery branch offices."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``branch-crm``."""
    from branch_crm.logsetup import setup_logging

    setup_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        from branch_crm.i18n import set_language

        set_language(args.lang)
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
