"""A customer save while another program holds the database's write lock (issue 11).

Another connection takes the write lock (``BEGIN IMMEDIATE``) and a thread releases it after
``--size`` milliseconds (default 1,000). Meanwhile the counter saves a customer edit, and a
QTimer on the GUI thread ticks every 10 ms: the longest gap between two ticks is how long
the window was frozen. Measured for the app's save (``ctx.write``: on the database thread)
and for the same save run inline on the GUI thread (what ``ctx.call`` did before issue 11).
Baseline: the longest gap of the same timer with no save at all, same run. Each figure is
the median of ``ROUNDS`` rounds; ``saved_after_ms`` is when the save was stored, counted
from the moment the save was asked for.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

TICK_MS = 10
ROUNDS = 5


def _gap(
    run: Callable[[Callable[[], None]], None], app: Any, timeout: float
) -> tuple[float, float]:
    """(longest tick gap, seconds until ``done`` was called) for ``run(done)``."""
    from PySide6.QtCore import QTimer

    ticks: list[float] = [time.monotonic()]
    finished: list[float] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    QTimer.singleShot(0, lambda: run(lambda: finished.append(time.monotonic())))
    while not finished and time.monotonic() - started < timeout:
        app.processEvents()
        time.sleep(0.001)
    end = time.monotonic() + 3 * TICK_MS / 1000  # a few ticks after the end
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    gap = max(b - a for a, b in itertools.pairwise(ticks))
    return gap, (finished[0] - started if finished else float("nan"))


def _hold(path: Path, hold_s: float) -> threading.Thread:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(hold_s)
        holder.rollback()
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Figures: GUI stall of the app's save and of an inline save, under a held lock."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from branch_crm.db import open_database
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.customers.profile import create_customer, update_customer
    from branch_crm.services.customers.validation import CustomerInput
    from branch_crm.ui.context import AppContext

    hold_s = (size or (300 if quick else 1000)) / 1000
    rounds = 2 if quick else ROUNDS
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "branch.db")
        actor = system_actor("BR001")
        with unit_of_work(db, actor) as session:
            data = CustomerInput(name="冯三", phones=["13577778888"])
            customer_id = create_customer(session=session, actor=actor, data=data).id
        ctx = AppContext(db, actor)

        def edit(n: int) -> CustomerInput:
            return CustomerInput(name="冯三", phones=["13577778888"], company=f"Co {n}")

        def app_save(done: Callable[[], None]) -> None:
            ctx.write(
                update_customer, customer_id=customer_id, data=edit(1), on_done=lambda _v: done()
            )

        def inline_save(done: Callable[[], None]) -> None:
            with unit_of_work(db, actor) as session:
                update_customer(session=session, actor=actor, customer_id=customer_id, data=edit(2))
            done()

        def idle(done: Callable[[], None]) -> None:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(int(hold_s * 1000), done)

        figures: dict[str, list[tuple[float, float]]] = {"idle": [], "app": [], "inline": []}
        for _round in range(rounds):
            for name, job in (("idle", idle), ("app", app_save), ("inline", inline_save)):
                holder = _hold(db.path, hold_s) if name != "idle" else None
                figures[name].append(_gap(job, app, timeout=hold_s + 8))
                if holder is not None:
                    holder.join()
        ctx.close()
        db.dispose()
    floor = statistics.median(g for g, _t in figures["idle"]) * 1000
    for name, metric in (
        ("app", "gui_stall_save_under_lock"),
        ("inline", "gui_stall_inline_save_under_lock"),
    ):
        gaps = [g * 1000 for g, _t in figures[name]]
        saved = [t * 1000 for _g, t in figures[name]]
        yield {
            "metric": metric,
            "value": round(statistics.median(gaps), 1),
            "unit": "ms",
            "baseline": round(floor, 1),
            "lock_held_ms": round(hold_s * 1000),
            "saved_after_ms": round(statistics.median(saved)),
            "max_ms": round(max(gaps), 1),
        }
