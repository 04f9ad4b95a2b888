"""Serials of printed survey forms.

Every printed form is recorded (``SurveyForm``) with a unique serial: branch code, the code of
the PC that printed it (see :mod:`branch_crm.sync.pc_codes`), the print date (YYMMDD), a
running number per PC and day and a check character, e.g. ``BR001-A2611230007`` plus check
``BR001-A26112300079``. The check is Luhn mod 34 over the part after the dash, on the alphabet
``0-9`` then the letters without I and O: it catches any one wrong character and most swaps of
neighbours at keyed entry. Serials printed before PC codes (``BR001-26112300079``: digits and a
Luhn check digit) are still keyed in and found. Both forms must carry a real date; from 2030 on
a PC letter mistyped as a digit can (about 1 in 10 of such slips) read as an older serial, which
then matches no printed form.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import SurveyForm
from branch_crm.sync.pc_codes import LETTERS, PC_CODE_PATTERN

CHECK_ALPHABET = "0123456789" + LETTERS
"""Characters of a serial's body and check, in the order of their Luhn mod 34 values."""
SERIAL_RE = re.compile(
    rf"^(?P<branch>[A-Z0-9]+)-(?P<body>(?P<pc>{PC_CODE_PATTERN})?\d{{10,}})(?P<check>[0-9A-Z])$"
)
"""``BRANCH-`` + body (PC code, YYMMDD, running number) + check; no PC code before PC codes."""
PAGE_SUFFIX = re.compile(r"/\d{1,2}$")
"""What the QR code of a later page of a form adds to the serial (reference.form_layout)."""
BODY_RE = re.compile(rf"^(?:{PC_CODE_PATTERN})\d{{10,}}[0-9A-Z]$")
"""A serial typed without its branch (bare digits are an older serial)."""


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def check_character(body: str) -> str:
    """The Luhn mod 34 check character of a serial's body (digits and letters)."""
    size = len(CHECK_ALPHABET)
    total = 0
    for index, char in enumerate(reversed(body)):
        value = CHECK_ALPHABET.index(char)
        if index % 2 == 0:
            value = (value * 2) // size + (value * 2) % size
        total += value
    return CHECK_ALPHABET[(size - total % size) % size]


def make_serial(branch: str, pc_code: str, day: date, sequence: int) -> str:
    """Serial of the ``sequence``-th form printed by PC ``pc_code`` of ``branch`` on ``day``."""
    body = f"{pc_code.upper()}{day:%y%m%d}{sequence:04d}"
    return f"{branch.upper()}-{body}{check_character(body)}"


def serial_is_valid(serial: str) -> bool:
    """True when the serial is well formed, carries a real print date and its check character
    matches (a serial from before PC codes: its Luhn check digit)."""
    match = SERIAL_RE.match(serial)
    if match is None:
        return False
    body, pc, check = match["body"], match["pc"] or "", match["check"]
    if not _is_day(body[len(pc) : len(pc) + 6]):
        return False
    return (check_character(body) if pc else luhn_digit(body)) == check


def _is_day(yymmdd: str) -> bool:
    try:
        datetime.strptime(yymmdd, "%y%m%d")
    except ValueError:
        return False
    return True


def normalize_serial(raw: str, branch: str) -> str:
    """Upper-case, spaces removed, the page of a scanned QR code (``/2``) dropped; a serial
    typed without its branch (bare digits, or a PC code and digits) gets this branch's code
    in front."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or "")).upper()
    text = PAGE_SUFFIX.sub("", text)  # the QR code of page 2 of a form: SERIAL/2
    if text.isdigit() or BODY_RE.match(text):
        text = f"{branch.upper()}-{text}"
    return text


def next_sequence(session: Session, branch: str, pc_code: str, day: date) -> int:
    """The next running number of this PC's serials of ``day`` (deleted forms included)."""
    prefix = f"{branch.upper()}-{pc_code}{day:%y%m%d}"
    serials = session.scalars(
        select(SurveyForm.serial)
        .where(SurveyForm.serial.startswith(prefix, autoescape=True))
        .execution_options(include_deleted=True)
    ).all()
    used = [int(s[len(prefix) : -1]) for s in serials if s[len(prefix) : -1].isdigit()]
    return max(used, default=0) + 1
