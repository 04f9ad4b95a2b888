"""Head office's tables: the branch entity tables (copied from the branch models) plus sync
bookkeeping (branches, node tokens, registration codes, batches, change log, clocks,
quarantined changes, the high-water mark of head office's clock).

Entity tables are copies of :func:`branch_crm.models.synced_tables` without foreign keys (head
office stores rows as they arrive, a child may come before a parked parent) and without
local-only columns. Unique keys are scoped to the owning branch, except a phone number, which
is unique company-wide (a clash between branches becomes a conflict record).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from branch_crm.models.base import NAMING_CONVENTION, UtcDateTime

hq_metadata = MetaData(naming_convention=NAMING_CONVENTION)

GLOBAL_UNIQUE = {("customer_phone", ("phone",))}
"""Unique keys that hold across branches; all others hold within one branch."""

SeqType = BigInteger().with_variant(Integer(), "sqlite")


def _scalar_default(column: Column[Any]) -> Any:
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return getattr(default, "arg", None)
    return None


def _copy_entity(source: Table) -> tuple[Table, list[tuple[str, ...]], dict[tuple[str, ...], bool]]:
    columns = [
        Column(
            c.name,
            c.type,
            primary_key=c.primary_key,
            nullable=c.nullable,
            default=_scalar_default(c),
        )
        for c in source.columns
        if c.info.get("sync", True)
    ]
    table = Table(source.name, hq_metadata, *columns)
    keys: list[tuple[str, ...]] = []
    partial: dict[tuple[str, ...], bool] = {}
    names = {c.name for c in columns}
    for index in source.indexes:
        cols = tuple(c.name for c in index.columns)
        if not cols or any(c not in names for c in cols) or index.info.get("branch_only"):
            continue  # expression index, local-only column or a branch PC's search index
        where = index.dialect_options["sqlite"].get("where")
        if index.unique:
            scoped = cols if (source.name, cols) in GLOBAL_UNIQUE else ("branch_id", *cols)
            keys.append(cols)
            partial[cols] = where is not None
            Index(
                index.name,
                *[table.c[c] for c in scoped],
                unique=True,
                sqlite_where=where,
                postgresql_where=where,
            )
        else:
            Index(index.name, *[table.c[c] for c in cols])
    for column in source.columns:
        if column.unique and column.name in names:
            cols = (column.name,)
            keys.append(cols)
            partial[cols] = False
            UniqueConstraint(table.c.branch_id, table.c[column.name])
    return table, keys, partial


def _build_entities() -> dict[
    str, tuple[Table, str, list[tuple[str, ...]], dict[tuple[str, ...], bool]]
]:
    from branch_crm.models import synced_tables

    result: dict[str, tuple[Table, str, list[tuple[str, ...]], dict[tuple[str, ...], bool]]] = {}
    for cls in synced_tables():
        source: Table = cls.__table__  # type: ignore[attr-defined]
        table, keys, partial = _copy_entity(source)
        result[source.name] = (table, cls.__sync_kind__, keys, partial)
    return result


ENTITIES = _build_entities()
"""table name -> (table, sync kind, unique keys, key is among live rows only)."""

branch = Table(
    "hq_branch",
    hq_metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_push_at", UtcDateTime()),
    Column("last_pull_at", UtcDateTime()),
)

node = Table(
    "hq_node",
    hq_metadata,
    Column("token_id", String(32), primary_key=True),
    Column("branch_code", String(16), nullable=False, index=True),
    Column("node_id", String(32)),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    Column("last_seen_at", UtcDateTime()),
    Column("app_version", String(32)),
    Column("schema_version", String(32)),
    Column("cursor", BigInteger(), nullable=False, default=0),
    Column("pc_code", String(4)),
    Index("uq_hq_node_branch_pc_code", "branch_code", "pc_code", unique=True),
)
"""One registered installation (PC) of a branch; ``pc_code`` is its code in the numbers it
makes (:mod:`branch_crm.sync.pc_codes`), unique within the branch."""

registration = Table(
    "hq_registration",
    hq_metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("branch_code", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
    Column("token_id", String(32)),
    Column("node_id", String(32)),
)
"""A one-time registration code (its hash); once used, the token and node that redeemed it,
so that the same PC asking again after a lost answer gets the same token."""

batch = Table(
    "hq_batch",
    hq_metadata,
    Column("batch_id", String(36), primary_key=True),
    Column("branch_code", String(16), nullable=False),
    Column("node_id", String(32)),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("changes", Integer(), nullable=False, default=0),
    Column("ack", JSON()),
)

change_log = Table(
    "hq_change_log",
    hq_metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("tx_id", String(36), nullable=False),
    Column("partition", String(16), nullable=False),
    Column("table_name", String(40), nullable=False),
    Column("pk", String(36), nullable=False),
    Column("op", String(8), nullable=False),
    Column("data", Text(), nullable=False),
    Column("hlc", String(64), nullable=False),
    Column("origin", String(32)),
    Column("at", DateTime(), nullable=False),
    Index("ix_hq_change_log_partition_seq", "partition", "seq"),
    sqlite_autoincrement=True,
)

row_clock = Table(
    "hq_row_clock",
    hq_metadata,
    Column("table_name", String(40), primary_key=True),
    Column("pk", String(36), primary_key=True),
    Column("clocks", Text(), nullable=False),
)

parked = Table(
    "hq_parked",
    hq_metadata,
    Column("table_name", String(40), primary_key=True),
    Column("pk", String(36), primary_key=True),
    Column("branch_code", String(16), nullable=False),
    Column("data", Text(), nullable=False),
    Column("clocks", Text(), nullable=False),
    Column("conflict_id", String(36), nullable=False),
)

quarantine = Table(
    "hq_quarantine",
    hq_metadata,
    Column("id", String(36), primary_key=True),
    Column("branch_code", String(16), nullable=False),
    Column("node_id", String(32)),
    Column("batch_id", String(36), nullable=False),
    Column("table_name", String(40), nullable=False),
    Column("pk", String(36), nullable=False),
    Column("op", String(8), nullable=False),
    Column("data", Text(), nullable=False),
    Column("hlc", String(64), nullable=False),
    Column("reason", String(20), nullable=False),
    Column("detail", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_hq_quarantine_branch_code_at", "branch_code", "at"),
)
"""Changes head office could not apply (a value it cannot store, a row the branch may not
write, a database error), kept as they came; the sender's supervisors see each one as a
``sync_rejected_change`` of the same id."""

state = Table(
    "hq_state",
    hq_metadata,
    Column("id", Integer(), primary_key=True),
    Column("clock_ms", BigInteger(), nullable=False, default=0),
    Column("clock_counter", BigInteger(), nullable=False, default=0),
)
"""One row (id 1): the high-water mark of head office's clock, so a restarted service (or
another worker) never stamps older than what head office already issued or admitted."""

web_user = Table(
    "hq_web_user",
    hq_metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(40), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("branches", String(2000)),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean(), nullable=False, default=True),
    Column("failed_logins", Integer(), nullable=False, default=0),
    Column("locked_until", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_login_at", UtcDateTime()),
)
"""A head-office account of the dashboard (``branch-crm-hq user``): ``role`` admin or
manager; ``branches`` the branch codes a manager may see, comma-separated (NULL: all)."""

web_session = Table(
    "hq_web_session",
    hq_metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(36), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
"""A signed-in dashboard session: the cookie carries a random token, head office keeps its
hash (signing out, disabling the account or the expiry ends it on every worker)."""

DASHBOARD_INDEXES = (
    Index("ix_dash_complaint_branch_received", ENTITIES["complaint"][0].c.branch_id,
          ENTITIES["complaint"][0].c.received_at),
    Index("ix_dash_survey_response_answered", ENTITIES["survey_response"][0].c.answered_on),
    Index("ix_dash_training_session_starts", ENTITIES["training_session"][0].c.starts_at),
    Index("ix_dash_monthly_volume_month", ENTITIES["monthly_volume"][0].c.month,
          ENTITIES["monthly_volume"][0].c.customer_id, ENTITIES["monthly_volume"][0].c.parcels),
)  # fmt: skip
"""Indexes the dashboard's period queries read through (hq0008)."""

