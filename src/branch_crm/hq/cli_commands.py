"""What each ``branch-crm-hq`` command does (the parser in :mod:`branch_crm.hq.cli` names
these handlers): serve, migrate, branches and their PCs, quarantined changes, reference data.
Each admin command works in one transaction of its own."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from branch_crm.argparse_i18n import columns
from branch_crm.hq.cli_tables import pad, print_table, translated_headings, when
from branch_crm.hq.settings import HqSettings
from branch_crm.i18n import N_, _, ngettext

log = logging.getLogger("branch_crm.hq")

REFERENCE = {
    "category": "reference_code",
    "root-cause": "reference_code",
    "sla": "sla_policy",
    "survey-template": "survey_template",
    "holiday": "holiday",
    "festival": "festival_date",
}
KIND_NAMES = {
    "category": N_("complaint category"),
    "root-cause": N_("root cause"),
    "sla": N_("SLA policy"),
    "survey-template": N_("survey template"),
    "holiday": N_("holiday"),
    "festival": N_("festival date"),
}
"""What each kind of reference data is called in messages."""


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def settings_of(args: argparse.Namespace) -> HqSettings:
    """Head office's settings, the database of ``--db`` when given."""
    settings = HqSettings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return settings


@contextmanager
def _admin_conn(args: argparse.Namespace) -> Iterator[Any]:
    """A writing connection to head office's database, in one transaction (committed when
    the block ends); the engine is disposed after it."""
    from branch_crm.hq.db import WRITE_OPTION, make_null_pool_engine

    engine = make_null_pool_engine(settings_of(args).resolved_url())
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            yield conn
    finally:
        engine.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the HTTP service with uvicorn."""
    import os

    import uvicorn

    from branch_crm.hq.logs import setup_json_logging

    settings = settings_of(args)
    if args.db:
        os.environ["BRANCH_CRM_HQ_DATABASE_URL"] = args.db
    setup_json_logging(settings.log_level)
    if args.migrate:
        cmd_migrate(args)
    from branch_crm.hq.app import tune_gc

    with _metrics_folder(settings, args.workers) as settings:
        app = "branch_crm.hq.asgi:app" if args.workers > 1 else _app(settings)
        tune_gc()
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=None,
            access_log=False,
            proxy_headers=True,
        )
    return 0


@contextmanager
def _metrics_folder(settings: HqSettings, workers: int) -> Iterator[HqSettings]:
    """The folder several worker processes share their metrics through (see hq.metrics),
    emptied of an earlier run's files: ``BRANCH_CRM_HQ_METRICS_DIR``, else (more than one
    worker) a temporary one, removed when the service stops. The workers read it from the
    environment."""
    import os
    import shutil
    import tempfile

    folder, made = settings.metrics_dir, False
    if not folder and workers > 1:
        folder, made = tempfile.mkdtemp(prefix="branch-crm-hq-metrics-"), True
    if not folder:
        yield settings
        return
    for stale in Path(folder).glob("*.json"):
        stale.unlink(missing_ok=True)
    os.environ["BRANCH_CRM_HQ_METRICS_DIR"] = folder
    try:
        yield settings.model_copy(update={"metrics_dir": folder})
    finally:
        if made:
            shutil.rmtree(folder, ignore_errors=True)


def _app(settings: HqSettings) -> Any:
    from branch_crm.hq.app import create_app

    return create_app(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create or upgrade head office's schema."""
    from branch_crm.hq.db import make_null_pool_engine
    from branch_crm.hq.schema import current_revision, migrate

    engine = make_null_pool_engine(settings_of(args).resolved_url())
    migrate(engine)
    _out(_("head-office schema at {revision}").format(revision=current_revision(engine)))
    engine.dispose()
    return 0


def cmd_branch_add(args: argparse.Namespace) -> int:
    """Create a branch (or another PC of it) and print a one-time registration code."""
    from branch_crm.hq.admin import add_branch
    from branch_crm.hq.auth import check_days

    check_days(args.days)  # before the database is opened
    with _admin_conn(args) as conn:
        code = add_branch(conn, args.code, args.name or args.code, days=args.days)
    text = ngettext(
        "branch {branch}: registration code {code} (valid {days} day, once)",
        "branch {branch}: registration code {code} (valid {days} days, once)",
        args.days,
    )
    _out(text.format(branch=args.code, code=code, days=args.days))
    return 0


