"""What is wrong with a branch database file, in words: locked by another program,
read-only, damaged or no database at all (checked before opening, or told from a SQLite
failure), as the typed errors of :mod:`branch_crm.errors`."""

from __future__ import annotations

import os
from pathlib import Path

from branch_crm.errors import DatabaseCorrupt, DatabaseError, DatabaseLocked, DatabaseReadOnly
from branch_crm.i18n import _

SQLITE_HEADER = b"SQLite format 3\x00"


CORRUPT_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
"""SQLite's own names (extended codes included) for a file that is damaged or no database."""
CORRUPT_WORDS = ("malformed", "not a database")


def is_corrupt(exc: BaseException) -> bool:
    """True only when SQLite says the file itself is damaged or not a database: any other
    failure (a constraint, a trigger refusing a write, a bug) leaves the file intact."""
    raw = getattr(exc, "orig", None) or exc
    if str(getattr(raw, "sqlite_errorname", "")).startswith(CORRUPT_CODES):
        return True
    text = str(raw).lower()
    return any(word in text for word in CORRUPT_WORDS)


def classify(exc: BaseException, path: Path) -> DatabaseError:
    """The typed, translated error for a SQLite failure ``exc`` on the file ``path``."""
    text = str(exc).lower()
    shown = str(path)
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            _("The database {path} is in use by another program. Close it and try again.").format(
                path=shown
            ),
            shown,
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return DatabaseReadOnly(
            _("The database {path} cannot be written. Check the file's permissions.").format(
                path=shown
            ),
            shown,
        )
    if is_corrupt(exc):
        return DatabaseCorrupt(
            _(
                "The database {path} is damaged or is not a Branch CRM database. "
                "Restore it from a backup."
            ).format(path=shown),
            shown,
        )
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
    return DatabaseError(
        _(
            "The database {path} refused the operation ({reason}); the file itself is intact."
        ).format(path=shown, reason=reason),
        shown,
    )


def as_database_error(exc: BaseException, path: Path | str) -> DatabaseError:
    """The typed, translated error for a SQLite failure on ``path`` after it was opened
    (locked by another program, read-only, damaged; anything else is said neutrally: it is
    never a reason to restore a backup)."""
    return classify(exc, Path(path))


def precheck_file(path: Path) -> None:
    """Refuse, before SQLite touches it, a file that is a folder, no SQLite file, or cannot
    be read or written (its folder is made when missing)."""
    shown = str(path)
    if path.exists():
        if path.is_dir():
            raise DatabaseCorrupt(
                _("{path} is a folder, not a database file.").format(path=shown), shown
            )
        if not os.access(path, os.R_OK):
            raise DatabaseReadOnly(
                _("The database {path} cannot be read. Check the file's permissions.").format(
                    path=shown
                ),
                shown,
            )
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise classify(Exception("not a database"), path)
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise classify(Exception("readonly"), path)
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise classify(Exception(f"readonly {exc}"), path) from exc
        if not os.access(path.parent, os.W_OK):
            raise classify(Exception("readonly"), path)