file = Table(
    "hq_file",
    hq_metadata,
    Column("branch_code", String(16), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger(), nullable=False),
    Column("stored_at", UtcDateTime(), nullable=False),
)
"""An attachment's file a branch sent (hq0010): the bytes are in the file store under their
hash (hq.files), shared by branches that sent the same file; a PC may read a file only
when its own branch sent it."""

_complaint = ENTITIES["complaint"][0]
_volume = ENTITIES["monthly_volume"][0]
_unresolved = _complaint.c.resolved_at.is_(None) & _complaint.c.deleted_at.is_(None)
_open = (_complaint.c.status != "closed") & _complaint.c.deleted_at.is_(None)
SUMMARY_INDEXES = (
    Index("ix_dash_monthly_volume_customer", _volume.c.customer_id, _volume.c.month),
    Index("ix_dash_complaint_unresolved", _complaint.c.received_at,
          postgresql_where=_unresolved, sqlite_where=_unresolved),
    Index("ix_dash_complaint_open", _complaint.c.branch_id, _complaint.c.resolution_due_at,
          postgresql_where=_open, sqlite_where=_open,
          postgresql_include=["paused_since", "response_breached", "resolution_breached"]),
)  # fmt: skip
"""Indexes of the summaries (hq0011): a customer's volumes (what a push recounts), and
partial ones of the figures that depend on the moment they are read: the
unresolved complaints, the open ones."""

