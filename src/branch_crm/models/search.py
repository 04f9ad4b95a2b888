"""Local search index for the counter lookup; derived from customers, never synced."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import Base


class SearchTerm(Base):
    """One searchable term of a customer (a name n-gram, a company bigram, ...).

    The key order (term, kind, rank, local_no) lets "best match first" be an index walk:
    equal terms come out highest rank first without sorting.
    """

    __tablename__ = "search_term"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy convention

    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_no: Mapped[int] = mapped_column(Integer, primary_key=True)


class SearchDirty(Base):
    """Customers whose search terms must be rebuilt (filled by triggers on any write path)."""

    __tablename__ = "search_dirty"

    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class SearchDoc(Base):
    """What is indexed for one customer (by local number), so a re-index removes exactly the
    customer's old terms even after its name changed, plus everything a lookup result shows
    (one rowid lookup per hit). Local, derived, never synced."""

    __tablename__ = "search_doc"
    __table_args__ = (Index("ix_search_doc_customer", "customer_id", "rank", "local_no"),)

    local_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_key: Mapped[str] = mapped_column(String(50), default="")
    company_key: Mapped[str] = mapped_column(String(100), default="")
    pinyin: Mapped[str] = mapped_column(String(200), default="")
    initials: Mapped[str] = mapped_column(String(50), default="")
    rank: Mapped[int] = mapped_column(Integer, default=0)
    customer_id: Mapped[str] = mapped_column(String(36), default="")
    name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    """The primary phone (digits), "" when the customer has none."""
    other_phones: Mapped[str] = mapped_column(String(70), default="")
    """Further live phones, space-separated (their last 4 digits are indexed too)."""
    company: Mapped[str | None] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(16), default="walk_in")
