""" "Deleted items" (supervisors): what was deleted in the last 90 days -- kind, what, who,
when, why -- and Restore for what was deleted within 30 days (older rows say why not)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.services import deletion
from branch_crm.timeutil import to_local
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.screen_fit import fit_window

COLUMNS = 5


class DeletedItemsDialog(QDialog):
    """The list and its Restore button (Enter or Alt+R restores the selected row)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items: list[deletion.DeletedItem] = []
        self.setObjectName("deleted_items_dialog")
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, COLUMNS, self)
        self.table.setObjectName("deleted_items_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.note = QLabel(self)
        self.note.setObjectName("deleted_items_note")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        row = QHBoxLayout()
        self.restore_button = QPushButton(icon("record_restore"), "", self)
        self.restore_button.setObjectName("deleted_items_restore")
        self.close_button = QPushButton(icon("close"), "", self)
        self.close_button.setObjectName("deleted_items_close")
        row.addStretch(1)
        row.addWidget(self.restore_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.restore_button.clicked.connect(self.restore_selected)
        self.close_button.clicked.connect(self.reject)
        self.table.itemSelectionChanged.connect(self._update_state)
        self.table.itemActivated.connect(lambda _i: self.restore_selected())
        keys.shortcut(self, QKeySequence("F5"), self.reload, _("Reload the list"))
        self.retranslate_ui()
        self.reload()
        fit_window(self, (900, 520))

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Deleted items"))
        self.intro.setText(
            _(
                "Customers, complaints and pickup preferences deleted in the last {shown} "
                "days. A record deleted within {days} days can be restored; it comes back on "
                "every PC of the branch with the next sync."
            ).format(shown=deletion.SHOWN_DAYS, days=deletion.RESTORE_DAYS)
        )
        self.table.setHorizontalHeaderLabels(
            [_("Kind"), _("What"), _("Deleted by"), _("When"), _("Reason")]
        )
        self.table.setAccessibleName(_("Deleted items"))
        self.restore_button.setText(_("&Restore"))
        self.restore_button.setAccessibleName(_("Restore the selected record"))
        self.close_button.setText(_("Close"))

    def reload(self) -> None:
        self.items = self.ctx.read(deletion.list_deleted)
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            when = to_local(item.when).strftime("%Y-%m-%d %H:%M")
            cells = (item.kind_label, item.what, item.who or "", when, item.reason or "")
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if not item.restorable:
                    cell.setForeground(Qt.GlobalColor.gray)
                    cell.setToolTip(item.why_not or "")
                self.table.setItem(row, column, cell)
        if self.items:
            self.table.selectRow(0)
        self._update_state()

    def selected(self) -> deletion.DeletedItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    def _update_state(self) -> None:
        item = self.selected()
        self.restore_button.setEnabled(item is not None and item.restorable)
        if not self.items:
            self.note.setText(_("Nothing was deleted lately."))
        elif item is not None and not item.restorable:
            self.note.setText(item.why_not or "")
        else:
            self.note.setText("")

    def restore_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        if not item.restorable:
            messages.info(self, item.why_not or "")
            return

        def done(result: deletion.Restored) -> None:
            self._on_restored(item, result)

        self.ctx.write(deletion.restore, kind=item.kind, record_id=item.id, busy=self, on_done=done)

    def _on_restored(self, item: deletion.DeletedItem, result: deletion.Restored) -> None:
        self.ctx.bus.changed(item.kind, "customer")
        self.reload()
        if result.skipped_phones:
            messages.info(
                self,
                _("{what} is back, without the numbers another customer has now: {phones}").format(
                    what=item.what, phones=", ".join(result.skipped_phones)
                ),
            )


def open_deleted_items(ctx: AppContext, parent: QWidget | None = None) -> DeletedItemsDialog:
    dialog = DeletedItemsDialog(ctx, parent or ctx.main_window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
