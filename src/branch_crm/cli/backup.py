"""``branch-crm backup [--to FOLDER]`` and ``branch-crm restore FILE [--yes]``.

Exit status: 0 done; 1 a restore the user did not confirm (nothing changed); 2 an error, said
in one line (a bad or foreign backup file, a folder that is not there, the app still open).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from branch_crm.argparse_i18n import SubParsers
from branch_crm.errors import DatabaseError
from branch_crm.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from branch_crm.services.context import Actor

__all__ = ["cmd_backup", "cmd_restore", "register"]


def _database_path(args: argparse.Namespace) -> Path:
    from branch_crm.db import default_db_path

    path = Path(args.db) if getattr(args, "db", None) else default_db_path()
    if not path.exists():
        raise DatabaseError(
            _("No database at {path}. Give the file with --db PATH.").format(path=path), str(path)
        )
    return path


def _when(facts: object) -> str:
    from branch_crm.services.backup_facts import BackupFacts
    from branch_crm.timeutil import to_local

    assert isinstance(facts, BackupFacts)
    text = f"{to_local(facts.when):%Y-%m-%d %H:%M:%S}"
    return text if facts.taken_at else _("{time} (the file's time)").format(time=text)


def _the_actor(*, session: Session, actor: Actor) -> Actor:
    """The command line's actor (the branch's system actor, see cli.runner)."""
    del session
    return actor


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the database to FOLDER (the daily backups' folder by default), with progress."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.services.backup import backup_dir, backup_now, record_backup

    path = _database_path(args)
    folder = Path(args.to) if args.to else backup_dir(path)
    if not args.to:
        folder.mkdir(parents=True, exist_ok=True)
    shown = [-1]
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent != shown[0] and interactive:
            sys.stderr.write("\r" + _("Copying… {percent}%").format(percent=percent))
            sys.stderr.flush()
            shown[0] = percent

    actor = run_service(args, _the_actor)
    copy = backup_now(db_path=path, folder=folder, actor=actor, progress=progress)
    if interactive:
        sys.stderr.write("\n")
    run_service(args, record_backup, copy=copy)
    say(
        _("Backed up to {path} ({size} KB, checked, {seconds:.1f} s).").format(
            path=copy.path, size=max(1, copy.size // 1024), seconds=copy.seconds
        )
    )
    say(
        _("Attachment files: {copied} copied and checked, {present} already backed up.").format(
            copied=copy.files.copied, present=copy.files.present
        )
    )
    if copy.files.missing:
        say(
            _("{n} attachment files are not on this PC yet and are not in the backup.").format(
                n=copy.files.missing
            )
        )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Show the backup's facts and what restoring means for sync; restore once confirmed."""
    from branch_crm.cli.runner import run_service, say
    from branch_crm.db import default_db_path, open_database
    from branch_crm.services.backup_facts import check_restorable, current_facts, inspect_backup
    from branch_crm.services.restore import (
        ensure_not_in_use,
        record_restore,
        restore_database,
        sync_explanation,
    )

    path = Path(args.db) if getattr(args, "db", None) else default_db_path()
    facts = inspect_backup(Path(args.file))
    current = current_facts(path)
    check_restorable(facts, current)
    ensure_not_in_use(path)
    say(_("Backup: {path}").format(path=facts.path))
    say(
        _("Branch {branch}, PC {pc}, taken {when}, schema {schema}.").format(
            branch=facts.branch or "-", pc=facts.pc_code, when=_when(facts), schema=facts.schema
        )
    )
    say(
        _("{customers} customers, {complaints} complaints.").format(
            customers=facts.customers, complaints=facts.complaints
        )
    )
    say("")
    for line in sync_explanation(facts, current):
        say("- " + line)
    say("")
    if path.exists():
        say(_("The current database is kept beside it, renamed, not deleted."))
    if not args.yes:
        if sys.stdin is None or not sys.stdin.isatty():  # no console: nobody to ask
            sys.stderr.write(_("Nothing was restored: add --yes to restore without asking.") + "\n")
            return 1
        answer = input(_("Restore this backup? [y/N] ")).strip().lower()
        if answer not in {"y", "yes", _("y"), _("yes")}:
            say(_("Nothing was restored."))
            return 1
    result = restore_database(db_path=path, backup=Path(args.file))
    open_database(path).dispose()  # a backup of an older version is brought up to date here
    run_service(args, record_restore, result=result)
    if result.set_aside is not None:
        say(_("Restored. The replaced database is kept as {path}.").format(path=result.set_aside))
    else:
        say(_("Restored."))
    if result.files.copied or result.files.missing:
        say(
            _("Attachment files put back: {copied}; missing from the backup: {missing}.").format(
                copied=result.files.copied, missing=result.files.missing
            )
        )
    say(_("Sync now (branch-crm sync) before taking new work."))
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``backup`` and ``restore``."""
    backup = subparsers.add_parser(
        "backup",
        help=_("copy the database now (checked, safe while the app runs)"),
        description=_(
            "A consistent copy of the database taken while the app may be running, checked "
            "after writing, named by branch, PC and time. Without --to it goes to the "
            "backups folder beside the database."
        ),
    )
    backup.add_argument(
        "--to", metavar="FOLDER", help=_("folder to write the copy to (a drive, a share)")
    )
    backup.set_defaults(handler=cmd_backup)
    restore = subparsers.add_parser(
        "restore",
        help=_("replace the database by a backup (the current one is kept aside)"),
        description=_(
            "Checks the file (a Branch CRM database of this branch and PC, of this version or "
            "an older one), says what the restore means for sync, then replaces the database; "
            "the current file is renamed, not deleted. Close the app first."
        ),
    )
    restore.add_argument("file", help=_("the backup file"))
    restore.add_argument("--yes", action="store_true", help=_("restore without asking"))
    restore.set_defaults(handler=cmd_restore)
