"""``branch-crm demo [--db PATH] [--customers N] [--seed S]``: fill a new database with demo
data and print the demo staff accounts."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from branch_crm.i18n import N_, _

STAGES = {
    "staff": N_("Creating demo staff"),
    "customers": N_("Creating demo customers"),
    "stats": N_("Computing customer figures"),
    "index": N_("Building the search index"),
    "done": N_("Demo data complete"),
}


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a positive whole number").format(value=text)
        )
    return value


class _Progress:
    """Progress lines on stderr: one per stage, a percentage while customers are written."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stage = ""
        self.last_percent = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        if stage != self.stage:
            self.stage, self.last_percent = stage, -1
            sys.stderr.write(f"[{elapsed:6.1f} s] {_(STAGES.get(stage, stage))}\n")
        percent = done * 100 // total if total else 100
        if stage == "customers" and percent // 10 != self.last_percent // 10:
            self.last_percent = percent
            sys.stderr.write(f"[{elapsed:6.1f} s]   {done:,} / {total:,} ({percent} %)\n")
        sys.stderr.flush()


def cmd_demo(args: argparse.Namespace) -> int:
    """Fill the database and print the demo staff accounts."""
    from branch_crm.db import default_db_path
    from branch_crm.services.demo.fill import fill_demo
    from branch_crm.services.permissions import role_label

    path = Path(args.db or default_db_path())
    result = fill_demo(path, customers=args.customers, seed=args.seed, progress=_Progress())
    out = sys.stdout
    out.write(
        _("{count} demo customers written to {path} in {seconds:.1f} s ({size:.1f} MB).").format(
            count=result.customers,
            path=result.path,
            seconds=result.seconds,
            size=result.file_bytes / 1e6,
        )
        + "\n"
    )
    out.write(_("Demo staff accounts (user name / password / role):") + "\n")
    for account in result.staff:
        out.write(f"  {account.username:<12} {account.password:<18} {role_label(account.role)}\n")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the command line."""
    parser = subparsers.add_parser(
        "demo",
        help=_("fill a new database with realistic demo data"),
        description=_(
            "Fill a new (empty) branch database with demo staff, customers, 18 months of "
            "volumes, pickup preferences and complaints. Prints the demo staff passwords."
        ),
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help=_("database file (default: per-user data folder)"),
    )
    parser.add_argument(
        "--customers", type=_positive, default=2000, help=_("number of customers (default 2000)")
    )
    parser.add_argument(
        "--seed", type=int, default=1, help=_("random seed: the same seed gives the same data")
    )
    parser.set_defaults(handler=cmd_demo)