def cmd_branch_rotate(args: argparse.Namespace) -> int:
    """Cancel a branch's unused registration codes and print a fresh one."""
    from branch_crm.hq.admin import rotate_codes
    from branch_crm.hq.auth import check_days

    check_days(args.days)
    with _admin_conn(args) as conn:
        cancelled, code = rotate_codes(conn, args.code, days=args.days)
    text = ngettext(
        "branch {branch}: {count} unused registration code cancelled.",
        "branch {branch}: {count} unused registration codes cancelled.",
        cancelled,
    )
    _out(text.format(branch=args.code, count=cancelled))
    text = ngettext(
        "branch {branch}: registration code {code} (valid {days} day, once)",
        "branch {branch}: registration code {code} (valid {days} days, once)",
        args.days,
    )
    _out(text.format(branch=args.code, code=code, days=args.days))
    return 0


def _files_store(args: argparse.Namespace) -> Path:
    from branch_crm.hq.backup import files_store_of

    return Path(args.files_store) if args.files_store else files_store_of(Path(args.file))


def _files_line(done: Any, store: Path, *, restoring: bool) -> str:
    """What copying the files did, in one line for IT (and a second one when some are
    missing or damaged)."""
    text = _(
        "files: {copied} copied, {present} already present, {missing} missing, "
        "{damaged} damaged (store {store})"
    ).format(copied=done.copied, present=done.present, missing=done.missing,
             damaged=done.damaged, store=store)  # fmt: skip
    if restoring and done.missing and not store.is_dir():
        text += "\n" + _(
            "There is no files store at {store} (a backup made without files?): the {count} "
            "files the database names are missing. Copy them into the files folder, or "
            "restore again with --files-store."
        ).format(store=store, count=done.missing)
    elif done.missing or done.damaged:
        text += "\n" + _(
            "Attachments whose file is missing or damaged cannot be opened on the branch PCs "
            "until their file is put back."
        )
    return text


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a backup of head office's database to a file, and its files to the store."""
    from branch_crm.hq.backup import backup, copy_files

    file = Path(args.file)
    settings = settings_of(args)
    backup(settings.resolved_url(), file)
    size = file.stat().st_size
    log.info("admin: backup written to %s (%d bytes)", file.resolve(), size)
    _out(_("backup written to {file} ({size} bytes)").format(file=file, size=size))
    if args.no_files:
        _out(_("files: not copied (--no-files); back the files folder up otherwise"))
        return 0
    store = _files_store(args)
    done = copy_files(settings.resolved_url(), settings.resolved_files_dir(), store)
    log.info(
        "admin: backup files to %s: %d copied, %d present, %d missing, %d damaged",
        store.resolve(), done.copied, done.present, done.missing, done.damaged,
    )  # fmt: skip
    _out(_files_line(done, store, restoring=False))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into head office's (empty) database, and the files it names."""
    from branch_crm.hq.backup import copy_files, restore

    settings = settings_of(args)
    done = restore(settings.resolved_url(), Path(args.file), force=args.force)
    log.info(
        "admin: backup %s restored%s (%d tables); change log goes on at %d",
        Path(args.file).resolve(), " over the database's data" if args.force else "",
        done.tables, done.next_seq,
    )  # fmt: skip
    _out(
        _(
            "{file} restored ({tables} tables). The change log goes on at {seq}. Run "
            "branch-crm-hq migrate if the backup comes from an older version."
        ).format(file=args.file, tables=done.tables, seq=done.next_seq)
    )
    if args.no_files:
        _out(_("files: not restored (--no-files); put the files folder back otherwise"))
        return 0
    store = _files_store(args)
    files_dir = settings.resolved_files_dir()
    copied = copy_files(settings.resolved_url(), store, files_dir)
    log.info(
        "admin: backup files from %s restored to %s: %d copied, %d present, %d missing, "
        "%d damaged",
        store.resolve(), files_dir.resolve(), copied.copied, copied.present, copied.missing,
        copied.damaged,
    )  # fmt: skip
    _out(_files_line(copied, store, restoring=True))
    return 0


BRANCH_HEADINGS = N_("code|name|PCs|backlog|last push|last pull|app|schema")
"""The headings of ``branch list`` in one text, so that a translator sees them together
("name" alone is a person's name elsewhere)."""
BRANCH_COLUMNS = ((10, False, 1), (20, False, 1), (3, True, 1), (8, True, 2), (16, False, 2),
                  (16, False, 2), (8, False, 1), (0, False, 0))  # fmt: skip
"""Per column of ``branch list``: least width, right-aligned, spaces after it."""


