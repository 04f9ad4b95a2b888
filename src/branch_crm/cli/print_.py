"""``branch-crm print ...``: printed documents for supervisors, IT and scheduled tasks.

This module only builds the ``print`` command; each kind of document adds its own
sub-commands through ``add_print_commands(subparsers)``, listed in :data:`PRINT_COMMANDS`
(surveys and pickup sheets, training sign-in sheets).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from branch_crm.argparse_i18n import SubParsers
from branch_crm.cli import print_surveys, print_training
from branch_crm.i18n import _

PRINT_COMMANDS: tuple[Callable[[SubParsers], None], ...] = (
    print_surveys.add_print_commands,  # survey, pickup
    print_training.add_print_commands,  # signin
)
"""The printable documents: each adds its sub-commands to ``branch-crm print``, in order."""


def _no_document(args: argparse.Namespace) -> int:
    args.print_parser.print_help(sys.stderr)
    return 2


def register(subparsers: SubParsers) -> None:
    """Add ``print`` and the sub-commands of every printable document."""
    parser = subparsers.add_parser(
        "print", help=_("print survey forms, pickup sheets and training sign-in sheets to PDF")
    )
    parser.set_defaults(handler=_no_document, print_parser=parser)
    sub = parser.add_subparsers(title=_("documents"), metavar="DOCUMENT")
    for add_print_commands in PRINT_COMMANDS:
        add_print_commands(sub)
