"""The counter lookup's local index: ``search_term`` rows derived from customers.

Each live customer has a compact local number (``customer.local_no``) and a ``search_doc``
row holding what is indexed for it (name key, company key, pinyin readings, initials, phones,
rank) and what a lookup result shows (id, name, primary phone, company, tier): a re-index
deletes precisely its old terms, and a hit costs one rowid lookup. Terms are
``(term, kind, rank, local_no)`` in a WITHOUT ROWID table: "equal term, best rank first" is a
backwards index walk that stops after ``limit`` rows, whatever the number of matches.

Kinds (see :class:`Kind`): the whole name, every proper prefix of the name, every 1- and
2-character piece of the name (CJK names only; Latin names are searched through their
letters), full pinyin and its prefixes of 2+ letters, initials and their prefixes,
and 2-character pieces of the company. Phones are not terms: the lookup finds them through
the ``customer_phone`` indexes and maps the customer id to its rank and local number with
``search_doc``'s (customer_id, rank, local_no) index. The same terms come from Python
(:func:`doc_terms`, one customer at a time) and from SQL (:func:`rebuild_terms`, in bulk).

Triggers (migrations 0001 and 0008) put the id of every customer whose name, company, phones
or rank changed into ``search_dirty``, whatever wrote it; :func:`process_dirty` re-indexes
them before each lookup and costs one index probe when there is nothing to do.
"""

from __future__ import annotations

import enum
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from branch_crm.services.customers.pinyin import name_pinyin

log = logging.getLogger(__name__)

PINYIN_PREFIX_MAX = 30
"""Longest pinyin prefix stored as a term (longer queries match the whole reading only)."""
INLINE_LIMIT = 200
"""Interactive calls re-index at most this many waiting customers inline (~0.35 ms each)."""
BULK_THRESHOLD = 1_000
BULK_SHARE = 5
"""The index is rebuilt in bulk with SQL when more than BULK_THRESHOLD customers and more
than 1/BULK_SHARE of all are dirty: one at a time costs ~0.35 ms a customer, the bulk
rebuild ~60 s per million (measured), so below a fifth one at a time is faster."""
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
    """What is indexed for one customer, and what its lookup result shows."""

    local_no: int
    name_key: str
    company_key: str
    pinyin: str
    initials: str
    rank: int
    customer_id: str
    name: str
    phone: str
    other_phones: str
    company: str | None
    tier: str


DOC_COLUMNS = (
    "local_no, name_key, company_key, pinyin, initials, rank, customer_id, name, phone, "
    "other_phones, company, tier"
)
HITS_SQL = (
    "SELECT local_no, customer_id, name, phone, company, tier FROM search_doc "
    "WHERE local_no IN (SELECT value FROM json_each(?))"
)
"""(local_no, id, name, primary phone, company, tier) of the local numbers in a JSON array."""


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
        f"SELECT {DOC_COLUMNS} FROM search_doc WHERE local_no = ?", (local_no,)
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
        f"INSERT INTO search_doc ({DOC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            doc.local_no, doc.name_key, doc.company_key, doc.pinyin, doc.initials, doc.rank,
            doc.customer_id, doc.name, doc.phone, doc.other_phones, doc.company, doc.tier,
        ),
    )  # fmt: skip


def next_local_no(raw: sqlite3.Connection) -> int:
    """The next free local number (the unique index makes MAX a single probe)."""
    return int(raw.execute("SELECT COALESCE(MAX(local_no), 0) + 1 FROM customer").fetchone()[0])


