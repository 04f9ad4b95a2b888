"""Training page: sessions, sign-in sheets and attendance (issue 4)."""

from __future__ import annotations

from typing import Any

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec


def _factory(ctx: Any) -> Any:
    from branch_crm.ui.training.page import TrainingPage

    return TrainingPage(ctx)


PAGE = PageSpec(
    key="training",
    title=N_("Training"),
    icon="training",
    factory=_factory,
    order=50,
    permission=Permission.TRAINING_MANAGE,
    shortcut="Ctrl+5",
)
