"""The main window: navigation of the pages (ui.pages), home, status bar, menus."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.reference.roles import Permission
from branch_crm.services.permissions import allowed, role_label
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.pages import PAGES, PageSpec
from branch_crm.ui.records.actions import install_deleted_items
from branch_crm.ui.shell.goto_dialog import install_go_to
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.shell.window import ShellWindow
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole
NAV_WIDTH = 200


def _complaint_status(ctx: AppContext) -> QWidget:
    """Open and breached complaint counts; a click shows the queue."""
    from branch_crm.ui.complaints.widgets import ComplaintStatusWidget

    return ComplaintStatusWidget(ctx)


def _sync_status(ctx: AppContext) -> QWidget:
    """Pending changes, last success or error; it starts background syncing and owns the
    Ctrl+Shift+S "Sync now" shortcut."""
    from branch_crm.ui.sync.widgets import SyncStatusWidget

    return SyncStatusWidget(ctx)


STATUS_WIDGETS: tuple[Callable[[AppContext], QWidget], ...] = (_complaint_status, _sync_status)
"""The permanent widgets of the status bar, left to right, ``factory(ctx) -> QWidget``
(the signed-in user and the branch follow them)."""


def _call_optional(widget: QWidget, method: str) -> None:
    """Call ``widget.method()`` if it exists; log (never raise) a failure."""
    fn = getattr(widget, method, None)
    if callable(fn):
        try:
            fn()
        except Exception:
            log.exception("%s.%s failed", type(widget).__name__, method)


class PageError(QWidget):
    """Shown in place of a page whose widget could not be built."""

    def __init__(self, error: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from branch_crm.ui.messages import error_text

        self._error = error
        layout = QVBoxLayout(self)
        self.label = QLabel(self)
        self.label.setObjectName("page_error")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.label)
        self._error_text = error_text
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply the translated text."""
        self.label.setText(
            _("This page could not be opened: {error}").format(error=self._error_text(self._error))
        )


