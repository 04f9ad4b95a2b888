"""Go to (Ctrl+K, Go menu): type a complaint number, waybill, survey serial or phone and Enter
opens the record; an ambiguous text lists the candidates (Up/Down choose, Enter opens).

The candidates come from services.goto, searched off the GUI thread after a short typing
pause; Enter before the pause ends searches at once (a short read on this thread) so a
number typed or scanned quickly and Entered opens its record without waiting.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError
from branch_crm.i18n import N_, _
from branch_crm.services.complaints.labels import status_label
from branch_crm.services.goto import COMPLAINT, CUSTOMER, SURVEY_FORM, Target, go_to_targets
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.widgets.search_box import SearchBox, SearchRun

log = logging.getLogger(__name__)

GO_TO_KEY = "Ctrl+K"
KIND_LABELS = {
    COMPLAINT: N_("Complaint"),
    SURVEY_FORM: N_("Survey form"),
    CUSTOMER: N_("Customer"),
}
KIND_ICONS = {COMPLAINT: "complaints", SURVEY_FORM: "survey_entry", CUSTOMER: "customers"}
FORM_STATUS = {"printed": N_("not returned"), "returned": N_("returned"), "void": N_("void")}
TARGET_ROLE = Qt.ItemDataRole.UserRole


def target_text(target: Target) -> str:
    """One line of the candidate list: kind, what names it, what tells it apart."""
    status = ""
    if target.kind == COMPLAINT:
        status = status_label(target.status)
    elif target.kind == SURVEY_FORM:
        status = _(FORM_STATUS.get(target.status, target.status))
    parts = [_(KIND_LABELS[target.kind]), target.label, target.detail, status]
    return " · ".join(p for p in parts if p)


class GoToDialog(QDialog):
    """The Go-to box and its candidates."""

    sig_listed = Signal(int)
    """Emitted after the candidates were listed, with their number."""
    sig_opened = Signal(str, str)
    """(kind, id) of the record opened."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("goToDialog")
        self.ctx = ctx
        self._searched: str | None = None
        self.box = SearchBox(self, "goToBox")
        self.box.setMinimumWidth(480)
        self.list = QListWidget(self)
        self.list.setObjectName("goToList")
        self.status = QLabel(self)
        self.status.setObjectName("goToStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self._run = SearchRun(ctx, self)
        self.box.sig_search.connect(self._on_box_sig_search)
        self.box.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item: self.open_current())
        self.setFocusProxy(self.box)
        self.retranslate_ui()
        self.resize(620, 380)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Go to"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(_("Close"))
        self.box.setPlaceholderText(_("Complaint number, waybill, survey serial or phone"))
        self.box.setAccessibleName(_("Go to"))
        self.list.setAccessibleName(_("Records found"))
        self._show_status()

    # --- searching ---------------------------------------------------------------------

    def _on_box_sig_search(self, text: str) -> None:
        if not text:
            self._run.cancel()
            self._show([], "")
            return

        def found(targets: list[Target]) -> None:
            self._show(targets, text)

        self._run.start(go_to_targets, {"text": text}, found, self._on_search_error)

    def _on_search_error(self, exc: BaseException) -> None:
        log.warning("go to: search failed: %s", exc)
        self.status.setText(_("The search failed: {error}").format(error=exc))

    def _show(self, targets: list[Target], text: str) -> None:
        self._searched = text
        self.list.clear()
        for target in targets:
            item = QListWidgetItem(icon(KIND_ICONS[target.kind]), target_text(target))
            item.setData(TARGET_ROLE, target)
            self.list.addItem(item)
        if targets:
            self.list.setCurrentRow(0)
        self._show_status()
        self.sig_listed.emit(len(targets))

    def _show_status(self) -> None:
        count = self.list.count()
        if not self._searched:
            text = _("Enter opens the record; Up/Down choose when several match.")
        elif count == 0:
            text = _("Nothing found for “{text}”.").format(text=self._searched)
        elif count == 1:
            text = _("Enter opens it.")
        else:
            text = _("{n} records match: Up/Down choose, Enter opens.").format(n=count)
        self.status.setText(text)

    def search_now(self) -> None:
        """Search for the box's text on this thread (Enter before the typing pause ended)."""
        text = self.box.query()
        self._run.cancel()
        try:
            found = self.ctx.read(go_to_targets, text=text) if text else []
        except CrmError as exc:
            self._on_search_error(exc)
            return
        self._show(found, text)

    # --- keys and opening ----------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_current()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.list.count():
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
                self.list.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    def current_target(self) -> Target | None:
        """The candidate Enter opens."""
        item = self.list.currentItem()
        target = item.data(TARGET_ROLE) if item is not None else None
        return target if isinstance(target, Target) else None

    def open_current(self) -> None:
        """Open the chosen record (searching first when the list is not for the text)."""
        if self._searched != self.box.query():
            self.search_now()
        target = self.current_target()
        if target is None:
            return
        open_target(self.ctx, target, self.parentWidget())
        self.sig_opened.emit(target.kind, target.id)
        self.accept()


def open_target(ctx: AppContext, target: Target, parent: QWidget | None) -> None:
    """Show the record: a complaint's detail, a customer's profile, a form on the surveys
    page (its customer and answers)."""
    if target.kind == COMPLAINT:
        from branch_crm.ui.complaints.detail import open_complaint

        open_complaint(ctx, target.id, parent=parent)
    elif target.kind == CUSTOMER:
        from branch_crm.ui.counter.actions import open_customer

        open_customer(ctx, target.id, parent=parent)
    elif target.kind == SURVEY_FORM and ctx.main_window is not None:
        page = ctx.main_window.show_page("surveys")
        show_form = getattr(page, "show_form", None)
        if show_form is not None:
            show_form(target.label)


def go_to(ctx: AppContext, parent: QWidget | None = None) -> GoToDialog:
    """Open the Go-to dialog (non-blocking, deleted when closed)."""
    dialog = GoToDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
    return dialog


def install_go_to(window: QMainWindow, ctx: AppContext, menu: QMenu) -> QAction:
    """The "Go to record…" action (Ctrl+K) at the top of ``menu`` of the main window."""
    action = QAction(icon("go_to"), "", window)
    action.setObjectName("action_go_to")
    action.setShortcut(QKeySequence(GO_TO_KEY))
    action.triggered.connect(lambda _checked=False: go_to(ctx, window))
    if menu.actions():
        first = menu.actions()[0]
        menu.insertAction(first, action)
        menu.insertSeparator(first)
    else:
        menu.addAction(action)
    window.addAction(action)  # the key works with the menu bar hidden

    def retranslate(_language: str = "") -> None:
        if not shiboken6.isValid(action):
            return
        action.setText(_("Go to record…"))
        action.setToolTip(_("Open a complaint, customer or survey form by number or phone"))

    retranslate()
    notifier().sig_language_changed.connect(retranslate)
    return action
