"""``branch-crm import customers|volumes FILE``: bring a branch's spreadsheet in.

Prints the preview (rows to add, update, skip; every problem with its row and column); with
``--dry-run`` nothing is written. Exit code 0 when the import (or the dry run) is clean, 2 with
the problems listed otherwise; on any problem nothing is written (one transaction).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from branch_crm.argparse_i18n import SubParsers, add_command, add_group
from branch_crm.cli.runner import run_service, say
from branch_crm.errors import DatabaseError
from branch_crm.i18n import _, ngettext

if TYPE_CHECKING:
    from branch_crm.services.imports.common import Preview

SHOWN_PROBLEMS = 200


def _database(args: argparse.Namespace) -> None:
    """The --db file (or the default one) must exist: an import never creates a database."""
    from branch_crm.db import default_db_path

    path = Path(args.db) if args.db else default_db_path()
    if not path.exists():
        raise DatabaseError(
            _("No database at {path}. Give the file with --db PATH.").format(path=path),
            str(path),
        )


def _mapping(pairs: list[str] | None) -> dict[str, str] | None:
    """``--map HEADER=FIELD`` (FIELD empty: ignore the column)."""
    if not pairs:
        return None
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, _sep, field = pair.partition("=")
        mapping[header.strip()] = field.strip()
    return mapping


def print_preview(result: Preview, *, done: bool, refused: bool = False) -> None:
    """The preview as text: the sheet, the columns, the counts, then every problem."""
    from branch_crm.services.imports.common import field_label

    say(_("Sheet {sheet}, header in row {row}.").format(sheet=result.sheet, row=result.header_row))
    for column in result.columns:
        target = field_label(column.field) if column.field else _("(ignored)")
        say(f"  {column.header or '?'} → {target}")
    counts = {"rows": result.rows, "add": result.add, "update": result.update, "skip": result.skip}
    if done:
        say(_("{rows} rows: {add} added, {update} updated, {skip} skipped.").format(**counts))
    else:
        say(_("{rows} rows: {add} to add, {update} to update, {skip} to skip.").format(**counts))
    if result.problem_count and refused:
        say(ngettext("{n} problem; nothing was imported:", "{n} problems; nothing was imported:",
                     result.problem_count).format(n=result.problem_count))  # fmt: skip
    elif result.problem_count:
        say(ngettext("{n} problem to correct before importing:",
                     "{n} problems to correct before importing:",
                     result.problem_count).format(n=result.problem_count))  # fmt: skip
    for problem in result.problems[:SHOWN_PROBLEMS]:
        where = _("row {row}").format(row=problem.row)
        if problem.column:
            where = _("row {row}, column {column}").format(row=problem.row, column=problem.column)
        say(f"  {where}: {problem.message}")
    hidden = result.problem_count - min(len(result.problems), SHOWN_PROBLEMS)
    if hidden > 0:
        say(_("  ... and {n} more.").format(n=hidden))


def cmd_import(args: argparse.Namespace) -> int:
    """Preview, then (unless --dry-run) import all or nothing."""
    from branch_crm.services.imports import customers, volumes
    from branch_crm.services.imports.common import ImportRefused

    _database(args)
    module: Any = customers if args.what == "customers" else volumes
    options = {
        "path": Path(args.file),
        "sheet": args.sheet,
        "mapping": _mapping(args.map),
        "on_existing": args.on_existing,
    }
    if args.dry_run:
        result = run_service(args, module.preview, **options)
        print_preview(result, done=False)
        return 0 if result.clean else 2
    try:
        result = run_service(args, module.apply, **options)
    except ImportRefused as exc:
        print_preview(exc.preview, done=False, refused=True)
        return 2
    print_preview(result, done=True)
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``import customers`` and ``import volumes``."""
    sub = add_group(
        subparsers,
        "import",
        help=_("import customers or monthly volumes from .xlsx or .csv"),
        description=_(
            "Reads an .xlsx or .csv file (UTF-8 or GB18030), finds the header row and prints "
            "what the import does: rows to add, update and skip, and every problem with its "
            "row and column. Nothing is written on a dry run or when any row has a problem. "
            "Exit code 0 when clean, 2 otherwise."
        ),
        dest="what",
        title=_("what to import"),
        metavar="WHAT",
    )
    for name, help_text in (
        ("customers", _("customers (name, phone, company, address, birthday, ...)")),
        ("volumes", _("monthly volumes (phone, month, parcels)")),
    ):
        parser = add_command(sub, name, help=help_text, handler=cmd_import)
        parser.add_argument("file", help=_("the .xlsx or .csv file"))
        parser.add_argument(
            "--db", type=Path, default=argparse.SUPPRESS, help=_("database file to import into")
        )
        parser.add_argument("--sheet", default=None, help=_("sheet name (default: the first)"))
        parser.add_argument("--dry-run", action="store_true", help=_("only show what would happen"))
        parser.add_argument(
            "--on-existing",
            choices=("update", "skip"),
            default="update",
            help=_("rows for a phone already recorded: update or skip (default: update)"),
        )
        parser.add_argument(
            "--map",
            action="append",
            metavar="HEADER=FIELD",
            help=_("use the column HEADER for FIELD (empty FIELD: ignore the column); repeatable"),
        )
