"""Signing in: the password checked, lock-out after repeated wrong passwords, every attempt
audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from branch_crm.errors import AuthenticationError
from branch_crm.i18n import _
from branch_crm.models import Role, Staff
from branch_crm.services.context import Actor
from branch_crm.services.settings import values as settings
from branch_crm.services.staff.accounts import by_username
from branch_crm.services.staff.login_state import audit_sign_in, set_login_state
from branch_crm.services.staff.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from branch_crm.timeutil import to_local, utcnow


def _hhmm(moment: datetime) -> str:
    return to_local(moment).strftime("%H:%M")


def _wrong() -> str:
    return _("Wrong user name or password.")


def authenticate(*, session: Session, username: str, password: str, branch_id: str) -> Actor:
    """Check a sign-in; returns the Actor or raises AuthenticationError with a clear message.

    The message never says whether the name or the password was wrong. After
    ``auth.max_failed_logins`` wrong passwords the account is locked for
    ``auth.lockout_minutes``. Failed attempts are committed before the error is raised, so
    the caller's rollback cannot undo the count or the audit rows.
    """
    now = utcnow()
    staff = by_username(session, username) if username.strip() else None
    if staff is None:
        verify_password(dummy_hash(), password)  # same work as for a real account
        audit_sign_in(
            session,
            None,
            "login_failed",
            {"username": [None, username.strip()[:40]]},
            actor_id=None,
            branch=branch_id,
        )
        session.commit()
        raise AuthenticationError(_wrong())
    if staff.locked_until is not None and staff.locked_until > now:
        raise AuthenticationError(
            _(
                "Too many wrong passwords: this account is locked until {time}. Try again then,"
                " or ask an administrator to unlock it."
            ).format(time=_hhmm(staff.locked_until))
        )
    if not verify_password(staff.password_hash, password):
        _refuse(session, staff, now, branch_id)
    if not staff.active:
        raise AuthenticationError(_("This account is disabled. Ask an administrator to enable it."))
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    set_login_state(session, staff, failed=0, locked_until=None, last_login_at=now)
    audit_sign_in(session, staff, "login", {}, actor_id=staff.id, branch=branch_id)
    session.flush()
    return Actor(staff.id, staff.username, staff.display_name, Role(staff.role), branch_id)


def _refuse(session: Session, staff: Staff, now: datetime, branch_id: str) -> None:
    """Count a wrong password, lock when the limit is reached, commit, raise."""
    limit = int(settings.get(session, "auth.max_failed_logins"))
    minutes = int(settings.get(session, "auth.lockout_minutes"))
    failed = (staff.failed_logins or 0) + 1
    changes = {"failed_logins": [failed - 1, failed]}
    if failed >= limit:
        until = now + timedelta(minutes=minutes)
        set_login_state(session, staff, failed=0, locked_until=until)
        audit_sign_in(session, staff, "login_failed", changes, actor_id=None, branch=branch_id)
        audit_sign_in(
            session,
            staff,
            "locked",
            {"locked_until": [None, until.isoformat()]},
            actor_id=None,
            branch=branch_id,
        )
        session.commit()
        raise AuthenticationError(
            _(
                "Wrong user name or password. After {n} wrong attempts this account is locked"
                " until {time}."
            ).format(n=limit, time=_hhmm(until))
        )
    set_login_state(session, staff, failed=failed, locked_until=None)
    audit_sign_in(session, staff, "login_failed", changes, actor_id=None, branch=branch_id)
    session.commit()
    raise AuthenticationError(_wrong())
