"""Table model of the lookup results (a short list of SearchHit, best match first)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt

from branch_crm.i18n import N_
from branch_crm.reference.labels import MATCH_KINDS, label
from branch_crm.services.customers.classification import tier_label
from branch_crm.services.customers.search import SearchHit, format_phone
from branch_crm.ui.counter.widgets import TIER_ROLE
from branch_crm.ui.widgets.table_model import Column, RowTableModel

COLUMNS = (
    ("name", N_("Name")),
    ("phone", N_("Phone")),
    ("company", N_("Company")),
    ("tier", N_("Tier")),
    ("match", N_("Matched by")),
)
COMPANY_COLUMN = 2
TIER_COLUMN = 3
ID_ROLE = Qt.ItemDataRole.UserRole + 2
"""Role returning the customer id of a row."""
TIER = int(TIER_ROLE)
ID = int(ID_ROLE)


@dataclass(frozen=True)
class _Shown:
    """A hit with its cell texts, computed once per search."""

    hit: SearchHit
    texts: tuple[str, ...]


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


def _shown(hit: SearchHit) -> _Shown:
    return _Shown(hit, tuple(_display(hit, c) for c, _t in COLUMNS))


def _text_of(column: int) -> Callable[[_Shown], str]:
    return lambda shown: shown.texts[column]


SEARCH_COLUMNS: tuple[Column[_Shown], ...] = tuple(
    Column(
        header,
        _text_of(i),
        tooltip=(lambda shown: shown.hit.name) if i == 0 else None,
    )
    for i, (_key, header) in enumerate(COLUMNS)
)


class SearchResultsModel(RowTableModel[_Shown]):
    """Holds the hits of the last search; replaced as a whole on every new search.

    Cell texts are computed once per search (not on every paint): a keystroke repaints the
    table, and data() runs several hundred times per paint.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(SEARCH_COLUMNS, parent)

    def set_hits(self, hits: list[SearchHit]) -> None:
        """Replace the rows (one model reset: views repaint once)."""
        self.set_rows([_shown(h) for h in hits])

    def hits(self) -> list[SearchHit]:
        """The rows shown, best match first."""
        return [shown.hit for shown in self.rows]

    def hit(self, row: int) -> SearchHit:
        """The hit shown in ``row``."""
        return self.rows[row].hit

    def extra_data(self, row: _Shown, column: int, role: int) -> Any:
        """The tier (tier column) and the customer id."""
        if role == TIER:
            return row.hit.tier if column == TIER_COLUMN else None
        if role == ID:
            return row.hit.customer_id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Qt: column titles; rows are numbered."""
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return super().headerData(section, orientation, role)

    def retranslate(self) -> None:
        """Headers and labels change with the language."""
        self.rows = [_shown(shown.hit) for shown in self.rows]
        super().retranslate()
