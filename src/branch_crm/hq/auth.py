"""Branch registration and node tokens. Head office stores only SHA-256 hashes and compares
them in constant time; a token is ``<token id>.<secret>`` so lookup needs no secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.errors import Forbidden, NotFoundError, Unauthorized
from branch_crm.i18n import N_
from branch_crm.timeutil import utcnow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class NodeAuth:
    """Who is calling: a registered installation of one branch."""

    token_id: str
    branch: str
    node_id: str | None


def digest(secret: str) -> str:
    """SHA-256 hex of a secret (tokens and codes are long random strings, no salt needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalize_code(code: str) -> str:
    """A registration code as typed (any case, dashes, spaces) in canonical form."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_registration_code(conn: Connection, branch: str, *, days: int) -> str:
    """Create a one-time code for ``branch`` valid for ``days``; returns it (shown once)."""
    exists = conn.execute(select(t.branch.c.code).where(t.branch.c.code == branch)).first()
    if exists is None:
        raise NotFoundError(N_("no branch '{branch}'; add it first"), branch=branch)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    now = utcnow()
    conn.execute(
        insert(t.registration).values(
            code_hash=digest(raw),
            branch_code=branch,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def register(conn: Connection, *, code: str, branch: str, node_id: str | None) -> tuple[str, str]:
    """Exchange a code for a token; returns (token, branch name). Codes work once."""
    code_hash = digest(normalize_code(code))
    row = conn.execute(
        select(t.registration).where(t.registration.c.code_hash == code_hash)
    ).first()
    now = utcnow()
    if row is None or row.used_at is not None or _aware(row.expires_at) < now:
        raise Unauthorized(
            N_("This registration code is unknown, used or expired. Ask head office for a new one.")
        )
    if row.branch_code != branch:
        raise Forbidden(N_("This registration code is not for branch {branch}."), branch=branch)
    conn.execute(
        update(t.registration).where(t.registration.c.code_hash == code_hash).values(used_at=now)
    )
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    conn.execute(
        insert(t.node).values(
            token_id=token_id,
            branch_code=branch,
            node_id=node_id,
            token_hash=digest(secret),
            created_at=now,
            cursor=0,
        )
    )
    name = conn.execute(select(t.branch.c.name).where(t.branch.c.code == branch)).scalar_one()
    return f"{token_id}.{secret}", str(name)


def authenticate(conn: Connection, authorization: str | None) -> NodeAuth:
    """The caller behind an ``Authorization: Bearer`` header, or Unauthorized."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized(N_("Missing token: register this branch with head office first."))
    token = authorization[7:].strip()
    token_id, _, secret = token.partition(".")
    row = conn.execute(select(t.node).where(t.node.c.token_id == token_id)).first()
    expected = row.token_hash if row is not None else digest("x")
    valid = hmac.compare_digest(digest(secret), expected)
    if row is None or not valid or not secret:
        raise Unauthorized(N_("Head office does not know this token. Register the branch again."))
    if row.revoked_at is not None:
        raise Unauthorized(N_("This branch's token was revoked by head office. Register again."))
    return NodeAuth(token_id=token_id, branch=row.branch_code, node_id=row.node_id)


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
