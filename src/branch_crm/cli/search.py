"""``branch-crm search QUERY``: the counter lookup from the command line (IT, scripts)."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from branch_crm.argparse_i18n import SubParsers
from branch_crm.errors import DatabaseError
from branch_crm.i18n import _

if TYPE_CHECKING:
    from branch_crm.services.customers.search import SearchHit


def _width(text: str) -> int:
    """Columns a text takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _database_path(args: argparse.Namespace) -> Path:
    """The --db file (or the default one); it must exist: searching never creates one."""
    from branch_crm.db import default_db_path

    path = Path(args.db) if getattr(args, "db", None) else default_db_path()
    if not path.exists():
        raise DatabaseError(
            _("No database at {path}. Give the file with --db PATH.").format(path=path),
            str(path),
        )
    return path


def _table(hits: list[SearchHit]) -> list[str]:
    from branch_crm.services.customers.classification import tier_label
    from branch_crm.services.customers.search import format_phone

    labels = {
        "phone": _("phone"),
        "last4": _("last 4 digits"),
        "name": _("name"),
        "pinyin_initials": _("pinyin initials"),
        "pinyin": _("pinyin"),
        "company": _("company"),
    }
    header = [_("Name"), _("Phone"), _("Tier"), _("Matched by"), _("Company")]
    rows = [
        [
            h.name,
            format_phone(h.phone),
            tier_label(h.tier),
            labels.get(h.match, h.match),
            h.company or "",
        ]
        for h in hits
    ]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return [
        "  ".join(
            [*(_pad(cell, w) for cell, w in zip(row, widths, strict=False)), row[-1]]
        ).rstrip()
        for row in [header, *rows]
    ]


def cmd_search(args: argparse.Namespace) -> int:
    """Print the customers matching the query, best match first."""
    from branch_crm.db import open_database
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.customers.search import search_customers
    from branch_crm.services.settings import values as settings

    if args.limit < 1:
        sys.stderr.write(_("error: --limit must be at least 1") + "\n")
        return 2
    db = open_database(_database_path(args))
    try:
        with db.session() as probe:
            branch = str(settings.get(probe, "branch.code"))
        with unit_of_work(db, system_actor(branch), audit=False) as session:
            hits = search_customers(
                session=session, query=args.query, limit=args.limit, catch_up=True
            )
    finally:
        db.dispose()
    if args.json:  # JSON lines: one object per hit, best first; nothing at all for no hit
        sys.stdout.writelines(json.dumps(asdict(h), ensure_ascii=False) + "\n" for h in hits)
        return 0 if hits else 1
    if not hits:
        sys.stdout.write(_("No customer matches {query!r}.").format(query=args.query) + "\n")
        return 1
    sys.stdout.write("\n".join(_table(hits)) + "\n")
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``search``."""
    parser = subparsers.add_parser(
        "search",
        help=_("find customers by phone, last 4 digits, name, pinyin (initials) or company"),
        description=_(
            "Digits search phones (4 digits: the last four of a phone); Latin letters search "
            "pinyin initials (zs) and full pinyin (zhangsan); Chinese searches names and "
            "companies. With --json, one JSON object per line (customer_id, name, phone, "
            "company, tier, match), best match first. Exit code 1 when nothing matches."
        ),
    )
    parser.add_argument("query", help=_("what to look for, e.g. 13812345678, 5678, 张三, zs"))
    parser.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS, help=_("database file to search")
    )
    parser.add_argument(
        "--json", action="store_true", help=_("print JSON lines (one object per customer)")
    )
    parser.add_argument("--limit", type=int, default=20, help=_("at most this many (default 20)"))
    parser.set_defaults(handler=cmd_search)
