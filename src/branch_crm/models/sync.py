"""Sync bookkeeping of the branch database (DESIGN.md section 3).

Local-only tables: ``sync_state`` (one row: node id, HLC, cursor, last success/error),
``sync_outbox`` (captured changes waiting for head office), ``sync_clock`` (per-column HLC of
the values head office confirmed) and ``sync_parked`` (pulled changes that cannot be applied
yet: a unique clash here, or a parent row that is not here). Synced tables: ``sync_conflict``
(a clash for a supervisor; its resolution syncs back) and ``sync_rejected_change`` (the log
of changes head office did not apply, and why; written by head office). The triggers that
fill the outbox live in :mod:`branch_crm.sync.capture`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base, SyncedMixin, SyncKind


class SyncState(Base):
    """The single row (id 1) describing this installation's sync position and health."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[str] = mapped_column(String(32))
    """Random id of this installation; the tie-breaker of its HLC stamps."""
    hlc_ms: Mapped[int] = mapped_column(Integer, default=0)
    hlc_counter: Mapped[int] = mapped_column(Integer, default=0)
    clock_offset_ms: Mapped[int] = mapped_column(Integer, default=0)
    """Added to the PC clock by the capture triggers; corrected from head office's time."""
    tx_epoch: Mapped[int] = mapped_column(Integer, default=1)
    """Transaction id of the changes being captured now (see sync.capture)."""
    suppress: Mapped[int] = mapped_column(Integer, default=0)
    """1 only inside the sync applier's (or a bulk load's) own transaction."""
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    hq_url: Mapped[str | None] = mapped_column(String(300))
    branch_code: Mapped[str | None] = mapped_column(String(16))
    registered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text)
    """What stopped the last round, in English words (for the log and older versions)."""
    last_error_message: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """The same as a message id and values, shown in the reader's language."""
    failures: Mapped[int] = mapped_column(Integer, default=0)
    pc_code: Mapped[str | None] = mapped_column(String(4))
    """This PC's code in complaint numbers and survey serials, assigned by head office at
    registration (see :mod:`branch_crm.sync.pc_codes`); None until then."""
    registration_key: Mapped[str | None] = mapped_column(String(64))
    """The secret of a registration under way, saved before it is sent so that a retry after
    a lost answer gets the same token; cleared once the token is stored."""


class SyncOutbox(Base):
    """One captured change waiting for head office's acknowledgement."""

    __tablename__ = "sync_outbox"
    __table_args__ = (
        Index("ix_sync_outbox_row", "table_name", "pk"),
        Index("ix_sync_outbox_tx", "tx_id"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_id: Mapped[int] = mapped_column(Integer)
    table_name: Mapped[str] = mapped_column(String(40))
    pk: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(8))
    """insert, update or delete (a tombstone)."""
    data: Mapped[str] = mapped_column(Text)
    """JSON object of the changed columns (all synced columns for an insert)."""
    hlc: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[str | None] = mapped_column(String(36))
    """Set when the change is put into a push batch, so a retry resends the same batch."""


class SyncClock(Base):
    """Per-column HLC of the values head office confirmed for one row (LWW metadata)."""

    __tablename__ = "sync_clock"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy convention

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    clocks: Mapped[str] = mapped_column(Text, default="{}")
    """JSON {column: hlc}."""


class SyncParked(Base):
    """A pulled row that cannot be applied yet: it clashes with a unique key here (applied
    once the clash is resolved), or it names a row that is not here (applied once it is)."""

    __tablename__ = "sync_parked"
    __table_args__ = (
        Index("ix_sync_parked_parent_table", "parent_table", "parent_pk"),
        {"sqlite_with_rowid": False},
    )

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    pk: Mapped[str] = mapped_column(String(36), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    """JSON of the full row as head office has it."""
    clocks: Mapped[str] = mapped_column(Text, default="{}")
    reason: Mapped[str] = mapped_column(String(16), default="unique", server_default="unique")
    """unique (a unique clash here) or parent (waits for ``parent_table``/``parent_pk``)."""
    parent_table: Mapped[str | None] = mapped_column(String(40))
    parent_pk: Mapped[str | None] = mapped_column(String(36))


class SyncConflict(SyncedMixin, Base):
    """A unique clash (e.g. one phone on two customers) waiting for a supervisor.

    Head office creates it; a branch only resolves it: the columns and values below are all
    a branch may write (head office quarantines anything else, see hq.push)."""

    __tablename__ = "sync_conflict"
    __branch_inserts__: ClassVar[bool] = False
    __branch_columns__: ClassVar[frozenset[str]] = frozenset(
        {"status", "resolution", "resolved_by", "resolved_at", "updated_at", "updated_by"}
    )
    __branch_values__: ClassVar[dict[str, frozenset[str]]] = {
        "status": frozenset({"resolved"}),  # open -> resolved, never back
        "resolution": frozenset({"keep_mine", "keep_theirs", "merge", "renumber"}),
    }

    kind: Mapped[str] = mapped_column(String(30))
    """unique_phone, unique (another unique key)."""
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(36))
    """The row head office could not apply (this branch's change)."""
    other_row_id: Mapped[str] = mapped_column(String(36))
    """The live row that already holds the value."""
    other_branch_id: Mapped[str] = mapped_column(String(16))
    columns: Mapped[str] = mapped_column(String(200))
    """Comma-separated columns of the unique key."""
    value: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(36))
    other_customer_id: Mapped[str | None] = mapped_column(String(36))
    other_customer_name: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open, resolved."""
    resolution: Mapped[str | None] = mapped_column(String(16))
    """keep_mine, keep_theirs, merge, renumber (see services.syncing.conflicts)."""
    resolved_by: Mapped[str | None] = mapped_column(String(36))
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)


class SyncRejectedChange(SyncedMixin, Base):
    """A change head office did not apply, or not whole: it lost to a delete or a newer
    value, or head office quarantined it. Written by head office only."""

    __tablename__ = "sync_rejected_change"
    __sync_kind__: ClassVar[SyncKind] = "insert_only"
    __branch_inserts__: ClassVar[bool] = False
    __branch_columns__: ClassVar[frozenset[str]] = frozenset()

    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(20))
    """deleted (a delete won), older (a newer value won), unknown_row (an update of a row
    head office does not hold), invalid (a value head office cannot store: quarantined),
    forbidden (a row this branch may not write: quarantined)."""
    detail: Mapped[str | None] = mapped_column(String(200))
    """Why, in words (in the language of the PC that pushed it), e.g. "customer.name: text
    longer than 50 characters"; empty for deleted and older."""
    detail_message: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """The same as head office's message id and values, shown in the reader's language
    (rows head office wrote before it existed have only ``detail``)."""
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The columns and values that lost."""
    hlc: Mapped[str] = mapped_column(String(64))
    node_id: Mapped[str | None] = mapped_column(String(32))
