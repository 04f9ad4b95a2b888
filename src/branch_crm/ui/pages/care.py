"""Follow-ups page: open customer care tasks (survey detractors and others) to close."""

from __future__ import annotations

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec


def _factory(ctx):  # type: ignore[no-untyped-def]
    from branch_crm.ui.care.page import FollowUpsPage

    return FollowUpsPage(ctx)


PAGE = PageSpec(
    key="care",
    title=N_("Follow-ups"),
    icon="care_tasks",
    factory=_factory,
    order=35,
    permission=Permission.CUSTOMER_VIEW,
    shortcut="Ctrl+6",
)
