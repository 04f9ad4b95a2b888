"""``branch-crm care plan|today``: generate the care plan (a scheduled task, once a day) and
list the care tasks due today and overdue."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import _


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01").format(value=text)
        ) from None


def cmd_plan(args: argparse.Namespace) -> int:
    """Create the care tasks that became due (idempotent: a second run creates nothing)."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.care.follow_ups import kind_label
    from branch_crm.services.care.plan import plan_care

    result = run_service(args, plan_care, today=args.date)
    if args.json:
        say(json.dumps({"day": result.day.isoformat(), "created": result.created}))
        return 0
    say(
        _("Care plan for {day}: {count} new tasks").format(
            day=result.day.isoformat(), count=result.total
        )
    )
    for reason, count in result.created.items():
        say(f"  {kind_label(reason)}: {count}")
    return 0


def cmd_today(args: argparse.Namespace) -> int:
    """The open care tasks due by the day (overdue first)."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.care.follow_ups import kind_label, list_follow_ups
    from branch_crm.timeutil import local_today

    day = args.date or local_today()
    rows = run_service(
        args,
        list_follow_ups,
        scope="all",
        today=day,
        due_by=day,
        account_manager_id=args.manager,
        limit=args.limit,
        search=args.search,
    )
    if args.json:
        payload = [
            {
                **{
                    k: v
                    for k, v in asdict(r).items()
                    if k not in ("title_message", "outcome_message")
                },
                "title": r.title,
                "kind_label": kind_label(r.kind),
                "days_overdue": r.days_overdue(day),
            }
            for r in rows
        ]
        say(json.dumps(payload, ensure_ascii=False, default=str))
        return 0
    if not rows:
        say(_("Nothing due on {day}.").format(day=day.isoformat()))
    for r in rows:
        late = r.days_overdue(day)
        due = _("{days} days overdue").format(days=late) if late else _("due today")
        say(
            f"{r.due_on.isoformat()}  {due}  {kind_label(r.kind)}  {r.customer_name}  "
            f"{r.phone or '-'}  {r.title}  {r.assignee_name or '-'}"
        )
    return 0


def _add_db(parser: argparse.ArgumentParser) -> None:
    """``--db`` after the command too (``branch-crm care plan --db FILE``)."""
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help=_("database file (default: per-user data folder)"),
    )


def register(subparsers: SubParsers) -> None:
    """Add ``care`` and its sub-commands."""
    parser = subparsers.add_parser("care", help=_("customer care: the plan and today's tasks"))
    sub = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    plan = sub.add_parser(
        "plan",
        help=_("create the birthday, greeting, visit, feedback-form, win-back and churn-risk "
               "tasks that became due (scheduled task, once a day; running it again creates "
               "nothing)"),
    )  # fmt: skip
    plan.add_argument(
        "--date", type=_date, default=None, help=_("plan as of this day (default: today)")
    )
    _add_db(plan)
    plan.add_argument("--json", action="store_true", help=_("print JSON"))
    plan.set_defaults(handler=cmd_plan)
    today = sub.add_parser("today", help=_("care tasks due today and overdue"))
    today.add_argument("--date", type=_date, default=None, help=_("as of this day"))
    today.add_argument(
        "--manager", default=None, help=_("only the customers of this account manager (staff id)")
    )
    today.add_argument("--limit", type=int, default=500, help=_("at most this many"))
    today.add_argument(
        "--search",
        metavar="TEXT",
        help=_("only the tasks this finds: customer phone, last 4 digits, name, initials, serial"),
    )
    _add_db(today)
    today.add_argument("--json", action="store_true", help=_("print JSON"))
    today.set_defaults(handler=cmd_today)
