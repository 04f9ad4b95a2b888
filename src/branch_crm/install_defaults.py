"""Defaults IT preset when installing: ``branch-crm.ini`` beside the installed programs.

The Windows installer writes it from its command line (``/HQURL=https://hq.example.com
/LANG=zh_CN``, installer/branch_crm.iss), so a silent roll-out to many PCs starts each new
database with the head-office address and the language already chosen::

    [settings]
    language = zh_CN
    hq.url = https://hq.example.com

A value saved in the database (settings dialog, sign-in dialog, ``sync register``) always
wins; these only stand in for a setting nobody has chosen yet. Only the keys of
:data:`KEYS` are read, and a value that is not valid is ignored (logged). The file is looked
for beside the running executable of the installed bundle; ``BRANCH_CRM_DEFAULTS`` names
another file (tests, or IT on a source install). Standard library only: the command line
reads the language before anything else is imported.
"""

from __future__ import annotations

import configparser
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "branch-crm.ini"
ENV_FILE = "BRANCH_CRM_DEFAULTS"
SECTION = "settings"
KEYS = ("language", "hq.url")
LANGUAGE_CODES = ("zh_CN", "en")  # i18n.LANGUAGES (not imported: i18n imports this module)


def defaults_file() -> Path | None:
    """The file to read: ``BRANCH_CRM_DEFAULTS``, else ``branch-crm.ini`` beside the frozen
    executable; None in a source checkout without the variable."""
    override = os.environ.get(ENV_FILE, "").strip()
    if override:
        return Path(override)
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent / FILE_NAME
    return None


def _valid(key: str, value: str) -> bool:
    if key == "language":
        return value in LANGUAGE_CODES
    if key == "hq.url":
        return value.startswith(("https://", "http://")) and " " not in value and len(value) < 300
    return False


def install_defaults() -> dict[str, str]:
    """The preset values (valid ones only; empty values mean "not preset")."""
    path = defaults_file()
    if path is None or not path.is_file():
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8-sig")  # Inno Setup may write a byte-order mark
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        log.warning("install defaults %s not read: %s", path, exc)
        return {}
    if not parser.has_section(SECTION):
        return {}
    found: dict[str, str] = {}
    for key in KEYS:
        value = parser.get(SECTION, key, fallback="").strip()
        if not value:
            continue
        if _valid(key, value):
            found[key] = value
        else:
            log.warning("install defaults %s: %s = %r ignored (not valid)", path, key, value)
    return found


def preset(key: str) -> str | None:
    """One preset value, or None."""
    return install_defaults().get(key)
