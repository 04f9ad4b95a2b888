"""Wire schemas of the sync protocol (DESIGN.md section 3), shared by branch and head office.

Every request carries the branch's schema version (``X-Sync-Schema`` header, and
``schema_version`` in a push body) and the protocol version (``X-Sync-Protocol``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from branch_crm.sync.codec import WireValue

PROTOCOL_VERSION = 1
MAX_BATCH_CHANGES = 1000
MAX_CHANGES_PER_REQUEST = 20_000
"""Hard limit: a batch holds at most 1000 changes unless one transaction alone is larger."""
SCHEMA_HEADER = "X-Sync-Schema"
PROTOCOL_HEADER = "X-Sync-Protocol"
CLIENT_TIME_HEADER = "X-Sync-Client-Time"

Op = Literal["insert", "update", "delete"]
NODE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
"""A node id: what the app makes (``sync_state.node_id``, 16 hex digits), in stamps too."""
BRANCH_PATTERN = r"^[A-Za-z0-9_-]{1,16}$"
"""A branch code: every code a PC can hold (``create_first_admin``) fits it, and every one
head office gives out (letters and digits, ``branch add``) that a PC can hold."""
BATCH_PATTERN = r"^[A-Za-z0-9_-]{8,36}$"
"""A batch id: a UUID as the app makes it."""


class Change(BaseModel):
    """One captured change of one row, as the branch pushes it."""

    model_config = ConfigDict(extra="forbid")

    table: str = Field(max_length=40)
    pk: str = Field(min_length=1, max_length=36)
    op: Op
    data: dict[str, WireValue]
    hlc: str = Field(max_length=64)
    tx: int
    schema_version: str = Field(max_length=32)


class PushRequest(BaseModel):
    """A batch of whole local transactions."""

    model_config = ConfigDict(extra="forbid")

    branch: str = Field(max_length=16, pattern=BRANCH_PATTERN)
    node: str = Field(max_length=32, pattern=NODE_PATTERN)
    batch_id: str = Field(min_length=8, max_length=36, pattern=BATCH_PATTERN)
    schema_version: str = Field(max_length=32)
    changes: list[Change] = Field(max_length=MAX_CHANGES_PER_REQUEST)


class Rejected(BaseModel):
    """A change (or some of its columns) head office did not apply, and why."""

    table: str
    pk: str
    reason: str
    columns: list[str] = []


class ConflictInfo(BaseModel):
    """A unique clash recorded for a supervisor."""

    id: str
    table: str
    pk: str
    kind: str


class PushAck(BaseModel):
    """Head office's acknowledgement; a repeated batch_id gets the stored one again."""

    batch_id: str
    accepted: int
    rejected: list[Rejected] = []
    conflicts: list[ConflictInfo] = []
    server_hlc: str
    hlc_rewrites: dict[str, str] = {}
    """Stamps head office clamped (clock far in the future): sent -> stored."""
    duplicate: bool = False


class ServerChange(BaseModel):
    """One entry of head office's change log, as a branch pulls it."""

    seq: int
    table: str
    pk: str
    op: Op
    data: dict[str, WireValue]
    hlc: str
    tx: str


class PullResponse(BaseModel):
    """One page of changes after the cursor, never past an uncommitted transaction."""

    changes: list[ServerChange]
    next_cursor: int
    has_more: bool
    server_hlc: str
    server_time_ms: int


class ClockReading(BaseModel):
    """Head office's clock (``GET /api/v1/sync/clock``): a PC measures its offset with it at
    the start of every round, before it pushes."""

    server_hlc: str
    """Head office's HLC: no stamp it confirmed is greater."""
    server_time_ms: int
    """Head office's wall clock, milliseconds since the Unix epoch."""
    pc_code: str | None = None
    """This PC's code in complaint numbers and survey serials: a PC registered before PC
    codes existed gets its code here (absent from older head offices)."""


class RegisterRequest(BaseModel):
    """Exchange a one-time registration code for a node token."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=4, max_length=64)
    branch: str = Field(min_length=1, max_length=16, pattern=BRANCH_PATTERN)
    node: str | None = Field(default=None, max_length=32, pattern=NODE_PATTERN)
    key: str | None = Field(default=None, min_length=32, max_length=64, pattern=r"^[\w-]+$")
    """A secret the PC made and saved before sending: the token is derived from it, so the
    same PC sending the same code and key again (its answer was lost) gets the same token.
    Older clients send none and get a random token, once."""


class RegisterResponse(BaseModel):
    """The token of this installation (shown once; head office keeps only its hash)."""

    token: str
    branch: str
    branch_name: str
    pc_code: str | None = None
    """This PC's code in complaint numbers and survey serials (absent from older head
    offices; see :mod:`branch_crm.sync.pc_codes`)."""


class ErrorBody(BaseModel):
    """Every error response: a sentence a person can act on."""

    detail: str
