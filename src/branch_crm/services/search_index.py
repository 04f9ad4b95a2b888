"""The counter lookup's local index: ``search_term`` rows derived from customers.

Each live customer has a compact local number (``customer.local_no``) and a ``search_doc``
row recording exactly what is indexed for it (name key, company key, pinyin readings,
initials, rank), so a re-index deletes precisely its old terms. Terms are
``(term, kind, rank, local_no)`` in a WITHOUT ROWID table: "equal term, best rank first" is a
backwards index walk that stops after ``limit`` rows, whatever the number of matches.

Kinds (see :class:`Kind`): the whole name, every proper prefix of the name, every 1- and
2-character piece of the name (CJK names only; Latin names are searched through their
letters), full pinyin and its prefixes of 2+ letters, initials and their prefixes, and
2-character pieces of the company. The same terms are produced by Python
(:func:`doc_terms`, one customer at a time) and by SQL (:func:`rebuild_terms`, in bulk).

Triggers (migration 0001) put the id of every customer whose name, company or rank changed
into ``search_dirty``, whatever wrote it; :func:`process_dirty` re-indexes them before each
lookup and costs one index probe when there is nothing to do.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from branch_crm.services.pinyin import name_pinyin

log = logging.getLogger(__name__)

PINYIN_PREFIX_MAX = 30
"""Longest pinyin prefix stored as a term (longer queries match the whole reading only)."""
BULK_THRESHOLD = 20_000
"""Above this many dirty customers the index is rebuilt in bulk with SQL."""
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class Kind(enum.IntEnum):
    """Term kinds; the small numbers keep the index rows short."""

    PINYIN_PREFIX = 0
    NAME_GRAM = 1
    NAME_EXACT = 2
    NAME_PREFIX = 3
    INITIALS_FULL = 4
    INITIALS_PREFIX = 5
    PINYIN_FULL = 6
    COMPANY_GRAM = 7


def search_key(text: str | None) -> str:
    """Lower-case ASCII letters and drop spaces (the same as SQL ``replace(lower(x),' ','')``)."""
    return (text or "").translate(_ASCII_LOWER).replace(" ", "")


@dataclass(frozen=True, slots=True)
class Doc:
    """What is indexed for one customer."""

    local_no: int
    name_key: str
    company_key: str
    pinyin: str
    initials: str
    rank: int


def _name_terms(key: str) -> set[tuple[str, int]]:
    if not key or key.isascii():
        return set()
    terms = {(key, Kind.NAME_EXACT.value)}
    terms |= {(key[:i], Kind.NAME_PREFIX.value) for i in range(1, len(key))}
    terms |= {(key[i], Kind.NAME_GRAM.value) for i in range(len(key))}
    terms |= {(key[i : i + 2], Kind.NAME_GRAM.value) for i in range(len(key) - 1)}
    return terms


def _reading_terms(readings: str, full: Kind, prefix: Kind, shortest: int) -> set[tuple[str, int]]:
    terms: set[tuple[str, int]] = set()
    for reading in readings.split(" ")[:2]:
        if not reading:
            continue
        terms.add((reading, full.value))
        longest = min(len(reading) - 1, PINYIN_PREFIX_MAX)
        terms |= {(reading[:i], prefix.value) for i in range(shortest, longest + 1)}
    return terms


def doc_terms(doc: Doc) -> set[tuple[str, int]]:
    """Every (term, kind) of a customer."""
    terms = _name_terms(doc.name_key)
    terms |= _reading_terms(doc.pinyin, Kind.PINYIN_FULL, Kind.PINYIN_PREFIX, 2)
    terms |= _reading_terms(doc.initials, Kind.INITIALS_FULL, Kind.INITIALS_PREFIX, 1)
    company = doc.company_key
    terms |= {(company[i : i + 2], Kind.COMPANY_GRAM.value) for i in range(len(company) - 1)}
    return terms


# --- one customer at a time ---------------------------------------------------------------


def _old_doc(raw: sqlite3.Connection, local_no: int) -> Doc | None:
    row = raw.execute(
        "SELECT local_no, name_key, company_key, pinyin, initials, rank FROM search_doc "
        "WHERE local_no = ?",
        (local_no,),
    ).fetchone()
    return Doc(*row) if row else None


def _write_terms(raw: sqlite3.Connection, doc: Doc, sql: str) -> None:
    raw.executemany(sql, ((t, k, doc.rank, doc.local_no) for t, k in doc_terms(doc)))


def _delete_doc(raw: sqlite3.Connection, doc: Doc) -> None:
    _write_terms(
        raw,
        doc,
        "DELETE FROM search_term WHERE term = ? AND kind = ? AND rank = ? AND local_no = ?",
    )
    raw.execute("DELETE FROM search_doc WHERE local_no = ?", (doc.local_no,))


def _insert_doc(raw: sqlite3.Connection, doc: Doc) -> None:
    _write_terms(raw, doc, "INSERT OR IGNORE INTO search_term VALUES (?, ?, ?, ?)")
    raw.execute(
        "INSERT INTO search_doc (local_no, name_key, company_key, pinyin, initials, rank) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (doc.local_no, doc.name_key, doc.company_key, doc.pinyin, doc.initials, doc.rank),
    )


def next_local_no(raw: sqlite3.Connection) -> int:
    """The next free local number (the unique index makes MAX a single probe)."""
    return int(raw.execute("SELECT COALESCE(MAX(local_no), 0) + 1 FROM customer").fetchone()[0])


DIRTY_ROW_SQL = """
SELECT c.id, c.local_no, c.name, c.company, c.name_pinyin, c.name_initials,
       c.deleted_at IS NULL, s.search_rank
