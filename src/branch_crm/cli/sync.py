"""``branch-crm sync``: one sync round (exit 1 on failure), ``register URL CODE``, ``status``,
``rejected`` (the changes head office did not apply, and why)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from branch_crm.argparse_i18n import SubParsers
from branch_crm.i18n import _

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from branch_crm.db import Database


def _db(args: argparse.Namespace) -> Database:
    from branch_crm.db import open_database

    return open_database(args.db)


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Session]:
    """One committing session of the branch database; the file is closed after it."""
    db = _db(args)
    try:
        with db.session() as session:
            yield session
    finally:
        db.dispose()


def cmd_round(args: argparse.Namespace) -> int:
    """Run one round; print what moved; non-zero exit when it failed."""
    from branch_crm.services.syncing.service import (
        fetch_error_text,
        file_error_text,
        files_fetched_text,
        files_sent_text,
        run_sync,
    )

    db = _db(args)
    try:
        result = run_sync(db)
    finally:
        db.dispose()
    if result.error:
        sys.stderr.write(_("sync failed: {error}").format(error=result.error) + "\n")
        return 1
    sys.stdout.write(
        _("sync done: {pushed} sent, {pulled} received, {conflicts} new conflicts").format(
            pushed=result.pushed, pulled=result.pulled, conflicts=result.conflicts
        )
        + (", " + files_sent_text(result.files_sent) if result.files_sent else "")
        + (", " + files_fetched_text(result.files_fetched) if result.files_fetched else "")
        + "\n"
    )
    if result.file_error:
        sys.stderr.write(file_error_text(result.file_error) + "\n")
    if result.fetch_error:
        sys.stderr.write(fetch_error_text(result.fetch_error) + "\n")
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    """Exchange a registration code for this PC's token."""
    from branch_crm.services.syncing.service import register_branch

    ca_file = getattr(args, "ca_file", None)
    with _session(args) as session:
        if ca_file is not None:  # before the request: it is what verifies head office
            _store_ca_file(session, ca_file)
        done = register_branch(session=session, url=args.url, code=args.code)
    sys.stdout.write(
        _("registered as branch {branch} ({name}) with {url}").format(
            branch=done.branch, name=done.branch_name, url=done.hq_url
        )
        + "\n"
    )
    return 0


def _store_ca_file(session: Session, value: str) -> None:
    """Keep ``--ca-file`` in the settings (``hq.ca_file``; empty: the PC's certificate store)."""
    from pathlib import Path

    from branch_crm.errors import CrmError
    from branch_crm.services.settings import values as app_settings

    path = str(Path(value).resolve()) if value else ""
    if path and not Path(path).is_file():
        raise CrmError(_("No such file: {path}").format(path=value))
    app_settings.put(session, None, "hq.ca_file", path)


def cmd_status(args: argparse.Namespace) -> int:
    """Print pending changes, last success and last error."""
    from branch_crm.services.syncing.rejected_changes import count_rejected
    from branch_crm.services.syncing.service import sync_status

    with _session(args) as session:
        status = sync_status(session=session)
        rejected = count_rejected(session=session)
    if args.json:
        fields = {
            **{
                k: v
                for k, v in status.__dict__.items()
                if k not in ("stored_error", "error_message")
            },
            "last_error": status.last_error,
            "clock_warning": status.clock_warning,
        }
        sys.stdout.write(json.dumps(fields, default=str, ensure_ascii=False) + "\n")
        return 0
    lines = [
        _("registered: {value}").format(value=_("yes") if status.registered else _("no")),
        _("head office: {value}").format(value=status.hq_url or "-"),
        _("waiting to send: {n}").format(n=status.pending_changes),
        _("files waiting to send: {n}").format(n=status.files_waiting),
        _("last file error: {value}").format(
            value=(status.file_error if status.files_waiting else None) or "-"
        ),
        _("files to fetch: {n}").format(n=status.files_to_fetch),
        _("last fetch error: {value}").format(
            value=(status.fetch_error if status.files_to_fetch else None) or "-"
        ),
        _("last success: {value}").format(value=_local_time(status.last_success_at)),
        _("last attempt: {value}").format(value=_local_time(status.last_attempt_at)),
        _("last error: {value}").format(value=status.last_error or "-"),
        _("open conflicts: {n}").format(n=status.open_conflicts),
        _("changes head office did not apply: {n} (branch-crm sync rejected)").format(n=rejected),
    ]
    if status.clock_warning:
        lines.append(status.clock_warning)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_rejected(args: argparse.Namespace) -> int:
    """List the changes head office did not apply, newest first, with the reason."""
    from branch_crm.services.syncing.rejected_changes import list_rejected

    with _session(args) as session:
        rows = list_rejected(session=session, limit=args.limit)
    if args.json:
        entries = [
            {
                **{
                    k: v
                    for k, v in row.__dict__.items()
                    if k not in ("stored_detail", "detail_message")
                },
                "detail": row.detail,
                "columns": list(row.columns),
            }
            for row in rows
        ]
        sys.stdout.write(json.dumps(entries, default=str, ensure_ascii=False) + "\n")
        return 0
    if not rows:
        sys.stdout.write(_("Head office applied every change of this branch.") + "\n")
        return 0
    for row in rows:
        why = f"{row.reason_text}: {row.detail}" if row.detail else row.reason_text
        sys.stdout.write(f"{_local_time(row.at)}  {row.table} {row.row_id}  {why}\n")
    return 0


def _local_time(value: datetime | None) -> str:
    """A stored UTC instant as this PC's local time, or "never"."""
    if value is None:
        return _("never")
    from datetime import UTC

    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return str(moment.astimezone().strftime("%Y-%m-%d %H:%M:%S"))


def register(subparsers: SubParsers) -> None:
    """Add ``sync`` and its sub-commands."""
    parser = subparsers.add_parser(
        "sync",
        help=_("sync with head office (one round)"),
        description=_(
            "Without a sub-command: one round (send what waits, then receive what is new). "
            "The exit status is 0 when the round worked and 1 when it failed, for scheduled "
            "tasks."
        ),
    )
    parser.set_defaults(handler=cmd_round)
    sub = parser.add_subparsers(title=_("sync commands"), metavar="SUBCOMMAND")
    reg = sub.add_parser("register", help=_("register this PC with head office"))
    reg.add_argument("url", help=_("head-office address, e.g. https://hq.example.com"))
    reg.add_argument("code", help=_("one-time registration code from head office"))
    reg.add_argument(
        "--ca-file",
        metavar="PEM",
        help=_(
            'CA certificate file to verify head office with, kept in the settings ("": the '
            "PC's certificate store, the default)"
        ),
    )
    reg.set_defaults(handler=cmd_register)
    status = sub.add_parser("status", help=_("pending changes, last success and last error"))
    status.add_argument("--json", action="store_true", help=_("machine-readable output"))
    status.set_defaults(handler=cmd_status)
    rejected = sub.add_parser(
        "rejected",
        help=_("changes head office did not apply, and why"),
        description=_(
            "Newest first: an edit that lost to a delete or a newer one, or a change head "
            "office quarantined (a value it cannot store, a record this branch may not "
            "change). Head office keeps a quarantined change aside for its IT staff; other "
            "PCs do not get it."
        ),
    )
    rejected.add_argument("--json", action="store_true", help=_("machine-readable output"))
    rejected.add_argument(
        "--limit", type=int, default=200, metavar="N", help=_("show at most N (default 200)")
    )
    rejected.set_defaults(handler=cmd_rejected)
