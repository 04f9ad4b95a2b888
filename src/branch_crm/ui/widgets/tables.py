"""One helper for the set-up every list table shares: whole-row selection, no row numbers."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QTableView,
    QWidget,
)

Selection = QAbstractItemView.SelectionMode
Resize = QHeaderView.ResizeMode


def setup_table(
    view: QTableView,
    *,
    name: str | None = None,
    selection: Selection | None = Selection.SingleSelection,
    read_only: bool = True,
    resize: Resize | None = Resize.ResizeToContents,
    stretch_last: bool | None = True,
    stretch_column: int | None = None,
    word_wrap: bool = True,
    alternating: bool = False,
    row_height: int | None = None,
) -> QTableView:
    """Rows selected whole, vertical header hidden; the rest as asked (None: Qt's default)."""
    if name is not None:
        view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if selection is not None:
        view.setSelectionMode(selection)
    if read_only:
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(word_wrap)
    view.setAlternatingRowColors(alternating)
    view.verticalHeader().setVisible(False)
    if row_height is not None:
        view.verticalHeader().setDefaultSectionSize(row_height)
    header = view.horizontalHeader()
    if resize is not None:
        header.setSectionResizeMode(resize)
    if stretch_last is not None:
        header.setStretchLastSection(stretch_last)
    if stretch_column is not None:
        header.setSectionResizeMode(stretch_column, Resize.Stretch)
    return view


def commit_open_editor(view: QAbstractItemView) -> None:
    """Commit and close the cell editor open in ``view``, if any: Ctrl+S typed in a cell
    saves what was typed there (Qt commits an edit only on Enter, Tab or leaving the cell)."""
    if view.state() != QAbstractItemView.State.EditingState:
        return
    editor: QWidget | None = QApplication.focusWidget()
    while editor is not None and editor.parentWidget() is not view.viewport():
        editor = editor.parentWidget()
    if editor is None:
        return
    delegate = view.itemDelegateForIndex(view.currentIndex())
    delegate.commitData.emit(editor)
    delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
