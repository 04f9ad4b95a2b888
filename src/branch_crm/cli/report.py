"""``branch-crm report KIND --from DATE --to DATE -o FILE.pdf|.xlsx``: a supervisor report
(complaints, satisfaction, customers, training, or the one-page summary) of a period,
compared with the period before, as a print-ready PDF or an Excel workbook."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from branch_crm import i18n
from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import LANGUAGES, _

if TYPE_CHECKING:
    from branch_crm.services.reports.model import Period, Report

KINDS = ("complaints", "satisfaction", "customers", "training", "summary")
"""As services.reports.build.KINDS (repeated: the parser is built without the services)."""
SUFFIXES = (".pdf", ".xlsx")


class ReportArgumentError(Exception):
    """A command-line value the report cannot use; its text is the one-line message."""


def last_month(today: date) -> tuple[date, date]:
    """The calendar month before ``today``'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportArgumentError(
            _("{option}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01").format(
                option=option, value=text
            )
        ) from None


def period_of(start: str | None, end: str | None, today: date) -> Period:
    """The period of ``--from``/``--to`` (last month when both are left out)."""
    from branch_crm.errors import ValidationError
    from branch_crm.services.reports.model import Period

    if start is None and end is None:
        return Period(*last_month(today))
    if start is None or end is None:
        raise ReportArgumentError(_("Give both --from and --to, or neither (last month)."))
    try:
        return Period(_day(start, "--from"), _day(end, "--to"))
    except ValidationError as exc:
        raise ReportArgumentError(exc.message) from None


def check_output(path: Path) -> Path:
    """``path`` if it ends in .pdf or .xlsx and its folder can be written."""
    if path.suffix.lower() not in SUFFIXES:
        raise ReportArgumentError(
            _("The file name must end in .pdf or .xlsx: {path}").format(path=path)
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ReportArgumentError(
            _("Cannot write {path}: the folder {folder} does not exist.").format(
                path=path, folder=folder
            )
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ReportArgumentError(_("Cannot write {path}: permission denied.").format(path=path))
    return path


def _build(args: argparse.Namespace, period: Period) -> Report:
    from branch_crm.cli.runner import run_service
    from branch_crm.db import default_db_path
    from branch_crm.errors import DatabaseError
    from branch_crm.services.reports.build import build_report

    path = Path(args.db) if getattr(args, "db", None) else default_db_path()
    if not path.exists():
        raise DatabaseError(
            _("No database at {path}. Give the file with --db PATH.").format(path=path), str(path)
        )
    args.db = path
    return run_service(args, build_report, kind=args.kind, period=period)


def _write(report: Report, output: Path) -> Path:
    if output.suffix.lower() == ".pdf":
        from branch_crm.printing.report_pdf import write_report_pdf

        return Path(write_report_pdf(report, output))
    from branch_crm.excel.report_xlsx import write_report_xlsx

    return write_report_xlsx(report, output)


def _fail(message: str) -> int:
    sys.stderr.write(_("error: {message}").format(message=message) + "\n")
    return 2


def cmd_report(args: argparse.Namespace) -> int:
    """Build the report and write it to ``-o``; the file on stdout."""
    from branch_crm.timeutil import local_today

    if args.language and args.language != i18n.current_language():
        i18n.set_language(args.language)
    try:
        period = period_of(args.start, args.end, local_today())
        output = check_output(Path(args.output))
    except ReportArgumentError as exc:
        return _fail(str(exc))
    report = _build(args, period)
    try:
        written = _write(report, output)
    except OSError as exc:
        return _fail(
            _("Cannot write {path}: {reason}").format(path=output, reason=exc.strerror or exc)
        )
    sys.stdout.write(
        _("{title}, {period}, written to {path}").format(
            title=report.title, period=report.period.label(), path=written.resolve()
        )
        + "\n"
    )
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``report``."""
    parser = subparsers.add_parser(
        "report",
        help=_("a supervisor report of a period as PDF or Excel (.xlsx)"),
        description=_(
            "Write a report of a period, compared with the period before, as a print-ready "
            "PDF or an Excel workbook: complaints, satisfaction, customers, training, or the "
            "one-page monthly summary. Without --from and --to: last month."
        ),
    )
    parser.add_argument(
        "kind",
        choices=KINDS,
        metavar="KIND",
        help=_("the report: {kinds}").format(kinds=", ".join(KINDS)),
    )
    parser.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        help=_("first day (YYYY-MM-DD; default: last month)"),
    )
    parser.add_argument(
        "--to", dest="end", metavar="DATE", help=_("last day, included (YYYY-MM-DD)")
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help=_("the file to write: FILE.pdf or FILE.xlsx"),
    )
    parser.add_argument(
        "--language",
        choices=sorted(LANGUAGES),
        help=_("language of the report (default: the command line's language)"),
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help=_("database file (default: per-user data folder)"),
    )
    parser.set_defaults(handler=cmd_report)
