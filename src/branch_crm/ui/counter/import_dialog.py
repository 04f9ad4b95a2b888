"""File → Import customers… / Import monthly volumes…: the import window.

Choose a .xlsx or .csv file, its sheet and what each column fills; the preview (off the GUI
thread, on a read-only session) counts the rows to add, update and skip and lists every
problem; Import is enabled only for a clean preview and runs all or nothing on the database
thread with progress and Cancel (services.imports rolls back on any problem or Cancel).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from branch_crm.i18n import N_, _, ngettext
from branch_crm.reference.roles import Permission
from branch_crm.services.imports import customers, volumes
from branch_crm.services.imports.common import (
    IGNORE,
    SKIP,
    UPDATE,
    ImportCancelled,
    ImportRefused,
    Preview,
    field_label,
)
from branch_crm.services.permissions import allowed
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.widgets.screen_fit import fit_window

TITLES = {"customers": N_("Import customers"), "volumes": N_("Import monthly volumes")}
SHOWN_PROBLEMS = 500


def can_import(ctx: AppContext) -> bool:
    """The user may import (the services check the same permission)."""
    return allowed(ctx.actor, Permission.CUSTOMER_EDIT)


def _module(kind: str) -> Any:
    return customers if kind == "customers" else volumes


def run_preview(*, session: Any, actor: Any, control: Any, kind: str, **options: Any) -> Preview:
    """The service's preview with the job's progress and Cancel."""
    result: Preview = _module(kind).preview(
        session=session, actor=actor, progress=control.progress,
        cancelled=lambda: control.cancelled, **options,
    )  # fmt: skip
    return result


def run_apply(*, session: Any, actor: Any, control: Any, kind: str, **options: Any) -> Preview:
    """The service's import (all or nothing) with the job's progress and Cancel."""
    result: Preview = _module(kind).apply(
        session=session, actor=actor, progress=control.progress,
        cancelled=lambda: control.cancelled, **options,
    )  # fmt: skip
    return result


def _item(text: object) -> QTableWidgetItem:
    item = QTableWidgetItem(str(text))
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


class ImportDialog(QDialog):
    """The import window of one kind ("customers" or "volumes")."""

    def __init__(
        self, ctx: AppContext, kind: str = "customers", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.path: Path | None = None
        self.preview: Preview | None = None
        self.mapping: dict[str, str] | None = None
        self.imported: Preview | None = None
        self._generation = 0
        """Bumped by each preview or import: the result of an older one is dropped."""
        self.setObjectName(f"import_{kind}")
        self._build()
        keys.save_shortcut(self, self.start_import)
        self.retranslate_ui()
        fit_window(self, (820, 640))
        self.choose_button.setFocus()

    # --- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        form = self._build_form()
        self._build_tables()
        self._build_buttons()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.columns_label)
        layout.addWidget(self.columns_table, 3)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems_table, 2)
        layout.addWidget(self.buttons)

    def _build_form(self) -> QFormLayout:
        self.file_edit = QLineEdit(self)
        self.file_edit.setObjectName("import_file")
        self.file_edit.setReadOnly(True)
        self.choose_button = QPushButton(self)
        self.choose_button.setObjectName("import_choose")
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_button)
        self.sheet_combo = QComboBox(self)
        self.sheet_combo.setObjectName("import_sheet")
        self.sheet_combo.activated.connect(self._sheet_chosen)
        self.existing_combo = QComboBox(self)
        self.existing_combo.setObjectName("import_existing")
        self.existing_combo.addItem("", UPDATE)
        self.existing_combo.addItem("", SKIP)
        self.existing_combo.activated.connect(lambda _i: self.run_preview())
        self.file_label, self.sheet_label, self.existing_label = (
            QLabel(self),
            QLabel(self),
            QLabel(self),
        )
        self.file_label.setBuddy(self.choose_button)
        self.sheet_label.setBuddy(self.sheet_combo)
        self.existing_label.setBuddy(self.existing_combo)
        form = QFormLayout()
        form.addRow(self.file_label, file_row)
        form.addRow(self.sheet_label, self.sheet_combo)
        form.addRow(self.existing_label, self.existing_combo)
        return form

    def _build_tables(self) -> None:
        self.error_label = QLabel(self)
        self.error_label.setObjectName("import_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.hide()
        self.columns_label, self.problems_label = QLabel(self), QLabel(self)
        self.columns_table = self._table("import_columns", 2)
        self.columns_label.setBuddy(self.columns_table)
        self.summary = QLabel(self)
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")
        self.problems_table = self._table("import_problems", 3)
        self.problems_label.setBuddy(self.problems_table)

    def _build_buttons(self) -> None:
        self.buttons = QDialogButtonBox(self)
        self.preview_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.preview_button.setObjectName("import_preview")
        self.preview_button.clicked.connect(self.run_preview)
        self.import_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("import_start")
        self.import_button.clicked.connect(self.start_import)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("import_close")
        self.buttons.rejected.connect(self.reject)
        self.import_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        self.import_button.setAutoDefault(False)
        self.preview_button.setAutoDefault(False)
        self.close_button.setAutoDefault(False)  # Enter in a combo never closes the window

    def _table(self, name: str, columns: int) -> QTableWidget:
        table = QTableWidget(0, columns, self)
        table.setObjectName(name)
        table.verticalHeader().hide()
        table.setTabKeyNavigation(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(columns - 1, QHeaderView.ResizeMode.Stretch)
        for column in range(columns - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return table

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_(TITLES[self.kind]))
        self.file_label.setText(_("File:"))
        self.choose_button.setText(_("&Choose file…"))
        self.sheet_label.setText(_("S&heet:"))
        self.existing_label.setText(_("Phone already &recorded:"))
        self.existing_combo.setItemText(0, _("update that customer"))
        self.existing_combo.setItemText(1, _("skip the row"))
        self.columns_label.setText(_("C&olumns (what each column of the sheet fills):"))
        self.problems_label.setText(_("Pro&blems to correct in the file:"))
        self.columns_table.setHorizontalHeaderLabels([_("Column in the sheet"), _("Fills")])
        self.problems_table.setHorizontalHeaderLabels([_("Row"), _("Column"), _("What is wrong")])
        self.preview_button.setText(_("&Preview"))
        self.import_button.setText(_("&Import"))
        self.import_button.setToolTip(
            _("Import all rows (Ctrl+S); on any problem nothing is written")
        )
        self.close_button.setText(_("Close"))
        for label, widget in (
            (self.file_label, self.file_edit),
            (self.sheet_label, self.sheet_combo),
            (self.existing_label, self.existing_combo),
            (self.columns_label, self.columns_table),
            (self.problems_label, self.problems_table),
        ):
            widget.setAccessibleName(label.text().replace("&", "").rstrip(":："))
        self.file_edit.setPlaceholderText(_("an .xlsx or .csv file"))
        if self.preview is not None:
            self._show_preview(self.preview)

    # --- choosing ---------------------------------------------------------------------------

    def choose_file(self) -> None:
        """Ask for the file, then preview it with the recognised columns."""
        chosen, _filter = QFileDialog.getOpenFileName(
            self, _(TITLES[self.kind]), str(self.path.parent if self.path else Path.home()),
            _("Spreadsheets (*.xlsx *.csv)"),
        )  # fmt: skip
        if chosen:
            self.load(Path(chosen))

    def load(self, path: Path) -> None:
        """Take ``path`` (first sheet, recognised columns) and preview it."""
        self.path = path
        self.file_edit.setText(str(path))
        self.mapping = None
        self.sheet_combo.clear()
        self.preview_button.setEnabled(True)
        self.run_preview()

    def _sheet_chosen(self, _index: int) -> None:
        self.mapping = None
        self.run_preview()

    def _mapping_changed(self) -> None:
        self.mapping = {}
        for row in range(self.columns_table.rowCount()):
            header = self.columns_table.item(row, 0)
            combo = self.columns_table.cellWidget(row, 1)
            if header is not None and isinstance(combo, QComboBox):
                self.mapping[header.text()] = combo.currentData() or IGNORE
        self.run_preview()

    def _options(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "sheet": self.sheet_combo.currentText() or None,
            "mapping": self.mapping,
            "on_existing": self.existing_combo.currentData(),
        }

    # --- preview ----------------------------------------------------------------------------

    def run_preview(self) -> None:
        """Preview the file off the GUI thread; Import waits for a clean one."""
        if self.path is None:
            return
        self.preview = None
        self.import_button.setEnabled(False)
        self.summary.setText(_("Checking the file…"))
        self.ctx.submit(
            run_preview, kwargs=self._options(),
            **self._latest(self._on_preview, self._on_preview_failed),
            title=_("Checking the file…"), cancellable=True, kind="cpu",
        )  # fmt: skip

    def _latest(self, on_result: Any, on_error: Any) -> dict[str, Any]:
        """The callbacks of the job started now: skipped when the window is gone or a newer
        preview or import was started meanwhile."""
        self._generation += 1
        generation = self._generation

        def guard(callback: Any) -> Any:
            def call(value: Any) -> None:
                if isValid(self) and generation == self._generation:
                    callback(value)

            return call

        return {"on_result": guard(on_result), "on_error": guard(on_error)}

    def _on_preview_failed(self, exc: BaseException) -> None:
        self._on_failed(exc)
        if isinstance(exc, ImportCancelled):
            self.error_label.setText(_("Preview stopped: press Preview to check the file again."))

    def _on_preview(self, preview: Preview) -> None:
        self.preview = preview
        self.error_label.hide()
        self._show_preview(preview)

    def _show_preview(self, preview: Preview) -> None:
        self._fill_sheets(preview)
        self._fill_columns(preview)
        self._fill_problems(preview)
        counts = {"rows": preview.rows, "add": preview.add, "update": preview.update,
                  "skip": preview.skip}  # fmt: skip
        text = _("{rows} rows: {add} to add, {update} to update, {skip} to skip.").format(**counts)
        if preview.problem_count:
            text += " " + ngettext(
                "{n} problem: correct it in the file, then preview again.",
                "{n} problems: correct them in the file, then preview again.",
                preview.problem_count,
            ).format(n=preview.problem_count)
        self.summary.setText(text)
        self.import_button.setEnabled(preview.clean)

    def _fill_sheets(self, preview: Preview) -> None:
        if [self.sheet_combo.itemText(i) for i in range(self.sheet_combo.count())] != list(
            preview.sheets
        ):
            self.sheet_combo.clear()
            self.sheet_combo.addItems(list(preview.sheets))
        self.sheet_combo.setCurrentText(preview.sheet)
        self.sheet_combo.setEnabled(len(preview.sheets) > 1)

    def _fill_columns(self, preview: Preview) -> None:
        from branch_crm.excel.headers import fields_of

        table = self.columns_table
        table.setRowCount(len(preview.columns))
        for row, column in enumerate(preview.columns):
            table.setItem(row, 0, _item(column.header or "?"))
            combo = QComboBox(table)
            combo.addItem(_("(ignored)"), IGNORE)
            for name in fields_of(self.kind):
                combo.addItem(field_label(name), name)
            combo.setCurrentIndex(max(combo.findData(column.field or IGNORE), 0))
            combo.setAccessibleName(column.header)
            combo.activated.connect(lambda _i: self._mapping_changed())
            table.setCellWidget(row, 1, combo)

    def _fill_problems(self, preview: Preview) -> None:
        problems = preview.problems[:SHOWN_PROBLEMS]
        self.problems_table.setRowCount(len(problems))
        for row, problem in enumerate(problems):
            self.problems_table.setItem(row, 0, _item(problem.row or ""))
            self.problems_table.setItem(row, 1, _item(problem.column))
            self.problems_table.setItem(row, 2, _item(problem.message))

    def _on_failed(self, exc: BaseException) -> None:
        """A file that cannot be read (or a refused or cancelled import): said in the dialog."""
        self._set_running(False)
        if isinstance(exc, ImportRefused):
            self._on_preview(exc.preview)
            self.import_button.setEnabled(False)
            return
        self.preview = None
        self.import_button.setEnabled(False)
        self.summary.clear()
        self.error_label.setText(messages.error_text(exc))
        self.error_label.show()

    # --- import -----------------------------------------------------------------------------

    def start_import(self) -> None:
        """Import all rows (on the database thread); only after a clean preview."""
        if self.preview is None or not self.preview.clean or not self.import_button.isEnabled():
            return
        self.import_button.setEnabled(False)
        self._set_running(True)
        self.ctx.submit(
            run_apply, kwargs=self._options(), **self._latest(self._on_imported, self._on_failed),
            title=_("Importing…"), cancellable=True,
        )  # fmt: skip

    def _set_running(self, running: bool) -> None:
        """While the import runs, the file, sheet and columns stay as they are."""
        for widget in (self.choose_button, self.preview_button, self.columns_table,
                       self.existing_combo):  # fmt: skip
            widget.setEnabled(not running)

    def _on_imported(self, done: Preview) -> None:
        self._set_running(False)
        self.imported = done
        self.ctx.bus.changed("customer")
        text = _("{rows} rows: {add} added, {update} updated, {skip} skipped.").format(
            rows=done.rows, add=done.add, update=done.update, skip=done.skip
        )
        self.summary.setText(text)
        self.import_button.setEnabled(False)  # done: a second press would import again
        self.close_button.setFocus()
        messages.info(self, text, _(TITLES[self.kind]))


def open_import(ctx: AppContext, kind: str, parent: QWidget | None = None) -> ImportDialog:
    """Show the import window of ``kind``."""
    dialog = ImportDialog(ctx, kind, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
