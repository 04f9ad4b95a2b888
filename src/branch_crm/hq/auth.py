"""Branch registration and node tokens. Head office stores only SHA-256 hashes and compares
them in constant time; a token is ``<token id>.<secret>`` so lookup needs no secret."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.errors import BadPayload, Forbidden, NotFoundError, Unauthorized
from branch_crm.i18n import N_
from branch_crm.sync.pc_codes import MAX_ASSIGNED, assigned_code, code_index
from branch_crm.timeutil import utcnow

log = logging.getLogger("branch_crm.hq")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class NodeAuth:
    """Who is calling: a registered installation of one branch."""

    token_id: str
    branch: str
    node_id: str | None
    pc_code: str | None = None
    """Its code in the numbers it makes; None for a PC registered before PC codes existed
    until it reads the clock (:func:`pc_code_of`)."""


def digest(secret: str) -> str:
    """SHA-256 hex of a secret (tokens and codes are long random strings, no salt needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalize_code(code: str) -> str:
    """A registration code as typed (any case, dashes, spaces) in canonical form."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


MAX_CODE_DAYS = 365
"""A registration code is valid 1 to 365 days."""


def check_days(days: int) -> int:
    """``days`` if a code may be valid that long, else BadPayload."""
    if not 1 <= days <= MAX_CODE_DAYS:
        raise BadPayload(
            N_("A registration code is valid 1 to {most} days, not {days}."),
            most=MAX_CODE_DAYS,
            days=days,
        )
    return days


def new_registration_code(conn: Connection, branch: str, *, days: int) -> str:
    """Create a one-time code for ``branch`` valid for ``days``; returns it (shown once)."""
    check_days(days)
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


@dataclass(frozen=True)
class Registered:
    """The answer to a registration: the token (shown once) and what the PC needs to know."""

    token: str
    token_id: str
    branch: str
    branch_name: str
    pc_code: str
    repeated: bool = False
    """True when the same PC asked again with the same code and key (its answer was lost)."""


USED = N_("This registration code is unknown, used or expired. Ask head office for a new one.")


def register(
    conn: Connection, *, code: str, branch: str, node_id: str | None, key: str | None = None
) -> Registered:
    """Exchange a code for a token. A code works once: redeeming it is one conditional
    UPDATE, so of many requests at once exactly one wins. With ``key`` the token is derived
    from it, and the same node sending the same code and key again gets the same answer."""
    code_hash = digest(normalize_code(code))
    row = conn.execute(
        select(t.registration).where(t.registration.c.code_hash == code_hash)
    ).first()
    now = utcnow()
    if row is None or _aware(row.expires_at) < now:
        raise Unauthorized(USED)
    if row.branch_code != branch:
        raise Forbidden(N_("This registration code is not for branch {branch}."), branch=branch)
    token_id, secret = _token_parts(code_hash, key)
    redeemed = conn.execute(
        update(t.registration)
        .where(t.registration.c.code_hash == code_hash, t.registration.c.used_at.is_(None))
        .values(used_at=now, token_id=token_id, node_id=node_id)
    )
    if redeemed.rowcount != 1:  # used before, or by a request that won the race just now
        return _repeated(conn, code_hash, node_id, key)
    name = _lock_branch(conn, branch)
    pc_code = _next_pc_code(conn, branch)
    conn.execute(
        insert(t.node).values(
            token_id=token_id,
            branch_code=branch,
            node_id=node_id,
            token_hash=digest(secret),
            created_at=now,
            cursor=0,
            pc_code=pc_code,
        )
    )
    return Registered(f"{token_id}.{secret}", token_id, branch, name, pc_code)


def _token_parts(code_hash: str, key: str | None) -> tuple[str, str]:
    """(token id, secret): derived from the PC's key (the same for the same code and key),
    else random (older clients)."""
    if key is None:
        return secrets.token_hex(8), secrets.token_urlsafe(32)
    return digest(f"{code_hash}:{key}")[:16], key


def _repeated(conn: Connection, code_hash: str, node_id: str | None, key: str | None) -> Registered:
    """The answer already given for this code, if the same node asks with the same key."""
    row = conn.execute(select(t.registration).where(t.registration.c.code_hash == code_hash)).one()
    if key is None or node_id is None or row.node_id != node_id:
        raise Unauthorized(USED)
    token_id, secret = _token_parts(code_hash, key)
    node = conn.execute(select(t.node).where(t.node.c.token_id == token_id)).first()
    valid = node is not None and hmac.compare_digest(node.token_hash, digest(secret))
    if node is None or not valid or row.token_id != token_id or node.revoked_at is not None:
        raise Unauthorized(USED)
    name = conn.execute(select(t.branch.c.name).where(t.branch.c.code == node.branch_code))
    return Registered(
        f"{token_id}.{secret}",
        token_id,
        node.branch_code,
        str(name.scalar_one()),
        str(node.pc_code),
        repeated=True,
    )


def _lock_branch(conn: Connection, branch: str) -> str:
    """The branch's name, its row locked to the end of the transaction (PostgreSQL; SQLite
    has one writer anyway), so PCs of one branch registering at once get codes in turn."""
    query = select(t.branch.c.name).where(t.branch.c.code == branch).with_for_update()
    return str(conn.execute(query).scalar_one())


def _next_pc_code(conn: Connection, branch: str) -> str:
    """The branch's next unused PC code (codes of revoked PCs are never given again)."""
    codes = conn.scalars(
        select(t.node.c.pc_code).where(t.node.c.branch_code == branch, t.node.c.pc_code.isnot(None))
    )
    used = [code_index(c) for c in codes]
    index = max((i for i in used if i is not None), default=-1) + 1
    if index >= MAX_ASSIGNED:
        raise BadPayload(N_("Branch {branch} has no PC code left."), branch=branch)
    return assigned_code(index)


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
        raise Unauthorized(
            N_(
                "Head office revoked this PC's token. Ask head office for a new registration "
                "code and register this PC again; its unsent changes are kept."
            )
        )
    return NodeAuth(
        token_id=token_id, branch=row.branch_code, node_id=row.node_id, pc_code=row.pc_code
    )


def pc_code_of(conn: Connection, node: NodeAuth) -> str | None:
    """The node's PC code, given now if it has none (a PC registered before PC codes existed:
    migration hq0004 left it empty), in turn within its branch as at registration and under
    the same lock, so PCs asking at once get one each. None when the branch has no code left
    (the PC goes on with its provisional code; the clock reading must not fail for it)."""
    if node.pc_code is not None:
        return node.pc_code
    _lock_branch(conn, node.branch)
    held = select(t.node.c.pc_code).where(t.node.c.token_id == node.token_id)
    current = conn.scalar(held)  # another request of this PC may have given it meanwhile
    if current is not None:
        return str(current)
    try:
        code = _next_pc_code(conn, node.branch)
    except BadPayload:
        log.warning("branch %s has no PC code left for node %s", node.branch, node.node_id)
        return None
    conn.execute(update(t.node).where(t.node.c.token_id == node.token_id).values(pc_code=code))
    log.info(
        "node %s of branch %s (registered before PC codes) is PC %s",
        node.node_id,
        node.branch,
        code,
        extra={"branch": node.branch},
    )
    return code


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
