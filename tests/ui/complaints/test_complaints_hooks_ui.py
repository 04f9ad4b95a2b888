"""The complaint feature on shared screens: customer action, timeline icons, home card and
status widget, and the page spec."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from branch_crm.ui import main_window
from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog
from branch_crm.ui.counter.hooks import PROFILE_ACTIONS
from branch_crm.ui.counter.timeline_icons import TIMELINE_ICONS
from branch_crm.ui.pages import PAGES
from branch_crm.ui.shell.home import HOME_CARDS

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def test_feature_is_on_the_shared_screens(qtbot, ctx, add_customer) -> None:  # type: ignore[no-untyped-def]
    page = next(s for s in PAGES if s.key == "complaints")
    assert page.shortcut == "Ctrl+3"
    renderers = TIMELINE_ICONS
    assert renderers["complaint"] == "complaints"
    assert renderers["complaint_closed"] == "complaint_closed"
    cards = [f(ctx) for f in HOME_CARDS]
    widgets = [f(ctx) for f in main_window.STATUS_WIDGETS]
    for widget in cards + widgets:
        qtbot.addWidget(widget)
    assert "complaintHomeCard" in [w.objectName() for w in cards]
    assert "complaintStatus" in [w.objectName() for w in widgets]

    action = next(a for a in PROFILE_ACTIONS if a.label == "New &complaint")
    customer = add_customer("张三", "13812345678")
    parent = QWidget()
    qtbot.addWidget(parent)
    action.handler(ctx, customer, parent)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, TakeComplaintDialog)]
    assert dialogs and dialogs[-1].customer.customer_id == customer
    for dialog in dialogs:
        dialog.close()
