"""``branch-crm-hq``: serve head office, migrate its database, manage branches and reference
data. Reads ``BRANCH_CRM_HQ_DATABASE_URL`` (default: SQLite file ``hq.db`` in the data folder).

It speaks ``--lang``, else the OS language (head office has no saved setting); the language is
settled before the parser is built, as in ``branch-crm``, whose parser pieces it shares. This
module is the parser and the entry point; the commands are in :mod:`branch_crm.hq.cli_commands`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from branch_crm import i18n
from branch_crm.argparse_i18n import (
    Parser,
    SubParsers,
    add_command,
    add_group,
    add_json_option,
    option_value,
    translate_argparse,
)
from branch_crm.hq.cli_commands import (
    REFERENCE,
    cmd_backup,
    cmd_branch_add,
    cmd_branch_list,
    cmd_branch_rotate,
    cmd_dashboard_rebuild,
    cmd_migrate,
    cmd_pc_list,
    cmd_pc_revoke,
    cmd_quarantine_list,
    cmd_quarantine_show,
    cmd_ref_add,
    cmd_ref_list,
    cmd_restore,
    cmd_serve,
    settings_of,
)
from branch_crm.hq.cli_users import add_user_commands
from branch_crm.i18n import LANGUAGES, _
from branch_crm.reference.festivals import FESTIVALS


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
    add_command(
        sub,
        "migrate",
        help=_("create or upgrade the schema"),
        description=_("Create head office's database schema, or upgrade it to this version."),
        handler=cmd_migrate,
    )
    _add_backup(sub)
    _add_branch(sub)
    _add_pc(sub)
    _add_quarantine(sub)
    _add_dashboard(sub)
    add_user_commands(sub)
    _add_ref(sub)
    ls = add_command(
        sub,
        "ref-list",
        help=_("list reference data of one kind"),
        description=_("Print the current rows of one kind of reference data, one JSON per line."),
        handler=cmd_ref_list,
    )
    ls.add_argument(
        "kind",
        choices=sorted(REFERENCE),
        metavar="kind",
        help=_("kind of reference data: {kinds}").format(kinds=", ".join(sorted(REFERENCE))),
    )
    return parser


def _add_listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help=_("address to listen on (default: %(default)s)")
    )
    parser.add_argument(
        "--port", type=int, default=8765, help=_("port to listen on (default: %(default)s)")
    )


def _add_serve(sub: SubParsers) -> None:
    """``serve`` and ``migrate-and-serve``."""
    serve = add_command(
        sub,
        "serve",
        help=_("run the HTTP service"),
        description=_("Run the HTTP service the branches sync with, until stopped (Ctrl+C)."),
        handler=cmd_serve,
    )
    _add_listen_options(serve)
    serve.add_argument(
        "--workers", type=int, default=1, help=_("worker processes (default: %(default)s)")
    )
    serve.add_argument("--migrate", action="store_true", help=_("migrate the database first"))
    both = add_command(
        sub,
        "migrate-and-serve",
        help=_("migrate, then serve (one worker)"),
        description=_("Migrate the database, then run the HTTP service with one worker."),
        handler=cmd_serve,
        migrate=True,
        workers=1,
    )
    _add_listen_options(both)


def _add_backup(sub: SubParsers) -> None:
    """``backup`` and ``restore``."""
    back = add_command(
        sub,
        "backup",
        help=_("write a backup of the database to a file"),
        description=_(
            "Write a backup of head office's database to FILE: pg_dump's custom format for "
            "PostgreSQL (pg_dump must be installed), a copy made with SQLite's backup API for "
            "SQLite. The service may keep running meanwhile. The attachments' files the "
            "database names are then copied into a files store beside FILE, which the "
            "backups in that folder share (only files not yet in it are copied)."
        ),
        handler=cmd_backup,
    )
    back.add_argument("file", metavar="FILE", help=_("the backup file to write"))
    _add_files_options(back)
    rest = add_command(
        sub,
        "restore",
        help=_("restore a backup into an empty database"),
        description=_(
            "Restore a backup made by the backup command into head office's database, which "
            "must be empty (a new database). Stop the service first. Branches sync on; what "
            "head office received after the backup was made is not in it. The attachments' "
            "files the restored database names are then copied from the backup's files store "
            "into the files folder (those not there yet, each checked against its hash)."
        ),
        handler=cmd_restore,
    )
    rest.add_argument("file", metavar="FILE", help=_("the backup file to restore"))
    _add_files_options(rest)
    rest.add_argument(
        "--force",
        action="store_true",
        help=_("restore into a database that is not empty, replacing what the backup holds"),
    )


def _add_files_options(parser: argparse.ArgumentParser) -> None:
    """``--no-files`` and ``--files-store`` of ``backup`` and ``restore``."""
    parser.add_argument(
        "--no-files",
        action="store_true",
        help=_("leave the attachments' files out (the files folder is backed up otherwise)"),
    )
    parser.add_argument(
        "--files-store",
        metavar="DIR",
        help=_("the backup's files store (default: hq-files-backup beside FILE)"),
    )


def _add_branch(sub: SubParsers) -> None:
    """``branch add`` and ``branch list``."""
    bsub = add_group(
        sub,
        "branch",
        help=_("branches and registration codes"),
        description=_("Add branches and registration codes for their PCs; see their sync health."),
        dest="branch_command",
        title=_("branch commands"),
    )
    add = add_command(
        bsub,
        "add",
        help=_("add a branch (or another PC) and print a one-time code"),
        description=_(
            "Add the branch if it is new and print a registration code that one PC of it "
            "can use once. Run it again for each further PC of the branch."
        ),
        handler=cmd_branch_add,
    )
    add.add_argument("code", help=_("branch code (letters and digits, 16 at most)"))
    add.add_argument("name", nargs="?", help=_("branch name (default: the code)"))
    add.add_argument(
        "--days",
        type=int,
        default=7,
        help=_("days the code stays valid, 1 to 365 (default: %(default)s)"),
    )
    rotate = add_command(
        bsub,
        "rotate-code",
        help=_("cancel a branch's unused codes and print a new one"),
        description=_(
            "Cancel every registration code of the branch that no PC has used yet (one that "
            "leaked, or went to someone who left) and print a new one. Registered PCs keep "
            "syncing; revoke one with pc revoke."
        ),
        handler=cmd_branch_rotate,
    )
    rotate.add_argument("code", help=_("branch code"))
    rotate.add_argument(
        "--days",
        type=int,
        default=7,
        help=_("days the code stays valid, 1 to 365 (default: %(default)s)"),
    )
    lst = add_command(
        bsub,
        "list",
        help=_("branches with last sync, backlog and versions"),
        description=_(
            "Every branch with its PCs, the changes its slowest PC has not received yet, "
            "its last push and pull, and the app and schema version of its newest PC."
        ),
        handler=cmd_branch_list,
    )
    add_json_option(lst)


def _add_pc(sub: SubParsers) -> None:
    """``pc list`` and ``pc revoke``."""
    psub = add_group(
        sub,
        "pc",
        help=_("registered PCs and their tokens"),
        description=_("See the PCs registered with head office; revoke a lost or retired one."),
        dest="pc_command",
        title=_("PC commands"),
    )
    lst = add_command(
        psub,
        "list",
        help=_("registered PCs with their codes and last contact"),
        description=_(
            "Every registered PC: its token id, branch, PC code (in the numbers it makes), "
            "node id, app and schema version, when it registered, when it was last seen and "
            "whether it is revoked."
        ),
        handler=cmd_pc_list,
    )
    lst.add_argument("--branch", metavar="CODE", help=_("only the PCs of this branch"))
    add_json_option(lst)
    revoke = add_command(
        psub,
        "revoke",
        help=_("revoke a PC's token"),
        description=_(
            "Revoke a PC's token (see pc list): head office refuses its next sync and it keeps "
            "its unsent changes. Register it again with a new code to let it sync."
        ),
        handler=cmd_pc_revoke,
    )
    revoke.add_argument("token_id", help=_("the token id shown by pc list"))


def _add_dashboard(sub: SubParsers) -> None:
    """``dashboard rebuild``."""
    dsub = add_group(
        sub,
        "dashboard",
        help=_("the dashboard's summaries"),
        description=_(
            "The dashboard's pages read summaries of the branches' records, kept up to date "
            "by every sync (PostgreSQL only)."
        ),
        dest="dashboard_command",
        title=_("dashboard commands"),
    )
    add_command(
        dsub,
        "rebuild",
        help=_("count the dashboard's summaries again from the records"),
        description=_(
            "Count the dashboard's summaries again from the branches' records: after changing "
            "the tier or churn thresholds, and once a month (the months they cover move on). "
            "Syncs wait while it runs."
        ),
        handler=cmd_dashboard_rebuild,
    )


def _add_quarantine(sub: SubParsers) -> None:
    """``quarantine list`` and ``quarantine show``."""
    qsub = add_group(
        sub,
        "quarantine",
        help=_("changes head office set aside, and why"),
        description=_(
            "See the changes from branches that head office did not apply (a value it cannot "
            "store, a record the branch may not change) and why. The branch's supervisors see "
            "each one too; sync went on without it."
        ),
        dest="quarantine_command",
        title=_("quarantine commands"),
    )
    lst = add_command(
        qsub,
        "list",
        help=_("the newest changes set aside"),
        description=_(
            "The newest changes set aside first: the start of their id, when they came, "
            "branch, PC, table, record id, reason and why."
        ),
        handler=cmd_quarantine_list,
    )
    lst.add_argument("--branch", metavar="CODE", help=_("only the changes of this branch"))
    lst.add_argument(
        "--limit",
        type=_positive,
        default=50,
        metavar="N",
        help=_("show at most N changes (default: %(default)s)"),
    )
    add_json_option(lst)
    show = add_command(
        qsub,
        "show",
        help=_("one change set aside, in full"),
        description=_(
            "One change set aside, in full: the PC and batch it came with, its stamp, why it "
            "was set aside and the values it carried."
        ),
        handler=cmd_quarantine_show,
    )
    show.add_argument("id", help=_("its id, or the start of it that quarantine list shows"))
    add_json_option(show)


def _add_ref(sub: SubParsers) -> None:
    """``ref KIND ...``: one sub-command per kind of reference data."""
    rsub = add_group(
        sub,
        "ref",
        help=_("reference data that flows to every branch"),
        description=_("Add or change reference data; every branch receives it at its next sync."),
        dest="kind",
        title=_("kinds of reference data"),
        metavar="kind",
    )
    helps = {
        "category": _("add or change a complaint category"),
        "root-cause": _("add or change a root cause"),
    }
    for kind, text in helps.items():
        p = add_command(rsub, kind, help=text, description=text, handler=cmd_ref_add)
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
    hol = add_command(rsub, "holiday", help=text, description=text, handler=cmd_ref_add)
    hol.add_argument("day", help=_("the date, YYYY-MM-DD"))
    hol.add_argument("name", help=_("name of the holiday"))
    hol.add_argument(
        "--workday", action="store_true", help=_("a make-up working day instead of a day off")
    )
    _add_id_option(hol)
    text = _("publish a greeting festival's date for one year (lunar festivals move)")
    fest = add_command(rsub, "festival", help=text, description=text, handler=cmd_ref_add)
    fest.add_argument(
        "festival",
        choices=list(FESTIVALS),
        metavar="festival",
        help=_("which festival: {codes}").format(codes=", ".join(FESTIVALS)),
    )
    fest.add_argument("day", help=_("its date that year, YYYY-MM-DD"))
    _add_id_option(fest)
    files = {
        "sla": _("add or change the SLA policy from a JSON file"),
        "survey-template": _("add or change a survey template from a JSON file"),
    }
    for kind, text in files.items():
        p = add_command(rsub, kind, help=text, description=text, handler=cmd_ref_add)
        p.add_argument("json_file", help=_("JSON file (checked before it is saved)"))
        _add_id_option(p)


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
    logger.setLevel(settings_of(args).log_level.upper())
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
