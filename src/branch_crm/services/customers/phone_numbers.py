"""Mainland China phone numbers: normalise what staff type, format for display.

Stored form is digits only: an 11-digit mobile (``13812345678``) or a landline with its
area code (``02155551234``). Area codes follow the national plan: ``010`` and ``02X`` have
three digits, every other code (``03XX``..``09XX``) four; the local number has 7 or 8 digits
and never starts with 0 or 1.
"""

from __future__ import annotations

import functools
import re

from branch_crm.i18n import _

MOBILE = "mobile"
LANDLINE = "landline"
MOBILE_LENGTH = 11
PHONE_MAX_DIGITS = 12
PHONE_TEXT_MAX = 24
"""The longest phone number as typed (the digits with separators or an extension)."""

_SEPARATORS = re.compile(r"[\s\-‐‑–—()（）.·/]+")
_EXTENSION = re.compile(r"(转|分机|ext\.?|x|#)\s*\d+\s*$", re.IGNORECASE)
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def _strip_country_code(digits: str, had_plus: bool) -> str:
    """Drop +86 / 0086 (and a bare 86 before a full number); add the trunk 0 back if needed."""
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and (had_plus or len(digits) in (13, 12)):
        digits = digits[2:]
    else:
        return digits
    if digits and digits[0] in "23456789":
        digits = "0" + digits  # +86 21 5555 1234 is written without the trunk prefix
    return digits


def clean_digits(raw: str) -> str:
    """The digits of ``raw`` with separators and the country code removed (no validation)."""
    text = raw.translate(_FULLWIDTH).strip()
    had_plus = text.startswith("+")
    text = _SEPARATORS.sub("", text.lstrip("+"))
    return _strip_country_code(text, had_plus) if text.isdigit() else text


def area_code_length(digits: str) -> int:
    """3 for 010 and 02X, 4 for every other area code."""
    return 3 if digits.startswith(("010", "02")) else 4


def _check_mobile(digits: str) -> None:
    if len(digits) != MOBILE_LENGTH:
        raise ValueError(
            _("A mobile number has 11 digits ({count} given).").format(count=len(digits))
        )
    if digits[1] not in "3456789":
        raise ValueError(_("Not a mainland mobile number: the second digit must be 3 to 9."))


def _check_landline(digits: str) -> None:
    code = area_code_length(digits)
    local = digits[code:]
    if (digits.startswith("01") and not digits.startswith("010")) or digits.startswith("00"):
        raise ValueError(_("Unknown area code; landlines start with 010, 02X or 0XXX."))
    if not 7 <= len(local) <= 8 or local[0] in "01":
        raise ValueError(
            _("A landline needs the area code and a 7 or 8 digit number, e.g. 021-5555 1234.")
        )


@functools.lru_cache(maxsize=256)  # an import checks a row's phones, then stores them
def normalize_phone(raw: str) -> tuple[str, str]:
    """(digits, "mobile" | "landline") for what was typed; ValueError(translated) if invalid.

    Accepts +86 / 0086, spaces, dashes, dots and brackets; refuses extensions with a message.
    """
    text = raw.translate(_FULLWIDTH).strip()
    if not text:
        raise ValueError(_("Enter a phone number."))
    if _EXTENSION.search(text):
        raise ValueError(_("Extensions cannot be stored here; put the extension in the notes."))
    digits = clean_digits(text)
    if not digits.isdigit():
        raise ValueError(_("Use digits only (spaces, dashes, brackets and +86 are fine)."))
    if digits.startswith("1"):
        _check_mobile(digits)
        return digits, MOBILE
    if digits.startswith("0"):
        _check_landline(digits)
        return digits, LANDLINE
    raise ValueError(_("Enter an 11-digit mobile number or a landline with its area code."))


def format_phone(phone: str) -> str:
    """Display form: ``138 1234 5678`` for mobiles, ``021-5555 1234`` for landlines."""
    if not phone.isdigit():
        return phone
    if len(phone) == MOBILE_LENGTH and phone.startswith("1"):
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if phone.startswith("0") and len(phone) >= 10:
        code = area_code_length(phone)
        local = phone[code:]
        split = len(local) - 4
        return f"{phone[:code]}-{local[:split]} {local[split:]}"
    return phone
