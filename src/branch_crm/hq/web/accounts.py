"""Head-office accounts of the dashboard: roles, argon2id passwords, lock-out after repeated
wrong passwords, and the signed-in sessions (a random token in the cookie, its hash here).

Passwords are hashed like the branch's staff passwords (``services/staff/passwords.py``:
argon2id, 19 MiB, 2 passes); head office may not import the branch services (layering), so
the same parameters are repeated here."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.errors import BadPayload, NotFoundError
from branch_crm.i18n import N_
from branch_crm.ids import new_id
from branch_crm.timeutil import utcnow

__all__ = [
    "MAX_FAILED_LOGINS",
    "ROLES",
    "SESSION_HOURS",
    "Account",
    "SignIn",
    "add_user",
    "check_password_rules",
    "disable_user",
    "end_session",
    "hash_password",
    "list_users",
    "session_account",
    "set_password",
    "sign_in",
    "verify_password",
]

log = logging.getLogger("branch_crm.hq")

ROLES = ("admin", "manager")
"""admin: every branch; manager: every branch, or only the branches named on the account."""
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
SESSION_HOURS = 8
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128

_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
_dummy: list[str] = []


def hash_password(password: str) -> str:
    """An argon2id hash (salted, parameters in the string), as the branch makes them."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch or a damaged hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(_hasher.hash("not a real password: evens out timing"))
    return _dummy[0]


@dataclass(frozen=True)
class Account:
    """A head-office account as the dashboard uses it."""

    id: str
    username: str
    display_name: str
    role: str
    branches: tuple[str, ...] | None
    """The branch codes this account may see; None: all."""
    active: bool
    locked_until: datetime | None = None
    last_login_at: datetime | None = None

    def may_see(self, branch: str) -> bool:
        """True when this account may see ``branch``'s figures."""
        return self.branches is None or branch in self.branches


def _account(row: Any) -> Account:
    codes = tuple(c for c in (row.branches or "").split(",") if c) or None
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        branches=codes if row.role == "manager" else None,
        active=bool(row.active),
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
    )


def check_password_rules(password: str) -> None:
    """Refuse a new password that is too short, too long or padded with spaces."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise BadPayload(
            N_("The password must have at least {n} characters."), n=PASSWORD_MIN_LENGTH
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise BadPayload(N_("The password may have at most {n} characters."), n=PASSWORD_MAX_LENGTH)
    if password.strip() != password:
        raise BadPayload(N_("The password must not start or end with a space."))


def _branch_list(branches: list[str] | None) -> str | None:
    if not branches:
        return None
    codes = sorted({b.strip().upper() for b in branches if b.strip()})
    for code in codes:
        if not code.isalnum() or len(code) > 16:
            raise BadPayload(N_("{code} is not a branch code."), code=code)
    return ",".join(codes) or None


def add_user(
    conn: Connection,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    branches: list[str] | None = None,
) -> Account:
    """Create an account (a manager limited to ``branches`` when given)."""
    username = username.strip()
    if not username or len(username) > 40 or any(c.isspace() for c in username):
        raise BadPayload(N_("A user name has 1 to 40 characters and no spaces."))
    if role not in ROLES:
        raise BadPayload(N_("Unknown role {role}: use admin or manager."), role=role)
    if branches and role != "manager":
        raise BadPayload(N_("Only a manager can be limited to some branches."))
    check_password_rules(password)
    taken = conn.execute(
        select(t.web_user.c.id).where(func.lower(t.web_user.c.username) == username.lower())
    ).first()
    if taken is not None:
        raise BadPayload(N_("The user name {name} is taken."), name=username)
    values = {
        "id": new_id(),
        "username": username,
        "display_name": (display_name or username)[:100],
        "role": role,
        "branches": _branch_list(branches),
        "password_hash": hash_password(password),
        "active": True,
        "failed_logins": 0,
        "created_at": utcnow(),
    }
    conn.execute(insert(t.web_user).values(**values))
    log.info("dashboard account %s added (%s)", username, role)
    return _account(conn.execute(select(t.web_user).where(t.web_user.c.id == values["id"])).one())


def _row(conn: Connection, username: str) -> Any:
    row = conn.execute(
        select(t.web_user).where(func.lower(t.web_user.c.username) == username.strip().lower())
    ).first()
    if row is None:
        raise NotFoundError(N_("No account named {name}."), name=username)
    return row


def list_users(conn: Connection) -> list[Account]:
    """Every account, by user name."""
    rows = conn.execute(select(t.web_user).order_by(t.web_user.c.username))
    return [_account(r) for r in rows]


def set_password(conn: Connection, username: str, password: str) -> None:
    """Give an account a new password; it is unlocked and its sessions end."""
    check_password_rules(password)
    row = _row(conn, username)
    conn.execute(
        update(t.web_user)
        .where(t.web_user.c.id == row.id)
        .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
    )
    conn.execute(delete(t.web_session).where(t.web_session.c.user_id == row.id))
    log.info("dashboard account %s: password set", row.username)


def disable_user(conn: Connection, username: str, *, enable: bool = False) -> None:
    """Disable an account (its sessions end at once), or enable it again."""
    row = _row(conn, username)
    conn.execute(update(t.web_user).where(t.web_user.c.id == row.id).values(active=enable))
    if not enable:
        conn.execute(delete(t.web_session).where(t.web_session.c.user_id == row.id))
    log.info("dashboard account %s %s", row.username, "enabled" if enable else "disabled")


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a session token (for the cookie) or why not."""

    token: str | None = None
    account: Account | None = None
    refused: str | None = None
    """An English message template (``N_``) when refused."""
    locked_minutes: int = 0


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


