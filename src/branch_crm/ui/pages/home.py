"""Home page: today's work, one card per feature (ui.registry.register_home_card)."""

from __future__ import annotations

from branch_crm.i18n import N_
from branch_crm.ui.pages import PageSpec


def _factory(ctx):  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.home import HomePage

    return HomePage(ctx)


PAGE = PageSpec(
    key="home",
    title=N_("Today"),
    icon="home",
    factory=_factory,
    order=0,
    permission=None,
    shortcut="Ctrl+0",
)
