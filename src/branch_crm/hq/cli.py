"""``branch-crm-hq``: serve head office, migrate its database, manage branches and reference
data. Reads ``BRANCH_CRM_HQ_DATABASE_URL`` (default: SQLite file ``hq.db`` in the data folder)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from branch_crm.hq.settings import HqSettings

REFERENCE = {
    "category": "reference_code",
    "root-cause": "reference_code",
    "sla": "sla_policy",
    "survey-template": "survey_template",
    "holiday": "holiday",
}


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _settings(args: argparse.Namespace) -> HqSettings:
    settings = HqSettings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return settings


def _write_conn(settings: HqSettings) -> Any:
    from branch_crm.hq.db import WRITE_OPTION, make_null_pool_engine

    engine = make_null_pool_engine(settings.resolved_url())
    return engine, engine.connect().execution_options(**{WRITE_OPTION: True})


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the HTTP service with uvicorn."""
    import os

    import uvicorn

    from branch_crm.hq.logs import setup_json_logging

    settings = _settings(args)
    if args.db:
        os.environ["BRANCH_CRM_HQ_DATABASE_URL"] = args.db
    setup_json_logging(settings.log_level)
    if args.migrate:
        cmd_migrate(args)
    from branch_crm.hq.app import tune_gc

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


def _app(settings: HqSettings) -> Any:
    from branch_crm.hq.app import create_app

    return create_app(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create or upgrade head office's schema."""
    from branch_crm.hq.db import current_revision, make_null_pool_engine, migrate

    engine = make_null_pool_engine(_settings(args).resolved_url())
    migrate(engine)
    _out(f"head-office schema at {current_revision(engine)}")
    engine.dispose()
    return 0


def cmd_branch_add(args: argparse.Namespace) -> int:
    """Create a branch (or another PC of it) and print a one-time registration code."""
    from branch_crm.hq.admin import add_branch

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        code = add_branch(conn, args.code, args.name or args.code, days=args.days)
    engine.dispose()
    _out(f"branch {args.code}: registration code {code} (valid {args.days} days, once)")
    return 0


def cmd_branch_list(args: argparse.Namespace) -> int:
    """Print every branch with its sync health."""
    from branch_crm.hq.admin import list_branches

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        rows = list_branches(conn)
    engine.dispose()
    if args.json:
        _out(json.dumps([r.__dict__ for r in rows], default=str, ensure_ascii=False))
        return 0
    _out(
        f"{'code':<10} {_pad('name', 20)} {'PCs':>3} {'backlog':>8}  "
        f"{'last push':<16}  {'last pull':<16}  {'app':<8} schema"
    )
    for r in rows:
        _out(
            f"{r.code:<10} {_pad(r.name, 20)} {r.nodes:>3} {r.backlog:>8}  "
            f"{_when(r.last_push_at):<16}  {_when(r.last_pull_at):<16}  "
            f"{r.app_version or '-':<8} {r.schema_version or '-'}"
        )
    return 0


def _pad(text: str, width: int) -> str:
    """``text`` cut and padded to ``width`` terminal columns (Chinese characters take two)."""
    import unicodedata

    out, used = "", 0
    for char in text:
        size = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used + size > width:
            break
        out, used = out + char, used + size
    return out + " " * (width - used)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"


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
    if kind == "holiday":
        return {"day": date.fromisoformat(args.day), "name": args.name, "is_workday": args.workday}
    from branch_crm.hq.reference_check import check_reference

    try:
        data = json.loads(Path(args.json_file).read_text(encoding="utf-8"))
        return check_reference(REFERENCE[kind], data)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{args.json_file}: not valid JSON ({exc})") from None
    except ValueError as exc:
        raise ValueError(f"{args.json_file}: {exc}") from None


def cmd_ref_add(args: argparse.Namespace) -> int:
    """Add a reference row; it flows to every branch on its next pull."""
    from branch_crm.hq.admin import write_reference

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        row_id = write_reference(conn, REFERENCE[args.kind], _reference_values(args), pk=args.id)
    engine.dispose()
    _out(f"{args.kind} saved ({row_id})")
    return 0


def cmd_ref_list(args: argparse.Namespace) -> int:
    """Print the live rows of one kind of reference data as JSON lines."""
    from branch_crm.hq.admin import list_reference

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        rows = list_reference(conn, REFERENCE[args.kind])
    engine.dispose()
    for row in rows:
        _out(json.dumps(row, default=str, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``branch-crm-hq`` command line."""
    parser = argparse.ArgumentParser(prog="branch-crm-hq", description="Branch CRM head office")
    parser.add_argument("--db", help="database URL (default: $BRANCH_CRM_HQ_DATABASE_URL or hq.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--migrate", action="store_true", help="migrate the database first")
    serve.set_defaults(handler=cmd_serve)
    both = sub.add_parser("migrate-and-serve", help="migrate, then serve (one worker)")
    both.add_argument("--host", default="127.0.0.1")
    both.add_argument("--port", type=int, default=8765)
    both.set_defaults(handler=cmd_serve, migrate=True, workers=1)
    sub.add_parser("migrate", help="create or upgrade the schema").set_defaults(handler=cmd_migrate)
    branch = sub.add_parser("branch", help="branches and registration codes")
    bsub = branch.add_subparsers(dest="branch_command", required=True)
    add = bsub.add_parser("add", help="add a branch (or another PC) and print a one-time code")
    add.add_argument("code")
    add.add_argument("name", nargs="?")
    add.add_argument("--days", type=int, default=7, help="days the code stays valid")
    add.set_defaults(handler=cmd_branch_add)
    lst = bsub.add_parser("list", help="branches with last sync, backlog and versions")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_branch_list)
    ref = sub.add_parser("ref", help="reference data that flows to every branch")
    rsub = ref.add_subparsers(dest="kind", required=True)
    for kind in ("category", "root-cause"):
        p = rsub.add_parser(kind, help=f"add or change a {kind}")
        p.add_argument("code")
        p.add_argument("name_zh")
        p.add_argument("name_en")
        p.add_argument("--sort", type=int, default=0)
        p.add_argument("--id", help="change the row with this id instead of adding one")
        p.add_argument("--list", action="store_true", help="list instead of adding")
    hol = rsub.add_parser("holiday", help="add a public holiday or make-up working day")
    hol.add_argument("day", help="YYYY-MM-DD")
    hol.add_argument("name")
    hol.add_argument("--workday", action="store_true")
    hol.add_argument("--id")
    for kind in ("sla", "survey-template"):
        p = rsub.add_parser(kind, help=f"add or change a {kind} from a JSON file")
        p.add_argument("json_file")
        p.add_argument("--id")
    for p in rsub.choices.values():
        p.set_defaults(handler=cmd_ref_add)
    ls = sub.add_parser("ref-list", help="list reference data of one kind")
    ls.add_argument("kind", choices=sorted(REFERENCE))
    ls.set_defaults(handler=cmd_ref_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``branch-crm-hq``."""
    from branch_crm.hq.errors import HqError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except HqError as exc:
        sys.stderr.write(f"error: {exc.detail}\n")
        return 2
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
