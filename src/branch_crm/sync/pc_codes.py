"""PC codes: the short code of one installation inside the numbers people read out.

Complaint numbers and survey serials are made offline by each PC, so each carries the code of
the PC that made it (``BR001-20261207-A0001``, ``BR001-A2612070001X``) and two PCs of a branch
never issue the same one. Head office assigns the code when a PC registers, in order within
its branch: ``A`` .. ``Z`` for the first 24 PCs, then ``AA``, ``AB``, ... (letters without I
and O, which read like 1 and 0). A code is never given twice in a branch, revoked PCs included:
numbers that PC made still exist.

A PC that has not registered yet numbers with a *provisional* code: a digit 2-9 then a letter,
derived from its node id (stable for the installation). It can never equal an assigned code
(those are letters only); two unregistered PCs of one branch share one with a chance of 1 in
192, which is why registering before real work starts is the rule.
"""

from __future__ import annotations

import hashlib
import re

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
"""The 24 letters of PC codes (no I, no O)."""
PROVISIONAL_DIGITS = "23456789"
PC_CODE_PATTERN = r"[A-HJ-NP-Z]{1,2}|[2-9][A-HJ-NP-Z]"
"""A PC code inside a number: one or two letters (assigned) or digit + letter (provisional)."""
_PC_CODE_RE = re.compile(f"(?:{PC_CODE_PATTERN})")
MAX_ASSIGNED = len(LETTERS) + len(LETTERS) ** 2
"""600 PCs per branch: one and two letters."""


def assigned_code(index: int) -> str:
    """The ``index``-th code of a branch (0 -> ``A``, 23 -> ``Z``, 24 -> ``AA``)."""
    if not 0 <= index < MAX_ASSIGNED:
        raise ValueError(f"no PC code number {index}")
    if index < len(LETTERS):
        return LETTERS[index]
    first, second = divmod(index - len(LETTERS), len(LETTERS))
    return LETTERS[first] + LETTERS[second]


def code_index(code: str) -> int | None:
    """The position of an assigned code (inverse of :func:`assigned_code`), else None."""
    if not code or len(code) > 2 or any(ch not in LETTERS for ch in code):
        return None
    if len(code) == 1:
        return LETTERS.index(code)
    return len(LETTERS) + LETTERS.index(code[0]) * len(LETTERS) + LETTERS.index(code[1])


def provisional_code(node_id: str) -> str:
    """The code of a PC before registration: a digit 2-9 and a letter, from its node id."""
    value = int.from_bytes(hashlib.sha256(node_id.encode("utf-8")).digest()[:8], "big")
    digit, letter = divmod(value % (len(PROVISIONAL_DIGITS) * len(LETTERS)), len(LETTERS))
    return PROVISIONAL_DIGITS[digit] + LETTERS[letter]


def is_pc_code(code: str) -> bool:
    """True for an assigned or a provisional code."""
    return _PC_CODE_RE.fullmatch(code) is not None
