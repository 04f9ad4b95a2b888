"""One typed base for the list tables: rows of a dataclass shown through column specs.

A page declares its columns once (translatable header marked with ``N_``, a text getter and
optional alignment, tooltip, colours and sort key); the base answers Qt's questions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from branch_crm.i18n import _

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its header (marked with ``N_``), cell text and optional extras."""

    header: str
    text: Callable[[R], str]
    align: Qt.AlignmentFlag | None = None
    tooltip: Callable[[R], str | None] | None = None
    foreground: Callable[[R], QBrush | QColor | None] | None = None
    background: Callable[[R], QBrush | QColor | None] | None = None
    sort_key: Callable[[R], Any] | None = None


class RowTableModel(QAbstractTableModel, Generic[R]):
    """A flat table of ``rows``; subclasses add roles through ``extra_data``."""

    def __init__(self, columns: Sequence[Column[R]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns: tuple[Column[R], ...] = tuple(columns)
        self.rows: list[R] = []

    # -- feeding -------------------------------------------------------------------
    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace every row (one reset: views repaint once)."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[R]) -> None:
        """Add rows at the end."""
        if not rows:
            return
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def row_at(self, row: int) -> R | None:
        """The row shown at ``row`` (None outside the table)."""
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def retranslate(self) -> None:
        """Headers and cell texts in the current language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
        if self.rows:
            last = self.index(len(self.rows) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    # -- hooks ---------------------------------------------------------------------
    def extra_data(self, row: R, column: int, role: int) -> Any:
        """Roles beyond the column spec (ids, icons...); None by default."""
        return None

    # -- Qt interface --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Qt: number of rows (a table has no children)."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Qt: number of columns."""
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        """Qt: the translated column titles."""
        return header_text(self.columns, section, orientation, role)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        """Qt: what the column spec says for ``role``, else ``extra_data``."""
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None or not 0 <= index.column() < len(self.columns):
            return None
        role = int(role)  # views pass an int, Python callers an enum member
        if role in SPEC_ROLES:
            return column_data(self.columns[index.column()], row, role)
        return self.extra_data(row, index.column(), role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt: sort by the column's sort key (columns without one do not sort)."""
        key = self.columns[column].sort_key if 0 <= column < len(self.columns) else None
        if key is None:
            return
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


def header_text(
    columns: Sequence[Column[Any]], section: int, orientation: Qt.Orientation, role: int
) -> str | None:
    """The translated title of a horizontal header section (None for anything else)."""
    if orientation != Qt.Orientation.Horizontal or role != DISPLAY:
        return None
    return _(columns[section].header) if 0 <= section < len(columns) else None


def column_data(column: Column[R], row: R, role: int) -> Any:
    """What ``column`` says about ``row`` for one of the ``SPEC_ROLES``."""
    if role == DISPLAY:
        return column.text(row)
    if role == ALIGN:
        return int(column.align) if column.align is not None else None
    getter = getattr(column, SPEC_ROLES[role])
    return getter(row) if getter is not None else None


ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
SPEC_ROLES: dict[int, str] = {
    int(DISPLAY.value): "text",
    ALIGN: "align",
    int(Qt.ItemDataRole.ToolTipRole.value): "tooltip",
    int(Qt.ItemDataRole.ForegroundRole.value): "foreground",
    int(Qt.ItemDataRole.BackgroundRole.value): "background",
}
"""The roles a column spec answers, with the field that answers each."""
