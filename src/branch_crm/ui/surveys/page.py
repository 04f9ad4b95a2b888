"""The surveys page: enter returned forms, record phone/counter answers, see the scores,
and print a batch of forms.

Keys: Ctrl+Tab / Ctrl+Shift+Tab switch between the tabs (entry, phone/counter, scores);
Ctrl+B opens the batch printing dialog, Ctrl+Shift+R the reading of scanned forms.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from branch_crm.i18n import N_, _
from branch_crm.reference.roles import Permission
from branch_crm.services.exports.common import ExportFilters
from branch_crm.services.permissions import allowed
from branch_crm.ui import keys
from branch_crm.ui.context import AppContext
from branch_crm.ui.export import export_button, export_page, retranslate_button
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.labels import page_title

if TYPE_CHECKING:
    from branch_crm.ui.surveys.scores import ScoresWidget

log = logging.getLogger(__name__)

SCAN_FORMS = N_("Read returned forms from scans or phone photos")


class SurveysPage(QWidget):
    """Tabs: keyed entry, phone/counter answers, scores (for those who may see reports)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from branch_crm.ui.surveys.direct import DirectEntryWidget
        from branch_crm.ui.surveys.entry import KeyedEntryWidget
        from branch_crm.ui.surveys.responses import ResponsesWidget

        self.setObjectName("surveysPage")
        self.ctx = ctx
        self.title = page_title(self)
        self.batch_button = QPushButton(icon("survey_print"), "", self)
        self.batch_button.setObjectName("surveyBatchPrint")
        self.batch_button.setVisible(allowed(ctx.actor, Permission.SURVEY_BATCH))
        self.batch_button.clicked.connect(self.print_batch)
        self.scan_button = QPushButton(icon("survey_entry"), "", self)
        self.scan_button.setObjectName("surveyScan")
        self.scan_button.clicked.connect(self.scan_forms)
        self.export_button = export_button(self, "surveyExport")
        self.export_button.clicked.connect(self.export)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("surveyTabs")
        self.entry = KeyedEntryWidget(ctx, self)
        self.direct = DirectEntryWidget(ctx, self)
        self.scores: ScoresWidget | None = None
        self.tabs.addTab(self.entry, icon("survey_entry"), "")
        self.tabs.addTab(self.direct, icon("survey_phone"), "")
        self.responses = ResponsesWidget(ctx, self)
        self.responses.sig_open_serial.connect(self.show_form)
        self.responses.sig_open_customer.connect(self._open_customer)
        self.tabs.addTab(self.responses, icon("survey_responses"), "")
        if allowed(ctx.actor, Permission.REPORT_VIEW):
            from branch_crm.ui.surveys.scores import ScoresWidget

            self.scores = ScoresWidget(ctx, self)
            self.tabs.addTab(self.scores, icon("survey_scores"), "")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.scan_button)
        top.addWidget(self.batch_button)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        QShortcut(QKeySequence("Ctrl+B"), self).activated.connect(self.print_batch)
        keys.shortcut(self, "Ctrl+F", self.focus_search, keys.GO_SEARCH)
        keys.shortcut(self, "Ctrl+Shift+R", self.scan_forms, SCAN_FORMS)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Satisfaction surveys"))
        self.scan_button.setText(_("Scan returned forms…"))
        self.scan_button.setToolTip(_(SCAN_FORMS) + " (Ctrl+Shift+R)")
        self.scan_button.setAccessibleName(_("Scan returned forms"))
        self.batch_button.setText(_("Print a batch of forms…"))
        self.batch_button.setToolTip(_("Print forms for a selection of customers (Ctrl+B)"))
        self.batch_button.setAccessibleName(self.batch_button.text())
        retranslate_button(self.export_button, _("E&xport responses…"))
        self.export_button.setToolTip(
            _("Write the survey responses (of the period chosen under Scores) to an Excel file")
        )
        self.tabs.setTabText(0, _("Enter returned forms"))
        self.tabs.setTabText(1, _("Phone / counter answers"))
        self.tabs.setTabText(self.tabs.indexOf(self.responses), _("Responses"))
        if self.scores is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.scores), _("Scores"))
        for child in (self.entry, self.direct, self.responses, self.scores):
            if child is not None:
                child.retranslate_ui()

    def _on_tabs_current_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.entry:
            self.entry.serial.setFocus()
        elif widget is self.direct:
            self.direct.lookup.focus_search()
        elif widget is self.responses:
            self.responses.ensure_loaded()
        elif self.scores is not None and widget is self.scores:
            self.scores.reload()

    def on_shown(self) -> None:
        """Focus where work starts: the serial box."""
        if self.tabs.currentWidget() is self.entry:
            self.entry.serial.setFocus()

    def focus_search(self) -> None:
        """Ctrl+F: the responses tab's search box."""
        self.tabs.setCurrentWidget(self.responses)
        self.responses.search.focus_search()

    def show_form(self, serial: str) -> None:
        """The form of ``serial`` on the entry tab: its customer and answers (Go-to, Enter on
        a response)."""
        self.tabs.setCurrentWidget(self.entry)
        self.entry.serial.setText(serial)
        self.entry.look_up()

    def _open_customer(self, customer_id: str) -> None:
        from branch_crm.ui.counter.actions import open_customer

        open_customer(self.ctx, customer_id)

    def export_request(self) -> tuple[str, ExportFilters]:
        """The survey responses, of the Scores tab's period when there is one (ui.export)."""
        if self.scores is None:
            return "surveys", ExportFilters()
        since, until = self.scores.period()
        return "surveys", ExportFilters(since=since, until=until)

    def export(self) -> None:
        """Export the survey responses to an Excel file."""
        export_page(self.ctx, self)

    def scan_forms(self) -> None:
        """Open the dialog that reads returned forms from scans and photos."""
        from branch_crm.ui.surveys.scan_dialog import open_scan

        open_scan(self.ctx, self)

    def print_batch(self) -> None:
        """Open the batch printing dialog (forms for a selection of customers)."""
        if not allowed(self.ctx.actor, Permission.SURVEY_BATCH):
            return
        from branch_crm.ui.survey_print.batch_dialog import open_batch_print

        open_batch_print(self.ctx, self)
