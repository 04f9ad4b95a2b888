"""``branch-crm customers merge KEEP OTHER``: merge two customer records of one person from the
command line (supervisors' IT, scripts), the way the profile's "Merge with…" does."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import _


def _fields(text: str) -> list[str]:
    from branch_crm.services.customers.merging import FIELDS

    known = {key for key, _label in FIELDS}
    fields = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            _("unknown field {field}; choose among {fields}").format(
                field=unknown[0], fields=", ".join(key for key, _label in FIELDS)
            )
        )
    return fields


def _merge(session, actor, keep: str, other: str, take: list[str]):  # type: ignore[no-untyped-def]
    from branch_crm.services.customers import merging

    survivor = merging.find_customer(session=session, text=keep)
    absorbed = merging.find_customer(session=session, text=other)
    preview = merging.merge_preview(
        session=session, actor=actor, survivor_id=survivor, absorbed_id=absorbed
    )
    choices = merging.default_choices(preview)
    choices.update(dict.fromkeys(take, "absorbed"))
    merge_id = merging.merge_customers(
        session=session,
        actor=actor,
        survivor_id=survivor,
        absorbed_id=absorbed,
        choices=choices,
    )
    return preview, choices, merge_id


def cmd_merge(args: argparse.Namespace) -> int:
    """Fold the second record into the first."""
    from branch_crm.cli.runner import run_service, say

    take = [f for group in args.take or [] for f in group]
    preview, choices, merge_id = run_service(
        args, _merge, keep=args.keep, other=args.other, take=take
    )
    if args.json:
        say(json.dumps({"merge": merge_id, "survivor": preview.survivor.id,
                        "absorbed": preview.absorbed.id, "choices": choices}))  # fmt: skip
        return 0
    say(
        _("{absorbed} was merged into {survivor}.").format(
            absorbed=preview.absorbed.name, survivor=preview.survivor.name
        )
    )
    for field in preview.fields:
        value = field.absorbed if choices[field.key] == "absorbed" else field.survivor
        say(f"  {field.label}: {value or '—'}")
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``customers`` and its sub-command ``merge``."""
    parser = subparsers.add_parser("customers", help=_("customer records: merge two into one"))
    sub = parser.add_subparsers(title=_("commands"), metavar="COMMAND", required=True)
    merge = sub.add_parser(
        "merge",
        help=_("merge the second customer record into the first (one person with two "
               "records): its history, volumes, preferences and phones move; it is deleted"),
    )  # fmt: skip
    merge.add_argument("keep", metavar="KEEP", help=_("phone number or id of the record kept"))
    merge.add_argument(
        "other", metavar="OTHER", help=_("phone number or id of the record merged into it")
    )
    merge.add_argument(
        "--take",
        type=_fields,
        action="append",
        metavar="FIELD[,FIELD]",
        help=_("take these fields from OTHER (default: KEEP's value, OTHER's where KEEP's is "
               "empty)"),
    )  # fmt: skip
    merge.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help=_("database file (default: per-user data folder)"),
    )
    merge.add_argument("--json", action="store_true", help=_("print JSON"))
    merge.set_defaults(handler=cmd_merge)
