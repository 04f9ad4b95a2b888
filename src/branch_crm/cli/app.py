"""``branch-crm`` without a sub-command: start the desktop app (the only CLI module that
touches Qt, and only lazily, so ``branch-crm --help`` and the sub-commands stay Qt-free)."""

from __future__ import annotations

import argparse
import sys

from branch_crm.i18n import _


def _print_demo_accounts(lines: list[str]) -> None:
    """Demo staff credentials, printed once when a demo database is created."""
    print(_("Demo database created. Demo accounts (user name / password):"))
    for line in lines:
        print(f"  {line}")
    sys.stdout.flush()


def start_app(args: argparse.Namespace) -> int:
    """Open the database, sign in and show the main window; returns the exit code."""
    try:
        from branch_crm.ui.shell.launcher import run
    except ImportError as exc:  # e.g. Qt's system libraries missing on a server
        sys.stderr.write(
            _("error: the desktop interface cannot start here: {error}").format(error=exc) + "\n"
        )
        return 2
    return run(args, on_demo_accounts=_print_demo_accounts)
