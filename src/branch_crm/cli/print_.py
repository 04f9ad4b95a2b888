"""``branch-crm print ...``: printed documents for supervisors, IT and scheduled tasks.

This module only builds the ``print`` command; each kind of document adds its own
sub-commands through ``add_print_commands(subparsers)`` in one of :data:`PRINT_MODULES`
(surveys and pickup sheets, training sign-in sheets). :func:`run_service` runs a service
function in a unit of work of the branch's system actor.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import sys
from collections.abc import Callable
from typing import TypeVar

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import _

log = logging.getLogger(__name__)

T = TypeVar("T")

PRINT_MODULES = ("branch_crm.cli.print_surveys", "branch_crm.cli.print_training")


def run_service(args: argparse.Namespace, fn: Callable[..., T], **kwargs: object) -> T:
    """Call ``fn`` in a unit of work of the system actor of the database's branch."""
    from branch_crm.db import default_db_path, open_database
    from branch_crm.services import settings
    from branch_crm.services.context import system_actor, unit_of_work

    db = open_database(args.db or default_db_path())
    try:
        with db.session() as probe:
            branch = str(settings.get(probe, "branch.code"))
        actor = system_actor(branch)
        with unit_of_work(db, actor) as session:
            if "actor" in inspect.signature(fn).parameters:
                kwargs["actor"] = actor
            return fn(session=session, **kwargs)
    finally:
        db.dispose()


def say(text: str) -> None:
    """One line of normal output."""
    sys.stdout.write(text + "\n")


def _no_document(args: argparse.Namespace) -> int:
    args.print_parser.print_help(sys.stderr)
    return 2


def register(subparsers: SubParsers) -> None:
    """Add ``print`` and the document sub-commands of every print module present."""
    parser = subparsers.add_parser(
        "print", help=_("print survey forms, pickup sheets and training sign-in sheets to PDF")
    )
    parser.set_defaults(handler=_no_document, print_parser=parser)
    sub = parser.add_subparsers(title=_("documents"), metavar="DOCUMENT")
    for name in PRINT_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name != name:
                raise
            log.debug("print module %s is not installed", name)
            continue
        module.add_print_commands(sub)
