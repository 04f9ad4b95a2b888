"""Start to main window shown, on a demo database (default 1,000,000 customers).

Each run is a fresh process (``branch-crm --db FILE``, started through the small driver
:data:`APP`) that signs in through the launcher's test hooks (``launcher.TEST_HOOKS``, set by
the driver in its own process: the product itself reads no such setting; the password is
still checked with argon2) and writes the moment the main window is shown to a report file,
then quits. The time counted is from just before
the process is started to that moment: interpreter start, imports, opening and checking the
database, sign-in, building the window. Baseline, measured the same way in the same run: a
bare QApplication + QMainWindow shown. The first run of each is a warm-up (file cache) and is
not counted; the figure is the median of the others.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_USER = "bench-counter"
BENCH_PASSWORD = "bench-password-1"
APP = """
import json, os, sys, time
from branch_crm.ui.shell import launcher
def shown(page):
    with open(os.environ["BENCH_STARTUP_REPORT"], "w", encoding="utf-8") as handle:
        json.dump({"shown_at": time.time(), "page": page}, handle)
user, password = os.environ["BENCH_LOGIN"].split(":", 1)
launcher.TEST_HOOKS = launcher.StartupHooks(
    autologin=(user, password), on_shown=shown, quit_when_shown=True
)
from branch_crm.cli import main
sys.exit(main(sys.argv[1:]))
"""
BASELINE = """
import json, os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 760)
window.show()
def shown():
    with open(os.environ["BENCH_STARTUP_REPORT"], "w", encoding="utf-8") as handle:
        json.dump({"shown_at": time.time()}, handle)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def ensure_bench_account(path: Path) -> None:
    """A counter account with a known password in the (cached) demo database."""
    from branch_crm.db import open_database
    from branch_crm.errors import NotFound
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.settings import values as settings
    from branch_crm.services.staff.accounts import create_staff, get_staff

    db = open_database(path)
    try:
        with db.session() as session:
            branch = str(settings.get(session, "branch.code"))
            try:
                get_staff(session=session, username=BENCH_USER)
                return
            except NotFound:
                pass
        actor = system_actor(branch)
        with unit_of_work(db, actor) as session:
            create_staff(session=session, actor=actor, username=BENCH_USER,
                         display_name="Bench", role="counter", password=BENCH_PASSWORD)  # fmt: skip
    finally:
        db.dispose()


def _time_once(code: str, args: list[str], env: dict[str, str]) -> float:
    """Seconds from process start to the report of a shown window."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "shown.json"
        run_env = {**env, "BENCH_STARTUP_REPORT": str(report)}
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or not report.exists():
            raise RuntimeError(f"start failed ({done.returncode}): {done.stderr[-2000:]}")
        return float(json.loads(report.read_text(encoding="utf-8"))["shown_at"]) - started


def _median(
    code: str, args: list[str], env: dict[str, str], runs: int
) -> tuple[float, list[float]]:
    _time_once(code, args, env)  # warm-up: file cache, .pyc files
    times = [_time_once(code, args, env) for _ in range(runs)]
    return statistics.median(times), times


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield the median start-to-main-window time with the bare Qt window as baseline."""
    from bench.lookup import demo_database

    size = size or (2_000 if quick else 1_000_000)
    runs = 2 if quick else 7
    path = demo_database(size)
    ensure_bench_account(path)
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "BRANCH_CRM_DATA_DIR": data_dir,
            "BENCH_LOGIN": f"{BENCH_USER}:{BENCH_PASSWORD}",
        }
        baseline, base_times = _median(BASELINE, [], env, runs)
        value, times = _median(APP, ["--db", str(path), "--lang", "zh_CN"], env, runs)
    yield {
        "metric": "start_to_main_window_median",
        "value": round(value, 3),
        "unit": "s",
        "baseline": round(baseline, 3),
        "target": 2.0,
        "size": size,
        "runs": runs,
        "times": [round(t, 3) for t in times],
        "baseline_times": [round(t, 3) for t in base_times],
    }
