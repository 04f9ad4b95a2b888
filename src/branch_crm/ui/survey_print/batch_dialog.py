"""Batch printing of survey forms: choose who, see how many, print with progress and cancel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.reference.roles import Permission
from branch_crm.services.permissions import allowed
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.survey_print.actions import new_pdf_path, show_printed
from branch_crm.ui.tasks import Job
from branch_crm.ui.widgets.screen_fit import fit_window

if TYPE_CHECKING:
    from branch_crm.services.surveys.forms import PrintedSurveys, Selection

log = logging.getLogger(__name__)

MODES = ("complaints", "tier", "list")


class ListFilter:
    """The customer-list filter fields (the shape services.surveys.forms.Selection expects)."""

    def __init__(
        self,
        lifecycle: str | None = None,
        visit_class: str | None = None,
        need_tag: str | None = None,
        churn_risk: bool | None = None,
    ) -> None:
        self.tier: str | None = None
        self.lifecycle = lifecycle
        self.visit_class = visit_class
        self.need_tag = need_tag
        self.churn_risk = churn_risk


class BatchPrintDialog(QDialog):
    """Pick a selection, see the number of forms, print them into one PDF."""

    sig_printed = Signal(object)  # PrintedSurveys

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.count = 0
        self.last_printed: PrintedSurveys | None = None  # not "result": QDialog.result()
        self.busy = False
        self.job: Job | None = None
        self.setObjectName("surveyBatchDialog")
        fit_window(self, (0, 0))  # its layout's own size, kept on the screen
        self._build()
        self.retranslate_ui()
        self.refresh_count()

    # -- building --------------------------------------------------------------------------

    def _build(self) -> None:
        self.group = QButtonGroup(self)
        self.radios = {mode: QRadioButton(self) for mode in MODES}
        for index, mode in enumerate(MODES):
            self.radios[mode].setObjectName(f"surveyBatchMode_{mode}")
            self.group.addButton(self.radios[mode], index)
        self.radios["complaints"].setChecked(True)
        self.days = QSpinBox(self)
        self.days.setObjectName("surveyBatchDays")
        self.days.setRange(1, 365)
        self.days.setValue(7)
        self.tier = QComboBox(self)
        self.tier.setObjectName("surveyBatchTier")
        self.lifecycle = QComboBox(self)
        self.lifecycle.setObjectName("surveyBatchLifecycle")
        self.visit_class = QComboBox(self)
        self.visit_class.setObjectName("surveyBatchVisitClass")
        self.need_tag = QComboBox(self)
        self.need_tag.setObjectName("surveyBatchNeedTag")
        self.churn = QCheckBox(self)
        self.churn.setObjectName("surveyBatchChurn")
        self.days_label, self.lifecycle_label = QLabel(self), QLabel(self)
        self.visit_label, self.need_label = QLabel(self), QLabel(self)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("surveyBatchCount")
        self.status = QLabel(self)
        self.status.setObjectName("surveyBatchStatus")
        self.buttons = QDialogButtonBox(self)
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("surveyBatchPrint")
        self.print_button.setDefault(True)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self._layout()
        self._connect()

    def _layout(self) -> None:
        grid = QGridLayout()
        grid.addWidget(self.radios["complaints"], 0, 0, 1, 3)
        grid.addWidget(self.days_label, 1, 1)
        grid.addWidget(self.days, 1, 2)
        grid.addWidget(self.radios["tier"], 2, 0, 1, 2)
        grid.addWidget(self.tier, 2, 2)
        grid.addWidget(self.radios["list"], 3, 0, 1, 3)
        for row, (label, widget) in enumerate(
            (
                (self.lifecycle_label, self.lifecycle),
                (self.visit_label, self.visit_class),
                (self.need_label, self.need_tag),
            ),
            start=4,
        ):
            grid.addWidget(label, row, 1)
            grid.addWidget(widget, row, 2)
        grid.addWidget(self.churn, 7, 1, 1, 2)
        grid.setColumnMinimumWidth(0, 20)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.count_label)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        self.group.idToggled.connect(self._on_group_id_toggled)
        self.days.valueChanged.connect(lambda _v: self.refresh_count())
        for combo in (self.tier, self.lifecycle, self.visit_class, self.need_tag):
            combo.currentIndexChanged.connect(lambda _i: self.refresh_count())
        self.churn.toggled.connect(lambda _on: self.refresh_count())
        self.print_button.clicked.connect(self.start_printing)
        self.close_button.clicked.connect(self.reject)

    def _fill(self, combo: QComboBox, items: dict[str, str], any_text: str | None) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        if any_text is not None:
            combo.addItem(any_text, None)
        for code, label in items.items():
            combo.addItem(label, code)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        from branch_crm.reference.labels import NEED_TAGS, VISIT_CLASSES

        self.setWindowTitle(_("Print survey batch"))
        self.radios["complaints"].setText(_("Customers whose &complaint was closed recently"))
        self.radios["tier"].setText(_("Customers of a &tier"))
        self.radios["list"].setText(_("Customers matching a customer-&list filter"))
        self.days_label.setText(_("Closed within the last (days):"))
        self.lifecycle_label.setText(_("Lifecycle:"))
        self.visit_label.setText(_("Visit class:"))
        self.need_label.setText(_("Need:"))
        self.churn.setText(_("Only customers with churn risk"))
        from branch_crm.services.customers.classification import (
            LIFECYCLES,
            TIERS,
            lifecycle_label,
            tier_label,
        )

        self._fill(self.tier, {t: tier_label(t) for t in TIERS}, None)
        self._fill(self.lifecycle, {c: lifecycle_label(c) for c in LIFECYCLES}, _("Any"))
        self._fill(self.visit_class, {k: _(v) for k, v in VISIT_CLASSES.items()}, _("Any"))
        self._fill(self.need_tag, {k: _(v) for k, v in NEED_TAGS.items()}, _("Any"))
        self.print_button.setText(_("&Print…"))
        self.print_button.setAccessibleName(_("Print survey batch"))
        self.print_button.setToolTip(_("Print one form per customer into one PDF (Enter)"))
        self._on_mode_changed(refresh=False)
        self._show_count()

    # -- selection -------------------------------------------------------------------------

    def mode(self) -> str:
        """The chosen kind of selection."""
        return MODES[max(self.group.checkedId(), 0)]

    def _on_group_id_toggled(self, _id: int, on: bool) -> None:
        if on:
            self._on_mode_changed()

    def _on_mode_changed(self, refresh: bool = True) -> None:
        mode = self.mode()
        self.days.setEnabled(mode == "complaints")
        self.tier.setEnabled(mode == "tier")
        for widget in (self.lifecycle, self.visit_class, self.need_tag, self.churn):
            widget.setEnabled(mode == "list")
        if refresh:
            self.refresh_count()

    def selection(self) -> Selection:
        """The services.surveys.forms.Selection of the current choices."""
        from branch_crm.services.surveys.forms import Selection

        mode = self.mode()
        if mode == "complaints":
            return Selection(complaint_closed_days=self.days.value())
        if mode == "tier":
            return Selection(tier=self.tier.currentData())
        return Selection(
            list_filter=ListFilter(
                lifecycle=self.lifecycle.currentData(),
                visit_class=self.visit_class.currentData(),
                need_tag=self.need_tag.currentData(),
                churn_risk=True if self.churn.isChecked() else None,
            )
        )

    def refresh_count(self) -> None:
        """Count the customers of the current selection (a quick query)."""
        from branch_crm.services.surveys.forms import count_selection

        try:
            self.count = int(self.ctx.read(count_selection, selection=self.selection()))
        except Exception as exc:  # shown, never a traceback
            log.exception("counting the survey selection failed")
            self.count = 0
            self.status.setText(messages.error_text(exc))
        self._show_count()

    def _show_count(self) -> None:
        from branch_crm.i18n import ngettext

        self.count_label.setText(
            ngettext("{n} customer matches.", "{n} customers match.", self.count).format(
                n=self.count
            )
        )
        self.print_button.setEnabled(self.count > 0 and not self.busy)

    # -- printing --------------------------------------------------------------------------

    def start_printing(self) -> None:
        """Print the batch off the GUI thread with a cancellable progress dialog."""
        from branch_crm.services.surveys.forms import print_survey_batch

        if not allowed(self.ctx.actor, Permission.SURVEY_BATCH):
            messages.show_error(self, _("You may not print survey batches."))
            return
        if self.count <= 0:
            return
        self.status.setText(_("Printing {n} forms…").format(n=self.count))
        self.busy = True
        self.print_button.setEnabled(False)
        self.job = self.ctx.submit(
            print_survey_batch,
            kwargs={"selection": self.selection(), "output": new_pdf_path("survey-batch")},
            on_result=self._on_printed,
            on_error=self._on_failed,
            title=_("Printing survey forms…"),
            cancellable=True,
        )

    def _on_printed(self, result: PrintedSurveys) -> None:
        self.busy = False
        self.last_printed = result
        self.ctx.bus.changed("survey")
        self.status.setText(
            _("{count} forms printed to {path}").format(count=result.count, path=result.path)
        )
        self._show_count()
        self.sig_printed.emit(result)
        show_printed(
            self, result.path, _("Survey batch ({count} forms)").format(count=result.count)
        )

    def _on_failed(self, exc: BaseException) -> None:
        from branch_crm.services.surveys.forms import PrintCancelled

        self.busy = False
        self._show_count()
        if isinstance(exc, PrintCancelled):
            self.status.setText(exc.message)
            return
        self.status.setText("")
        messages.show_error(self, exc)


def open_batch_print(ctx: AppContext, parent: QWidget | None = None) -> BatchPrintDialog:
    """Open the batch print dialog (non-modal) and return it."""
    dialog = BatchPrintDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
