"""Sync in the window, against a real head office on loopback (through a fault proxy):
the status bar widget and the home card in words, Sync now (button and Ctrl+Shift+S),
background rounds on the interval setting, and a window that keeps running during a slow
round."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer

from branch_crm.services.settings import values as app_settings
from tests.support.sync import add_customer, queued
from tests.support.ui import Boxes, make_ctx


def _ctx(db: Any, actor: Any, *, synchronous: bool = True) -> Any:
    return make_ctx(db, actor, synchronous=synchronous)


def test_status_widget_and_home_card_in_words(
    qtbot: Any, branch_db: Any, counter: Any, proxy: Any, boxes: Boxes
) -> None:
    from branch_crm.ui.sync.widgets import SyncHomeCard, SyncStatusWidget

    add_customer(branch_db, "BR001", "张三", "13800001111")
    ctx = _ctx(branch_db, counter)
    widget = SyncStatusWidget(ctx, autostart=False)
    card = SyncHomeCard(ctx)
    qtbot.addWidget(widget)
    qtbot.addWidget(card)
    assert widget.objectName() == "syncStatus"
    waiting = queued(branch_db)
    assert waiting > 0
    assert f"{waiting} changes waiting" in widget.text()
    assert "last sync never" in widget.text()
    assert card.pending.text() == f"{waiting} changes waiting"
    assert card.success.text() == "never"

    card.sync_button.click()  # Sync now (synchronous task runner: the round runs here)
    assert queued(branch_db) == 0
    assert widget.text() == "Sync: nothing waiting · last sync just now"
    assert card.success.text() == "just now" and card.error.text() == "none"

    proxy.set_network(False)
    add_customer(branch_db, "BR001", "李四", "13800002222")
    card.sync_button.click()
    assert "failed: Cannot reach head office" in widget.text()
    assert "Cannot reach head office at http://127.0.0.1:" in widget.toolTip()
    assert card.error.text().startswith("Cannot reach head office at")
    assert card.pending.text().endswith("changes waiting")
    assert widget.accessibleDescription() == widget.toolTip().split("\n\n")[0]

    proxy.set_network(True)
    card.sync_button.click()
    assert queued(branch_db) == 0
    assert card.error.text() == "none" and "failed" not in widget.text()
    assert boxes.errors == []


# the offscreen platform plugin says so whenever a window's size limits change
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_sync_now_shortcut_in_the_main_window(
    qtbot: Any, branch_db: Any, counter: Any, monkeypatch: pytest.MonkeyPatch, boxes: Boxes
) -> None:
    from branch_crm.ui import main_window
    from branch_crm.ui.main_window import MainWindow
    from branch_crm.ui.pages import PAGES

    # only the sync status widget in the status bar
    monkeypatch.setattr(main_window, "STATUS_WIDGETS", (main_window._sync_status,))
    ctx = _ctx(branch_db, counter)
    pages = [s for s in PAGES if s.key in ("home", "sync")]
    window = MainWindow(ctx, pages=pages)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    (status,) = window.status_widgets
    add_customer(branch_db, "BR001", "王五", "13800003333")
    assert queued(branch_db) > 0
    qtbot.keyClick(
        window.focusWidget() or window,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: queued(branch_db) == 0, timeout=5000)
    assert "last sync just now" in status.text()
    status.click()
    assert window.current_page_key() == "sync"
    page = window.page("sync")
    assert page.values["pending"].text() == "nothing waiting"
    assert page.history.count() == 1 and "sent" in page.history.item(0).text()


def test_background_rounds_follow_the_interval_setting_and_back_off(
    qtbot: Any, branch_db: Any, counter: Any, proxy: Any, boxes: Boxes
) -> None:
    from branch_crm.ui.sync.controller import controller_for

    with branch_db.session() as session:
        app_settings.put(session, None, "sync.interval_minutes", 2)
    add_customer(branch_db, "BR001", "赵六", "13800004444")
    ctx = _ctx(branch_db, counter)
    controller = controller_for(ctx)
    controller.start(first_round_ms=0)  # nobody presses anything
    qtbot.waitUntil(lambda: controller.last_result is not None, timeout=5000)
    assert controller.last_result.error is None and queued(branch_db) == 0
    assert controller.interval_minutes == 2
    assert 110_000 < controller.timer.remainingTime() <= 126_000  # a coarse timer: +-5 %

    proxy.set_network(False)
    controller.schedule(0)
    qtbot.waitUntil(lambda: controller.last_result.error is not None, timeout=5000)
    assert controller.timer.remainingTime() <= 38_000  # the first retry: 30 s +- 20 %
    controller.stop()
    assert not controller.timer.isActive()


@pytest.mark.usefixtures("boxes")
def test_window_keeps_running_during_a_slow_round(
    qtbot: Any, branch_db: Any, counter: Any, proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.ui.sync import controller as controller_module
    from branch_crm.ui.sync.widgets import SyncStatusWidget
    from tests.support.faultproxy import Fault

    monkeypatch.setattr(controller_module, "backoff_seconds", lambda failures: 0.2)
    add_customer(branch_db, "BR001", "孙七", "13800005555")
    ctx = _ctx(branch_db, counter, synchronous=False)
    widget = SyncStatusWidget(ctx, autostart=False)
    qtbot.addWidget(widget)
    controller = widget.controller
    slow = Fault("timeout_after_forward", delay=1.5)  # head office answers too late
    proxy.add_rule(slow, path="/api/v1/sync/push", times=1)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        controller.start(first_round_ms=0)
        qtbot.waitUntil(lambda: controller.running, timeout=3000)
        assert widget.text() == "Syncing…"
        qtbot.waitUntil(lambda: bool(controller.history), timeout=10_000)
        first = controller.history[0][1]
        assert first.error is not None  # the answer never came
        # the event loop ran all along: ~75 ticks of 20 ms in 1.5 s
        assert len(ticks) >= 30
        # the automatic retry (backoff) empties the queue without anyone pressing anything
        qtbot.waitUntil(lambda: controller.last_result.error is None, timeout=10_000)
        assert queued(branch_db) == 0
        assert "last sync just now" in widget.text()
    finally:
        timer.stop()
        controller.stop()
        ctx.tasks.shutdown()


def test_a_status_read_from_before_a_round_never_overwrites_its_result(
    qtbot: Any, branch_db: Any, counter: Any, proxy: Any, boxes: Boxes
) -> None:
    from branch_crm.ui.sync.controller import read_snapshot
    from branch_crm.ui.sync.widgets import SyncStatusWidget

    add_customer(branch_db, "BR001", "周八", "13800006666")
    ctx = _ctx(branch_db, counter)
    widget = SyncStatusWidget(ctx, autostart=False)
    qtbot.addWidget(widget)
    controller = widget.controller
    late: list[Any] = []
    real_submit = ctx.submit

    def hold_status_reads(fn: Any, /, **kwargs: Any) -> Any:
        if fn is read_snapshot:  # a status read still on the database worker ...
            late.append((kwargs["on_result"], ctx.read(read_snapshot)))
            return None
        return real_submit(fn, **kwargs)

    ctx.submit = hold_status_reads  # type: ignore[method-assign]
    controller.refresh_status()
    assert "1 change" not in widget.text()
    assert controller.sync_now()  # ... while a round runs and ends (its status comes with it)
    assert widget.text() == "Sync: nothing waiting · last sync just now"
    deliver, old_snapshot = late[0]
    assert old_snapshot.status.pending_changes > 0
    deliver(old_snapshot)  # the read from before the round arrives last: dropped
    assert widget.text() == "Sync: nothing waiting · last sync just now"
    assert controller.status is not None and controller.status.pending_changes == 0


def test_status_follows_the_language(
    qtbot: Any, branch_db: Any, counter: Any, boxes: Boxes
) -> None:
    from branch_crm.i18n import set_language
    from branch_crm.ui.sync.widgets import SyncHomeCard, SyncStatusWidget

    add_customer(branch_db, "BR001", "吴九", "13800007777")
    ctx = _ctx(branch_db, counter)
    widget = SyncStatusWidget(ctx, autostart=False)
    card = SyncHomeCard(ctx)
    qtbot.addWidget(widget)
    qtbot.addWidget(card)
    waiting = queued(branch_db)
    set_language("zh_CN")
    widget.retranslate_ui()
    card.retranslate_ui()
    assert widget.text() == f"同步：{waiting} 条待发送 · 上次同步 从未"
    assert card.title() == "总部同步" and card.sync_button.text() == "立即同步"


def test_the_status_line_counts_open_conflicts() -> None:
    from branch_crm.i18n import set_language
    from branch_crm.services.syncing.service import SyncStatus
    from branch_crm.ui.sync.texts import short_status

    status = SyncStatus(True, "http://hq", "BR1", 0, None, None, None, open_conflicts=2)
    assert short_status(status, running=False) == (
        "Sync: nothing waiting · last sync never · 2 conflicts"
    )
    set_language("zh_CN")
    assert short_status(status, running=False).endswith(" · 2 条冲突")


def test_a_rounds_writes_take_turns_on_the_database_thread(
    qtbot: Any, branch_db: Any, counter: Any, proxy: Any, boxes: Boxes
) -> None:
    """A round runs on the network pool, but every statement it writes (the attempt, each
    batch marked and settled, each page with its cursor, the clock) runs on the one database
    thread, in turn with the window's saves: they never race for the file."""
    import re
    import threading

    from sqlalchemy import event

    from branch_crm.ui.sync.controller import controller_for

    writing = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
    writes: list[tuple[str, str]] = []

    def trace(dbapi_conn: Any, _record: Any) -> None:
        def seen(sql: str) -> None:
            if writing.match(sql):
                writes.append((threading.current_thread().name, sql))

        dbapi_conn.set_trace_callback(seen)

    add_customer(branch_db, "BR001", "孙七", "13800005555")
    branch_db.engine.dispose()  # new connections, traced from the start
    event.listen(branch_db.engine, "connect", trace)
    ctx = _ctx(branch_db, counter, synchronous=False)
    controller = controller_for(ctx)
    try:
        assert controller.sync_now()
        qtbot.waitUntil(lambda: controller.last_result is not None, timeout=10_000)
        assert controller.last_result is not None and controller.last_result.error is None
        assert controller.last_result.pushed >= 2 and queued(branch_db) == 0
        assert any("sync_state" in sql for _thread, sql in writes)
        assert {thread for thread, _sql in writes} == {"branch-crm-db-writer"}
    finally:
        event.remove(branch_db.engine, "connect", trace)
        ctx.close()
