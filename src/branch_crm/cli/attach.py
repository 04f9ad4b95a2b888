"""``branch-crm attach complaint NUMBER FILE...`` and ``branch-crm attach customer PHONE
FILE...``: attach photos and scans from the command line (a scanner's output folder, a
script). Each file is attached or refused with its reason; the exit code is 1 when any was
refused."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import _


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _owner_id(session: Session, kind: str, key: str) -> str | None:
    """The complaint with this number, or the customer with this phone."""
    from branch_crm.models import Complaint, CustomerPhone

    if kind == "complaint":
        query = select(Complaint.id).where(Complaint.number == key.strip().upper())
    else:
        digits = "".join(ch for ch in key if ch.isdigit())
        query = select(CustomerPhone.customer_id).where(CustomerPhone.phone == digits)
    return session.scalars(query).first()


def cmd_attach(args: argparse.Namespace) -> int:
    """Attach each file; say what happened to each."""
    from branch_crm.cli.complaints import _open
    from branch_crm.errors import CrmError
    from branch_crm.services.attachments import service
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.settings import values as settings

    db = _open(args)
    refused = 0
    try:
        with db.session() as probe:
            actor = system_actor(str(settings.get(probe, "branch.code")))
            owner = _owner_id(probe, args.kind, args.key)
        if owner is None:
            what = _("complaint") if args.kind == "complaint" else _("customer")
            sys.stderr.write(_("No {what} {key} here.").format(what=what, key=args.key) + "\n")
            return 2
        for path in args.files:
            try:
                with unit_of_work(db, actor) as session:
                    view = service.attach_path(
                        session=session, actor=actor, owner_kind=args.kind, owner_id=owner,
                        path=path, caption=args.caption,
                    )  # fmt: skip
            except CrmError as exc:
                refused += 1
                sys.stderr.write(f"{path}: {exc.message}\n")
                continue
            _out(_("{name} attached ({size}, {mime}).").format(
                name=view.original_name, size=_size(view.size), mime=view.mime))  # fmt: skip
    finally:
        db.dispose()
    return 1 if refused else 0


def _size(size: int) -> str:
    from branch_crm.services.attachments.store import human_size

    return human_size(size)


def register(subparsers: SubParsers) -> None:
    """Add ``attach``."""
    parser = subparsers.add_parser(
        "attach", help=_("attach photos (JPEG, PNG, HEIC) or PDF scans to a complaint or customer")
    )
    parser.add_argument("kind", choices=("complaint", "customer"),
                        help=_("what to attach to"))  # fmt: skip
    parser.add_argument(
        "key", metavar="NUMBER", help=_("the complaint number, or the customer's phone")
    )
    parser.add_argument("files", metavar="FILE", type=Path, nargs="+", help=_("files to attach"))
    parser.add_argument("--caption", help=_("a caption shown under each file"))
    parser.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS,
        help=_("database file (default: per-user data folder)"),
    )  # fmt: skip
    parser.set_defaults(handler=cmd_attach)
