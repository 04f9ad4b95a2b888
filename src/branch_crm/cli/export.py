"""``branch-crm export LIST FILE.xlsx [filters]``: any list of the app to an Excel file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from branch_crm.argparse_i18n import SubParsers
from branch_crm.cli.complaints import _add_db, _date, _open
from branch_crm.i18n import _

if TYPE_CHECKING:
    from branch_crm.services.exports import ExportFilters

LISTS = ("customers", "complaints", "surveys", "followups", "attendance", "audit")
"""As services.exports.LISTS (repeated here: the parser is built without importing the
services)."""
PROGRESS_SECONDS = 0.5


class StderrProgress:
    """Progress of an export on stderr (one line rewritten on a terminal, else a line every
    few seconds); the export's ``control``."""

    cancelled = False

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.shown = False

    def progress(self, done: int, total: int, text: str = "") -> None:
        now = time.monotonic()
        if done and now - self.last < (PROGRESS_SECONDS if self.tty else 5.0):
            return
        self.last = now
        line = _("{done:,} of {total:,} rows").format(done=done, total=total)
        if self.tty:
            sys.stderr.write("\r" + line + "   ")
            self.shown = True
        elif done:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _filters(args: argparse.Namespace) -> ExportFilters:
    from branch_crm.services.exports import ExportFilters

    return ExportFilters(
        since=args.since,
        until=args.until,
        status=args.status,
        tier=args.tier,
        lifecycle=args.lifecycle,
        visit_class=args.visit_class,
        need_tag=args.need,
        churn_risk=args.churn_risk,
        open_only=args.open,
        grade=args.grade,
        category=args.category,
        scope=args.scope,
        overdue_only=args.overdue,
        entity=args.entity,
        action=args.action,
    )


def cmd_export(args: argparse.Namespace) -> int:
    """Write the list to the file; the number of rows and the file on stdout."""
    from branch_crm.services.context import system_actor
    from branch_crm.services.exports import export_list
    from branch_crm.services.settings import values as settings

    output = Path(args.file)
    if output.suffix.lower() != ".xlsx":
        sys.stderr.write(_("error: the file name must end in .xlsx: {path}").format(path=output))
        sys.stderr.write("\n")
        return 2
    filters = _filters(args)
    db = _open(args)
    control = StderrProgress()
    try:
        with db.session() as session:
            actor = system_actor(str(settings.get(session, "branch.code")))
            result = export_list(
                session=session,
                actor=actor,
                which=args.list,
                output=output,
                filters=filters,
                control=control,
            )
    except OSError as exc:
        control.end()
        sys.stderr.write(
            _("error: cannot write {path}: {reason}").format(
                path=output, reason=exc.strerror or exc
            )
            + "\n"
        )
        return 2
    finally:
        db.dispose()
    control.end()
    sys.stdout.write(
        _("{rows:,} rows written to {path}").format(rows=result.rows, path=output.resolve()) + "\n"
    )
    return 0


def _churn(text: str) -> bool:
    if text in ("yes", "1", "true"):
        return True
    if text in ("no", "0", "false"):
        return False
    raise argparse.ArgumentTypeError(_("write yes or no"))


def register(subparsers: SubParsers) -> None:
    """Add ``export``."""
    parser = subparsers.add_parser(
        "export",
        help=_("write a list to an Excel file (.xlsx)"),
        description=_(
            "Write a list to an Excel file: customers (with the customer list's filters), "
            "complaints, survey responses, follow-ups, training attendance or the audit log. "
            "Each list uses the filters that apply to it."
        ),
    )
    parser.add_argument(
        "list",
        choices=LISTS,
        metavar="LIST",
        help=_("the list to export: {lists}").format(lists=", ".join(LISTS)),
    )
    parser.add_argument("file", metavar="FILE.xlsx", help=_("the Excel file to write"))
    period = parser.add_argument_group(_("period and status (every list)"))
    period.add_argument("--since", type=_date, help=_("first day (YYYY-MM-DD)"))
    period.add_argument("--until", type=_date, help=_("last day, included (YYYY-MM-DD)"))
    period.add_argument(
        "--status",
        help=_(
            "status code: complaints (received, in_progress, waiting_customer, "
            "feedback_given, closed), follow-ups (open, done, cancelled, any), attendance "
            "(expected, present, late, absent, excused)"
        ),
    )
    customers = parser.add_argument_group(_("customer list filters"))
    customers.add_argument("--tier", choices=("strategic", "key", "ordinary", "walk_in"))
    customers.add_argument("--lifecycle", choices=("new", "active", "dormant"))
    customers.add_argument("--visit-class", choices=("A", "B", "C"))
    customers.add_argument("--need", metavar="TAG", help=_("need tag code"))
    customers.add_argument(
        "--churn-risk", type=_churn, metavar="yes|no", help=_("with or without churn risk")
    )
    complaints = parser.add_argument_group(_("complaint filters"))
    complaints.add_argument(
        "--open", action="store_true", help=_("only open complaints, least time left first")
    )
    complaints.add_argument("--grade", type=int, choices=(1, 2, 3))
    complaints.add_argument("--category", metavar="CODE", help=_("complaint category code"))
    care = parser.add_argument_group(_("follow-up filters"))
    care.add_argument("--scope", choices=("mine", "all"), default="all")
    care.add_argument("--overdue", action="store_true", help=_("only overdue follow-ups"))
    audit = parser.add_argument_group(_("audit log filters"))
    audit.add_argument("--entity", metavar="TABLE", help=_("kind of record (table name)"))
    audit.add_argument("--action", metavar="ACTION", help=_("action code (create, update, …)"))
    _add_db(parser)
    parser.set_defaults(handler=cmd_export)
