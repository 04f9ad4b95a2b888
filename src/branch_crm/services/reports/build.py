"""Which reports there are and building one: :func:`build_report` is what the screen, the
command line and the PDF/.xlsx writers' callers use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from branch_crm.errors import ValidationError
from branch_crm.i18n import N_, _
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.reports.complaints import complaints_report
from branch_crm.services.reports.customers import customers_report
from branch_crm.services.reports.model import Period, Report
from branch_crm.services.reports.satisfaction import satisfaction_report
from branch_crm.services.reports.summary import summary_report
from branch_crm.services.reports.training import training_report
from branch_crm.timeutil import utcnow

__all__ = ["BUILDERS", "KINDS", "KIND_LABELS", "build_report", "kind_label"]

KINDS: tuple[str, ...] = ("complaints", "satisfaction", "customers", "training", "summary")
KIND_LABELS: dict[str, str] = {
    "complaints": N_("Complaints"),
    "satisfaction": N_("Satisfaction"),
    "customers": N_("Customers"),
    "training": N_("Training"),
    "summary": N_("Monthly summary"),
}
"""Each kind's name for menus and choices (translate with ``_()`` where shown)."""

Builder = Callable[..., Report]
BUILDERS: dict[str, Builder] = {
    "complaints": complaints_report,
    "satisfaction": satisfaction_report,
    "customers": customers_report,
    "training": training_report,
    "summary": summary_report,
}


def kind_label(kind: str) -> str:
    """The translated name of a report kind."""
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def build_report(
    kind: str,
    *,
    session: Session,
    actor: Actor,
    period: Period,
    now: datetime | None = None,
) -> Report:
    """The report ``kind`` of ``period`` compared with ``period.previous()``, its texts in
    the current language, printed at ``now`` (default: now); supervisors and admins."""
    require(actor, Permission.REPORT_VIEW)
    builder = BUILDERS.get(kind)
    if builder is None:
        message = _("Unknown report {kind}; choose one of {kinds}.").format(
            kind=kind, kinds=", ".join(KINDS)
        )
        raise ValidationError({"kind": message}, message)
    return builder(session=session, actor=actor, period=period, now=now or utcnow())
