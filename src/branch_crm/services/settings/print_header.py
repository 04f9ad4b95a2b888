"""What every printed document shows in its header, and the language it is printed in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from branch_crm.errors import CrmError
from branch_crm.i18n import LANGUAGES, _, system_language
from branch_crm.services.settings import values as settings


class OutputError(CrmError):
    """A printed document cannot be written where asked (folder missing, no rights, disk full)."""


def output_error(path: Path, exc: OSError) -> OutputError:
    """The :class:`OutputError` telling the user why ``path`` could not be written."""
    return OutputError(
        _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
    )


@dataclass(frozen=True)
class PrintHeader:
    """Company and branch names from the settings, and the print language."""

    company: str
    branch_code: str
    branch_name: str
    language: str

    @property
    def branch_label(self) -> str:
        """The branch name, or its code when no name is set."""
        return self.branch_name or self.branch_code


def print_language(session: Session, language: str | None = None) -> str:
    """``language`` if given, else the branch language setting, else the OS language."""
    if language:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        return language
    return str(settings.get(session, "language") or "") or system_language()


def print_header(session: Session, language: str | None = None) -> PrintHeader:
    """The header facts of a printed document for this branch."""
    return PrintHeader(
        company=str(settings.get(session, "company.name") or "").strip(),
        branch_code=str(settings.get(session, "branch.code") or ""),
        branch_name=str(settings.get(session, "branch.name") or "").strip(),
        language=print_language(session, language),
    )