def cmd_branch_list(args: argparse.Namespace) -> int:
    """Print every branch with its sync health."""
    from branch_crm.hq.admin import list_branches

    with _admin_conn(args) as conn:
        rows = list_branches(conn)
    if args.json:
        _out(json.dumps([r.__dict__ for r in rows], default=str, ensure_ascii=False))
        return 0
    headings = translated_headings(BRANCH_HEADINGS, len(BRANCH_COLUMNS))
    widths = [max(c[0], columns(h)) for h, c in zip(headings, BRANCH_COLUMNS, strict=True)]
    _out(_branch_line(headings, widths))
    for r in rows:
        cells = [r.code, r.name, str(r.nodes), str(r.backlog), when(r.last_push_at)]
        cells += [when(r.last_pull_at), r.app_version or "-", r.schema_version or "-"]
        _out(_branch_line(cells, widths))
    return 0


def _branch_line(cells: list[str], widths: list[int]) -> str:
    """One line of the ``branch list`` table; a long name is cut to its column."""
    parts: list[str] = []
    for index, (cell, width, (_least, right, gap)) in enumerate(
        zip(cells, widths, BRANCH_COLUMNS, strict=True)
    ):
        last = index == len(cells) - 1
        parts.append((cell if last else pad(cell, width, right=right, cut=index == 1)) + " " * gap)
    return "".join(parts)


PC_HEADINGS = N_("token id|branch|PC|node|app|schema|registered|last seen|revoked")
"""The headings of ``pc list`` in one text, so that a translator sees them together."""
PC_WIDTHS = (16, 10, 3, 16, 8, 6, 16, 16, 0)
"""Least width of each column of ``pc list`` (the last one is not padded)."""


def cmd_pc_list(args: argparse.Namespace) -> int:
    """Print every registered PC (of one branch with --branch)."""
    from branch_crm.hq.admin import list_pcs

    with _admin_conn(args) as conn:
        rows = list_pcs(conn, args.branch)
    if args.json:
        _out(json.dumps([r.__dict__ for r in rows], default=str, ensure_ascii=False))
        return 0
    headings = translated_headings(PC_HEADINGS, len(PC_WIDTHS))
    print_table([headings, *(_pc_cells(r) for r in rows)], PC_WIDTHS)
    return 0


def _pc_cells(row: Any) -> list[str]:
    """One PC as the cells of ``pc list``."""
    cells = [row.token_id, row.branch, row.pc_code or "-", row.node_id or "-"]
    cells += [row.app_version or "-", row.schema_version or "-", when(row.registered_at)]
    return [*cells, when(row.last_seen_at), when(row.revoked_at) if row.revoked_at else "-"]


def cmd_pc_revoke(args: argparse.Namespace) -> int:
    """Revoke one PC's token; its next sync is refused and its queue stays on the PC."""
    from branch_crm.hq.admin import revoke_pc

    with _admin_conn(args) as conn:
        pc, now = revoke_pc(conn, args.token_id)
    values = {"pc": pc.pc_code or "-", "branch": pc.branch, "token_id": pc.token_id}
    if now:
        text = _("PC {pc} of branch {branch} revoked (token {token_id}): its next sync is "
                 "refused; what it has not sent yet stays on it.")  # fmt: skip
    else:
        text = _("PC {pc} of branch {branch} (token {token_id}) was already revoked on {when}.")
        values["when"] = when(pc.revoked_at)
    _out(text.format(**values))
    return 0


QUARANTINE_HEADINGS = N_("id|received|branch|PC|table|row|reason|why")
"""The headings of ``quarantine list`` in one text, so that a translator sees them together."""
QUARANTINE_WIDTHS = (8, 16, 6, 2, 12, 36, 9, 0)
"""Least width of each column of ``quarantine list`` (the last one is not padded)."""
QUARANTINE_LABELS = N_("id|received|branch|PC|node|batch|table|row|operation|stamp|reason|why|data")
"""The labels of ``quarantine show``, in one text like the headings of a table."""


def _quarantine_json(row: Any) -> str:
    return json.dumps(row.__dict__, default=str, ensure_ascii=False)


