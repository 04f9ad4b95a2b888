"""Staff accounts: create, change, disable, reset passwords, and the first admin.

Role checks live here: only an admin (Permission.STAFF_MANAGE) manages accounts. Sign-in
events (services.staff.sign_in) are written to the audit log explicitly; every other change
to a staff row is audited by the session hooks (the password hash is masked there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.errors import AuthenticationError, NotFound, ValidationError
from branch_crm.i18n import _
from branch_crm.models import Role, Staff
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.settings import values as settings
from branch_crm.services.settings.form import BRANCH_CODE_RE, NAME_MAX
from branch_crm.services.staff.login_state import audit_sign_in, set_login_state
from branch_crm.services.staff.passwords import hash_password, password_problem, verify_password
from branch_crm.timeutil import utcnow

USERNAME_MAX = 40
USERNAME_RE = re.compile(rf"^[a-z0-9][a-z0-9._-]{{1,{USERNAME_MAX - 1}}}$")
DISPLAY_NAME_MAX = 50
PHONE_MAX = 20
PHONE_RE = re.compile(rf"^[0-9+\- ()]{{3,{PHONE_MAX}}}$")
ROLES: tuple[Role, ...] = (Role.COUNTER, Role.COURIER, Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class StaffView:
    """A staff account as the UI and CLI see it (never the password hash)."""

    id: str
    username: str
    display_name: str
    role: str
    phone: str | None
    active: bool
    locked_until: datetime | None
    failed_logins: int
    last_login_at: datetime | None
    created_at: datetime

    def is_locked(self, now: datetime | None = None) -> bool:
        """True while a lock-out is running."""
        return self.locked_until is not None and self.locked_until > (now or utcnow())


# --- validation ---------------------------------------------------------------------------


def normalize_username(username: str) -> str:
    """User names are compared without case and surrounding spaces."""
    return username.strip().lower()


def _validate_account(
    *,
    username: str | None,
    display_name: str | None,
    role: str | None,
    phone: str | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if username is not None and not USERNAME_RE.match(normalize_username(username)):
        errors["username"] = _(
            "A user name has 2 to 40 characters: letters a-z, digits, dot, dash or underscore,"
            " starting with a letter or digit."
        )
    if display_name is not None:
        if not display_name.strip():
            errors["display_name"] = _("Enter the name shown to colleagues.")
        elif len(display_name.strip()) > DISPLAY_NAME_MAX:
            errors["display_name"] = _("The name may have at most {n} characters.").format(
                n=DISPLAY_NAME_MAX
            )
    if role is not None and role not in {r.value for r in ROLES}:
        errors["role"] = _("Choose a role: counter, courier, supervisor or admin.")
    if phone and not PHONE_RE.match(phone.strip()):
        errors["phone"] = _("A phone number has 3 to 20 digits (spaces, +, - allowed).")
    return errors


def _view(staff: Staff) -> StaffView:
    return StaffView(
        id=staff.id,
        username=staff.username,
        display_name=staff.display_name,
        role=staff.role,
        phone=staff.phone,
        active=bool(staff.active),
        locked_until=staff.locked_until,
        failed_logins=staff.failed_logins or 0,
        last_login_at=staff.last_login_at,
        created_at=staff.created_at,
    )


def by_username(session: Session, username: str) -> Staff | None:
    return session.scalars(
        select(Staff).where(Staff.username == normalize_username(username))
    ).first()


def _get(session: Session, staff_id: str) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None or staff.deleted_at is not None:
        raise NotFound(_("No such staff account."))
    return staff


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Staff).where(Staff.role == Role.ADMIN, Staff.active)
        )
        or 0
    )


# --- reading ------------------------------------------------------------------------------


def list_staff(*, session: Session, actor: Actor, include_disabled: bool = True) -> list[StaffView]:
    """Every account, by display name (admins only)."""
    require(actor, Permission.STAFF_MANAGE)
    query = select(Staff).order_by(Staff.active.desc(), Staff.username)
    if not include_disabled:
        query = query.where(Staff.active)
    return [_view(s) for s in session.scalars(query)]


def get_staff(*, session: Session, username: str) -> StaffView:
    """One account by user name (NotFound when there is none)."""
    staff = by_username(session, username)
    if staff is None:
        raise NotFound(_("There is no staff account {username}.").format(username=username))
    return _view(staff)


def needs_first_admin(*, session: Session) -> bool:
    """True on a fresh installation: no staff account exists yet (not even a disabled one)."""
    query = select(Staff.id).execution_options(include_deleted=True).limit(1)
    return session.scalar(query) is None


# --- changing accounts --------------------------------------------------------------------


def _new_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    phone: str | None,
    branch_id: str | None = None,
) -> Staff:
    errors = _validate_account(username=username, display_name=display_name, role=role, phone=phone)
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    if "username" not in errors and by_username(session, username) is not None:
        errors["username"] = _("The user name {username} is taken.").format(
            username=normalize_username(username)
        )
    if errors:
        raise ValidationError(errors)
    staff = Staff(
        username=normalize_username(username),
        display_name=display_name.strip(),
        role=Role(role).value,
        phone=(phone or "").strip() or None,
        password_hash=hash_password(password),
        active=True,
        failed_logins=0,
    )
    if branch_id is not None:
        staff.branch_id = branch_id
    session.add(staff)
    session.flush()
    return staff


def create_staff(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    password: str,
    phone: str | None = None,
) -> StaffView:
    """Add an account (admins only)."""
    require(actor, Permission.STAFF_MANAGE)
    return _view(
        _new_staff(
            session,
            username=username,
            display_name=display_name,
            role=role,
            password=password,
            phone=phone,
        )
    )


def create_first_admin(
    *,
    session: Session,
    username: str,
    display_name: str,
    password: str,
    branch_id: str,
    branch_name: str | None = None,
) -> StaffView:
    """The first account of a new installation, an admin; refused once any account exists.

    Also stores the branch code (and name) in the settings.
    """
    if not needs_first_admin(session=session):
        raise AuthenticationError(_("An administrator exists already; please sign in."))
    errors: dict[str, str] = {}
    code = branch_id.strip().upper()
    if not BRANCH_CODE_RE.match(code) or code == "HQ":
        errors["branch_id"] = _(
            "A branch code has 2 to 16 letters or digits (for example BR001), as head office"
            " registered it."
        )
    if branch_name is not None and len(branch_name.strip()) > NAME_MAX:
        errors["branch_name"] = _("The branch name may have at most {n} characters.").format(
            n=NAME_MAX
        )
    try:
        staff = _new_staff(
            session,
            username=username,
            display_name=display_name,
            role=Role.ADMIN.value,
            password=password,
            phone=None,
            branch_id=code,
        )
    except ValidationError as exc:
        raise ValidationError({**errors, **exc.fields}) from None
    if errors:
        raise ValidationError(errors)
    settings.put(session, None, "branch.code", code)
    if branch_name is not None:
        settings.put(session, None, "branch.name", branch_name.strip())
    return _view(staff)


_UNSET: Any = object()


def update_staff(
    *,
    session: Session,
    actor: Actor,
    staff_id: str,
    display_name: str | None = None,
    role: str | None = None,
    phone: str | None = _UNSET,
) -> StaffView:
    """Change name, role or phone (admins only; the last active admin keeps the admin role)."""
    require(actor, Permission.STAFF_MANAGE)
    staff = _get(session, staff_id)
    errors = _validate_account(
        username=None,
        display_name=display_name,
        role=role,
        phone=None if phone is _UNSET else phone,
    )
    if (
        role is not None
        and "role" not in errors
        and staff.role == Role.ADMIN
        and role != Role.ADMIN
        and staff.active
        and _active_admins(session) <= 1
    ):
        errors["role"] = _("This is the only administrator; make someone else admin first.")
    if errors:
        raise ValidationError(errors)
    if display_name is not None:
        staff.display_name = display_name.strip()
    if role is not None:
        staff.role = Role(role).value
    if phone is not _UNSET:
        staff.phone = (phone or "").strip() or None
    session.flush()
    return _view(staff)


def set_active(*, session: Session, actor: Actor, staff_id: str, active: bool) -> StaffView:
    """Disable (cannot sign in) or enable an account (admins only; never yourself, never the
    last active admin)."""
    require(actor, Permission.STAFF_MANAGE)
    staff = _get(session, staff_id)
    if not active:
        if staff.id == actor.staff_id:
            message = _("You cannot disable your own account.")
            raise ValidationError({"active": message}, message)
        if staff.role == Role.ADMIN and staff.active and _active_admins(session) <= 1:
            message = _("This is the only administrator; it cannot be disabled.")
            raise ValidationError({"active": message}, message)
    staff.active = active
    session.flush()
    return _view(staff)


def disable_staff(*, session: Session, actor: Actor, staff_id: str) -> StaffView:
    """Disable an account (see :func:`set_active`)."""
    return set_active(session=session, actor=actor, staff_id=staff_id, active=False)


def enable_staff(*, session: Session, actor: Actor, staff_id: str) -> StaffView:
    """Enable an account again."""
    return set_active(session=session, actor=actor, staff_id=staff_id, active=True)


def reset_password(*, session: Session, actor: Actor, staff_id: str, password: str) -> StaffView:
    """Set a new password for an account (admins only); also lifts a lock-out."""
    require(actor, Permission.STAFF_MANAGE)
    staff = _get(session, staff_id)
    problem = password_problem(password)
    if problem:
        raise ValidationError({"password": problem})
    staff.password_hash = hash_password(password)
    session.flush()
    set_login_state(session, staff, failed=0, locked_until=None)
    audit_sign_in(
        session, staff, "password_reset", {}, actor_id=actor.staff_id, branch=actor.branch_id
    )
    return _view(staff)


def change_own_password(
    *, session: Session, actor: Actor, old_password: str, new_password: str
) -> None:
    """A signed-in user changes their own password (the old one is checked)."""
    if actor.staff_id is None:
        raise NotFound(_("No such staff account."))
    staff = _get(session, actor.staff_id)
    if not verify_password(staff.password_hash, old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    problem = password_problem(new_password)
    if problem:
        raise ValidationError({"new_password": problem})
    staff.password_hash = hash_password(new_password)
    session.flush()


def unlock_staff(*, session: Session, actor: Actor, staff_id: str) -> StaffView:
    """Lift a lock-out now (admins only)."""
    require(actor, Permission.STAFF_MANAGE)
    staff = _get(session, staff_id)
    set_login_state(session, staff, failed=0, locked_until=None)
    audit_sign_in(session, staff, "unlocked", {}, actor_id=actor.staff_id, branch=actor.branch_id)
    return _view(staff)
