"""Finding complaints by what people say: the number (or its last digits), the waybill, the
customer's phone, last 4 digits, name or pinyin initials (services.search_terms)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from branch_crm.models import Complaint
from branch_crm.services.search_terms import (
    Query,
    code_match,
    customer_ids,
    customer_match,
    parse,
)

MATCH_LIMIT = 20_000
"""At most this many matching complaints are listed (a search that broad is not a search)."""


def matching_select(session: Session, query: Query) -> Any:
    """SELECT id, status of the live complaints matching ``query``: one index walk per
    reading, united (an OR over them would scan the table)."""
    live = Complaint.deleted_at.is_(None)
    parts = [
        select(Complaint.id, Complaint.status).where(
            code_match(Complaint.number, query.code), live
        ),
        select(Complaint.id, Complaint.status).where(
            code_match(Complaint.waybill_no, query.compact), live
        ),
    ]
    ids = customer_ids(session, query)
    if ids:
        parts.append(
            select(Complaint.id, Complaint.status).where(
                customer_match(Complaint.customer_id, ids), live
            )
        )
    return union(*parts).subquery()


@dataclass(frozen=True)
class ComplaintMatches:
    """The complaints a search box's text finds, open and closed."""

    text: str
    open_ids: frozenset[str]
    closed_ids: frozenset[str]

    @property
    def total(self) -> int:
        """Open and closed together."""
        return len(self.open_ids) + len(self.closed_ids)


def find_complaints(*, session: Session, text: str, limit: int = MATCH_LIMIT) -> ComplaintMatches:
    """The ids of the complaints ``text`` finds (all of them for a blank text: callers show
    everything then, and get empty sets)."""
    query = parse(text)
    if query.blank:
        return ComplaintMatches(query.text, frozenset(), frozenset())
    found = matching_select(session, query)
    rows = session.execute(select(found.c.id, found.c.status).limit(limit)).all()
    return ComplaintMatches(
        query.text,
        frozenset(r[0] for r in rows if r[1] != "closed"),
        frozenset(r[0] for r in rows if r[1] == "closed"),
    )