class MainWindow(ShellWindow):
    """Navigation on the left (Ctrl+digit shortcuts), the current page on the right."""

    sig_sign_out_requested = Signal()
    sig_page_changed = Signal(str)
    sig_closed = Signal()

    def __init__(
        self,
        ctx: AppContext,
        *,
        pages: Sequence[PageSpec] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        ctx.main_window = self
        ctx.tasks.dialog_parent = self
        self.setObjectName("main_window")
        self._quitting = False
        specs = pages if pages is not None else PAGES
        self.specs: list[PageSpec] = [s for s in specs if self._may_see(s)]
        self.shortcuts = self._assign_shortcuts(self.specs)
        self.page_widgets: dict[str, QWidget] = {}
        self._current_key: str | None = None

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.nav = QListWidget(central)
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setSpacing(2)
        self.nav.setUniformItemSizes(True)
        self.stack = QStackedWidget(central)
        self.stack.setObjectName("pages")
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        for spec in self.specs:
            item = QListWidgetItem(icon(spec.icon), "")
            item.setData(KEY_ROLE, spec.key)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._on_nav_row_changed)

        self._build_menus()
        self.action_go_to = install_go_to(self, ctx, self.go_menu)  # Ctrl+K (issue 19)
        # supervisors: Deleted items… (Ctrl+Shift+Del), issue 19
        self.action_deleted_items = install_deleted_items(self, ctx, self.go_menu)
        self._build_status_bar()
        fit_window(self, (1280, 760), maximize_small=True)
        notifier().sig_language_changed.connect(self._on_language_changed)
        self.retranslate_ui()
        if self.specs:
            self.show_page(self.specs[0].key)

    # --- pages -----------------------------------------------------------------------------

    def _may_see(self, spec: PageSpec) -> bool:
        return spec.permission is None or allowed(self.ctx.actor, spec.permission)

    @staticmethod
    def _assign_shortcuts(specs: list[PageSpec]) -> dict[str, str]:
        """Each page's shortcut: its own, else the first free Ctrl+1..9 in navigation order."""
        taken: set[str] = set()
        result: dict[str, str] = {}
        for spec in specs:
            if spec.shortcut:
                sequence = QKeySequence(spec.shortcut).toString()
                if sequence in taken:
                    log.warning("shortcut %s of page %s is taken", spec.shortcut, spec.key)
                    continue
                taken.add(sequence)
                result[spec.key] = sequence
        for spec in specs:
            if spec.key in result:
                continue
            for digit in range(1, 10):
                sequence = QKeySequence(f"Ctrl+{digit}").toString()
                if sequence not in taken:
                    taken.add(sequence)
                    result[spec.key] = sequence
                    break
        return result

    def page_keys(self) -> list[str]:
        """Keys of the pages this user sees, in navigation order."""
        return [spec.key for spec in self.specs]

    def current_page_key(self) -> str | None:
        """Key of the page shown now."""
        return self._current_key

    def page(self, key: str) -> QWidget | None:
        """The page widget if it was built already."""
        return self.page_widgets.get(key)

    def show_page(self, key: str) -> QWidget | None:
        """Switch to a page (building it on first use); None if this user has no such page."""
        row = next((i for i, spec in enumerate(self.specs) if spec.key == key), None)
        if row is None:
            log.info("no page %r for %s", key, self.ctx.actor.username)
            return None
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # -> _on_nav_row_changed
        else:
            self._activate(key)
        return self.page_widgets.get(key)

    def _on_nav_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.specs):
            self._activate(self.specs[row].key)

    def _build_page(self, spec: PageSpec) -> QWidget:
        try:
            widget = spec.factory(self.ctx)
        except Exception as exc:
            log.exception("page %s could not be built", spec.key)
            widget = PageError(exc)
        if not widget.objectName():
            widget.setObjectName(f"page_{spec.key}")
        return widget

    def _activate(self, key: str) -> None:
        spec = next(s for s in self.specs if s.key == key)
        widget = self.page_widgets.get(key)
        if widget is None:
            widget = self._build_page(spec)
            self.page_widgets[key] = widget
            self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)
        self._current_key = key
        self._update_title()
        _call_optional(widget, "on_shown")
        from branch_crm.ui.export import Exportable

        self.action_export.setEnabled(isinstance(widget, Exportable))
        self.sig_page_changed.emit(key)

    def open_customer(self, customer_id: str) -> None:
        """Open a customer's profile (the counter desk's profile window)."""
        from branch_crm.ui.counter import actions

        actions.open_customer(self.ctx, customer_id)

    def open_complaint(self, complaint_id: str) -> None:
        """Open a complaint's detail window."""
        from branch_crm.ui.complaints.detail import open_complaint

        open_complaint(self.ctx, complaint_id, parent=self)

    # --- menus and status bar --------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = QMenu(bar)
        self.file_menu.setObjectName("menu_file")
        self.go_menu = QMenu(bar)
        self.go_menu.setObjectName("menu_go")
        self.help_menu = QMenu(bar)
        self.help_menu.setObjectName("menu_help")
        for menu in (self.file_menu, self.go_menu, self.help_menu):
            bar.addMenu(menu)

        self.action_settings = QAction(icon("settings"), "", self)
        self.action_settings.setObjectName("action_settings")
        self.action_settings.setShortcut(QKeySequence("Ctrl+,"))
        self.action_settings.triggered.connect(self.open_settings)
        self.action_sign_out = QAction(icon("sign_out"), "", self)
        self.action_sign_out.setObjectName("action_sign_out")
        self.action_sign_out.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.action_sign_out.triggered.connect(self.sign_out)
        self.action_quit = QAction(icon("quit"), "", self)
        self.action_quit.setObjectName("action_quit")
        self.action_quit.setShortcut(QKeySequence("Ctrl+Q"))
        self.action_quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.action_quit.triggered.connect(self.quit)
        self.action_export = QAction(icon("export"), "", self)
        self.action_export.setObjectName("action_export")
        self.action_export.triggered.connect(self.export_current)
        self.file_menu.addAction(self.action_export)
        self._add_file_actions()
        self.file_menu.addAction(self.action_settings)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.action_sign_out)
        self.file_menu.addAction(self.action_quit)

        self.page_actions: dict[str, QAction] = {}
        for spec in self.specs:
            action = QAction(icon(spec.icon), "", self)
            action.setObjectName(f"action_page_{spec.key}")
            shortcut = self.shortcuts.get(spec.key)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.triggered.connect(lambda _checked=False, k=spec.key: self.show_page(k))
            self.go_menu.addAction(action)
            self.addAction(action)  # shortcuts work even with the menu bar hidden
            self.page_actions[spec.key] = action

        self._build_help_menu()

    def _build_help_menu(self) -> None:
        """Help → Help on this page (F1), Keys of this window (Shift+F1), About."""
        self.action_about = QAction(icon("about"), "", self)
        self.action_about.setObjectName("action_about")
        self.action_about.setMenuRole(QAction.MenuRole.AboutRole)
        self.action_about.triggered.connect(self.show_about)
        self.action_help = QAction(icon("help"), "", self)
        self.action_help.setObjectName("action_help")
        self.action_help.triggered.connect(self.show_help)  # F1 itself: keys.install_help
        self.help_menu.addAction(self.action_help)
        self.action_keys = QAction(icon("keyboard_help"), "", self)
        self.action_keys.setObjectName("action_keys")
        self.action_keys.triggered.connect(self.show_keys)  # Shift+F1: keys.install_help
        self.help_menu.addAction(self.action_keys)
        self.help_menu.addAction(self.action_about)

    def _add_import_actions(self) -> None:
        """File → Import customers… and Import monthly volumes… for those who edit customers."""
        self.import_actions: dict[str, QAction] = {}
        if allowed(self.ctx.actor, Permission.CUSTOMER_EDIT):
            for kind in ("customers", "volumes"):
                action = QAction(icon("import"), "", self)
                action.setObjectName(f"action_import_{kind}")
                action.triggered.connect(lambda _checked=False, k=kind: self.open_import(k))
                self.file_menu.addAction(action)
                self.import_actions[kind] = action

    def _add_file_actions(self) -> None:
        """The File menu's import, backup and restore actions (by permission)."""
        self._add_import_actions()
        self._add_backup_actions()

    def _add_backup_actions(self) -> None:
        """File → Back up now… and Restore from a backup… for those who may change settings
        (a copy holds every customer's data; a restore replaces the database)."""
        self.backup_actions: dict[str, QAction] = {}
        if allowed(self.ctx.actor, Permission.SETTINGS_EDIT):
            self.file_menu.addSeparator()
            for kind, slot in (("backup", self.open_backup), ("restore", self.open_restore)):
                action = QAction(icon("backup"), "", self)
                action.setObjectName(f"action_{kind}")
                action.triggered.connect(lambda _checked=False, s=slot: s())
                self.file_menu.addAction(action)
                self.backup_actions[kind] = action
            self.file_menu.addSeparator()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("status_bar")
        self.status_widgets: list[QWidget] = []
        for factory in STATUS_WIDGETS:
            try:
                widget = factory(self.ctx)
            except Exception:
                log.exception("status widget %r failed", factory)
                continue
            bar.addPermanentWidget(widget)
            self.status_widgets.append(widget)
        self.user_label = QLabel(bar)
        self.user_label.setObjectName("status_user")
        self.branch_label = QLabel(bar)
        self.branch_label.setObjectName("status_branch")
        for label in (self.user_label, self.branch_label):
            label.setContentsMargins(12, 0, 4, 0)
            bar.addPermanentWidget(label)

    def set_branch_name(self, name: str) -> None:
        """Show the branch's name next to its code in the status bar."""
        self._branch_name = name
        self._update_status_labels()

    def _update_status_labels(self) -> None:
        actor = self.ctx.actor
        self.user_label.setText(
            _("Signed in: {name} ({role})").format(
                name=actor.display_name, role=role_label(actor.role)
            )
        )
        self.user_label.setAccessibleName(self.user_label.text())
        name = getattr(self, "_branch_name", "")
        branch = f"{actor.branch_id} · {name}" if name else actor.branch_id
        self.branch_label.setText(_("Branch: {branch}").format(branch=branch))
        self.branch_label.setAccessibleName(self.branch_label.text())

    def _update_title(self) -> None:
        spec = next((s for s in self.specs if s.key == self._current_key), None)
        title = _("Branch CRM")
        self.setWindowTitle(f"{_(spec.title)} — {title}" if spec else title)

    # --- language --------------------------------------------------------------------------

    def _on_language_changed(self, _language: str) -> None:
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text, and ask pages, cards and widgets to do the same."""
        self.file_menu.setTitle(_("&File"))
        self.go_menu.setTitle(_("&Go"))
        self.help_menu.setTitle(_("&Help"))
        self.action_settings.setText(_("&Settings…"))
        self.action_export.setText(_("&Export…"))
        self.action_export.setToolTip(_("Write the list of the page in front to an Excel file"))
        for kind, action in self.import_actions.items():
            action.setText(
                _("&Import customers…") if kind == "customers" else _("Import monthly &volumes…")
            )
        if self.backup_actions:
            self.backup_actions["backup"].setText(_("&Back up now…"))
            self.backup_actions["restore"].setText(_("&Restore from a backup…"))
        self.action_sign_out.setText(_("Sign &out"))
        self.action_quit.setText(_("&Quit"))
        self.action_about.setText(_("&About Branch CRM"))
        self.action_help.setText(_("&Help on this page (F1)"))
        self.action_keys.setText(_("&Keys of this window (Shift+F1)"))
        for row, spec in enumerate(self.specs):
            title = _(spec.title)
            shortcut = self.shortcuts.get(spec.key)
            native = (
                QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
                if shortcut
                else ""
            )
            item = self.nav.item(row)
            item.setText(title)
            item.setToolTip(f"{title} ({native})" if native else title)
            action = self.page_actions[spec.key]
            action.setText(title)
            action.setToolTip(item.toolTip())
        self.nav.setAccessibleName(_("Navigation"))
        self.stack.setAccessibleName(_("Page"))
        self._update_status_labels()
        self._update_title()
        for widget in [*self.page_widgets.values(), *self.status_widgets]:
            _call_optional(widget, "retranslate_ui")

    # --- actions ---------------------------------------------------------------------------

    def export_current(self) -> None:
        """File → Export…: the list of the page in front to an Excel file (ui.export)."""
        from branch_crm.ui.export import export_page

        key = self.current_page_key()
        page = self.page(key) if key else None
        if page is not None:
            export_page(self.ctx, page)

    def open_import(self, kind: str) -> QWidget:
        """File → Import customers… / Import monthly volumes… (ui.counter.import_dialog)."""
        from branch_crm.ui.counter.import_dialog import open_import

        return open_import(self.ctx, kind, self)

    def open_backup(self) -> QWidget:
        """File → Back up now… (ui.shell.backup_dialog)."""
        from branch_crm.ui.shell.backup_dialog import BackupDialog

        dialog = BackupDialog(self.ctx, self)
        dialog.open()
        return dialog

    def open_restore(self) -> QWidget:
        """File → Restore from a backup… (ui.shell.restore_dialog)."""
        from branch_crm.ui.shell.restore_dialog import RestoreDialog

        dialog = RestoreDialog(self.ctx, self)
        dialog.open()
        return dialog

    def show_help(self) -> QWidget:
        """Help > Help on this page: the help window on the page in front (ui.help)."""
        from branch_crm.ui.help.window import show_help

        return show_help(self)

    def show_keys(self) -> QWidget:
        """Help > Keys: the list of keys F1 shows for this window (its page in front)."""
        from branch_crm.ui import keys

        return keys.show_help(self)

    def open_settings(self) -> None:
        """Open the settings dialog."""
        from branch_crm.ui.shell.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        dialog.exec()

    def show_about(self) -> None:
        """Version and what this program is."""
        from branch_crm import __version__
        from branch_crm.ui import messages

        messages.info(
            self,
            _("Branch CRM {version}\nCustomer desk for express-delivery branch offices.").format(
                version=__version__
            ),
            _("About Branch CRM"),
        )

    def sign_out(self) -> None:
        """Ask the launcher to close this window and show the sign-in dialog again."""
        self.sig_sign_out_requested.emit()

    def quit(self) -> None:
        """Close the window (the application ends when no window is left)."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Pages may veto closing (unsaved edits) with ``may_close() -> bool``."""
        for widget in self.page_widgets.values():
            may_close = getattr(widget, "may_close", None)
            if callable(may_close) and not may_close():
                event.ignore()
                return
        event.accept()
        self.sig_closed.emit()
