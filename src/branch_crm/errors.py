"""Typed errors raised below the UI; each carries a translated, user-readable message.

The UI (or the CLI) decides how to show them; services never open dialogs.
"""

from __future__ import annotations

from collections.abc import Mapping


class CrmError(Exception):
    """Base class: ``message`` is already translated and safe to show to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(CrmError):
    """Bad input. ``fields`` maps a field name to the message shown beside that field."""

    def __init__(self, fields: Mapping[str, str], message: str | None = None) -> None:
        from branch_crm.i18n import _

        self.fields = dict(fields)
        self.generic = message is None
        """True when ``message`` is only the generic "correct the highlighted fields"."""
        super().__init__(message or _("Please correct the highlighted fields."))


class DuplicatePhoneError(ValidationError):
    """A phone number already belongs to another customer (``customer_id``)."""

    def __init__(self, field: str, message: str, customer_id: str, customer_name: str) -> None:
        super().__init__({field: message}, message)
        self.customer_id = customer_id
        self.customer_name = customer_name


class PermissionDenied(CrmError):
    """The signed-in staff member's role may not do this."""


class AuthenticationError(CrmError):
    """Wrong user name or password, or the account is locked or disabled."""


class NotFound(CrmError):
    """The requested record does not exist (or was deleted)."""


class InvalidTransition(CrmError):
    """A workflow step that is not allowed from the current state."""


class DatabaseError(CrmError):
    """The database file cannot be used; ``path`` names it."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class DatabaseLocked(DatabaseError):
    """Another program holds a lock on the file."""


class DatabaseReadOnly(DatabaseError):
    """The file or its folder cannot be written."""


class DatabaseCorrupt(DatabaseError):
    """The file is not a SQLite database or is damaged."""


class DatabaseTooNew(DatabaseError):
    """The file was written by a newer version of Branch CRM."""


class DatabaseOnNetwork(DatabaseError):
    """The file is on a network share, where SQLite's WAL mode is not safe (db.location)."""
