"""``branch-crm complaints sweep|list|stats``: SLA sweep for scheduled tasks, lists, figures."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from branch_crm.db import Database
    from branch_crm.services.complaints.figures import ComplaintStats, ShareRow

T = TypeVar("T")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01").format(value=text)
        ) from None


def _open(args: argparse.Namespace) -> Database:
    """The branch database of ``--db`` (or the default one); it must exist already."""
    from branch_crm.db import default_db_path, open_database
    from branch_crm.errors import DatabaseError

    path = Path(args.db) if getattr(args, "db", None) else default_db_path()
    if not path.exists():
        raise DatabaseError(
            _("No database at {path}. Give the file with --db PATH.").format(path=path), str(path)
        )
    return open_database(path)


def _run(args: argparse.Namespace, fn: Callable[..., T], **kwargs: object) -> T:
    """Call a service function in a unit of work of the branch's system actor."""
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.settings import values as settings

    db = _open(args)
    try:
        with db.session() as probe:
            branch = str(settings.get(probe, "branch.code"))
        with unit_of_work(db, system_actor(branch)) as session:
            return fn(session=session, **kwargs)
    finally:
        db.dispose()


def cmd_sweep(args: argparse.Namespace) -> int:
    """Record breaches and escalations that became due (for a scheduled task)."""
    from branch_crm.services.complaints.sla import sweep

    result = _run(args, sweep)
    if args.json:
        _out(json.dumps(asdict(result)))
    else:
        _out(
            _("{checked} complaints checked: {breaches} breaches, {escalations} escalations "
              "recorded").format(**asdict(result))
        )  # fmt: skip
    return 0


def _rows(session: Session, open_only: bool, limit: int, search: str | None) -> list[Any]:
    """Queue rows: open ones by time left, or all newest first; only those ``search`` finds."""
    from branch_crm.services.complaints import queue as cq
    from branch_crm.services.complaints.search import find_complaints

    if not open_only:
        return cq.list_complaints(session=session, limit=limit or None, search=search)
    flt = None
    if search and search.strip():
        flt = cq.QueueFilter(ids=find_complaints(session=session, text=search).open_ids)
    return cq.list_queue(session=session, flt=flt)[: limit or None]


def _list_rows(
    session: Session, open_only: bool, limit: int, search: str | None = None
) -> list[dict[str, Any]]:
    from branch_crm.models import ReferenceKind
    from branch_crm.services.complaints import labels as cs_labels
    from branch_crm.services.complaints import queue as cq
    from branch_crm.services.complaints.reference import code_labels, ensure_reference_data
    from branch_crm.timeutil import to_local, utcnow

    ensure_reference_data(session)
    labels = code_labels(session, ReferenceKind.COMPLAINT_CATEGORY)
    now_ts = utcnow().timestamp()
    rows = _rows(session, open_only, limit, search)
    result = []
    for r in rows:
        closed = r.status == "closed"
        state = ("breached" if r.breached_before else "met") if closed else cq.row_state(r, now_ts)
        left = None if closed else cq.seconds_left(r, now_ts)
        due = cq.as_datetime(r.due_ts)
        received = cq.as_datetime(r.received_ts)
        assert received is not None  # received_ts is never None
        result.append(
            {
                "id": r.id,
                "number": r.number,
                "status": r.status,
                "status_label": cs_labels.status_label(r.status),
                "grade": r.grade,
                "category": r.category,
                "category_label": labels.get(r.category, r.category),
                "customer": r.customer_name,
                "received_at": to_local(received).isoformat(),
                "due_at": to_local(due).isoformat() if due and not closed else None,
                "state": state,
                "seconds_left": None if left is None else round(left),
                "response_breached": bool(r.response_breached),
                "resolution_breached": bool(r.resolution_breached),
                "escalation_level": r.escalation_level,
            }
        )
    return result


STATE_TEXT = {
    "ok": "",
    "warned": "!",
    "breached": "!!",
    "paused": "||",
    "met": "",
}


def _pad(text: str, width: int) -> str:
    """Cut and pad to ``width`` terminal columns (CJK characters take two)."""
    out, used = "", 0
    for char in text:
        w = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used + w > width:
            break
        out, used = out + char, used + w
    return out + " " * (width - used)


def cmd_list(args: argparse.Namespace) -> int:
    """Print complaints (open ones by time left with --open) as a table or JSON."""
    from branch_crm.services.complaints.labels import format_minutes

    rows = _run(args, _list_rows, open_only=args.open, limit=args.limit, search=args.search)
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        _out(_("no complaints"))
        return 0
    for r in rows:
        left = "" if r["seconds_left"] is None else format_minutes(r["seconds_left"] / 60)
        _out(
            f"{r['number']:<22} {STATE_TEXT[r['state']]:<2} G{r['grade']} "
            f"{_pad(r['status_label'], 14)} {_pad(r['category_label'], 14)} "
            f"{_pad(r['customer'], 12)} {r['received_at'][:16].replace('T', ' ')}  {left}"
        )
    _out(_("{n} complaints").format(n=len(rows)))
    return 0


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _minutes(value: float | None) -> str:
    from branch_crm.services.complaints.labels import format_minutes

    return "-" if value is None else format_minutes(value)


