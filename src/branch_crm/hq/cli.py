"""``branch-crm-hq``: serve head office, migrate its database, manage branches and reference
data. Reads ``BRANCH_CRM_HQ_DATABASE_URL`` (default: SQLite file ``hq.db`` in the data folder).

It speaks ``--lang``, else the OS language (head office has no saved setting); the language is
settled before the parser is built, as in ``branch-crm``, whose parser pieces it shares.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from branch_crm import i18n
from branch_crm.argparse_i18n import Parser, columns, option_value, translate_argparse
from branch_crm.hq.settings import HqSettings
from branch_crm.i18n import LANGUAGES, N_, _, ngettext

REFERENCE = {
    "category": "reference_code",
    "root-cause": "reference_code",
    "sla": "sla_policy",
    "survey-template": "survey_template",
    "holiday": "holiday",
}
KIND_NAMES = {
    "category": N_("complaint category"),
    "root-cause": N_("root cause"),
    "sla": N_("SLA policy"),
    "survey-template": N_("survey template"),
    "holiday": N_("holiday"),
}
"""What each kind of reference data is called in messages."""


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
    from branch_crm.hq.db import make_null_pool_engine
    from branch_crm.hq.schema import current_revision, migrate

    engine = make_null_pool_engine(_settings(args).resolved_url())
    migrate(engine)
    _out(_("head-office schema at {revision}").format(revision=current_revision(engine)))
    engine.dispose()
    return 0


def cmd_branch_add(args: argparse.Namespace) -> int:
    """Create a branch (or another PC of it) and print a one-time registration code."""
    from branch_crm.hq.admin import add_branch
    from branch_crm.hq.auth import check_days

    check_days(args.days)  # before the database is opened
    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        code = add_branch(conn, args.code, args.name or args.code, days=args.days)
    engine.dispose()
    text = ngettext(
        "branch {branch}: registration code {code} (valid {days} day, once)",
        "branch {branch}: registration code {code} (valid {days} days, once)",
        args.days,
    )
    _out(text.format(branch=args.code, code=code, days=args.days))
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

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        rows = list_branches(conn)
    engine.dispose()
    if args.json:
        _out(json.dumps([r.__dict__ for r in rows], default=str, ensure_ascii=False))
        return 0
    headings = _(BRANCH_HEADINGS).split("|")
    if len(headings) != len(BRANCH_COLUMNS):  # a broken translation: the English ones
        headings = BRANCH_HEADINGS.split("|")
    widths = [max(c[0], columns(h)) for h, c in zip(headings, BRANCH_COLUMNS, strict=True)]
    _out(_branch_line(headings, widths))
    for r in rows:
        cells = [r.code, r.name, str(r.nodes), str(r.backlog), _when(r.last_push_at)]
        cells += [_when(r.last_pull_at), r.app_version or "-", r.schema_version or "-"]
        _out(_branch_line(cells, widths))
    return 0


def _branch_line(cells: list[str], widths: list[int]) -> str:
    """One line of the ``branch list`` table; a long name is cut to its column."""
    parts: list[str] = []
    for index, (cell, width, (_least, right, gap)) in enumerate(
        zip(cells, widths, BRANCH_COLUMNS, strict=True)
    ):
        last = index == len(cells) - 1
        parts.append((cell if last else _pad(cell, width, right=right, cut=index == 1)) + " " * gap)
    return "".join(parts)


def _pad(text: str, width: int, *, right: bool = False, cut: bool = True) -> str:
    """``text`` padded to ``width`` terminal columns (Chinese characters take two), on the
    left when ``right``; a longer text is cut to fit unless ``cut`` is false."""
    out, used = "", 0
    for char in text:
        size = columns(char)
        if cut and used + size > width:
            break
        out, used = out + char, used + size
    fill = " " * max(width - used, 0)
    return fill + out if right else out + fill


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else _("never")


PC_HEADINGS = N_("token id|branch|PC|node|app|schema|registered|last seen|revoked")
"""The headings of ``pc list`` in one text, so that a translator sees them together."""
PC_WIDTHS = (16, 10, 3, 16, 8, 6, 16, 16, 0)
"""Least width of each column of ``pc list`` (the last one is not padded)."""


def cmd_pc_list(args: argparse.Namespace) -> int:
    """Print every registered PC (of one branch with --branch)."""
    from branch_crm.hq.admin import list_pcs

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        rows = list_pcs(conn, args.branch)
    engine.dispose()
    if args.json:
        _out(json.dumps([r.__dict__ for r in rows], default=str, ensure_ascii=False))
        return 0
    headings = _(PC_HEADINGS).split("|")
    if len(headings) != len(PC_WIDTHS):  # a broken translation: the English ones
        headings = PC_HEADINGS.split("|")
    _print_table([headings, *(_pc_cells(r) for r in rows)], PC_WIDTHS)
    return 0


def _print_table(table: list[list[str]], least: Sequence[int]) -> None:
    """Rows of cells in columns as wide as their widest cell (Chinese characters take two)."""
    widths = [max([w, *(columns(line[i]) for line in table)]) for i, w in enumerate(least)]
    for line in table:
        cells = (_pad(cell, width, cut=False) for cell, width in zip(line, widths, strict=True))
        _out("  ".join(cells).rstrip())


def _pc_cells(row: Any) -> list[str]:
    """One PC as the cells of ``pc list``."""
    cells = [row.token_id, row.branch, row.pc_code or "-", row.node_id or "-"]
    cells += [row.app_version or "-", row.schema_version or "-", _when(row.registered_at)]
    return [*cells, _when(row.last_seen_at), _when(row.revoked_at) if row.revoked_at else "-"]


def cmd_pc_revoke(args: argparse.Namespace) -> int:
    """Revoke one PC's token; its next sync is refused and its queue stays on the PC."""
    from branch_crm.hq.admin import revoke_pc

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        pc, now = revoke_pc(conn, args.token_id)
    engine.dispose()
    values = {"pc": pc.pc_code or "-", "branch": pc.branch, "token_id": pc.token_id}
    if now:
        text = _("PC {pc} of branch {branch} revoked (token {token_id}): its next sync is "
                 "refused; what it has not sent yet stays on it.")  # fmt: skip
    else:
        text = _("PC {pc} of branch {branch} (token {token_id}) was already revoked on {when}.")
        values["when"] = _when(pc.revoked_at)
    _out(text.format(**values))
    return 0


