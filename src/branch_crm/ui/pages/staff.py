"""Staff accounts page (admins): add, edit, disable, reset password, unlock."""

from __future__ import annotations

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec


def _factory(ctx):  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.staff_page import StaffPage

    return StaffPage(ctx)


PAGE = PageSpec(
    key="staff",
    title=N_("Staff"),
    icon="staff",
    factory=_factory,
    order=90,
    permission=Permission.STAFF_MANAGE,
)
