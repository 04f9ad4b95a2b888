"""``branch-crm-hq user``: the head-office accounts of the dashboard (add, list, passwd,
disable). Passwords are asked for twice on the terminal, or read from one line of standard
input with ``--password-stdin`` (scripts); never taken as an argument (it would show in the
process list and the shell history)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from branch_crm.argparse_i18n import SubParsers, add_command, add_group, add_json_option
from branch_crm.hq.cli_commands import _admin_conn
from branch_crm.hq.cli_tables import print_table, translated_headings, when
from branch_crm.i18n import N_, _

__all__ = [
    "add_user_commands",
    "cmd_user_add",
    "cmd_user_disable",
    "cmd_user_list",
    "cmd_user_passwd",
]

USER_HEADINGS = N_("user|name|role|branches|active|last sign-in|locked until")
USER_WIDTHS = (12, 12, 8, 10, 6, 16, 0)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(_("New password: "))
    if getpass.getpass(_("Again: ")) != first:
        raise ValueError(_("the two passwords differ"))
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create a head-office account."""
    from branch_crm.hq.web.accounts import add_user

    branches = [b for b in (args.branches or "").split(",") if b.strip()] or None
    password = _password(args)
    with _admin_conn(args) as conn:
        account = add_user(
            conn,
            username=args.username,
            password=password,
            role=args.role,
            display_name=args.display_name,
            branches=branches,
        )
    scope = ",".join(account.branches) if account.branches else _("all branches")
    sys.stdout.write(
        _("account {name} added: {role}, {scope}").format(
            name=account.username, role=account.role, scope=scope
        )
        + "\n"
    )
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    """Print every account."""
    from branch_crm.hq.web.accounts import list_users

    with _admin_conn(args) as conn:
        users = list_users(conn)
    if args.json:
        rows = [{**u.__dict__, "branches": list(u.branches or [])} for u in users]
        sys.stdout.write(json.dumps(rows, default=str, ensure_ascii=False) + "\n")
        return 0
    table = [translated_headings(USER_HEADINGS, len(USER_WIDTHS))]
    for u in users:
        table.append(
            [u.username, u.display_name, u.role, ",".join(u.branches or ()) or _("all"),
             _("yes") if u.active else _("no"), when(u.last_login_at),
             when(u.locked_until) if u.locked_until else "-"]
        )  # fmt: skip
    print_table(table, USER_WIDTHS)
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    """Set an account's password (it is unlocked, its sessions end)."""
    from branch_crm.hq.web.accounts import set_password

    password = _password(args)
    with _admin_conn(args) as conn:
        set_password(conn, args.username, password)
    sys.stdout.write(_("password of {name} set").format(name=args.username) + "\n")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    """Disable an account (signed out at once), or enable it again."""
    from branch_crm.hq.web.accounts import disable_user

    with _admin_conn(args) as conn:
        disable_user(conn, args.username, enable=args.enable)
    text = _("account {name} enabled") if args.enable else _("account {name} disabled")
    sys.stdout.write(text.format(name=args.username) + "\n")
    return 0


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=_("read the password from one line of standard input instead of asking"),
    )


def add_user_commands(sub: SubParsers) -> None:
    """``user add|list|passwd|disable``."""
    usub = add_group(
        sub,
        "user",
        help=_("head-office accounts of the dashboard"),
        description=_(
            "Accounts that sign in to the dashboard at /dashboard: admin (every branch, "
            "sync health) or manager (every branch, or only some)."
        ),
        dest="user_command",
        title=_("user commands"),
    )
    add = add_command(
        usub,
        "add",
        help=_("add an account"),
        description=_("Add a dashboard account; the password is asked for twice."),
        handler=cmd_user_add,
    )
    add.add_argument("username", help=_("user name (no spaces, 40 characters at most)"))
    add.add_argument("--role", choices=["admin", "manager"], default="manager",
                     help=_("role (default: %(default)s)"))  # fmt: skip
    add.add_argument("--display-name", help=_("name shown on the pages (default: the user name)"))
    add.add_argument(
        "--branches", metavar="CODES", help=_("a manager sees only these branches: BR001,BR002")
    )
    _password_option(add)
    lst = add_command(
        usub,
        "list",
        help=_("list the accounts"),
        description=_("Every account: role, branches, last sign-in, lock-out."),
        handler=cmd_user_list,
    )
    add_json_option(lst)
    pw = add_command(
        usub,
        "passwd",
        help=_("set an account's password"),
        description=_("Set a new password; the account is unlocked and signed out everywhere."),
        handler=cmd_user_passwd,
    )
    pw.add_argument("username", help=_("user name"))
    _password_option(pw)
    off = add_command(
        usub,
        "disable",
        help=_("disable an account (or --enable it again)"),
        description=_("Disable an account: it is signed out at once and cannot sign in."),
        handler=cmd_user_disable,
    )
    off.add_argument("username", help=_("user name"))
    off.add_argument("--enable", action="store_true", help=_("enable it again instead"))
