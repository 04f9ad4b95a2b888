"""Child process of test_screen_fit.py: on the screen Qt's offscreen platform was given
(``QT_QPA_PLATFORM=offscreen:configfile=screen.json``: size, logical DPI, hence the scale),
open the main window, each of its pages and every dialog of tests/support/windows.py in one
language, and print one JSON object: what did not fit.

    python -m tests.ui.screen_fit_child LANG FOLDER     (from the repository root)

A window does not fit when its frame leaves the screen's available geometry, when a push
button or a dialog button box (outside scroll areas) lies partly outside it or outside its
window, when the main window is not maximised (every screen tested is small) or its status
bar is hidden, or when a table of a page or dialog (outside SCROLLING_TABLES) shows a
horizontal scroll bar or has columns wider than its viewport (cut off at the side), or a
list (the home cards') scrolls sideways.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QListWidget,
    QScrollArea,
    QTableView,
    QWidget,
)


def _settle(app: QApplication, rounds: int = 5) -> None:
    for _round in range(rounds):
        app.processEvents()


def _global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


def _in_scroll_area(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


SCROLLING_TABLES = {"audit_table"}
"""Tables meant to scroll sideways (many wide columns a supervisor reads one by one)."""


def cut_tables(widget: QWidget, label: str) -> list[str]:
    """Visible tables of ``widget`` with a horizontal scroll bar or columns out of sight."""
    found = []
    for table in widget.findChildren(QTableView):
        if not table.isVisible() or table.objectName() in SCROLLING_TABLES:
            continue
        columns = table.horizontalHeader().length()
        if table.horizontalScrollBar().isVisible() or columns > table.viewport().width() + 1:
            found.append(
                f"{label}: table {table.objectName()} scrolls sideways"
                f" ({columns} > {table.viewport().width()})"
            )
    for listing in widget.findChildren(QListWidget):
        if listing.isVisible() and listing.horizontalScrollBar().isVisible():
            found.append(f"{label}: list {listing.objectName()} scrolls sideways")
    return found


def _search_typed(dialog: QWidget, app: QApplication) -> None:
    """A surname typed in any customer search of ``dialog``: its results table filled."""
    from branch_crm.ui.counter.lookup import LookupWidget

    for lookup in dialog.findChildren(LookupWidget):
        if lookup.isVisible():
            lookup.search_box.setText("王")
            lookup.run_search_now()
    _settle(app)


def problems_of(window: QWidget, label: str) -> list[str]:
    """What of ``window`` lies outside its screen's available geometry."""
    screen = window.screen()
    area = screen.availableGeometry()
    found: list[str] = []
    frame = window.frameGeometry()
    if screen.devicePixelRatio() % 1:  # fractional scaling rounds the frame by a pixel
        frame = frame.adjusted(1, 1, -1, -1)
    if not area.contains(frame):
        found.append(f"{label}: window {frame.getRect()} outside the screen {area.getRect()}")
    if window.minimumSizeHint().width() > area.width():
        found.append(f"{label}: minimum width {window.minimumSizeHint().width()} > screen")
    inner = _global_rect(window)
    controls: list[QWidget] = [
        *window.findChildren(QDialogButtonBox),
        *window.findChildren(QAbstractButton),
    ]
    for control in controls:
        if not control.isVisibleTo(window) or control.window() is not window:
            continue
        if _in_scroll_area(control, window):
            continue
        rect = _global_rect(control)
        if not (area.contains(rect) and inner.contains(rect)):
            name = control.objectName() or type(control).__name__
            text = getattr(control, "text", lambda: "")()
            found.append(f"{label}: button {name} {text!r} at {rect.getRect()} cut off")
    return found


def check_main(app: QApplication, demo: object) -> list[str]:
    from tests.support import windows

    main = demo.main  # type: ignore[attr-defined]
    main.show()
    _settle(app)
    found: list[str] = []
    if not main.isMaximized():  # every screen tested is a small one
        found.append(f"main window not maximised: {main.frameGeometry().getRect()}")
    for key in windows.page_keys(demo):  # type: ignore[arg-type]
        main.show_page(key)
        _settle(app)
        found += problems_of(main, f"page {key}")
        if not main.statusBar().isVisible() or not main.rect().contains(
            main.statusBar().geometry()
        ):
            found.append(f"page {key}: status bar not visible")
        found += cut_tables(main.page(key), f"page {key}")
    windows.courier_form(demo)  # type: ignore[arg-type]
    _settle(app)
    found += problems_of(main, "courier preferences")
    main.show_page("lookup")
    _settle(app)
    found += problems_of(main, "lookup after courier mode")
    return found


def check_dialogs(app: QApplication, demo: object) -> list[str]:
    from tests.support import windows

    found: list[str] = []
    for name, opener in windows.DIALOGS:
        try:
            dialog = opener(demo)  # type: ignore[arg-type]
        except Exception as exc:  # a dialog that cannot open is a finding too
            found.append(f"{name}: could not open: {exc!r}")
            continue
        dialog.show()
        _settle(app)
        found += problems_of(dialog, name)
        _search_typed(dialog, app)
        found += cut_tables(dialog, name)
        windows.close_all()
        _settle(app)
    return found


def main(language: str, folder: Path) -> int:
    from PySide6.QtCore import QSettings

    from branch_crm.i18n import set_language
    from tests.support import windows

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "qs"))
    set_language(language)
    windows.quiet_messages()
    demo = windows.open_demo(folder)
    screen = app.primaryScreen()
    seen = {"screen": screen.availableGeometry().getRect(), "dpr": screen.devicePixelRatio()}
    found = check_main(app, demo) + check_dialogs(app, demo)
    print(json.dumps({**seen, "problems": found}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