FROM customer c LEFT JOIN customer_stats s ON s.customer_id = c.id
WHERE c.id = ?
"""


def _fix_readings(raw: sqlite3.Connection, row: Sequence[object]) -> tuple[str, str]:
    """Readings from the name; stale pinyin columns (a raw SQL rename) are corrected."""
    readings = name_pinyin(str(row[2]))
    if readings != (row[4], row[5]):
        raw.execute(
            "UPDATE customer SET name_pinyin = ?, name_initials = ? WHERE id = ?",
            (*readings, row[0]),
        )
    return readings


def reindex_customer(raw: sqlite3.Connection, customer_id: str) -> None:
    """Re-index one customer from its stored row (removes it when deleted or missing)."""
    row = raw.execute(DIRTY_ROW_SQL, (customer_id,)).fetchone()
    if row is None:
        return
    local_no = row[1]
    if local_no is None:
        local_no = next_local_no(raw)
        raw.execute("UPDATE customer SET local_no = ? WHERE id = ?", (local_no, customer_id))
    old = _old_doc(raw, local_no)
    new = None
    if row[6]:
        pinyin, initials = _fix_readings(raw, row)
        new = Doc(local_no, search_key(row[2]), search_key(row[3]), pinyin, initials, row[7] or 0)
    if old == new:
        return
    if old is not None:
        _delete_doc(raw, old)
    if new is not None:
        _insert_doc(raw, new)


def _missing_stats(raw: sqlite3.Connection) -> list[str]:
    rows = raw.execute(
        "SELECT d.customer_id FROM search_dirty d JOIN customer c ON c.id = d.customer_id "
        "LEFT JOIN customer_stats s ON s.customer_id = d.customer_id "
        "WHERE s.customer_id IS NULL AND c.deleted_at IS NULL"
    ).fetchall()
    return [r[0] for r in rows]


def has_dirty(raw: sqlite3.Connection) -> bool:
    """True when some customer waits to be re-indexed (one index probe)."""
    return raw.execute("SELECT 1 FROM search_dirty LIMIT 1").fetchone() is not None


def process_dirty(
    raw: sqlite3.Connection, compute_stats: Callable[[list[str]], object] | None = None
) -> int:
    """Re-index every customer marked dirty; returns how many were processed."""
    if not has_dirty(raw):
        return 0
    if compute_stats is not None:
        missing = _missing_stats(raw)
        if missing:
            compute_stats(missing)  # new customers from sync: classify them first
    count = int(raw.execute("SELECT count(*) FROM search_dirty").fetchone()[0])
    if count > BULK_THRESHOLD:
        rebuild(raw)
        return count
    ids = [r[0] for r in raw.execute("SELECT customer_id FROM search_dirty").fetchall()]
    for customer_id in ids:
        reindex_customer(raw, customer_id)
    raw.executemany("DELETE FROM search_dirty WHERE customer_id = ?", ((i,) for i in ids))
    log.debug("re-indexed %d customers", len(ids))
    return len(ids)


# --- in bulk, with SQL -----------------------------------------------------------------------

_NON_ASCII = "length(CAST(name_key AS BLOB)) > length(name_key)"
_ALTS = """
alts(local_no, rank, reading, initials) AS (
  SELECT local_no, rank,
    CASE WHEN instr(pinyin, ' ') > 0 THEN substr(pinyin, 1, instr(pinyin, ' ') - 1)
         ELSE pinyin END,
    CASE WHEN instr(initials, ' ') > 0 THEN substr(initials, 1, instr(initials, ' ') - 1)
         ELSE initials END
  FROM search_doc
  UNION ALL
  SELECT local_no, rank, substr(pinyin, instr(pinyin, ' ') + 1),
    substr(initials, instr(initials, ' ') + 1)
  FROM search_doc WHERE instr(pinyin, ' ') > 0
)"""
TERM_SELECTS: tuple[str, ...] = (
    f"SELECT name_key, {Kind.NAME_EXACT.value}, rank, local_no FROM search_doc "
    f"WHERE name_key != '' AND {_NON_ASCII}",
    f"SELECT substr(name_key, 1, n), {Kind.NAME_PREFIX.value}, rank, local_no "
    f"FROM search_doc JOIN temp.search_nums ON n < length(name_key) WHERE {_NON_ASCII}",
    f"SELECT substr(name_key, n, 1), {Kind.NAME_GRAM.value}, rank, local_no "
    f"FROM search_doc JOIN temp.search_nums ON n <= length(name_key) WHERE {_NON_ASCII}",
    f"SELECT substr(name_key, n, 2), {Kind.NAME_GRAM.value}, rank, local_no "
    f"FROM search_doc JOIN temp.search_nums ON n < length(name_key) WHERE {_NON_ASCII}",
    f"WITH {_ALTS} SELECT reading, {Kind.PINYIN_FULL.value}, rank, local_no FROM alts "
    "WHERE reading != ''",
    f"WITH {_ALTS} SELECT substr(reading, 1, n), {Kind.PINYIN_PREFIX.value}, rank, local_no "
    f"FROM alts JOIN temp.search_nums ON n >= 2 AND n < length(reading) "
    f"AND n <= {PINYIN_PREFIX_MAX}",
    f"WITH {_ALTS} SELECT initials, {Kind.INITIALS_FULL.value}, rank, local_no FROM alts "
    "WHERE initials != ''",
    f"WITH {_ALTS} SELECT substr(initials, 1, n), {Kind.INITIALS_PREFIX.value}, rank, local_no "
    f"FROM alts JOIN temp.search_nums ON n < length(initials) AND n <= {PINYIN_PREFIX_MAX}",
    f"SELECT substr(company_key, n, 2), {Kind.COMPANY_GRAM.value}, rank, local_no "
    "FROM search_doc JOIN temp.search_nums ON n < length(company_key)",
)


def _numbers(raw: sqlite3.Connection) -> None:
    raw.execute("CREATE TEMP TABLE IF NOT EXISTS search_nums (n INTEGER PRIMARY KEY)")
    raw.executemany(
        "INSERT OR IGNORE INTO temp.search_nums VALUES (?)", ((n,) for n in range(1, 301))
    )


def assign_local_numbers(raw: sqlite3.Connection) -> None:
    """Give every customer without one a local number (in id order)."""
    base = next_local_no(raw) - 1
    raw.execute(
        "UPDATE customer SET local_no = ? + x.n FROM (SELECT id, row_number() OVER "
        "(ORDER BY id) AS n FROM customer WHERE local_no IS NULL) AS x WHERE customer.id = x.id",
        (base,),
    )


def docs_from_columns(raw: sqlite3.Connection) -> None:
    """Fill ``search_doc`` from the customer columns (trusted to be current: bulk loads)."""
    raw.execute("DELETE FROM search_doc")
    raw.execute(
        "INSERT INTO search_doc (local_no, name_key, company_key, pinyin, initials, rank) "
        "SELECT c.local_no, replace(lower(c.name), ' ', ''), "
        "replace(lower(COALESCE(c.company, '')), ' ', ''), c.name_pinyin, c.name_initials, "
        "COALESCE(s.search_rank, 0) FROM customer c "
        "LEFT JOIN customer_stats s ON s.customer_id = c.id WHERE c.deleted_at IS NULL "
        "ORDER BY c.local_no"
    )


def rebuild_terms(raw: sqlite3.Connection, progress: Callable[[str], None] | None = None) -> None:
    """Regenerate every term from ``search_doc`` with SQL, sorted for a sequential build."""
    _numbers(raw)
    raw.execute("DELETE FROM search_term")
    union = "\nUNION ALL\n".join(f"SELECT * FROM ({s})" for s in TERM_SELECTS)
    raw.execute(f"INSERT OR IGNORE INTO search_term {union} ORDER BY 1, 2, 3, 4")
    if progress is not None:
        progress("terms")


def _update_ranks(raw: sqlite3.Connection) -> None:
    raw.execute(
        "UPDATE search_doc SET rank = s.search_rank FROM customer c "
        "JOIN customer_stats s ON s.customer_id = c.id "
        "WHERE c.local_no = search_doc.local_no AND search_doc.rank != s.search_rank"
    )


def rebuild(raw: sqlite3.Connection) -> None:
    """Bulk path for many dirty customers: fix docs one by one where names changed, re-rank the
    rest with one UPDATE, then regenerate all terms."""
    changed = _changed_names(raw)
    for customer_id in changed:
        reindex_customer(raw, customer_id)
    _update_ranks(raw)
    rebuild_terms(raw)
    raw.execute("DELETE FROM search_dirty")
    log.info("search index rebuilt in bulk (%d renamed or new)", len(changed))


def _changed_names(raw: sqlite3.Connection) -> list[str]:
    """Dirty customers whose indexed name/company/state differs from the stored row."""
    rows = raw.execute(
        "SELECT d.customer_id FROM search_dirty d JOIN customer c ON c.id = d.customer_id "
        "LEFT JOIN search_doc s ON s.local_no = c.local_no "
        "WHERE s.local_no IS NULL OR c.deleted_at IS NOT NULL "
        "OR s.name_key IS NOT replace(lower(c.name), ' ', '') "
        "OR s.company_key IS NOT replace(lower(COALESCE(c.company, '')), ' ', '')"
    ).fetchall()
    return [r[0] for r in rows]
