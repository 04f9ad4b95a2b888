"""A new database filled with demo data at the first start (``--demo-if-new``): the work
runs in a thread behind a progress dialog, and the demo accounts are kept in the settings
for the sign-in dialog's hint."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog

from branch_crm.i18n import _

if TYPE_CHECKING:
    from branch_crm.services.demo.fill import DemoCredential, DemoResult

DEMO_CUSTOMERS = 2000
DEMO_SEED = 1


def demo_account_lines(staff: Iterable[DemoCredential]) -> list[str]:
    """ "user / password (role)" lines for DemoResult.staff."""
    from branch_crm.services.permissions import role_label

    return [f"{c.username} / {c.password}  ({role_label(c.role)})" for c in staff]


class _DemoRelay(QObject):
    sig_progress = Signal(str, int, int)
    sig_done = Signal(object)


def _stage_text(stage: str) -> str:
    texts = {
        "staff": _("Creating demo staff…"),
        "customers": _("Creating demo customers…"),
        "stats": _("Computing customer figures…"),
        "index": _("Building the search index…"),
        "done": _("Finishing…"),
    }
    return texts.get(stage, _("Creating demo data…"))


def fill_demo_with_progress(path: Path, *, customers: int = DEMO_CUSTOMERS) -> DemoResult:
    """Run services.demo.fill.fill_demo in a thread behind a progress dialog, then store the
    demo account lines (the sign-in dialog's hint) from the same thread; returns its result
    or raises what it raised."""
    from branch_crm.services.demo.fill import fill_demo

    relay = _DemoRelay()
    dialog = QProgressDialog()
    dialog.setObjectName("demo_progress")
    dialog.setWindowTitle(_("Creating demo data — Branch CRM"))
    dialog.setLabelText(_("Creating demo data…"))
    dialog.setAccessibleName(_("Creating demo data"))
    dialog.setCancelButton(None)
    dialog.setRange(0, 0)
    dialog.setMinimumDuration(0)
    dialog.setMinimumWidth(420)
    results: list[DemoResult] = []
    errors: list[BaseException] = []

    def on_progress(stage: str, done: int, total: int) -> None:
        dialog.setLabelText(_stage_text(stage))
        if total > 0:
            dialog.setRange(0, total)
            dialog.setValue(min(done, total))

    relay.sig_progress.connect(on_progress, Qt.ConnectionType.QueuedConnection)
    finished = threading.Event()

    def work() -> None:
        try:
            result = fill_demo(
                path, customers=customers, seed=DEMO_SEED, progress=relay.sig_progress.emit
            )
            _store_demo_accounts(path, demo_account_lines(result.staff))
            results.append(result)
        except BaseException as exc:  # re-raised on the GUI thread
            errors.append(exc)
        finally:
            finished.set()

    dialog.show()
    thread = threading.Thread(target=work, name="branch-crm-demo", daemon=True)
    thread.start()
    while not finished.is_set():
        QApplication.processEvents()
        finished.wait(0.02)
    QApplication.processEvents()
    dialog.close()
    if errors:
        raise errors[0]
    return results[0]


def _store_demo_accounts(path: Path, lines: list[str]) -> None:
    """Keep the demo accounts in the settings (shown by the sign-in dialog); off the GUI."""
    from branch_crm.db import open_database
    from branch_crm.services.settings import values as settings

    db = open_database(path)
    try:
        with db.session() as session:
            settings.put(session, None, "demo.accounts", "\n".join(lines))
    finally:
        db.dispose()