dash_complaint_day = Table(
    "hq_dash_complaint_day",
    hq_metadata,
    Column("branch_id", String(16), primary_key=True),
    Column("day", Date(), primary_key=True),
    Column("category", String(40), primary_key=True),
    Column("received", Integer(), nullable=False),
    Column("breached", Integer(), nullable=False),
    Column("settled", Integer(), nullable=False),
    Column("met", Integer(), nullable=False),
)
"""Complaints received per branch, business day and category (``''``: none): received,
breached (a response or resolution breach on record), settled (resolved, or a resolution
breach on record: measured whatever the moment), met (resolved without a resolution breach).
Maintained by every push (hq.summary); ``branch-crm-hq dashboard rebuild`` recounts it."""

dash_survey_day = Table(
    "hq_dash_survey_day",
    hq_metadata,
    Column("branch_id", String(16), primary_key=True),
    Column("day", Date(), primary_key=True),
    Column("code", Text(), primary_key=True),
    Column("n", Integer(), nullable=False),
    Column("ge4", Integer(), nullable=False),
    Column("ge9", Integer(), nullable=False),
    Column("le6", Integer(), nullable=False),
    Column("total", BigInteger(), nullable=False),
)
"""Current survey responses per branch and business day they were answered: code ``''``
counts the responses; every other row one question code's integer answers (how many, how
many >= 4, >= 9, <= 6, their sum) -- the question kinds are applied when read, so a template
published later changes no stored figure."""

dash_survey_month = Table(
    "hq_dash_survey_month",
    hq_metadata,
    Column("branch_id", String(16), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("code", Text(), primary_key=True),
    Column("n", Integer(), nullable=False),
    Column("ge4", Integer(), nullable=False),
    Column("ge9", Integer(), nullable=False),
    Column("le6", Integer(), nullable=False),
    Column("total", BigInteger(), nullable=False),
)
"""``hq_dash_survey_day`` summed per business month ('YYYY-MM'): what the satisfaction
trend reads (six months of 200 branches in a few thousand rows)."""

dash_customer_month = Table(
    "hq_dash_customer_month",
    hq_metadata,
    Column("month", String(7), primary_key=True),
    Column("branch_id", String(16), primary_key=True),
    Column("tier", String(10), primary_key=True),
    Column("churn", Boolean(), primary_key=True),
    Column("shipped", Boolean(), primary_key=True),
    Column("shipped_next", Boolean(), primary_key=True),
    Column("first_known", Boolean(), primary_key=True),
    Column("start_date", Date(), primary_key=True),
    Column("start_at", DateTime(), primary_key=True),
    Column("created_on", Date(), primary_key=True),
    Column("n", Integer(), nullable=False),
)
"""Customers per branch classified as of a reference month (``month``): tier and churn risk
from that month's volumes, parcels in the dormancy window up to it (``shipped``) and in the
month after (``shipped_next``), a first shipment date known (``first_known``);
``start_date`` / ``start_at`` (first shipment, else creation)
and ``created_on`` (business day) kept only where a period referencing the month can still
tell them apart (recent ones), else 0001-01-01. Counted with head office's policy thresholds
of the last rebuild (kept in ``hq_dash_summary``)."""

dash_summary = Table(
    "hq_dash_summary",
    hq_metadata,
    Column("id", Integer(), primary_key=True),
    Column("policy", Text(), nullable=False),
    Column("first_month", String(7), nullable=False),
    Column("last_month", String(7), nullable=False),
    Column("built_at", UtcDateTime(), nullable=False),
)
"""One row (id 1) once the summaries are built: the policy thresholds the customer summary
was counted with and the reference months it covers."""
