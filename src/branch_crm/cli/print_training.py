"""``branch-crm print signin``: the sign-in sheet of a training session."""

from __future__ import annotations

import argparse
from pathlib import Path

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import LANGUAGES, _


def cmd_signin(args: argparse.Namespace) -> int:
    """Write the sign-in sheet PDF of ``--session`` to ``-o``."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.training.signin_sheet import print_signin_sheet

    output = run_service(
        args,
        print_signin_sheet,
        session_id=args.session,
        output=args.output,
        language=args.language,
    )
    say(_("Sign-in sheet written to {path}").format(path=output))
    return 0


def add_print_commands(sub: SubParsers) -> None:
    """Add ``signin`` to ``branch-crm print``."""
    signin = sub.add_parser("signin", help=_("training sign-in sheet of a session (PDF)"))
    signin.add_argument(
        "--session",
        required=True,
        metavar="ID",
        help=_("session id, or the reference printed on the sheet (T-1A2B3C4D)"),
    )
    signin.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.pdf", help=_("PDF file to write")
    )
    signin.add_argument(
        "--language",
        choices=sorted(LANGUAGES),
        help=_("language of the printed sheet (default: the branch language setting)"),
    )
    signin.set_defaults(handler=cmd_signin)
