"""Counter lookup: find a customer while they wait, best match first.

The query decides the path (see :func:`plan`):

* digits (spaces, dashes, brackets, +86 allowed): exactly 4 digits -> last four digits of
  any phone (``substr(phone, -4) = ?`` on its expression index, important customers first),
  then phones starting with them; a whole number -> that phone; otherwise phones starting
  with the digits (in number order, so the exact number comes first);
* Latin letters: pinyin initials ("zs" finds 张三, then 张三丰), then full pinyin and its
  prefixes ("zhangsan", "zhangs");
* Chinese: the exact name, names starting with the text, names containing it, companies
  containing it.

Within each step the results come from ``search_term`` (see
:mod:`branch_crm.services.customers.search_index`) as an index walk: equal term, highest search rank
first, stopping at ``limit``. A lookup only reads (the app runs it on a read-only
connection): a save indexes its own customer, and customers waiting in ``search_dirty`` (a
sync, another program) are indexed by the app's background catch-up on its database thread.
The hot path runs cached SQL on the session's DBAPI connection.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from branch_crm.services.customers import phone_numbers
from branch_crm.services.customers.classification import recompute_stats
from branch_crm.services.customers.search_index import (
    HITS_SQL,
    Kind,
    process_dirty,
    search_key,
)
from branch_crm.services.dbapi import raw_connection

FULL_PHONE_LENGTHS = (10, 11, 12)
CONTAINS_SCAN = 5_000
"""At most this many pieces are checked for a 3+ character "contains" match."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One lookup result."""

    customer_id: str
    name: str
    phone: str
    company: str | None
    tier: str
    match: str


def format_phone(phone: str) -> str:
    """Display form: "138 1234 5678", "021-5555 1234" (other text unchanged)."""
    return phone_numbers.format_phone(phone)


_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()（）０-９]+$")
_LETTERS = re.compile(r"^[a-z]+$")

# --- SQL ------------------------------------------------------------------------------------

TERM_SQL = (
    "SELECT local_no FROM search_term WHERE term = ? AND kind = ? "
    "ORDER BY rank DESC, local_no DESC LIMIT ?"
)
NAME_CONTAINS_SQL = (
    "SELECT t.local_no FROM search_term t JOIN search_doc d ON d.local_no = t.local_no "
    "WHERE t.term = ? AND t.kind = ? AND instr(d.name_key, ?) > 0 "
    "ORDER BY t.rank DESC, t.local_no DESC LIMIT ?"
)
COMPANY_CONTAINS_SQL = NAME_CONTAINS_SQL.replace("d.name_key", "d.company_key")
TERM_COUNT_SQL = (
    "SELECT count(*) FROM (SELECT 1 FROM search_term WHERE term = ? AND kind = ? LIMIT ?)"
)
PHONE_EXACT_SQL = (
    "SELECT d.local_no FROM customer_phone p "
    "JOIN search_doc d INDEXED BY ix_search_doc_customer ON d.customer_id = p.customer_id "
    "WHERE p.phone = ? AND p.deleted_at IS NULL"
)
PHONE_LAST4_SQL = (
    "SELECT d.local_no FROM customer_phone p INDEXED BY ix_customer_phone_last4_live "
    "JOIN search_doc d INDEXED BY ix_search_doc_customer ON d.customer_id = p.customer_id "
    "WHERE substr(p.phone, -4) = ? AND p.deleted_at IS NULL "
    "ORDER BY d.rank DESC, d.local_no DESC LIMIT ?"
)
"""Last four digits: the covering partial index gives the customers, their search_doc
index gives rank and local number (no table rows read), then the ~1/10,000 of all phones
that match are sorted by rank."""
PHONE_PREFIX_SQL = (
    "SELECT d.local_no FROM customer_phone p "
    "JOIN search_doc d INDEXED BY ix_search_doc_customer ON d.customer_id = p.customer_id "
    "WHERE p.phone >= ? AND p.phone < ? AND p.deleted_at IS NULL ORDER BY p.phone LIMIT ?"
)

Step = tuple[str, str, tuple[object, ...]]
"""(match label, SQL, parameters without the limit)."""


def _phone_steps(digits: str) -> list[Step]:
    upper = digits + ":"  # ':' sorts right after '9'
    prefix: Step = ("phone", PHONE_PREFIX_SQL, (digits, upper))
    if len(digits) == 4:
        return [("last4", PHONE_LAST4_SQL, (digits,)), prefix]
    if len(digits) in FULL_PHONE_LENGTHS:
        return [("phone", PHONE_EXACT_SQL, (digits,)), prefix]
    return [prefix]


def _letter_steps(key: str) -> list[Step]:
    steps: list[Step] = [
        ("pinyin_initials", TERM_SQL, (key, Kind.INITIALS_FULL.value)),
        ("pinyin_initials", TERM_SQL, (key, Kind.INITIALS_PREFIX.value)),
        ("pinyin", TERM_SQL, (key, Kind.PINYIN_FULL.value)),
    ]
    if len(key) >= 2:
        steps.append(("pinyin", TERM_SQL, (key, Kind.PINYIN_PREFIX.value)))
    return steps


