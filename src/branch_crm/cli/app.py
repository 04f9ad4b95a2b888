"""``branch-crm`` without a sub-command: start the desktop app (the only CLI module that
touches Qt, and only lazily, so ``branch-crm --help`` and the sub-commands stay Qt-free)."""

from __future__ import annotations

import argparse
import sys

from branch_crm.cli.qt_platform import Missing, check_display, check_plugin, install_command
from branch_crm.i18n import _


def _print_demo_accounts(lines: list[str]) -> None:
    """Demo staff credentials, printed once when a demo database is created."""
    print(_("Demo database created. Demo accounts (user name / password):"))
    for line in lines:
        print(f"  {line}")
    sys.stdout.flush()


def _say_missing(missing: Missing) -> None:
    """Every library Qt's platform plugin lacks and the packages to install for them (Qt
    itself would abort naming only the first)."""
    lines = [
        _(
            "error: Qt's {plugin} platform plugin cannot load; missing libraries: {libraries}"
        ).format(plugin=missing.plugin, libraries=" ".join(missing.libraries))
    ]
    if missing.packages:
        lines.append(
            _("Install them (Debian/Ubuntu) with: {command}").format(
                command=install_command(missing.packages)
            )
        )
    sys.stderr.write("\n".join(lines) + "\n")


def start_app(args: argparse.Namespace) -> int:
    """Open the database, sign in and show the main window; returns the exit code."""
    missing = check_display()
    if missing is not None:
        _say_missing(missing)
        return 2
    try:
        from branch_crm.ui.shell.launcher import run
    except ImportError as exc:  # e.g. Qt's system libraries missing on a server
        sys.stderr.write(
            _("error: the desktop interface cannot start here: {error}").format(error=exc) + "\n"
        )
        missing = check_plugin("offscreen")
        if missing is not None:
            _say_missing(missing)
        return 2
    return run(args, on_demo_accounts=_print_demo_accounts)
