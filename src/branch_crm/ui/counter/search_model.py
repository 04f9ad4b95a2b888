"""Table model of the lookup results (a short list of SearchHit, best match first)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from branch_crm.i18n import N_, _
from branch_crm.services.customers.classification import tier_label
from branch_crm.services.customers.search import SearchHit, format_phone
from branch_crm.ui.counter.labels import MATCH_KINDS, label
from branch_crm.ui.counter.widgets import TIER_ROLE

COLUMNS = (
    ("name", N_("Name")),
    ("phone", N_("Phone")),
    ("company", N_("Company")),
    ("tier", N_("Tier")),
    ("match", N_("Matched by")),
)
TIER_COLUMN = 3
ID_ROLE = Qt.ItemDataRole.UserRole + 2
"""Role returning the customer id of a row."""

Index = QModelIndex | QPersistentModelIndex


DISPLAY = Qt.ItemDataRole.DisplayRole.value
TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
TIER = int(TIER_ROLE)
ID = int(ID_ROLE)


def _role(role: int | Enum) -> int:
    """Roles arrive as int from views and as enum members from Python callers."""
    return role if isinstance(role, int) else int(role.value)


class SearchResultsModel(QAbstractTableModel):
    """Holds the hits of the last search; replaced as a whole on every new search.

    Cell texts are computed once per search (not on every paint): a keystroke repaints the
    table, and data() runs several hundred times per paint.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self._texts: list[tuple[str, ...]] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        """Replace the rows (one model reset: views repaint once)."""
        self.beginResetModel()
        self._hits = list(hits)
        self._texts = [tuple(self._display(h, c) for c, _t in COLUMNS) for h in self._hits]
        self.endResetModel()

    def hits(self) -> list[SearchHit]:
        """The rows shown, best match first."""
        return list(self._hits)

    def hit(self, row: int) -> SearchHit:
        """The hit shown in ``row``."""
        return self._hits[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        row = index.row()
        if not 0 <= row < len(self._hits):
            return None
        role = _role(role)
        if role == DISPLAY:
            return self._texts[row][index.column()]
        if role == TIER:
            return self._hits[row].tier if index.column() == TIER_COLUMN else None
        if role == ID:
            return self._hits[row].customer_id
        if role == TOOLTIP and index.column() == 0:
            return self._hits[row].name
        return None

    @staticmethod
    def _display(hit: SearchHit, column: str) -> str:
        if column == "name":
            return hit.name
        if column == "phone":
            return format_phone(hit.phone) if hit.phone else ""
        if column == "company":
            return hit.company or ""
        if column == "tier":
            return tier_label(hit.tier)
        return label(MATCH_KINDS, hit.match)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return _(COLUMNS[section][1])
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def retranslate(self) -> None:
        """Headers and labels change with the language."""
        self._texts = [tuple(self._display(h, c) for c, _t in COLUMNS) for h in self._hits]
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._hits:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._hits) - 1, len(COLUMNS) - 1)
            )