def _contains_step(raw: sqlite3.Connection, key: str, kind: Kind, label: str) -> Step:
    """A "contains" walk over the rarest 2-character piece, checked against the whole text."""
    pieces = list(dict.fromkeys(key[i : i + 2] for i in range(len(key) - 1)))
    counts = [
        (int(raw.execute(TERM_COUNT_SQL, (p, kind.value, CONTAINS_SCAN)).fetchone()[0]), p)
        for p in pieces
    ]
    rarest = min(counts)[1]
    sql = NAME_CONTAINS_SQL if kind == Kind.NAME_GRAM else COMPANY_CONTAINS_SQL
    return (label, sql, (rarest, kind.value, key))


def _text_steps(raw: sqlite3.Connection, key: str) -> list[Step]:
    steps: list[Step] = [
        ("name", TERM_SQL, (key, Kind.NAME_EXACT.value)),
        ("name", TERM_SQL, (key, Kind.NAME_PREFIX.value)),
    ]
    if len(key) <= 2:
        steps.append(("name", TERM_SQL, (key, Kind.NAME_GRAM.value)))
    else:
        steps.append(_contains_step(raw, key, Kind.NAME_GRAM, "name"))
    if len(key) == 2:
        steps.append(("company", TERM_SQL, (key, Kind.COMPANY_GRAM.value)))
    elif len(key) > 2:
        steps.append(_contains_step(raw, key, Kind.COMPANY_GRAM, "company"))
    return steps


def plan(raw: sqlite3.Connection, query: str) -> list[Step]:
    """The lookups a query runs, best match first (empty for a blank query)."""
    text = query.strip()
    if not text:
        return []
    if _PHONE_LIKE.match(text):
        digits = phone_numbers.clean_digits(text)
        if digits.isdigit():
            return _phone_steps(digits)
    key = search_key(text)
    if not key:
        return []
    if _LETTERS.match(key):
        return _letter_steps(key)
    if key.isascii():  # letters with digits or signs: a Latin company name, say
        return [("company", TERM_SQL, (key[:2], Kind.COMPANY_GRAM.value))] if len(key) > 1 else []
    return _text_steps(raw, key)


def _collect(raw: sqlite3.Connection, steps: Iterable[Step], limit: int) -> dict[int, str]:
    """local_no -> match label, in result order, at most ``limit``."""
    found: dict[int, str] = {}
    for label, sql, params in steps:
        want = limit - len(found)
        if want <= 0:
            break
        args = params if sql == PHONE_EXACT_SQL else (*params, want + len(found))
        for (local_no,) in raw.execute(sql, args):
            if local_no not in found:
                found[local_no] = label
                if len(found) >= limit:
                    break
    return found


def _hits(raw: sqlite3.Connection, found: dict[int, str]) -> list[SearchHit]:
    if not found:
        return []
    rows = {row[0]: row for row in raw.execute(HITS_SQL, (json.dumps(list(found)),))}
    hits = []
    for local_no, label in found.items():
        row = rows.get(local_no)
        if row is not None:
            hits.append(SearchHit(row[1], row[2], row[3], row[4], row[5], label))
    return hits


def matching_customer_ids(*, session: Session, query: str, limit: int = 500) -> list[str]:
    """Ids of the customers the lookup finds for ``query`` (phone, last 4 digits, name,
    pinyin, company), best match first, at most ``limit``: the customer part of the list
    pages' search boxes (services.search_terms). Never writes."""
    if not query or not query.strip() or limit <= 0:
        return []
    raw = raw_connection(session)
    found = _collect(raw, plan(raw, query), limit)
    if not found:
        return []
    ids = dict(
        raw.execute(
            "SELECT local_no, customer_id FROM search_doc "
            "WHERE local_no IN (SELECT value FROM json_each(?))",
            (json.dumps(list(found)),),
        ).fetchall()
    )
    return [ids[n] for n in found if n in ids]


def _compute_stats(session: Session) -> object:
    return lambda ids: recompute_stats(session=session, customer_ids=ids)


def search_customers(
    *, session: Session, query: str, limit: int = 50, catch_up: bool = False
) -> list[SearchHit]:
    """Customers matching ``query``, best match first; [] for a blank query.

    Never writes: the index is searched as it stands (customers changed by a sync or another
    program are found once the app's background catch-up indexed them), unless ``catch_up``
    (the command line: re-index everything waiting first, however long it takes; a write).
    """
    if not query or not query.strip() or limit <= 0:
        return []
    raw = raw_connection(session)
    if catch_up:
        process_dirty(raw, _compute_stats(session))  # type: ignore[arg-type]
    return _hits(raw, _collect(raw, plan(raw, query), limit))
