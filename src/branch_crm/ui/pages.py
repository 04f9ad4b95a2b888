"""The pages of the main window, listed in navigation order (:data:`PAGES`).

A page widget is built on first show (its module is imported then, keeping start-up fast).
It may implement ``retranslate_ui()`` (called on a language change) and ``on_shown()``
(called whenever the user switches to it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.reference.roles import Permission

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


@dataclass(frozen=True)
class PageSpec:
    """A page: stable key, title (marked with N_, translated when shown), icon name, factory
    ``factory(ctx) -> QWidget`` (called on first show), the permission needed to see it, and
    an optional shortcut ("Ctrl+3")."""

    key: str
    title: str
    icon: str
    factory: Callable[[AppContext], QWidget]
    permission: Permission | None = None
    shortcut: str | None = None


def _home(ctx: AppContext) -> QWidget:
    """Today's work, one card per feature (ui.shell.home ``HOME_CARDS``)."""
    from branch_crm.ui.shell.home import HomePage

    return HomePage(ctx)


def _lookup(ctx: AppContext) -> QWidget:
    """Find a customer while they wait (counter desk)."""
    from branch_crm.ui.counter.lookup_page import LookupPage

    return LookupPage(ctx)


def _courier(ctx: AppContext) -> QWidget:
    """Courier mode: lookup -> pickup preferences with big buttons and fonts."""
    from branch_crm.ui.counter.courier import CourierModePage

    return CourierModePage(ctx)


def _customers(ctx: AppContext) -> QWidget:
    """Every customer, filtered and sorted, a million rows smoothly."""
    from branch_crm.ui.counter.customer_list import CustomerListPage

    return CustomerListPage(ctx)


def _complaints(ctx: AppContext) -> QWidget:
    """The queue of open complaints by time left."""
    from branch_crm.ui.complaints.queue_page import ComplaintQueuePage

    return ComplaintQueuePage(ctx)


def _care(ctx: AppContext) -> QWidget:
    """Open customer care tasks (survey detractors and others) to close."""
    from branch_crm.ui.care.page import FollowUpsPage

    return FollowUpsPage(ctx)


def _visit_plan(ctx: AppContext) -> QWidget:
    """The month's visit plan per visit class and account manager; the visit list (PDF)."""
    from branch_crm.ui.care.visit_plan import VisitPlanPage

    return VisitPlanPage(ctx)


def _surveys(ctx: AppContext) -> QWidget:
    """Key in returned forms, phone/counter answers, scores, batch printing."""
    from branch_crm.ui.surveys.page import SurveysPage

    return SurveysPage(ctx)


def _training(ctx: AppContext) -> QWidget:
    """Sessions, sign-in sheets and attendance."""
    from branch_crm.ui.training.page import TrainingPage

    return TrainingPage(ctx)


def _reports(ctx: AppContext) -> QWidget:
    """Supervisor reports: charts, KPIs and tables of a period; print, PDF, Excel."""
    from branch_crm.ui.reports.page import ReportsPage

    return ReportsPage(ctx)


def _sync(ctx: AppContext) -> QWidget:
    """Where this PC stands with head office, Sync now, registration."""
    from branch_crm.ui.sync.page import SyncPage

    return SyncPage(ctx)


def _sync_conflicts(ctx: AppContext) -> QWidget:
    """Sync conflicts side by side and their resolution (supervisors)."""
    from branch_crm.ui.sync.conflicts_page import ConflictsPage

    return ConflictsPage(ctx)


def _sync_rejected(ctx: AppContext) -> QWidget:
    """What head office turned down, and why (supervisors)."""
    from branch_crm.ui.sync.rejected_page import RejectedPage

    return RejectedPage(ctx)


def _staff(ctx: AppContext) -> QWidget:
    """Staff accounts (admins): add, edit, disable, reset password, unlock."""
    from branch_crm.ui.shell.staff_page import StaffPage

    return StaffPage(ctx)


def _audit(ctx: AppContext) -> QWidget:
    """Who changed what, when (supervisors and admins)."""
    from branch_crm.ui.shell.audit_page import AuditPage

    return AuditPage(ctx)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", N_("Today"), "home", _home, shortcut="Ctrl+0"),
    PageSpec(
        "lookup",
        N_("Lookup"),
        "lookup",
        _lookup,
        permission=Permission.CUSTOMER_VIEW,
        shortcut="Ctrl+1",
    ),
    PageSpec(
        "courier",
        N_("Courier mode"),
        "courier",
        _courier,
        permission=Permission.PREFERENCE_EDIT,
        shortcut="Ctrl+Shift+C",
    ),
    PageSpec(
        "customers",
        N_("Customers"),
        "customers",
        _customers,
        permission=Permission.CUSTOMER_VIEW,
        shortcut="Ctrl+2",
    ),
    PageSpec(
        "complaints",
        N_("Complaints"),
        "complaints",
        _complaints,
        permission=Permission.COMPLAINT_WORK,
        shortcut="Ctrl+3",
    ),
    PageSpec(
        "care",
        N_("Follow-ups"),
        "care_tasks",
        _care,
        permission=Permission.CUSTOMER_VIEW,
        shortcut="Ctrl+6",
    ),
    PageSpec(
        "visit_plan",
        N_("Visit plan"),
        "visit_plan",
        _visit_plan,
        permission=Permission.REPORT_VIEW,
        shortcut="Ctrl+Shift+P",
    ),
    PageSpec(
        "surveys",
        N_("Surveys"),
        "surveys",
        _surveys,
        permission=Permission.SURVEY_ENTER,
        shortcut="Ctrl+4",
    ),
    PageSpec(
        "training",
        N_("Training"),
        "training",
        _training,
        permission=Permission.TRAINING_MANAGE,
        shortcut="Ctrl+5",
    ),
    PageSpec(
        "reports",
        N_("Reports"),
        "reports",
        _reports,
        permission=Permission.REPORT_VIEW,
        shortcut="Ctrl+7",
    ),
    PageSpec("sync", N_("Sync"), "sync", _sync, permission=Permission.SYNC_RUN),
    PageSpec(
        "sync_conflicts",
        N_("Conflicts"),
        "conflicts",
        _sync_conflicts,
        permission=Permission.CONFLICT_RESOLVE,
    ),
    PageSpec(
        "sync_rejected",
        N_("Changes not applied"),
        "error",
        _sync_rejected,
        permission=Permission.CONFLICT_RESOLVE,
    ),
    PageSpec("staff", N_("Staff"), "staff", _staff, permission=Permission.STAFF_MANAGE),
    PageSpec("audit", N_("Audit log"), "audit", _audit, permission=Permission.AUDIT_VIEW),
)
"""Every page, in navigation order (the list on the left, the Go menu)."""
