"""Training page: sessions, sign-in sheets and attendance (issue 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
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
