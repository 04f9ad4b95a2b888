"""``branch-crm print survey|pickup``: survey forms (one or a batch) and courier pickup sheets.

Added to ``branch-crm print`` by cli/print_.py through :func:`add_print_commands`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import LANGUAGES, _, ngettext

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from branch_crm.services.context import Actor
    from branch_crm.services.surveys.forms import PrintedSurveys, Selection

TIERS = ("strategic", "key", "ordinary", "walk_in")


class StderrProgress:
    """Job control for the command line: progress on stderr, never cancelled (Ctrl+C is)."""

    def __init__(self) -> None:
        self.last = -1

    def progress(self, done: int, total: int, text: str = "") -> None:
        """Write 'done/total' at most once per percent."""
        percent = 100 * done // total if total else 100
        if percent != self.last or done == total:
            self.last = percent
            sys.stderr.write(f"\r{done}/{total} ({percent}%) ")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    @property
    def cancelled(self) -> bool:
        """Never: the command line stops with Ctrl+C."""
        return False


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 365:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a number of days between 1 and 365").format(value=text)
        )
    return value


def _ids_by_phone(session: Session, phones: list[str]) -> list[str]:
    from branch_crm.services.surveys.forms import customer_by_phone

    return [customer_by_phone(session=session, phone=p) for p in phones]


def _print_forms(
    *, session: Session, actor: Actor, phones: list[str], output: Path, language: str | None
) -> PrintedSurveys:
    from branch_crm.services.surveys.forms import Selection, print_survey_batch, print_survey_form

    ids = _ids_by_phone(session, phones)
    if len(ids) == 1:
        return print_survey_form(
            session=session, actor=actor, customer_id=ids[0], output=output, language=language
        )
    return print_survey_batch(
        session=session,
        actor=actor,
        selection=Selection(customer_ids=tuple(ids)),
        output=output,
        language=language,
    )


def _selection(args: argparse.Namespace) -> Selection:
    from branch_crm.services.surveys.forms import Selection

    return Selection(
        complaint_closed_days=args.complaint_closed_days,
        tier=args.tier,
        list_filter=_ListFilter(
            tier=None,
            lifecycle=args.lifecycle,
            visit_class=args.visit_class,
            need_tag=args.need_tag,
            churn_risk=True if args.churn_risk else None,
        ),
    )


class _ListFilter:
    """The customer-list filter fields (services.customers.listing.ListFilter's shape)."""

    def __init__(
        self,
        *,
        tier: str | None,
        lifecycle: str | None,
        visit_class: str | None,
        need_tag: str | None,
        churn_risk: bool | None,
    ) -> None:
        self.tier = tier
        self.lifecycle = lifecycle
        self.visit_class = visit_class
        self.need_tag = need_tag
        self.churn_risk = churn_risk


def cmd_survey(args: argparse.Namespace) -> int:
    """Print one form per --customer phone, or a --batch for a filter, into one PDF."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.surveys.forms import print_survey_batch

    if bool(args.customer) == bool(args.batch):
        args.survey_parser.error(_("give --customer PHONE (one or more) or --batch with a filter"))
    if args.batch:
        filters = (
            args.tier,
            args.complaint_closed_days,
            args.lifecycle,
            args.visit_class,
            args.need_tag,
            args.churn_risk,
        )
        if not any(filters):
            args.survey_parser.error(
                _("--batch needs a filter, e.g. --tier strategic or --complaint-closed-days 7")
            )
        result = run_service(
            args,
            print_survey_batch,
            selection=_selection(args),
            output=args.output,
            language=args.language,
            control=StderrProgress(),
        )
    else:
        result = run_service(
            args, _print_forms, phones=args.customer, output=args.output, language=args.language
        )
    if result.count == 1:
        message = _("1 survey form written to {path} (serial {first})")
    else:
        message = ngettext(
            "{count} survey form written to {path} (serials {first} to {last})",
            "{count} survey forms written to {path} (serials {first} to {last})",
            result.count,
        )
    say(
        message.format(
            count=result.count, path=result.path, first=result.first_serial, last=result.last_serial
        )
    )
    return 0


def cmd_pickup(args: argparse.Namespace) -> int:
    """Write the courier pickup sheet of the customers with the given phones."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.customers.pickup_sheet import build_pickup_sheet

    def build(*, session: Session) -> Path:
        return build_pickup_sheet(
            session=session,
            customer_ids=_ids_by_phone(session, args.phone),
            output=args.output,
            courier_name=args.courier,
            language=args.language,
        )

    path = run_service(args, build)
    say(_("Pickup sheet written to {path}").format(path=path))
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.pdf", help=_("PDF file to write")
    )
    parser.add_argument(
        "--language",
        choices=sorted(LANGUAGES),
        help=_("language of the printed sheet (default: the branch language setting)"),
    )


def add_print_commands(sub: SubParsers) -> None:
    """Add ``survey`` and ``pickup`` to ``branch-crm print``."""
    survey = sub.add_parser("survey", help=_("satisfaction survey forms (PDF)"))
    survey.add_argument(
        "--customer",
        action="append",
        metavar="PHONE",
        help=_("phone of a customer to print a form for (repeatable)"),
    )
    survey.add_argument(
        "--batch", action="store_true", help=_("one form per customer matching the filters below")
    )
    survey.add_argument("--tier", choices=TIERS, help=_("only customers of this tier"))
    survey.add_argument(
        "--complaint-closed-days",
        type=_days,
        metavar="N",
        help=_("only customers whose complaint was closed in the last N days"),
    )
    survey.add_argument(
        "--lifecycle",
        choices=("new", "active", "dormant"),
        help=_("only customers in this lifecycle stage"),
    )
    survey.add_argument(
        "--visit-class", choices=("A", "B", "C"), help=_("only customers of this visit class")
    )
    survey.add_argument("--need-tag", metavar="TAG", help=_("only customers with this need tag"))
    survey.add_argument(
        "--churn-risk", action="store_true", help=_("only customers flagged with churn risk")
    )
    _common(survey)
    survey.set_defaults(handler=cmd_survey, survey_parser=survey)
    pickup = sub.add_parser("pickup", help=_("courier pickup sheet (PDF)"))
    pickup.add_argument(
        "--phone",
        action="append",
        required=True,
        metavar="PHONE",
        help=_("phone of a customer on the sheet (repeatable, in order)"),
    )
    pickup.add_argument("--courier", metavar="NAME", help=_("courier name printed on the sheet"))
    _common(pickup)
    pickup.set_defaults(handler=cmd_pickup)
