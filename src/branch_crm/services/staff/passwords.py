"""Passwords of staff accounts: argon2id hashes, verification, and what a new password must be."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from branch_crm.i18n import _

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
"""argon2id with OWASP's recommended minimum (19 MiB, 2 passes): about 0.1 s on a branch PC."""
_dummy_hash: list[str] = []


def dummy_hash() -> str:
    """A hash to verify against for unknown user names (same work, so no timing leak)."""
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash("not a real password: evens out timing"))
    return _dummy_hash[0]


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted, parameters encoded in the string)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch or a damaged hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """The translated reason a new password is refused, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return _("The password must have at least {n} characters.").format(n=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("The password may have at most {n} characters.").format(n=PASSWORD_MAX_LENGTH)
    if password.strip() != password or not password.strip():
        return _("The password must not start or end with a space.")
    return None


def needs_rehash(password_hash: str) -> bool:
    """True when ``password_hash`` was made with weaker parameters than today's."""
    return bool(_hasher.check_needs_rehash(password_hash))
