"""The search boxes of the list pages and the Go-to box: what a typed text may mean, and the
SQL conditions that find it.

A text is read as everything it could be at once (:func:`parse`), and a list keeps the rows
that match any reading:

* a code: a complaint number, a waybill or a survey serial, equal to the text, starting with
  it (typing a whole number key by key) or, from :data:`MIN_SUFFIX` characters on, ending
  with it ("the last digits": ``0042`` finds ``BR001-20261122-A0042``) (:func:`code_match`);
* a customer: whatever the counter lookup finds for it (whole phone, last 4 digits, phone
  start, name, pinyin or initials, company), through the lookup's own index
  (:func:`customer_ids`), best-ranked first and at most :data:`CUSTOMER_CAP` of them;
* free words (training topics, people's names): contained in a column (:func:`words_match`).

A text that mixes letters and digits (``SF1234567890``, ``A0042``) is a code only: the
lookup would read it as the first letters of a company name. Every condition here is built
to use an index: equality and ranges, and "ends with" through the indexes on the last 4
characters of each code (``bench/list_search.py`` measures it on 100,000 complaints).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, literal_column, or_
from sqlalchemy.orm import Session

from branch_crm.services.customers import phone_numbers
from branch_crm.services.customers.pinyin import name_pinyin
from branch_crm.services.customers.search import matching_customer_ids

MIN_SUFFIX = 4
"""A code's "last digits" are matched from this many characters on: the tables index the
last 4 characters of their codes (migration 0016), so an "ends with" is an index probe."""
CUSTOMER_CAP = 500
"""At most this many customers (best-ranked first) stand for a name or initials."""
MAX_TEXT = 60
_SPACES = re.compile(r"\s+")
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()（）]+$")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_TOP = "\U0010ffff"
"""Sorts after every character: ``x >= code AND x < code + _TOP`` is "starts with code"."""


@dataclass(frozen=True, slots=True)
class Query:
    """A search box's text, read every way it may be meant."""

    text: str
    """As typed: full-width forms folded (NFKC), trimmed, inner spaces single."""
    code: str
    """Upper-case without spaces: a complaint number or a serial ("BR001-20261122-A0042")."""
    compact: str
    """``code`` without dashes: a waybill ("SF1234567890")."""
    digits: str
    """The digits when the text is a phone-like run of digits (spaces, dashes, +86 allowed)."""

    @property
    def blank(self) -> bool:
        """Nothing to search for."""
        return not self.text

    @property
    def mixed(self) -> bool:
        """Letters and digits together: a code, never a customer."""
        return bool(_DIGIT.search(self.text) and _LETTER.search(self.text))

    @property
    def wordy(self) -> bool:
        """No digit at all: a name, initials or words."""
        return not self.blank and not _DIGIT.search(self.text)

    @property
    def may_be_customer(self) -> bool:
        """A phone (digits) or a name, initials, company (no digit): what the lookup reads."""
        return not self.mixed and (self.wordy or bool(self.digits))


def parse(text: str | None) -> Query:
    """Read a search box's text (blank when there is nothing to search for)."""
    folded = _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()[:MAX_TEXT]
    code = folded.replace(" ", "").upper()
    digits = ""
    if folded and _PHONE_LIKE.match(folded):
        cleaned = phone_numbers.clean_digits(folded)
        digits = cleaned if cleaned.isdigit() else ""
    return Query(text=folded, code=code, compact=code.replace("-", ""), digits=digits)


def code_match(column: Any, code: str) -> ColumnElement[bool]:
    """``column`` equals ``code``, starts with it, or (``MIN_SUFFIX`` characters or more)
    ends with it. The column holds upper-case codes without spaces."""
    if not code:
        return false()
    conditions = [(column >= code) & (column < code + _TOP)]
    if len(code) >= MIN_SUFFIX:
        # the literal -4 matches the expression index on substr(column, -4)
        tail = func.substr(column, literal_column(str(-MIN_SUFFIX))) == code[-MIN_SUFFIX:]
        conditions.append(tail & (func.substr(column, -len(code)) == code))
    return or_(*conditions)


def words_match(columns: Sequence[Any], query: Query) -> ColumnElement[bool]:
    """Any of ``columns`` contains the text (case-insensitive for Latin letters)."""
    if query.blank:
        return false()
    needle = query.text.lower()
    return or_(*(func.instr(func.lower(column), needle) > 0 for column in columns))


def customer_ids(session: Session, query: Query, limit: int = CUSTOMER_CAP) -> list[str]:
    """The customers the counter lookup finds for the text (none for a code like
    ``SF123…``), best match first, at most ``limit``."""
    if not query.may_be_customer:
        return []
    return matching_customer_ids(session=session, query=query.text, limit=limit)


def customer_match(column: Any, ids: Sequence[str]) -> ColumnElement[bool]:
    """``column`` (a customer id) is one of ``ids``."""
    return column.in_(list(ids)) if ids else false()


def person_matches(query: Query, name: str, phone: str | None) -> bool:
    """For a short list held in memory (training attendees): the name contains the text,
    its pinyin or initials start with it ("zs" finds 张三), or the phone's digits contain
    the typed digits (the last 4, say)."""
    if query.blank:
        return True
    if query.digits:
        return query.digits in phone_numbers.clean_digits(phone or "")
    needle = query.text.lower().replace(" ", "")
    if needle in name.lower().replace(" ", ""):
        return True
    pinyin, initials = name_pinyin(name)
    return needle.isascii() and (pinyin.startswith(needle) or initials.startswith(needle))