def cmd_dashboard_rebuild(args: argparse.Namespace) -> int:
    """Count the dashboard's summaries again (PostgreSQL)."""
    import time

    from branch_crm.hq import summary
    from branch_crm.hq.db import is_postgres

    started = time.perf_counter()
    with _admin_conn(args) as conn:
        if not is_postgres(conn):
            _out(_("The dashboard keeps no summaries on SQLite: its pages count live."))
            return 0
        rows = summary.rebuild(conn)
    seconds = time.perf_counter() - started
    log.info("admin: dashboard summaries rebuilt (%s) in %.1f s", rows, seconds)
    _out(
        _("Dashboard summaries rebuilt in {seconds:.1f} s ({rows} rows).").format(
            seconds=seconds, rows=sum(rows.values())
        )
    )
    return 0


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    """Print the newest changes head office set aside (of one branch with --branch)."""
    from branch_crm.hq.quarantine import list_quarantined

    with _admin_conn(args) as conn:
        rows, total = list_quarantined(conn, branch=args.branch, limit=args.limit)
    if args.json:
        _out("[" + ", ".join(_quarantine_json(r) for r in rows) + "]")
        return 0
    if not rows:
        _out(_("Nothing is quarantined."))
        return 0
    headings = translated_headings(QUARANTINE_HEADINGS, len(QUARANTINE_WIDTHS))
    print_table([headings, *(_quarantine_cells(r) for r in rows)], QUARANTINE_WIDTHS)
    if total > len(rows):
        text = ngettext(
            "{shown} of {total} change shown, newest first (--limit shows more).",
            "{shown} of {total} changes shown, newest first (--limit shows more).",
            total,
        )
        _out(text.format(shown=len(rows), total=total))
    return 0


def _quarantine_cells(row: Any) -> list[str]:
    """One quarantined change as the cells of ``quarantine list``."""
    cells = [row.id[:8], when(row.at), row.branch, row.pc_code or "-", row.table, row.pk]
    return [*cells, row.reason, " ".join(row.detail.split())]


def cmd_quarantine_show(args: argparse.Namespace) -> int:
    """Print one quarantined change in full: where it came from, why, and what it carried."""
    from branch_crm.hq.quarantine import find_quarantined

    with _admin_conn(args) as conn:
        row = find_quarantined(conn, args.id)
    if args.json:
        _out(_quarantine_json(row))
        return 0
    values = [row.id, when(row.at), row.branch, row.pc_code or "-", row.node_id or "-"]
    values += [row.batch_id, row.table, row.pk, row.op, row.hlc, row.reason, row.detail]
    data = json.dumps(row.data, ensure_ascii=False, indent=2, default=str)
    labels = translated_headings(QUARANTINE_LABELS, len(values) + 1)
    width = max(columns(label) for label in labels)
    data = data.replace("\n", "\n" + " " * (width + 2))  # under its label's value column
    for label, value in zip(labels, [*values, data], strict=True):
        _out(f"{pad(label, width)}  {value}")
    return 0


def _reference_values(args: argparse.Namespace) -> dict[str, Any]:
    kind = args.kind
    if kind in ("category", "root-cause"):
        return {
            "list_kind": "complaint_category" if kind == "category" else "root_cause",
            "code": args.code,
            "name_zh": args.name_zh,
            "name_en": args.name_en,
            "sort_order": args.sort,
            "active": True,
        }
    if kind == "festival":
        try:
            day = date.fromisoformat(args.day)
        except ValueError:
            raise ValueError(_("{day} is not a date (YYYY-MM-DD)").format(day=args.day)) from None
        return {"festival": args.festival, "day": day}
    if kind == "holiday":
        try:
            day = date.fromisoformat(args.day)
        except ValueError:
            raise ValueError(_("{day} is not a date (YYYY-MM-DD)").format(day=args.day)) from None
        return {"day": day, "name": args.name, "is_workday": args.workday}
    from branch_crm.reference.schema import check_reference

    try:
        data = json.loads(Path(args.json_file).read_text(encoding="utf-8"))
        return check_reference(REFERENCE[kind], data)
    except json.JSONDecodeError as exc:
        message = _("{file}: not valid JSON ({error})")
        raise ValueError(message.format(file=args.json_file, error=exc)) from None
    except ValueError as exc:
        raise ValueError(f"{args.json_file}: {exc}") from None


def cmd_ref_add(args: argparse.Namespace) -> int:
    """Add a reference row; it flows to every branch on its next pull."""
    from branch_crm.hq.admin import write_reference

    values = _reference_values(args)
    pk = args.id
    if pk is None and args.kind == "festival":  # one row per festival and year
        from branch_crm.reference.festivals import festival_id

        pk = festival_id(values["festival"], values["day"].year)
    with _admin_conn(args) as conn:
        row_id = write_reference(conn, REFERENCE[args.kind], values, pk=pk)
    _out(_("{kind} saved ({id})").format(kind=_(KIND_NAMES[args.kind]), id=row_id))
    return 0


def cmd_ref_list(args: argparse.Namespace) -> int:
    """Print the live rows of one kind of reference data as JSON lines."""
    from branch_crm.hq.admin import list_reference

    with _admin_conn(args) as conn:
        rows = list_reference(conn, REFERENCE[args.kind])
    for row in rows:
        _out(json.dumps(row, default=str, ensure_ascii=False))
    return 0
