"""The complaint feature's hooks on shared screens: customer action, timeline icons, home card
and status widget, and the page spec."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from branch_crm.ui import registry
from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog
from branch_crm.ui.counter.timeline_icons import TIMELINE_ICONS

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def test_feature_registers_its_hooks(qtbot, ctx, add_customer) -> None:  # type: ignore[no-untyped-def]
    import branch_crm.ui.features.complaints  # noqa: F401  (registers at import)
    from branch_crm.ui.pages.complaints import PAGE

    assert (PAGE.key, PAGE.order, PAGE.shortcut) == ("complaints", 30, "Ctrl+3")
    renderers = TIMELINE_ICONS
    assert renderers["complaint"] == "complaints"
    assert renderers["complaint_closed"] == "complaint_closed"
    cards = [f(ctx) for f in registry.home_cards()]
    widgets = [f(ctx) for f in registry.status_widgets()]
    for widget in cards + widgets:
        qtbot.addWidget(widget)
    assert "complaintHomeCard" in [w.objectName() for w in cards]
    assert "complaintStatus" in [w.objectName() for w in widgets]

    action = next(a for a in registry.customer_actions() if a.label == "New complaint")
    customer = add_customer("张三", "13812345678")
    parent = QWidget()
    qtbot.addWidget(parent)
    action.handler(ctx, customer, parent)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, TakeComplaintDialog)]
    assert dialogs and dialogs[-1].customer.customer_id == customer
    for dialog in dialogs:
        dialog.close()
