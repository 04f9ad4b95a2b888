"""Peak memory of the app after scrolling the whole customer list (issue 2: <= 300 MB).

The measurement runs in a fresh child process so that building the demo database does not
count: it opens the main window empty (baseline RSS), then the customer list page, loads
the keys, scrolls from the first to the last row in page-sized steps (every row is fetched
once, painted rows are drawn) and reports the peak RSS of the process (getrusage).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def current_rss_mb() -> float:
    """Resident set size now, in MB (Linux /proc; falls back to the peak elsewhere)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mb()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _wait(app: Any, condition: Any, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the customer list did not load in time")
        app.processEvents()
        time.sleep(0.001)


def measure(db_path: str) -> dict[str, Any]:
    """Child process body: baseline window, then the list scrolled end to end."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    from branch_crm.db import open_database
    from branch_crm.models import Role
    from branch_crm.services.context import Actor
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.counter.customer_list import CustomerListPage
    from branch_crm.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    db = open_database(db_path)
    actor = Actor(None, "bench", "Bench", Role.COUNTER, "BR001")
    ctx = AppContext.for_tests(db, actor)
    window = MainWindow(ctx)
    window.resize(1366, 768)
    window.show()
    for _ in range(20):
        app.processEvents()
    baseline = current_rss_mb()

    page = CustomerListPage(ctx)
    page.resize(1366, 700)
    page.show()
    start = time.perf_counter()
    page.on_shown()
    _wait(app, lambda: not page.model.is_loading() and page.model.rowCount() > 0)
    keys_seconds = time.perf_counter() - start
    after_keys = current_rss_mb()
    peak_after_keys = peak_rss_mb()
    rows = page.model.rowCount()
    step = page.model.page_size
    start = time.perf_counter()
    for row in range(0, rows, step):
        page.table.scrollTo(page.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        app.processEvents()
    page.table.scrollToBottom()
    app.processEvents()
    scroll_seconds = time.perf_counter() - start
    result = {
        "baseline_mb": round(baseline, 1),
        "peak_mb": round(peak_rss_mb(), 1),
        "after_keys_mb": round(after_keys, 1),
        "peak_after_keys_mb": round(peak_after_keys, 1),
        "after_mb": round(current_rss_mb(), 1),
        "rows": rows,
        "page_fetches": page.model.page_fetches,
        "cached_pages": page.model.cached_pages(),
        "keys_seconds": round(keys_seconds, 3),
        "scroll_seconds": round(scroll_seconds, 2),
    }
    page.close()
    window.close()
    db.dispose()
    return result


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield the peak RSS after scrolling the whole list, baseline = empty main window."""
    from bench.lookup import demo_database

    size = size or (5_000 if quick else 1_000_000)
    path = demo_database(size)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    done = subprocess.run(
        [sys.executable, "-m", "bench.list_memory", str(path)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    yield {
        "metric": "list_scroll_peak_rss",
        "value": figures["peak_mb"],
        "unit": "MB",
        "baseline": figures["baseline_mb"],
        "target": 300,
        "size": size,
        **{k: v for k, v in figures.items() if k not in ("peak_mb", "baseline_mb")},
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(measure(sys.argv[1])) + "\n")
