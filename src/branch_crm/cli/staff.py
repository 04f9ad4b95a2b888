"""``branch-crm staff add|list|reset-password|unlock|disable|enable``: accounts for IT.

Whoever can run this on the branch PC holds the database file, so it acts as the branch's
system actor (an admin). Passwords are prompted (twice, hidden) unless ``--password`` is given.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from branch_crm.argparse_i18n import SubParsers, columns
from branch_crm.cli.runner import run_service
from branch_crm.errors import ValidationError
from branch_crm.i18n import _

if TYPE_CHECKING:
    from branch_crm.services.staff.accounts import StaffView

T = TypeVar("T")

ROLE_CHOICES = ("counter", "courier", "supervisor", "admin")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    return text + " " * max(0, width - columns(text))


def _role_name(role: str) -> str:
    """The translated role name (the code itself for a role this version does not know)."""
    from branch_crm.services.permissions import role_label

    try:
        return role_label(role)
    except ValueError:
        return role


def _password(args: argparse.Namespace) -> str | None:
    """--password, or typed twice without echo; None (after a message) when they differ."""
    if args.password is not None:
        return str(args.password)
    if sys.stdin is None or not sys.stdin.isatty():  # no console: nobody to ask
        _err(_("error: no terminal to type a password in; use --password"))
        return None
    first = getpass.getpass(_("New password: "))
    second = getpass.getpass(_("Password again: "))
    if first != second:
        _err(_("error: the two passwords differ"))
        return None
    return first


def _report(exc: ValidationError) -> int:
    for field, message in exc.fields.items():
        _err(_("error: {field}: {message}").format(field=field, message=message))
    return 2


def _find(args: argparse.Namespace) -> StaffView:
    from branch_crm.services.staff.accounts import get_staff

    return run_service(
        args, lambda session, actor: get_staff(session=session, username=args.username)
    )


def cmd_add(args: argparse.Namespace) -> int:
    """Create an account."""
    from branch_crm.services.staff.accounts import create_staff

    password = _password(args)
    if password is None:
        return 2
    try:
        view = run_service(
            args,
            create_staff,
            username=args.username,
            display_name=args.name,
            role=args.role,
            password=password,
            phone=args.phone,
        )
    except ValidationError as exc:
        return _report(exc)
    _out(
        _("Account {username} ({role}) created.").format(
            username=view.username, role=_role_name(view.role)
        )
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Every account, one a line (or JSON)."""
    from branch_crm.services.staff.accounts import list_staff
    from branch_crm.timeutil import to_local

    rows = run_service(args, list_staff)
    if args.json:
        _out(json.dumps([_as_json(v) for v in rows], ensure_ascii=False))
        return 0
    for view in rows:
        state = _("active") if view.active else _("disabled")
        if view.is_locked():
            assert view.locked_until is not None  # is_locked() says so
            state = _("locked until {time}").format(
                time=to_local(view.locked_until).strftime("%H:%M")
            )
        _out(
            f"{_pad(view.username, 20)} {_pad(_role_name(view.role), 15)} "
            f"{_pad(state, 18)} {view.display_name}"
        )
    if not rows:
        _out(_("No staff accounts yet."))
    return 0


def _as_json(view: StaffView) -> dict[str, object]:
    return {
        "id": view.id,
        "username": view.username,
        "display_name": view.display_name,
        "role": view.role,  # the stable code (counter/courier/supervisor/admin) for scripts
        "role_name": _role_name(view.role),
        "phone": view.phone,
        "active": view.active,
        "locked": view.is_locked(),
        "last_login_at": view.last_login_at.isoformat() if view.last_login_at else None,
    }


def cmd_reset_password(args: argparse.Namespace) -> int:
    """Set a new password (lifts a lock-out)."""
    from branch_crm.services.staff.accounts import reset_password

    view = _find(args)
    password = _password(args)
    if password is None:
        return 2
    try:
        run_service(args, reset_password, staff_id=view.id, password=password)
    except ValidationError as exc:
        return _report(exc)
    _out(_("New password set for {username}.").format(username=view.username))
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    """Lift a lock-out now."""
    from branch_crm.services.staff.accounts import unlock_staff

    view = _find(args)
    run_service(args, unlock_staff, staff_id=view.id)
    _out(_("{username} may sign in again.").format(username=view.username))
    return 0


def cmd_set_active(args: argparse.Namespace) -> int:
    """Disable or enable an account."""
    from branch_crm.services.staff.accounts import set_active

    view = _find(args)
    try:
        run_service(args, set_active, staff_id=view.id, active=args.active)
    except ValidationError as exc:
        return _report(exc)
    if args.active:
        _out(_("{username} is enabled.").format(username=view.username))
    else:
        _out(_("{username} is disabled.").format(username=view.username))
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``staff`` and its sub-commands."""
    staff = subparsers.add_parser(
        "staff", help=_("staff accounts: add, list, reset passwords, unlock")
    )

    def show_help(_args: argparse.Namespace) -> int:
        staff.print_help()
        return 2

    staff.set_defaults(handler=show_help)
    sub = staff.add_subparsers(title=_("commands"), metavar="COMMAND")

    add = sub.add_parser("add", help=_("create an account"))
    add.add_argument("username", help=_("user name (letters, digits, . _ -)"))
    add.add_argument("--role", required=True, choices=ROLE_CHOICES, help=_("what they do"))
    add.add_argument("--name", required=True, help=_("name shown to colleagues"))
    add.add_argument("--phone", default=None, help=_("phone number (optional)"))
    add.add_argument("--password", default=None, help=_("password (asked for when left out)"))
    add.set_defaults(handler=cmd_add)

    listing = sub.add_parser("list", help=_("list every account"))
    listing.add_argument("--json", action="store_true", help=_("machine-readable output"))
    listing.set_defaults(handler=cmd_list)

    reset = sub.add_parser("reset-password", help=_("set a new password"))
    reset.add_argument("username")
    reset.add_argument("--password", default=None, help=_("password (asked for when left out)"))
    reset.set_defaults(handler=cmd_reset_password)

    unlock = sub.add_parser("unlock", help=_("lift a lock-out after wrong passwords"))
    unlock.add_argument("username")
    unlock.set_defaults(handler=cmd_unlock)

    disable = sub.add_parser("disable", help=_("stop an account from signing in"))
    disable.add_argument("username")
    disable.set_defaults(handler=cmd_set_active, active=False)
    enable = sub.add_parser("enable", help=_("allow a disabled account again"))
    enable.add_argument("username")
    enable.set_defaults(handler=cmd_set_active, active=True)
    for command in (add, listing, reset, unlock, disable, enable):
        command.add_argument(
            "--db",
            type=Path,
            default=argparse.SUPPRESS,
            help=_("database file (default: per-user data folder)"),
        )
