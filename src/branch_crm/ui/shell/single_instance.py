"""One running copy of the app per database: a second start brings the first one's window
forward and exits.

The first copy holds an OS lock on a file beside the database (db.instance_lock: released by
the OS when the process ends, crashed or not; seen by every user of the PC) and listens on a
local socket named by a hash of the resolved database path. A later start that cannot take
the lock connects to that socket, asks the first copy to come forward and quits; when no copy
answers (it runs under another Windows user, or on another PC), the later start says so and
quits. Whoever holds the lock removes a socket left behind by a crashed copy first.
Command-line jobs take no such lock: they run beside the app (SQLite's locking).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QWidget

from branch_crm.db.instance_lock import DatabaseLock

log = logging.getLogger(__name__)

ACTIVATE = b"activate\n"
CONNECT_WAIT_MS = 3000
"""How long a second start keeps trying to reach the first (it may be just starting)."""
READ_WAIT_MS = 1000
"""How long the first copy waits for a caller's message."""


def instance_name(db_path: Path) -> str:
    """``branch-crm-<hash>``: the lock's and the socket's name for a database file."""
    resolved = os.path.normcase(str(Path(db_path).resolve()))
    return "branch-crm-" + hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:24]


class SingleInstance(QObject):
    """The claim of one copy on one database; see the module's description."""

    sig_activate_requested = Signal()
    """Another start on the same database asked this copy to come forward."""

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = instance_name(db_path)
        self.lock = DatabaseLock(db_path)
        self.server: QLocalServer | None = None
        self.answered = False
        """After a refused claim: whether the running copy was reached (it came forward)."""

    def claim(self, wait_ms: int | None = None) -> bool:
        """True when this is the first copy (now listening); False when another copy runs
        (it was asked to come forward, if it answered within ``wait_ms``: :attr:`answered`)."""
        try:
            claimed = self.lock.acquire()
        except OSError as exc:  # a read-only folder: opening the database will say so
            log.warning("cannot create the lock file %s: %s", self.lock.path, exc)
            claimed = True
        if claimed:
            self._listen()
            return True
        self.answered = self.notify_running(CONNECT_WAIT_MS if wait_ms is None else wait_ms)
        if not self.answered:
            log.warning("another copy holds %s but did not answer", self.lock.path)
        return False

    def _listen(self) -> None:
        QLocalServer.removeServer(self.name)  # a socket left by a crashed copy (we hold the lock)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("cannot listen on %s: %s", self.name, server.errorString())
            return
        server.newConnection.connect(self._on_new_connection)
        self.server = server

    def _on_new_connection(self) -> None:
        """Read each caller's one short message at once (it is already written when the
        caller connects, or follows within a moment), then hang up."""
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if not socket.bytesAvailable():
                socket.waitForReadyRead(READ_WAIT_MS)
            message = bytes(socket.readAll().data())
            socket.abort()
            socket.deleteLater()
            if message.startswith(ACTIVATE.strip()):
                log.info("another start on this database: coming forward")
                self.sig_activate_requested.emit()

    def notify_running(self, wait_ms: int = CONNECT_WAIT_MS) -> bool:
        """Ask the running copy to come forward; True when it got the message."""
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(250):
                socket.write(ACTIVATE)
                sent = socket.waitForBytesWritten(1000)
                socket.disconnectFromServer()
                return sent
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def release(self) -> None:
        """Stop listening and give the lock up (at quit)."""
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.release()


def front_window(preferred: QWidget | None) -> QWidget | None:
    """What to bring forward: ``preferred`` (the main window) when shown, else the dialog in
    front (sign-in, first admin), else any shown top-level window."""
    if preferred is not None and preferred.isVisible():
        return preferred
    modal = QApplication.activeModalWidget()
    if modal is not None:
        return modal
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isWindow()]
    return shown[-1] if shown else None


def bring_forward(window: QWidget | None) -> None:
    """Un-minimise, raise and activate ``window``; the taskbar flashes where the window
    manager does not let a background process take the focus."""
    if window is None:
        return
    if window.isMinimized():
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()
    QApplication.alert(window)