def _stats_lines(s: ComplaintStats) -> list[str]:
    from branch_crm.services.complaints.labels import format_money
    from branch_crm.timeutil import to_local

    def shares(rows: Iterable[ShareRow]) -> str:
        return (
            "; ".join(
                f"{r.label} {r.count} ({_percent(r.share)}, {_percent(r.cumulative)})" for r in rows
            )
            or "-"
        )

    grades = ", ".join(_("grade {g}: {n}").format(g=g, n=n) for g, n in s.by_grade.items())
    return [
        _("Complaints {start} – {end}").format(start=s.start, end=s.end),
        _("received {received}, closed {closed} ({grades})").format(
            received=s.received, closed=s.closed, grades=grades or "-"
        ),
        _("response target met: {met} of {measured} ({rate}); mean {mean}, median {median}").format(
            met=s.response.met, measured=s.response.measured, rate=_percent(s.response.rate),
            mean=_minutes(s.response_time.mean_minutes),
            median=_minutes(s.response_time.median_minutes),
        ),
        _(
            "resolution target met: {met} of {measured} ({rate}); mean {mean}, median {median}"
        ).format(
            met=s.resolution.met, measured=s.resolution.measured,
            rate=_percent(s.resolution.rate), mean=_minutes(s.resolution_time.mean_minutes),
            median=_minutes(s.resolution_time.median_minutes),
        ),
        _("open backlog at {when}: {total} ({buckets})").format(
            when=f"{to_local(s.backlog_as_of):%Y-%m-%d %H:%M}", total=s.backlog_total,
            buckets=", ".join(f"{label} {n}" for label, n in s.backlog),
        ),
        _("hotspots by category (share, cumulative): {rows}").format(rows=shares(s.by_category)),
        _("hotspots by root cause (share, cumulative): {rows}").format(
            rows=shares(s.by_root_cause)
        ),
        _("compensation requested {requested}, granted {granted}").format(
            requested=format_money(s.compensation_requested_cents),
            granted=format_money(s.compensation_granted_cents),
        ),
    ]  # fmt: skip


def _stats_json(s: ComplaintStats) -> dict[str, Any]:
    data = asdict(s)
    data["backlog_total"] = s.backlog_total
    data["response"]["rate"] = s.response.rate
    data["resolution"]["rate"] = s.resolution.rate
    return data


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the figures of a period (optionally one block per month or week)."""
    from branch_crm.services.complaints.figures import stats_by_period

    periods = _run(args, stats_by_period, start=args.start, end=args.end, by=args.by)
    if args.json:
        data = [_stats_json(s) for s in periods]
        _out(json.dumps(data if args.by != "all" else data[0], default=str, ensure_ascii=False))
        return 0
    for i, s in enumerate(periods):
        if i:
            _out("")
        for line in _stats_lines(s):
            _out(line)
    return 0


def _add_db(parser: argparse.ArgumentParser) -> None:
    """``--db`` after the command too (``branch-crm complaints list --db FILE``)."""
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help=_("database file (default: per-user data folder)"),
    )


def register(subparsers: SubParsers) -> None:
    """Add ``complaints`` and its sub-commands."""
    parser = subparsers.add_parser("complaints", help=_("complaint SLA sweep, lists and figures"))
    sub = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    sweep = sub.add_parser(
        "sweep", help=_("record SLA breaches and escalations that became due (scheduled task)")
    )
    _add_db(sweep)
    sweep.add_argument("--json", action="store_true", help=_("print JSON"))
    sweep.set_defaults(handler=cmd_sweep)
    lst = sub.add_parser("list", help=_("list complaints, newest first"))
    lst.add_argument(
        "--open", action="store_true", help=_("only open complaints, least time left first")
    )
    lst.add_argument("--limit", type=int, default=100, help=_("at most this many (0: all)"))
    lst.add_argument(
        "--search",
        metavar="TEXT",
        help=_(
            "only complaints this finds: number or its last digits, waybill, customer phone, "
            "last 4 digits, name or pinyin initials"
        ),
    )
    _add_db(lst)
    lst.add_argument("--json", action="store_true", help=_("print JSON"))
    lst.set_defaults(handler=cmd_list)
    stats = sub.add_parser("stats", help=_("SLA compliance, times, backlog, hotspots, money"))
    stats.add_argument(
        "--from", dest="start", type=_date, required=True, help=_("first day (YYYY-MM-DD)")
    )
    stats.add_argument(
        "--to", dest="end", type=_date, required=True, help=_("last day, included (YYYY-MM-DD)")
    )
    stats.add_argument(
        "--by",
        choices=("all", "month", "week"),
        default="all",
        help=_("one block for the whole range (default), per month or per week"),
    )
    _add_db(stats)
    stats.add_argument("--json", action="store_true", help=_("print JSON"))
    stats.set_defaults(handler=cmd_stats)
