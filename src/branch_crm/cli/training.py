"""``branch-crm training list|show``: find a training session and its attendance."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import _

if TYPE_CHECKING:
    from branch_crm.services.training.sessions import SessionSummary


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01").format(value=text)
        ) from None


def _when(value: datetime) -> str:
    from branch_crm.timeutil import to_local

    return str(to_local(value).strftime("%Y-%m-%d %H:%M"))


def cmd_list(args: argparse.Namespace) -> int:
    """One line per session, newest first."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.training.sessions import list_sessions

    rows = run_service(args, list_sessions, since=args.since, until=args.until, text=args.text)
    if args.json:
        say(json.dumps([_summary_json(r) for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        say(_("No training sessions."))
    for r in rows:
        c = r.counts
        say(
            _("{ref}  {when}  {title}  ({audience})  attended {attended}/{total}  id {id}").format(
                ref=r.reference,
                when=_when(r.starts_at),
                title=r.title,
                audience=r.audience or "-",
                attended=c.attended,
                total=c.total,
                id=r.id,
            )
        )
    return 0


def _summary_json(r: SessionSummary) -> dict[str, object]:
    c = r.counts
    return {
        "id": r.id,
        "reference": r.reference,
        "title": r.title,
        "starts_at": r.starts_at.isoformat(),
        "audience": r.audience,
        "location": r.location,
        "trainer": r.trainer,
        "counts": {
            k: getattr(c, k) for k in ("total", "present", "late", "absent", "excused", "expected")
        },
    }


def cmd_show(args: argparse.Namespace) -> int:
    """A session with its attendees and their attendance."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.training.inputs import display_contact, status_label
    from branch_crm.services.training.sessions import get_session

    view = run_service(args, get_session, session_id=args.session)
    say(f"{view.reference}  {_when(view.starts_at)}  {view.title}")
    for a in view.attendees:
        line = f"{a.position:>3}. {a.name}  {display_contact(a.contact)}  {status_label(a.status)}"
        say(line + (f"  {a.remarks}" if a.remarks else ""))
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``training`` and its sub-commands."""
    parser = subparsers.add_parser("training", help=_("training sessions and attendance"))
    sub = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    lst = sub.add_parser("list", help=_("list training sessions, newest first"))
    lst.add_argument("--since", type=_date, help=_("first day (YYYY-MM-DD)"))
    lst.add_argument("--until", type=_date, help=_("last day, included (YYYY-MM-DD)"))
    lst.add_argument(
        "--text",
        "--search",
        dest="text",
        help=_("only sessions whose title, audience, trainer or place contains this"),
    )
    lst.add_argument("--json", action="store_true", help=_("print JSON"))
    lst.set_defaults(handler=cmd_list)
    show = sub.add_parser("show", help=_("a session with its attendees and attendance"))
    show.add_argument("session", metavar="ID", help=_("session id or printed reference"))
    show.set_defaults(handler=cmd_show)
