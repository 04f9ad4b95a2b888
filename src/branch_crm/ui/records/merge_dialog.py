"""Merging two customers: pick the other record by lookup, then choose the survivor's value
field by field (two columns, a radio button per field; arrows and Space move and choose,
Alt+1 / Alt+2 take a whole column)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.services.customers import merging
from branch_crm.services.customers.search import format_phone, search_customers
from branch_crm.ui import keys
from branch_crm.ui.context import AppContext
from branch_crm.ui.widgets.screen_fit import fit_window

ID_ROLE = Qt.ItemDataRole.UserRole


class MergePickDialog(QDialog):
    """ "Merge with…": type a phone, last 4 digits or a name, pick the other record."""

    sig_picked = Signal(str)

    def __init__(self, ctx: AppContext, customer_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.customer_id = ctx, customer_id
        self.setObjectName("merge_pick_dialog")
        layout = QVBoxLayout(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setObjectName("merge_pick_search")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget(self)
        self.results.setObjectName("merge_pick_results")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setObjectName("merge_pick_ok")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        for widget in (self.hint, self.search, self.results, self.buttons):
            layout.addWidget(widget)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self.timer.start())
        self.search.returnPressed.connect(self._on_search_return)
        self.results.itemActivated.connect(lambda _i: self.accept())
        self.results.currentRowChanged.connect(lambda _r: self._update_ok())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.retranslate_ui()
        self._update_ok()
        fit_window(self, (520, 420))

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Merge with…"))
        self.hint.setText(
            _("Find the other record of the same person: phone, last 4 digits or name.")
        )
        self.search.setPlaceholderText(_("Phone, last 4 digits or name"))
        self.search.setAccessibleName(_("Find the other customer"))
        self.results.setAccessibleName(_("Customers found"))
        self.ok.setText(_("Compare…"))

    def refresh(self) -> None:
        hits = self.ctx.read(search_customers, query=self.search.text(), limit=30)
        self.results.clear()
        for hit in hits:
            if hit.customer_id == self.customer_id:
                continue
            text = "  ".join(p for p in (hit.name, format_phone(hit.phone), hit.company or "") if p)
            item = QListWidgetItem(text)
            item.setData(ID_ROLE, hit.customer_id)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
        self._update_ok()

    def _on_search_return(self) -> None:
        self.timer.stop()
        self.refresh()
        self.results.setFocus()

    def _update_ok(self) -> None:
        self.ok.setEnabled(self.results.currentItem() is not None)

    def picked(self) -> str | None:
        item = self.results.currentItem()
        return str(item.data(ID_ROLE)) if item is not None else None

    def accept(self) -> None:
        picked = self.picked()
        if picked is None:
            return
        super().accept()
        self.sig_picked.emit(picked)


class MergeDialog(QDialog):
    """Two records side by side: the one kept (left) and the one merged into it (right)."""

    sig_merge = Signal(dict)
    """field -> "survivor" or "absorbed", when the user confirms."""

    def __init__(self, preview: merging.MergePreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setObjectName("merge_dialog")
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setObjectName("merge_intro")
        layout.addWidget(self.intro)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        body = QWidget(scroll)
        self.grid = QGridLayout(body)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self.head_left = QLabel(body)
        self.head_right = QLabel(body)
        for label in (self.head_left, self.head_right):
            label.setWordWrap(True)
            label.setStyleSheet("font-weight: bold")
        self.grid.addWidget(self.head_left, 0, 1)
        self.grid.addWidget(self.head_right, 0, 2)
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        defaults = merging.default_choices(preview)
        for row, field in enumerate(preview.fields, start=1):
            self._add_field(body, row, field, defaults[field.key])
        self.grid.setRowStretch(len(preview.fields) + 1, 1)  # rows keep their height
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        self.moves = QLabel(self)
        self.moves.setWordWrap(True)
        self.moves.setObjectName("merge_moves")
        layout.addWidget(self.moves)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setObjectName("merge_ok")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        keys.shortcut(
            self,
            QKeySequence("Alt+1"),
            lambda: self.choose_all("survivor"),
            _("Keep every value of the left record"),
        )
        keys.shortcut(
            self,
            QKeySequence("Alt+2"),
            lambda: self.choose_all("absorbed"),
            _("Take every value of the right record"),
        )
        self.retranslate_ui()
        fit_window(self, (760, 600))
        first = next(iter(self.radios.values()), None)
        if first is not None:
            first[0].setFocus()

    def _add_field(self, body: QWidget, row: int, field: merging.MergeField, side: str) -> None:
        label = QLabel(field.label, body)
        left = QRadioButton(field.survivor or "—", body)
        right = QRadioButton(field.absorbed or "—", body)
        left.setObjectName(f"merge_{field.key}_survivor")
        right.setObjectName(f"merge_{field.key}_absorbed")
        left.setAccessibleName(f"{field.label}: {field.survivor}")
        right.setAccessibleName(f"{field.label}: {field.absorbed}")
        group = QButtonGroup(body)
        group.addButton(left)
        group.addButton(right)
        (right if side == "absorbed" else left).setChecked(True)
        if field.same:
            right.setEnabled(False)
        label.setBuddy(left)
        self.grid.addWidget(label, row, 0)
        self.grid.addWidget(left, row, 1)
        self.grid.addWidget(right, row, 2)
        self.groups[field.key] = group
        self.radios[field.key] = (left, right)

    def retranslate_ui(self) -> None:
        p = self.preview
        self.setWindowTitle(_("Merge two customers"))
        self.intro.setText(
            _(
                "Choose what the merged record keeps, field by field (Tab moves, Space chooses; "
                "Alt+1 keeps every left value, Alt+2 takes every right one). {absorbed} is then "
                "merged into {survivor} and deleted; this cannot be undone."
            ).format(absorbed=p.absorbed.name, survivor=p.survivor.name)
        )
        self.head_left.setText(_("Kept: {name}").format(name=_side_text(p.survivor)))
        self.head_right.setText(_("Merged in: {name}").format(name=_side_text(p.absorbed)))
        moving = _(", ").join(f"{label} ({count})" for label, count in p.absorbed.holds if count)
        self.moves.setText(
            _("Moves to the kept record: {what}.").format(what=moving or _("nothing else"))
        )
        self.ok.setText(_("Merge"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.ok.setAccessibleName(_("Merge the two customers"))

    def choose_all(self, side: str) -> None:
        for left, right in self.radios.values():
            target = right if side == "absorbed" else left
            if target.isEnabled():
                target.setChecked(True)

    def choices(self) -> dict[str, str]:
        return {
            key: "absorbed" if right.isChecked() else "survivor"
            for key, (_left, right) in self.radios.items()
        }

    def accept(self) -> None:
        choices = self.choices()
        super().accept()
        self.sig_merge.emit(choices)


def _side_text(side: merging.MergeSide) -> str:
    phones = ", ".join(format_phone(p) for p in side.phones)
    return f"{side.name} ({phones})" if phones else side.name
