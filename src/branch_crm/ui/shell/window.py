"""The main window as pages and dialogs reach it (``ctx.main_window``): ui.main_window builds
on this class, ui.context names it, so neither imports the other's module."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget


class ShellWindow(QMainWindow):
    """What a page or dialog may ask of the main window (ui.main_window.MainWindow)."""

    def show_page(self, key: str) -> QWidget | None:
        """Switch to a page (building it on first use); None if this user has no such page."""
        raise NotImplementedError

    def set_branch_name(self, name: str) -> None:
        """Show the branch's name next to its code in the status bar."""
        raise NotImplementedError

    def open_complaint(self, complaint_id: str) -> None:
        """Open a complaint's detail window (the counter desk reaches the complaints feature
        through here, as the complaints feature imports the counter desk)."""
        raise NotImplementedError
