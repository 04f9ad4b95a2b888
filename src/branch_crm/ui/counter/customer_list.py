"""The customer list page: a filter bar over the million-row table, sortable by header."""

from __future__ import annotations

import logging

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _, ngettext
from branch_crm.reference.labels import NEED_TAGS, VISIT_CLASSES, label
from branch_crm.services.customers.classification import (
    LIFECYCLES,
    TIERS,
    lifecycle_label,
    tier_label,
)
from branch_crm.services.customers.listing import ListFilter
from branch_crm.services.exports.common import ExportFilters
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter import actions
from branch_crm.ui.counter.list_model import TIER_COLUMN, CustomerListModel
from branch_crm.ui.counter.widgets import TierBadgeDelegate
from branch_crm.ui.export import export_button, export_page, retranslate_button
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.screen_fit import fit_columns
from branch_crm.ui.widgets.tables import Selection, setup_table

log = logging.getLogger(__name__)

ROW_HEIGHT = 26


NEW_CUSTOMER = N_("New customer")
PICKUP_SHEET = N_("Print a pickup sheet")
GO_FILTERS = N_("Go to the filters")


class FilterBar(QWidget):
    """Combo boxes for tier, lifecycle, visit class, need tag and churn risk."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tier = self._combo("filterTier")
        self.lifecycle = self._combo("filterLifecycle")
        self.visit_class = self._combo("filterVisitClass")
        self.need_tag = self._combo("filterNeedTag")
        self.churn = self._combo("filterChurnRisk")
        self.clear_button = QPushButton(self)
        self.clear_button.setObjectName("filterClear")
        self._labels = [QLabel(self) for _i in range(5)]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for text_label, combo in zip(self._labels, self.combos(), strict=True):
            text_label.setBuddy(combo)
            layout.addWidget(text_label)
            layout.addWidget(combo)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.clear_button.clicked.connect(self.clear)
        self.retranslate_ui()

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def combos(self) -> list[QComboBox]:
        """The filter combos in screen order."""
        return [self.tier, self.lifecycle, self.visit_class, self.need_tag, self.churn]

    def retranslate_ui(self) -> None:
        """Rebuild the choices in the current language, keeping what is chosen."""
        everything = _("All")
        self._fill(self.tier, [(None, everything)] + [(t, tier_label(t)) for t in TIERS])
        self._fill(
            self.lifecycle,
            [(None, everything)] + [(c, lifecycle_label(c)) for c in LIFECYCLES],
        )
        self._fill(
            self.visit_class,
            [(None, everything)] + [(c, label(VISIT_CLASSES, c)) for c in VISIT_CLASSES],
        )
        self._fill(
            self.need_tag, [(None, everything)] + [(c, label(NEED_TAGS, c)) for c in NEED_TAGS]
        )
        self._fill(
            self.churn,
            [(None, everything), (True, _("At risk")), (False, _("Not at risk"))],
        )
        texts = (_("&Tier"), _("&Lifecycle"), _("&Visit class"), _("Nee&d"), _("Chur&n risk"))
        for text_label, text in zip(self._labels, texts, strict=True):
            text_label.setText(text)
        names: tuple[str, ...] = (_("Tier filter"), _("Lifecycle filter"), _("Visit class filter"))
        names += (_("Need filter"), _("Churn risk filter"))
        for combo, name in zip(self.combos(), names, strict=True):
            combo.setAccessibleName(name)
        self.clear_button.setText(_("Clear filters"))

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[object, str]]) -> None:
        chosen = combo.currentData()
        blocked = combo.blockSignals(True)
        combo.clear()
        for value, text in items:
            combo.addItem(text, value)
        found = combo.findData(chosen) if chosen is not None else 0
        combo.setCurrentIndex(max(0, found))
        combo.blockSignals(blocked)

    def value(self) -> ListFilter:
        """The filter the combos describe."""
        return ListFilter(
            tier=self.tier.currentData(),
            lifecycle=self.lifecycle.currentData(),
            visit_class=self.visit_class.currentData(),
            need_tag=self.need_tag.currentData(),
            churn_risk=self.churn.currentData(),
        )

    def choose(self, *, tier: str | None = None, lifecycle: str | None = None) -> None:
        """Only ``tier`` and/or ``lifecycle`` chosen, "All" elsewhere (one change signal)."""
        wanted = {self.tier: tier, self.lifecycle: lifecycle}
        for combo in self.combos():
            blocked = combo.blockSignals(True)
            value = wanted.get(combo)
            combo.setCurrentIndex(max(0, combo.findData(value)) if value is not None else 0)
            combo.blockSignals(blocked)
        self.tier.currentIndexChanged.emit(self.tier.currentIndex())

    def clear(self) -> None:
        """Back to "All" everywhere (one change signal at the end)."""
        for combo in self.combos()[:-1]:
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(blocked)
        self.churn.setCurrentIndex(0)
        self.churn.currentIndexChanged.emit(0)


class CustomerListPage(QWidget):
    """Every customer of the branch, filtered and sorted, rows fetched as they scroll in."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._loaded = False
        self._stale = False
        self.model = CustomerListModel(ctx, parent=self)
        self.filters = FilterBar(self)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("customerCount")
        self.table = QTableView(self)
        self.table.setObjectName("customerList")
        self.open_button = QPushButton(self)
        self.open_button.setIcon(icon("open"))
        self.open_button.setObjectName("customerListOpen")
        self.new_button = QPushButton(self)
        self.new_button.setIcon(icon("customer_new"))
        self.new_button.setObjectName("customerListNew")
        self.sheet_button = QPushButton(self)
        self.sheet_button.setIcon(icon("print"))
        self.sheet_button.setObjectName("customerListPickupSheet")
        self.export_button = export_button(self, "customerListExport")
        self._setup_table()
        self._layout()
        self._connect()
        self.retranslate_ui()

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        self.empty_state = empty_state(
            table,
            lambda: _(
                "No customers to show. Record one with New customer (Ctrl+N), or change the "
                "filters above (Ctrl+F)."
            ),
        )
        setup_table(
            table,
            selection=Selection.ExtendedSelection,
            resize=None,
            word_wrap=False,
            alternating=True,
            row_height=ROW_HEIGHT,
        )
        table.setItemDelegateForColumn(TIER_COLUMN, TierBadgeDelegate(table))
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        self.columns = fit_columns(table, 2, "customerList")  # the company takes the rest
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._on_header_sort_indicator_changed)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        for button in (self.open_button, self.new_button, self.sheet_button, self.export_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filters)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def _connect(self) -> None:
        for combo in self.filters.combos():
            combo.currentIndexChanged.connect(self._on_filters_changed)
        self.model.sig_count_changed.connect(self._show_count)
        self.model.sig_loading.connect(self._on_model_loading)
        self.model.sig_error.connect(self.count_label.setText)
        self.model.sig_sort_changed.connect(self._on_model_sort_changed)
        self.table.activated.connect(self._on_table_activated)
        self.open_button.clicked.connect(self.open_current)
        self.new_button.clicked.connect(lambda: actions.new_customer(self.ctx, parent=self))
        self.sheet_button.clicked.connect(self.pickup_sheet)
        self.export_button.clicked.connect(self.export)
        for sequence, slot, description in (
            ("Ctrl+N", lambda: actions.new_customer(self.ctx, parent=self), NEW_CUSTOMER),
            ("Ctrl+P", self.pickup_sheet, PICKUP_SHEET),
            ("Ctrl+F", self.filters.tier.setFocus, GO_FILTERS),
        ):
            keys.shortcut(
                self, sequence, slot, description,
                context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            )  # fmt: skip
        self.ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.filters.retranslate_ui()
        self.model.retranslate()
        self.table.setAccessibleName(_("Customer list"))
        self.count_label.setAccessibleName(_("Customer count"))
        self.open_button.setText(_("Open"))
        self.open_button.setToolTip(_("Open the selected customer (Enter)"))
        self.new_button.setText(_("New customer"))
        self.new_button.setToolTip(_("Record a new customer (Ctrl+N)"))
        self.sheet_button.setText(_("Pickup sheet"))
        self.sheet_button.setToolTip(
            _("Print a courier pickup sheet for the selected customers (Ctrl+P)")
        )
        for button in (self.open_button, self.new_button, self.sheet_button):
            button.setAccessibleName(button.text())
        retranslate_button(self.export_button)
        self._show_count(self.model.rowCount())

    # -- loading -------------------------------------------------------------------------
    def on_shown(self) -> None:
        """Load the keys the first time the page is shown (start-up stays quick)."""
        if not self._loaded or self._stale:
            self._loaded, self._stale = True, False
            self.model.reload()
        self.table.setFocus()

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if "customer" not in what and "preference" not in what:
            return
        if self.isVisible() and self._loaded:
            self.model.reload()
        else:
            self._stale = True

    def show_filtered(self, *, tier: str | None = None, lifecycle: str | None = None) -> None:
        """Show the customers of one tier and/or lifecycle stage, the other filters cleared
        (a report's drill-down)."""
        self.filters.choose(tier=tier, lifecycle=lifecycle)

    def _on_filters_changed(self, _index: int) -> None:
        self._loaded = True
        self.model.set_filter(self.filters.value())

    def _on_header_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        self._loaded = True
        self.model.sort(column, order)

    def _on_model_sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        header = self.table.horizontalHeader()
        blocked = header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(blocked)

    def _on_model_loading(self, loading: bool) -> None:
        if loading:
            self.count_label.setText(_("Loading…"))
        self.table.setCursor(Qt.CursorShape.BusyCursor if loading else Qt.CursorShape.ArrowCursor)

    def _show_count(self, count: int) -> None:
        if self.model.is_loading():
            return
        if not self._loaded:
            self.count_label.setText("")
            return
        self.count_label.setText(
            ngettext("{count} customer", "{count} customers", count).format(count=f"{count:,}")
        )

    # -- actions -------------------------------------------------------------------------
    def selected_count(self) -> int:
        """How many rows are selected (cheap even when a million are)."""
        ranges = self.table.selectionModel().selection()
        return sum(r.bottom() - r.top() + 1 for r in ranges.toList() if r.left() == 0)

    def selected_ids(self) -> list[str]:
        """Customer ids of the selected rows (the current row when none is selected)."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        ids = (self.model.customer_id(r) for r in rows)
        return [i for i in ids if i]

    def open_current(self) -> None:
        """Open the current customer's profile."""
        index = self.table.currentIndex()
        if index.isValid():
            self._on_table_activated(index)

    def _on_table_activated(self, index: QModelIndex) -> None:
        customer_id = self.model.customer_id(index.row())
        if customer_id:
            actions.open_customer(self.ctx, customer_id, parent=self)

    def pickup_sheet(self) -> None:
        """Build the pickup sheet of the selected customers (a courier's round, not all)."""
        if self.selected_count() > actions.MAX_SHEET_CUSTOMERS:
            messages.info(
                self,
                _("A pickup sheet holds at most {n} customers; select fewer.").format(
                    n=actions.MAX_SHEET_CUSTOMERS
                ),
            )
            return
        actions.pickup_sheet(self.ctx, self.selected_ids(), parent=self)

    def export_request(self) -> tuple[str, ExportFilters]:
        """The customers with the filters chosen above the list (ui.export)."""
        flt = self.filters.value()
        return "customers", ExportFilters(
            tier=flt.tier,
            lifecycle=flt.lifecycle,
            visit_class=flt.visit_class,
            need_tag=flt.need_tag,
            churn_risk=flt.churn_risk,
        )

    def export(self) -> None:
        """Export the list as filtered to an Excel file."""
        export_page(self.ctx, self)
