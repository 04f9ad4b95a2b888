"""The million-row customer list model.

It holds only the ordered key array (``array('q')`` of local numbers, 8 bytes a customer)
from ``list_customer_keys`` and fetches the visible rows page by page with ``fetch_rows``,
keeping at most ``max_pages`` pages in a least-recently-used cache, so memory stays bounded
however far the user scrolls. Sorting and filtering re-query the keys off the GUI thread.
"""

from __future__ import annotations

import array
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from branch_crm.i18n import N_, _
from branch_crm.services.customers.classification import lifecycle_label, tier_label
from branch_crm.services.customers.listing import (
    CustomerRow,
    ListFilter,
    fetch_rows,
    list_customer_keys,
)
from branch_crm.services.customers.search import format_phone
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter.labels import need_tags_text
from branch_crm.ui.counter.widgets import TIER_ROLE

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

# (column key, header, sort key understood by list_customer_keys or None)
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("name", N_("Name"), "name"),
    ("phone", N_("Phone"), None),
    ("company", N_("Company"), None),
    ("tier", N_("Tier"), "tier"),
    ("lifecycle", N_("Lifecycle"), "lifecycle"),
    ("visit_class", N_("Visit class"), "visit_class"),
    ("need_tags", N_("Needs"), None),
    ("churn_risk", N_("Churn risk"), None),
    ("last_month_parcels", N_("Parcels last month"), "last_month_parcels"),
)
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)
TIER_COLUMN = COLUMN_KEYS.index("tier")
ID_ROLE = Qt.ItemDataRole.UserRole + 2