QUARANTINE_HEADINGS = N_("id|received|branch|PC|table|row|reason|why")
"""The headings of ``quarantine list`` in one text, so that a translator sees them together."""
QUARANTINE_WIDTHS = (8, 16, 6, 2, 12, 36, 9, 0)
"""Least width of each column of ``quarantine list`` (the last one is not padded)."""
QUARANTINE_LABELS = N_("id|received|branch|PC|node|batch|table|row|operation|stamp|reason|why|data")
"""The labels of ``quarantine show``, in one text like the headings of a table."""


def _positive(text: str) -> int:
    """An argument that must be a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        message = _("{value} is not a whole number of 1 or more")
        raise argparse.ArgumentTypeError(message.format(value=text))
    return value


def _headings(text: str, count: int) -> list[str]:
    """The translated ``|``-separated headings (the English ones if a translation breaks)."""
    headings = _(text).split("|")
    return headings if len(headings) == count else text.split("|")


def _quarantine_json(row: Any) -> str:
    return json.dumps(row.__dict__, default=str, ensure_ascii=False)


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    """Print the newest changes head office set aside (of one branch with --branch)."""
    from branch_crm.hq.quarantine import list_quarantined

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        rows, total = list_quarantined(conn, branch=args.branch, limit=args.limit)
    engine.dispose()
    if args.json:
        _out("[" + ", ".join(_quarantine_json(r) for r in rows) + "]")
        return 0
    if not rows:
        _out(_("Nothing is quarantined."))
        return 0
    headings = _headings(QUARANTINE_HEADINGS, len(QUARANTINE_WIDTHS))
    _print_table([headings, *(_quarantine_cells(r) for r in rows)], QUARANTINE_WIDTHS)
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
    cells = [row.id[:8], _when(row.at), row.branch, row.pc_code or "-", row.table, row.pk]
    return [*cells, row.reason, " ".join(row.detail.split())]


def cmd_quarantine_show(args: argparse.Namespace) -> int:
    """Print one quarantined change in full: where it came from, why, and what it carried."""
    from branch_crm.hq.quarantine import find_quarantined

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        row = find_quarantined(conn, args.id)
    engine.dispose()
    if args.json:
        _out(_quarantine_json(row))
        return 0
    values = [row.id, _when(row.at), row.branch, row.pc_code or "-", row.node_id or "-"]
    values += [row.batch_id, row.table, row.pk, row.op, row.hlc, row.reason, row.detail]
    data = json.dumps(row.data, ensure_ascii=False, indent=2, default=str)
    labels = _headings(QUARANTINE_LABELS, len(values) + 1)
    width = max(columns(label) for label in labels)
    data = data.replace("\n", "\n" + " " * (width + 2))  # under its label's value column
    for label, value in zip(labels, [*values, data], strict=True):
        _out(f"{_pad(label, width)}  {value}")
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
    if kind == "holiday":
        try:
            day = date.fromisoformat(args.day)
        except ValueError:
            raise ValueError(_("{day} is not a date (YYYY-MM-DD)").format(day=args.day)) from None
        return {"day": day, "name": args.name, "is_workday": args.workday}
    from branch_crm.hq.reference_check import check_reference

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

    engine, conn = _write_conn(_settings(args))
    with conn, conn.begin():
        row_id = write_reference(conn, REFERENCE[args.kind], _reference_values(args), pk=args.id)
    engine.dispose()
    _out(_("{kind} saved ({id})").format(kind=_(KIND_NAMES[args.kind]), id=row_id))
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
    """The ``branch-crm-hq`` command line, its texts in the current language (set it first:
    help texts are translated as they are added)."""
    translate_argparse()
    parser = Parser(
        prog="branch-crm-hq",
        description=_(
            "Branch CRM head office: the service the branches sync with, its database, "
            "the branches and the reference data they receive."
        ),
    )
    parser.add_argument(
        "--db", help=_("database URL (default: $BRANCH_CRM_HQ_DATABASE_URL or hq.db)")
    )
    parser.add_argument(
        "--lang",
        choices=sorted(LANGUAGES),
        help=_("language of help and messages (default: the OS language)"),
    )
    sub = parser.add_subparsers(
        dest="command", required=True, title=_("commands"), metavar="COMMAND"
    )
    _add_serve(sub)
    migrate = sub.add_parser(
        "migrate",
        help=_("create or upgrade the schema"),
        description=_("Create head office's database schema, or upgrade it to this version."),
    )
    migrate.set_defaults(handler=cmd_migrate)
    _add_branch(sub)
    _add_pc(sub)
    _add_quarantine(sub)
    _add_ref(sub)
    ls = sub.add_parser(
        "ref-list",
        help=_("list reference data of one kind"),
        description=_("Print the current rows of one kind of reference data, one JSON per line."),
    )
    ls.add_argument("kind", choices=sorted(REFERENCE), help=_("kind of reference data"))
    ls.set_defaults(handler=cmd_ref_list)
    return parser


def _add_listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help=_("address to listen on (default: %(default)s)")
    )
    parser.add_argument(
        "--port", type=int, default=8765, help=_("port to listen on (default: %(default)s)")
    )


def _add_serve(sub: Any) -> None:
    """``serve`` and ``migrate-and-serve``."""
    serve = sub.add_parser(
        "serve",
        help=_("run the HTTP service"),
        description=_("Run the HTTP service the branches sync with, until stopped (Ctrl+C)."),
    )
    _add_listen_options(serve)
    serve.add_argument(
        "--workers", type=int, default=1, help=_("worker processes (default: %(default)s)")
    )
    serve.add_argument("--migrate", action="store_true", help=_("migrate the database first"))
    serve.set_defaults(handler=cmd_serve)
    both = sub.add_parser(
        "migrate-and-serve",
        help=_("migrate, then serve (one worker)"),
        description=_("Migrate the database, then run the HTTP service with one worker."),
    )
    _add_listen_options(both)
    both.set_defaults(handler=cmd_serve, migrate=True, workers=1)


def _add_branch(sub: Any) -> None:
    """``branch add`` and ``branch list``."""
    branch = sub.add_parser(
        "branch",
        help=_("branches and registration codes"),
        description=_("Add branches and registration codes for their PCs; see their sync health."),
    )
    bsub = branch.add_subparsers(
        dest="branch_command", required=True, title=_("branch commands"), metavar="SUBCOMMAND"
    )
    add = bsub.add_parser(
        "add",
        help=_("add a branch (or another PC) and print a one-time code"),
        description=_(
            "Add the branch if it is new and print a registration code that one PC of it "
            "can use once. Run it again for each further PC of the branch."
        ),
    )
    add.add_argument("code", help=_("branch code (letters and digits, 16 at most)"))
    add.add_argument("name", nargs="?", help=_("branch name (default: the code)"))
    add.add_argument(
        "--days",
        type=int,
        default=7,
        help=_("days the code stays valid, 1 to 365 (default: %(default)s)"),
    )
    add.set_defaults(handler=cmd_branch_add)
    lst = bsub.add_parser(
        "list",
        help=_("branches with last sync, backlog and versions"),
        description=_(
            "Every branch with its PCs, the changes its slowest PC has not received yet, "
            "its last push and pull, and the app and schema version of its newest PC."
        ),
    )
    lst.add_argument("--json", action="store_true", help=_("machine-readable output"))
    lst.set_defaults(handler=cmd_branch_list)


def _add_pc(sub: Any) -> None:
    """``pc list`` and ``pc revoke``."""
    pc = sub.add_parser(
        "pc",
        help=_("registered PCs and their tokens"),
        description=_("See the PCs registered with head office; revoke a lost or retired one."),
    )
    psub = pc.add_subparsers(
        dest="pc_command", required=True, title=_("PC commands"), metavar="SUBCOMMAND"
    )
    lst = psub.add_parser(
        "list",
        help=_("registered PCs with their codes and last contact"),
        description=_(
            "Every registered PC: its token id, branch, PC code (in the numbers it makes), "
            "node id, app and schema version, when it registered, when it was last seen and "
            "whether it is revoked."
        ),
    )
    lst.add_argument("--branch", metavar="CODE", help=_("only the PCs of this branch"))
    lst.add_argument("--json", action="store_true", help=_("machine-readable output"))
    lst.set_defaults(handler=cmd_pc_list)
    revoke = psub.add_parser(
        "revoke",
        help=_("revoke a PC's token"),
        description=_(
            "Revoke a PC's token (see pc list): head office refuses its next sync and it keeps "
            "its unsent changes. Register it again with a new code to let it sync."
        ),
    )
    revoke.add_argument("token_id", help=_("the token id shown by pc list"))
    revoke.set_defaults(handler=cmd_pc_revoke)


def _add_quarantine(sub: Any) -> None:
    """``quarantine list`` and ``quarantine show``."""
    quarantine = sub.add_parser(
        "quarantine",
        help=_("changes head office set aside, and why"),
        description=_(
            "See the changes from branches that head office did not apply (a value it cannot "
            "store, a record the branch may not change) and why. The branch's supervisors see "
            "each one too; sync went on without it."
        ),
    )
    qsub = quarantine.add_subparsers(
        dest="quarantine_command", required=True, title=_("quarantine commands"),
        metavar="SUBCOMMAND",
    )  # fmt: skip
    lst = qsub.add_parser(
        "list",
        help=_("the newest changes set aside"),
        description=_(
            "The newest changes set aside first: the start of their id, when they came, "
            "branch, PC, table, record id, reason and why."
        ),
    )
    lst.add_argument("--branch", metavar="CODE", help=_("only the changes of this branch"))
    lst.add_argument(
        "--limit",
        type=_positive,
        default=50,
        metavar="N",
        help=_("show at most N changes (default: %(default)s)"),
    )
    lst.add_argument("--json", action="store_true", help=_("machine-readable output"))
    lst.set_defaults(handler=cmd_quarantine_list)
    show = qsub.add_parser(
        "show",
        help=_("one change set aside, in full"),
        description=_(
            "One change set aside, in full: the PC and batch it came with, its stamp, why it "
            "was set aside and the values it carried."
        ),
    )
    show.add_argument("id", help=_("its id, or the start of it that quarantine list shows"))
    show.add_argument("--json", action="store_true", help=_("machine-readable output"))
    show.set_defaults(handler=cmd_quarantine_show)


def _add_ref(sub: Any) -> None:
    """``ref KIND ...``: one sub-command per kind of reference data."""
    ref = sub.add_parser(
        "ref",
        help=_("reference data that flows to every branch"),
        description=_("Add or change reference data; every branch receives it at its next sync."),
    )
    rsub = ref.add_subparsers(
        dest="kind", required=True, title=_("kinds of reference data"), metavar="KIND"
    )
    helps = {
        "category": _("add or change a complaint category"),
        "root-cause": _("add or change a root cause"),
    }
    for kind, text in helps.items():
        p = rsub.add_parser(kind, help=text, description=text)
        p.add_argument("code", help=_("code (the same in every language)"))
        p.add_argument("name_zh", help=_("name in Simplified Chinese"))
        p.add_argument("name_en", help=_("name in English"))
        p.add_argument(
            "--sort",
            type=int,
            default=0,
            help=_("place in lists, smaller first (default: %(default)s)"),
        )
        _add_id_option(p)
    text = _("add a public holiday or make-up working day")
    hol = rsub.add_parser("holiday", help=text, description=text)
    hol.add_argument("day", help=_("the date, YYYY-MM-DD"))
    hol.add_argument("name", help=_("name of the holiday"))
    hol.add_argument(
        "--workday", action="store_true", help=_("a make-up working day instead of a day off")
    )
    _add_id_option(hol)
    files = {
        "sla": _("add or change the SLA policy from a JSON file"),
        "survey-template": _("add or change a survey template from a JSON file"),
    }
    for kind, text in files.items():
        p = rsub.add_parser(kind, help=text, description=text)
        p.add_argument("json_file", help=_("JSON file (checked before it is saved)"))
        _add_id_option(p)
    for p in rsub.choices.values():
        p.set_defaults(handler=cmd_ref_add)


def _add_id_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", help=_("change the row with this id instead of adding one"))


@contextmanager
def _admin_log(args: argparse.Namespace) -> Iterator[None]:
    """While a command runs, head office's log records (its admin actions: branch added,
    code issued, PC revoked, reference data changed; never a secret) go to stderr as JSON
    lines, like the service's own. ``serve`` sets up its logging itself."""
    if args.handler is cmd_serve:
        yield
        return
    from branch_crm.hq.logs import JsonFormatter
    from branch_crm.logsetup import StderrHandler

    logger = logging.getLogger("branch_crm.hq")
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter())
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(_settings(args).log_level.upper())
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def command_language(argv: Sequence[str]) -> str:
    """The language of a command line: ``--lang``, else the OS language."""
    wanted = option_value(argv, "--lang")
    if wanted is not None and wanted in LANGUAGES:
        return wanted
    return i18n.system_language()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``branch-crm-hq``."""
    from branch_crm.hq.errors import HqError

    argv = list(sys.argv[1:] if argv is None else argv)
    language = command_language(argv)
    if language != i18n.current_language():
        i18n.set_language(language)  # before the parser: its help texts are translated
    args = build_parser().parse_args(argv)
    try:
        with _admin_log(args):
            return int(args.handler(args))
    except HqError as exc:
        sys.stderr.write(_("error: {message}").format(message=exc.render(_)) + "\n")
        return 2
    except (ValueError, OSError) as exc:
        sys.stderr.write(_("error: {message}").format(message=exc) + "\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
