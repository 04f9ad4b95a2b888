"""Survey hooks: "Print survey" on the customer profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.ui import registry

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _print_survey(ctx: AppContext, customer_id: str, parent: QWidget | None) -> None:
    from branch_crm.ui.survey_print.actions import print_survey

    print_survey(ctx, customer_id, parent)


registry.register_customer_action(N_("Print survey"), "survey_print", _print_survey)