class CustomerListModel(QAbstractTableModel):
    """Rows on demand over an ordered key array; bounded LRU page cache."""

    sig_count_changed = Signal(int)
    """Number of customers matching the filter, after each reload."""
    sig_loading = Signal(bool)
    """True while keys are being re-queried (sort / filter / refresh)."""
    sig_error = Signal(str)
    sig_sort_changed = Signal(int, Qt.SortOrder)
    """The column and order actually in effect (a refused sort re-emits the old one)."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        page_size: int = 200,
        max_pages: int = 20,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page_size = page_size
        self.max_pages = max_pages
        self._keys: array.array[int] = array.array("q")
        self._pages: OrderedDict[int, list[CustomerRow | None]] = OrderedDict()
        self._filter = ListFilter()
        self._sort_column = 0
        self._order = Qt.SortOrder.AscendingOrder
        self._generation = 0
        self._loading = False
        self.page_fetches = 0
        """How many pages were read from the database (tests and benchmarks look)."""

    # -- keys -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-query the ordered keys for the current filter and sort (off the GUI thread)."""
        self._generation += 1
        generation = self._generation
        sort_key = COLUMNS[self._sort_column][2] or "name"
        self._set_loading(True)
        self.ctx.submit(
            list_customer_keys,
            kwargs={
                "flt": self._filter,
                "sort": sort_key,
                "descending": self._order == Qt.SortOrder.DescendingOrder,
            },
            on_result=self._keys_handler(generation),
            on_error=self._error_handler(generation),
        )

    def _keys_handler(self, generation: int) -> Callable[[array.array[int]], None]:
        def on_result(keys: array.array[int]) -> None:
            if generation == self._generation:
                self._apply_keys(keys)

        return on_result

    def _error_handler(self, generation: int) -> Callable[[BaseException], None]:
        def on_error(exc: BaseException) -> None:
            if generation == self._generation:
                self._set_loading(False)
                message = getattr(exc, "message", None) or _("The customer list could not load.")
                log.warning("list keys failed: %r", exc)
                self.sig_error.emit(message)

        return on_error

    def _apply_keys(self, keys: array.array[int]) -> None:
        self.beginResetModel()
        self._keys = keys if isinstance(keys, array.array) else array.array("q", keys)
        self._pages.clear()
        self.endResetModel()
        self._set_loading(False)
        self.sig_count_changed.emit(len(self._keys))

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.sig_loading.emit(loading)

    def is_loading(self) -> bool:
        """True while a key query is under way."""
        return self._loading

    def set_filter(self, flt: ListFilter) -> None:
        """Show only customers matching ``flt`` (re-queries the keys)."""
        if flt != self._filter:
            self._filter = flt
            self.reload()

    def list_filter(self) -> ListFilter:
        """The filter in effect."""
        return self._filter

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or COLUMNS[column][2] is None:
            self.sig_sort_changed.emit(self._sort_column, self._order)
            return
        if (column, order) == (self._sort_column, self._order) and (
            self._loading or len(self._keys)
        ):
            return
        self._sort_column, self._order = column, order
        self.sig_sort_changed.emit(column, order)
        self.reload()

    def sort_state(self) -> tuple[int, Qt.SortOrder]:
        """(column, order) in effect."""
        return self._sort_column, self._order

    # -- rows -----------------------------------------------------------------------------
    def row(self, row: int) -> CustomerRow | None:
        """The customer shown in ``row`` (fetched with its page if needed)."""
        if not 0 <= row < len(self._keys):
            return None
        number, offset = divmod(row, self.page_size)
        page = self._pages.get(number)
        if page is None:
            page = self._fetch_page(number)
        else:
            self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    def _fetch_page(self, number: int) -> list[CustomerRow | None]:
        start = number * self.page_size
        keys = self._keys[start : start + self.page_size]
        try:
            rows: list[CustomerRow | None] = list(self.ctx.read(fetch_rows, keys=keys))
        except Exception:  # a vanished row must not break painting; the next reload fixes it
            log.exception("fetching rows %d..%d failed", start, start + len(keys))
            rows = []
        if len(rows) < len(keys):
            rows += [None] * (len(keys) - len(rows))
        self.page_fetches += 1
        self._pages[number] = rows
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return rows

    def cached_pages(self) -> int:
        """Pages held in memory now (never more than ``max_pages``)."""
        return len(self._pages)

    def invalidate_rows(self) -> None:
        """Forget cached rows (after an edit) and repaint; the key order stays."""
        self._pages.clear()
        if self._keys:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._keys) - 1, len(COLUMNS) - 1)
            )

    def customer_id(self, row: int) -> str | None:
        """The customer id of ``row``."""
        customer = self.row(row)
        return customer.customer_id if customer else None

    # -- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in _ROLES:
            return None
        customer = self.row(index.row())
        if customer is None:
            return None
        column = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _CELL[column](customer)
        if role == ID_ROLE:
            return customer.customer_id
        return _decoration(customer, column, role)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section][1])
        if role == Qt.ItemDataRole.ToolTipRole:
            if COLUMNS[section][2] is None:
                return _("This column cannot be sorted")
            return _("Click to sort")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def retranslate(self) -> None:
        """Headers and labels follow the language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self.invalidate_rows()


_ROLES = {
    Qt.ItemDataRole.DisplayRole,
    TIER_ROLE,
    ID_ROLE,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.TextAlignmentRole,
}


_CELL: dict[str, Callable[[CustomerRow], str]] = {
    "name": lambda c: c.name,
    "phone": lambda c: format_phone(c.phone) if c.phone else "",
    "company": lambda c: c.company or "",
    "tier": lambda c: tier_label(c.tier),
    "lifecycle": lambda c: lifecycle_label(c.lifecycle),
    "visit_class": lambda c: c.visit_class or "",
    "need_tags": lambda c: need_tags_text(c.need_tags),
    "churn_risk": lambda c: _("At risk") if c.churn_risk else "",
    "last_month_parcels": lambda c: str(c.last_month_parcels),
}
"""Display text of each column."""


def _decoration(customer: CustomerRow, column: str, role: int) -> Any:
    """Tier code for the badge, red churn flag, right-aligned numbers."""
    if role == TIER_ROLE:
        return customer.tier if column == "tier" else None
    if role == Qt.ItemDataRole.ForegroundRole:
        return QColor("#c62828") if column == "churn_risk" and customer.churn_risk else None
    if role == Qt.ItemDataRole.TextAlignmentRole and column == "last_month_parcels":
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return None
