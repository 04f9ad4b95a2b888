"""Screenshots of the main pages and dialogs on a real X screen, in both languages.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--size 1366x768]
                    [--scale 1.5] [--lang en --lang zh_CN] [--only lookup ...]

Starts a virtual X server (Xvfb, Debian/Ubuntu: ``apt-get install xvfb libxcb-cursor0
libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
libxcb-xinerama0 libxcb-shape0 fonts-noto-cjk``) of the given size unless ``--display`` names
a running one, then, once per language, the app in a child process on Qt's xcb platform: a
fresh demo database (tests/support/windows.py, which the fit test uses too), signed in as
the demo admin, each page and dialog opened in turn, the whole X screen grabbed to
``<out>/<lang>/<name>.png``. Xvfb runs no window manager: windows have no title bar, and
the main window takes the size the app gives it on a screen of that size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {  # screenshot name -> page key of the main window
    "home": "home",
    "lookup": "lookup",
    "customer_list": "customers",
    "courier_mode": "courier",
    "complaint_queue": "complaints",
    "care": "care",
    "today": "home",
    "visit_plan": "visit_plan",
    "surveys": "surveys",
    "training": "training",
    "reports": "reports",
    "sync": "sync",
    "staff": "staff",
    "audit": "audit",
}
DIALOGS = {  # screenshot name -> opener name in tests/support/windows.py
    "profile": "profile",
    "profile_preferences": "profile_preferences",
    "new_customer": "new_customer",
    "take_complaint": "take_complaint",
    "complaint_detail": "complaint_detail",
    "complaint_attachments": "complaint_attachments",
    "complaint_close": "complaint_close",
    "complaint_figures": "complaint_figures",
    "training_new": "training_new",
    "training_attendance": "training_attendance",
    "settings": "settings",
    "print_preview": "print_preview",
    "pickup_sheet": "pickup_sheet",
    "survey_batch": "survey_batch",
    "survey_scan": "survey_scan",
    "survey_review": "survey_review",
    "sign_in": "sign_in",
    "import_customers": "import_customers",
    "visit_dialog": "visit_dialog",
    "backup_now": "backup_now",
    "restore": "restore",
    "go_to": "go_to",
    "merge": "merge",
    "deleted_items": "deleted_items",
}


def _reports_of_the_quarter(page: object) -> None:
    """The Reports page on the complaints report of the last three months of demo data."""
    from branch_crm.timeutil import local_today
    from branch_crm.ui.periods import preset_range

    first, last = preset_range("quarter", local_today())
    page.show_report("complaints", first, last, preset="quarter")  # type: ignore[attr-defined]


PREPARE = {"reports": _reports_of_the_quarter}
"""Screenshot name -> what to do on its page before the grab."""


def _settle(milliseconds: int = 400) -> None:
    """Let Qt lay out, paint and the X server catch up (a bounded wait)."""
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer

    deadline = QDeadlineTimer(milliseconds)
    while not deadline.hasExpired():
        QCoreApplication.processEvents()
        time.sleep(0.02)


def _grab(path: Path) -> None:
    from PySide6.QtGui import QGuiApplication

    path.parent.mkdir(parents=True, exist_ok=True)
    screen = QGuiApplication.primaryScreen()
    if not screen.grabWindow(0).save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)


def _help_window(demo: object, language: str, out: Path, only: set[str]) -> None:
    """F1 on the complaint queue: the help window beside it, then a search typed in it
    (``help.png``, ``help_search.png``)."""
    if only and "help" not in only:
        return
    from branch_crm.ui.help.window import show_help

    page = demo.main.show_page("complaints")  # type: ignore[attr-defined]
    shown = show_help(page)
    _settle(600)
    _grab(out / language / "help.png")
    shown.search.setText("超时" if language == "zh_CN" else "overdue")
    _settle(400)
    _grab(out / language / "help_search.png")
    shown.close()
    demo.main.show_page("lookup")  # type: ignore[attr-defined]


def child(language: str, out: Path, only: set[str]) -> int:
    """In one process: the app in ``language``, every page and dialog grabbed."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from branch_crm.i18n import set_language
    from tests.support import windows

    app = QApplication(sys.argv[:1])  # kept: the application lives until the end
    set_language(language)
    windows.quiet_messages()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["BRANCH_CRM_DATA_DIR"] = folder  # the user's data and layout stay untouched
        user = QSettings.Scope.UserScope
        QSettings.setPath(QSettings.Format.IniFormat, user, str(Path(folder) / "settings"))
        demo = windows.open_demo(Path(folder), follow_up=False)  # only the demo's own data
        demo.main.show()
        if demo.main.isMaximized():  # no window manager maximises it here: do as one would
            demo.main.setGeometry(demo.main.screen().availableGeometry())
        _settle(800)
        for name, key in PAGES.items():
            if only and name not in only:
                continue
            page = demo.main.show_page(key)
            if page is None:
                continue
            if name in PREPARE:
                PREPARE[name](page)
            search = getattr(getattr(page, "lookup", None), "search_box", None)
            if search is not None:  # the lookup as a clerk sees it: a surname typed
                search.setText("王")
                _settle(900)
            _settle()
            _grab(out / language / f"{name}.png")
        if not only or "courier_preferences" in only:
            windows.courier_form(demo)
            _settle()
            _grab(out / language / "courier_preferences.png")
            demo.main.show_page("lookup")
        _help_window(demo, language, out, only)
        openers = dict(windows.DIALOGS)
        for name, opener in DIALOGS.items():
            if only and name not in only:
                continue
            dialog = openers[opener](demo)
            dialog.show()
            dialog.raise_()
            _settle(600)
            _grab(out / language / f"{name}.png")
            windows.close_all()
            _settle(100)
        demo.main.close()
        demo.ctx.close()
        demo.ctx.db.dispose()
    app.quit()
    return 0


def start_xvfb(size: str) -> tuple[subprocess.Popen[bytes], str]:
    """A virtual X server of ``size`` (WIDTHxHEIGHT) on a free display number."""
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is missing (Debian/Ubuntu: apt-get install xvfb)")
    for number in range(91, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            break
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 10
    while not socket.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"Xvfb did not start on {display}")
        time.sleep(0.05)
    return server, display


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1366x768", help="screen size WIDTHxHEIGHT")
    parser.add_argument("--scale", type=float, help="Windows-like scaling, e.g. 1.25 or 1.5")
    parser.add_argument("--lang", action="append", choices=["en", "zh_CN"])
    parser.add_argument("--only", nargs="*", default=[], help="screenshot names to take")
    parser.add_argument("--display", help="a running X display to use instead of Xvfb")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if args.child:
        return child(args.child, out, set(args.only))
    server = None
    display = args.display
    if display is None:
        server, display = start_xvfb(args.size)
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    for name in ("QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    if args.scale:
        env["QT_SCALE_FACTOR"] = str(args.scale)
    try:
        for language in args.lang or ["zh_CN", "en"]:
            command = [sys.executable, str(Path(__file__).resolve()), "--child", language]
            command += ["--out", str(out), "--only", *args.only]
            done = subprocess.run(command, cwd=ROOT, env=env, check=False)
            if done.returncode:
                return done.returncode
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