PHONES_SQL = (
    "(SELECT group_concat(phone, ' ') FROM (SELECT phone FROM customer_phone "
    "WHERE customer_id = c.id AND deleted_at IS NULL ORDER BY position, phone))"
)
DIRTY_ROW_SQL = f"""
SELECT c.id, c.local_no, c.name, c.company, c.name_pinyin, c.name_initials,
       c.deleted_at IS NULL, COALESCE(s.search_rank, 0), COALESCE(s.tier, 'walk_in'),
       COALESCE({PHONES_SQL}, '')
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


def _new_doc(raw: sqlite3.Connection, row: Sequence[object], local_no: int) -> Doc:
    pinyin, initials = _fix_readings(raw, row)
    phone, _sep, others = str(row[9]).partition(" ")
    name, company = str(row[2]), row[3] if row[3] is None else str(row[3])
    return Doc(
        local_no, search_key(name), search_key(company), pinyin, initials, int(str(row[7])),
        str(row[0]), name, phone, others, company, str(row[8]),
    )  # fmt: skip


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
    new = _new_doc(raw, row, local_no) if row[6] else None
    if old == new:
        return
    if old is not None:
        _delete_doc(raw, old)
    if new is not None:
        _insert_doc(raw, new)


def _missing_stats(raw: sqlite3.Connection, ids: Sequence[str] | None = None) -> list[str]:
    """Live dirty customers without stats (all of them, or among ``ids``)."""
    only = "" if ids is None else "AND d.customer_id IN (SELECT value FROM json_each(?))"
    rows = raw.execute(
        "SELECT d.customer_id FROM search_dirty d JOIN customer c ON c.id = d.customer_id "
        "LEFT JOIN customer_stats s ON s.customer_id = d.customer_id "
        f"WHERE s.customer_id IS NULL AND c.deleted_at IS NULL {only}",
        () if ids is None else (json.dumps(list(ids)),),
    ).fetchall()
    return [r[0] for r in rows]


def _indexed(raw: sqlite3.Connection) -> int:
    """About how many customers are indexed (the highest local number: one probe)."""
    return int(raw.execute("SELECT COALESCE(MAX(local_no), 0) FROM search_doc").fetchone()[0])


def has_dirty(raw: sqlite3.Connection) -> bool:
    """True when some customer waits to be re-indexed (one index probe)."""
    return raw.execute("SELECT 1 FROM search_dirty LIMIT 1").fetchone() is not None


def dirty_count(raw: sqlite3.Connection, *, at_most: int | None = None) -> int:
    """How many customers wait to be re-indexed (counting stops after ``at_most``)."""
    if at_most is None:
        return int(raw.execute("SELECT count(*) FROM search_dirty").fetchone()[0])
    sql = "SELECT count(*) FROM (SELECT 1 FROM search_dirty LIMIT ?)"
    return int(raw.execute(sql, (at_most,)).fetchone()[0])


def _reindex_ids(
    raw: sqlite3.Connection,
    ids: Sequence[str],
    compute_stats: Callable[[list[str]], object] | None,
) -> int:
    """Re-index these dirty customers one at a time (classifying new ones first)."""
    if not ids:
        return 0
    if compute_stats is not None:
        missing = _missing_stats(raw, ids)
        if missing:
            compute_stats(missing)  # new customers from sync: classify them first
    for customer_id in ids:
        reindex_customer(raw, customer_id)
    raw.executemany("DELETE FROM search_dirty WHERE customer_id = ?", ((i,) for i in ids))
    log.debug("re-indexed %d customers", len(ids))
    return len(ids)


def _dirty_among(raw: sqlite3.Connection, ids: Sequence[str]) -> list[str]:
    rows = raw.execute(
        "SELECT customer_id FROM search_dirty WHERE customer_id IN "
        "(SELECT value FROM json_each(?))",
        (json.dumps(list(ids)),),
    ).fetchall()
    return [r[0] for r in rows]


def process_dirty(
    raw: sqlite3.Connection,
    compute_stats: Callable[[list[str]], object] | None = None,
    *,
    limit: int | None = None,
    first: Sequence[str] = (),
) -> int:
    """Re-index the customers marked dirty; returns how many were processed.

    With ``limit`` (the interactive callers: lookup, list, a save) nothing beyond the
    customers in ``first`` is done when more than ``limit`` are waiting: that backlog (a sync
    page, a new month, a schema change) belongs to the background catch-up
    (:func:`process_dirty_chunk`), and the lookup meanwhile searches the index as it stands.
    """
    if not has_dirty(raw):
        return 0
    if limit is not None and dirty_count(raw, at_most=limit + 1) > limit:
        return _reindex_ids(raw, _dirty_among(raw, first), compute_stats) if first else 0
    if compute_stats is not None:
        missing = _missing_stats(raw)
        if missing:
            compute_stats(missing)  # new customers from sync: classify them first
    count = dirty_count(raw)
    if count > BULK_THRESHOLD and count * BULK_SHARE > _indexed(raw):
        rebuild(raw)
        return count
    ids = [r[0] for r in raw.execute("SELECT customer_id FROM search_dirty").fetchall()]
    return _reindex_ids(raw, ids, None)


def process_dirty_chunk(
    raw: sqlite3.Connection,
    compute_stats: Callable[[list[str]], object] | None = None,
    *,
    size: int = 2_000,
) -> int:
    """Re-index at most ``size`` dirty customers, one at a time (a short write transaction
    for the background catch-up); returns how many were processed, 0 when none wait."""
    ids = [r[0] for r in raw.execute("SELECT customer_id FROM search_dirty LIMIT ?", (size,))]
    return _reindex_ids(raw, ids, compute_stats)


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
    """Rebuild every ``search_doc`` row with SQL from the customer columns (trusted to be
    current: the services keep the pinyin columns, :func:`rebuild` fixes renamed ones)."""
    raw.execute("DELETE FROM search_doc")
    raw.execute(
        f"INSERT INTO search_doc ({DOC_COLUMNS}) "
        "SELECT local_no, replace(lower(name), ' ', ''), "
        "replace(lower(COALESCE(company, '')), ' ', ''), name_pinyin, name_initials, rank, id, "
        "name, CASE WHEN instr(phones, ' ') > 0 THEN substr(phones, 1, instr(phones, ' ') - 1) "
        "ELSE phones END, "
        "CASE WHEN instr(phones, ' ') > 0 THEN substr(phones, instr(phones, ' ') + 1) "
        "ELSE '' END, company, tier FROM ("
        "SELECT c.local_no, c.name, c.company, c.name_pinyin, c.name_initials, c.id, "
        f"COALESCE(s.search_rank, 0) AS rank, COALESCE(s.tier, 'walk_in') AS tier, "
        f"COALESCE({PHONES_SQL}, '') AS phones "
        "FROM customer c LEFT JOIN customer_stats s ON s.customer_id = c.id "
        "WHERE c.deleted_at IS NULL AND c.local_no IS NOT NULL) ORDER BY local_no"
    )


def rebuild_terms(raw: sqlite3.Connection) -> None:
    """Regenerate every term from ``search_doc`` with SQL, sorted for a sequential build."""
    _numbers(raw)
    raw.execute("DELETE FROM search_term")
    union = "\nUNION ALL\n".join(f"SELECT * FROM ({s})" for s in TERM_SELECTS)
    raw.execute(f"INSERT OR IGNORE INTO search_term {union} ORDER BY 1, 2, 3, 4")


def _renamed(raw: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """(id, name, pinyin, initials) of dirty live customers whose readings are stale."""
    rows = raw.execute(
        "SELECT c.id, c.name, c.name_pinyin, c.name_initials FROM search_dirty d "
        "JOIN customer c ON c.id = d.customer_id WHERE c.deleted_at IS NULL"
    ).fetchall()
    return [r for r in rows if name_pinyin(r[1]) != (r[2], r[3])]


def rebuild(raw: sqlite3.Connection) -> None:
    """Bulk path for many dirty customers: correct stale readings, then rebuild every doc
    and term with SQL (a million customers in about a minute)."""
    stale = _renamed(raw)
    raw.executemany(
        "UPDATE customer SET name_pinyin = ?, name_initials = ? WHERE id = ?",
        ((*name_pinyin(name), customer_id) for customer_id, name, _p, _i in stale),
    )
    assign_local_numbers(raw)
    docs_from_columns(raw)
    rebuild_terms(raw)
    raw.execute("DELETE FROM search_dirty")
    log.info("search index rebuilt in bulk (%d readings corrected)", len(stale))
