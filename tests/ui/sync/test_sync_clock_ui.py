"""A PC whose clock is far off is warned in the window (issue 10, item 8): the status bar, its
tooltip, the home card and the Sync page say so while the measured offset exceeds a few
minutes, and stop once a round finds the clock right."""

from __future__ import annotations

import sqlite3
from typing import Any

from sync_ui_helpers import value

from tests.support.ui import Boxes, make_ctx

WARNING = "This PC's clock is 3 hours off; fix the Windows time."


def test_the_clock_warning_shows_while_the_pc_clock_is_far_off(
    qtbot: Any, branch_db: Any, counter: Any, boxes: Boxes
) -> None:
    from branch_crm.ui.sync.page import SyncPage
    from branch_crm.ui.sync.widgets import SyncHomeCard, SyncStatusWidget

    ctx = make_ctx(branch_db, counter)
    widget = SyncStatusWidget(ctx, autostart=False)
    card, page = SyncHomeCard(ctx), SyncPage(ctx)
    for shown in (widget, card, page):
        qtbot.addWidget(shown)
    assert card.clock.isHidden() and page.clock.isHidden()
    assert "clock" not in widget.text()

    with sqlite3.connect(branch_db.path) as raw:  # as measured on a PC 3 hours slow
        raw.execute("UPDATE sync_state SET clock_offset_ms = ?", (3 * 3_600_000,))
    card.controller.refresh_status()
    assert widget.text().endswith(" · PC clock wrong")
    assert WARNING in widget.toolTip()
    assert card.clock.text() == WARNING and not card.clock.isHidden()
    assert page.clock.text() == WARNING and not page.clock.isHidden()

    card.sync_button.click()  # a round measures the clock again: here it is right
    assert abs(value(branch_db, "SELECT clock_offset_ms FROM sync_state")) < 60_000
    assert card.clock.isHidden() and page.clock.isHidden()
    assert "clock" not in widget.text() and WARNING not in widget.toolTip()
    assert boxes.errors == []
