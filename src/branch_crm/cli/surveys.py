"""``branch-crm surveys scan FILES...``: read returned survey forms from scans and photos.

One line per page: where it came from, the serial read, what was done (stored, sent to
review, unreadable, skipped); then the counts. A file that cannot be opened stops the
command before anything is stored (exit 2, one line).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import _, ngettext

if TYPE_CHECKING:
    from branch_crm.services.surveys.scan.intake import PageOutcome


def _line(outcome: PageOutcome) -> str:
    from branch_crm.services.surveys.scan.intake import ACTIONS

    return _("{source}: {serial} {action} ({detail})").format(
        source=outcome.source,
        serial=outcome.serial or _("no serial"),
        action=_(ACTIONS[outcome.action]),
        detail=outcome.detail,
    )


def cmd_scan(args: argparse.Namespace) -> int:
    """Read every page of the files, store the answers or queue the page for review."""
    from branch_crm.cli.print_surveys import StderrProgress
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.surveys.scan.intake import scan_files

    summary = run_service(
        args, scan_files, paths=args.files, control=StderrProgress() if args.progress else None
    )
    for outcome in summary.pages:  # after the commit: "stored" is true when it is said
        say(_line(outcome))
    pages = len(summary.pages)
    say(
        ngettext(
            "{n} page: {stored} stored, {review} sent to review, {unreadable} unreadable, "
            "{skipped} skipped",
            "{n} pages: {stored} stored, {review} sent to review, {unreadable} unreadable, "
            "{skipped} skipped",
            pages,
        ).format(
            n=pages,
            stored=summary.count("stored"),
            review=summary.count("review"),
            unreadable=summary.count("unreadable"),
            skipped=summary.count("skipped"),
        )
    )
    return 0


def register(sub: SubParsers) -> None:
    """Add ``branch-crm surveys``."""
    surveys = sub.add_parser("surveys", help=_("satisfaction surveys: read returned forms"))
    commands = surveys.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    scan = commands.add_parser(
        "scan",
        help=_("read returned forms from scans or photos (PDF, PNG, JPEG, TIFF)"),
        description=_(
            "Read returned survey forms: the serial from each page's QR code and every tick "
            "box. Answers read with confidence are stored as if keyed in; other pages wait "
            "for review on the survey page."
        ),
    )
    scan.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help=_(
            "scanned PDF, PNG, JPEG or TIFF files (a multi-page file is many forms), or folders"
        ),
    )
    scan.add_argument(
        "--progress", action="store_true", help=_("show progress on the error output")
    )
    scan.set_defaults(handler=cmd_scan)