WRONG = N_("Wrong user name or password.")
LOCKED = N_("Too many wrong passwords: this account is locked for {minutes} more minutes.")


def sign_in(conn: Connection, username: str, password: str) -> SignIn:
    """Check a password; on success start a session. After ``MAX_FAILED_LOGINS`` wrong
    passwords in a row the account is locked for ``LOCKOUT_MINUTES`` (even a right password
    is refused meanwhile). An unknown name costs the same hashing work as a known one."""
    now = utcnow()
    row = conn.execute(
        select(t.web_user).where(func.lower(t.web_user.c.username) == username.strip().lower())
    ).first()
    if row is None or not row.active:
        verify_password(_dummy_hash(), password)
        log.info("dashboard sign-in refused (unknown or disabled account)")
        return SignIn(refused=WRONG)
    if row.locked_until is not None and row.locked_until > now:
        minutes = max(1, int((row.locked_until - now).total_seconds() // 60) + 1)
        log.info("dashboard sign-in refused: %s is locked", row.username)
        return SignIn(refused=LOCKED, locked_minutes=minutes)
    if not verify_password(row.password_hash, password):
        failed = int(row.failed_logins) + 1
        values: dict[str, Any] = {"failed_logins": failed}
        if failed >= MAX_FAILED_LOGINS:
            values = {"failed_logins": 0, "locked_until": now + timedelta(minutes=LOCKOUT_MINUTES)}
            log.warning(
                "dashboard account %s locked after %d wrong passwords", row.username, failed
            )
        conn.execute(update(t.web_user).where(t.web_user.c.id == row.id).values(**values))
        if "locked_until" in values:
            return SignIn(refused=LOCKED, locked_minutes=LOCKOUT_MINUTES)
        return SignIn(refused=WRONG)
    token = secrets.token_urlsafe(32)
    conn.execute(
        update(t.web_user)
        .where(t.web_user.c.id == row.id)
        .values(failed_logins=0, locked_until=None, last_login_at=now)
    )
    conn.execute(delete(t.web_session).where(t.web_session.c.expires_at < now))
    conn.execute(
        insert(t.web_session).values(
            token_hash=_token_hash(token),
            user_id=row.id,
            csrf=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    log.info("dashboard sign-in: %s", row.username)
    return SignIn(token=token, account=_account(row))


def session_account(conn: Connection, token: str | None) -> tuple[Account, str] | None:
    """(account, CSRF token) of a live session, or None (no token, expired, signed out,
    account disabled)."""
    if not token:
        return None
    row = conn.execute(
        select(t.web_user, t.web_session.c.csrf, t.web_session.c.expires_at)
        .join(t.web_session, t.web_session.c.user_id == t.web_user.c.id)
        .where(t.web_session.c.token_hash == _token_hash(token))
    ).first()
    if row is None or not row.active or row.expires_at <= utcnow():
        return None
    return _account(row), str(row.csrf)


def end_session(conn: Connection, token: str | None) -> None:
    """Sign out: the session's token stops working on every worker."""
    if token:
        conn.execute(delete(t.web_session).where(t.web_session.c.token_hash == _token_hash(token)))
