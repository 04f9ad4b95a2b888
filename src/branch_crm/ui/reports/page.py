"""The Reports page (supervisors): a report kind and a period, the report built off the GUI
thread and shown as KPI cards, charts and tables; Print… (preview of the PDF), Save PDF…
and Export… (.xlsx, with progress and Cancel). A chart's bar opens the list behind it: the
complaint queue, the customer list or the training page, filtered to that bar.

Keys: Alt+R the report kind, F5 rebuilds, Ctrl+P prints, Ctrl+S saves the PDF, Ctrl+E
exports to Excel; in a chart Left/Right move between bars and Enter opens the list.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import ValidationError
from branch_crm.i18n import N_, _
from branch_crm.services.reports.model import Period, Report
from branch_crm.timeutil import to_local, utcnow
from branch_crm.ui import keys as ui_keys
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.export import default_folder
from branch_crm.ui.icons import icon
from branch_crm.ui.periods import presets
from branch_crm.ui.reports.view import ReportView
from branch_crm.ui.widgets.combos import refill_combo
from branch_crm.ui.widgets.labels import page_title
from branch_crm.ui.widgets.period_picker import PeriodPicker

if TYPE_CHECKING:
    from branch_crm.ui.printing.preview import PdfPreviewDialog
    from branch_crm.ui.tasks import Job, JobControl

__all__ = [
    "DRILL_TARGETS",
    "PRESETS",
    "FilteredList",
    "ReportsPage",
    "SessionList",
    "SlicedList",
    "open_report",
    "pdf_for_preview",
    "write_xlsx",
]

log = logging.getLogger(__name__)

PRESETS = presets("this_month", "last_month", "quarter", "year", "custom")
DEFAULT_PRESET = "last_month"
"""Reports are mostly for the meeting about the month just ended."""
STALE_ON = frozenset({"complaint", "survey", "customer", "training", "care", "sync"})

PRINT_REPORT = N_("Print the report")
SAVE_REPORT_PDF = N_("Save the report as a PDF file")
EXPORT_REPORT = N_("Export the report's tables to Excel")
REBUILD = N_("Build the report again")

DRILL_TARGETS = {
    "complaints.category": "complaints",
    "complaints.root_cause": "complaints",
    "complaints.grade": "complaints",
    "customers.tier": "customers",
    "customers.lifecycle": "customers",
    "training.session": "training",
}
"""What a chart's drill target opens: the main window's page key."""


@runtime_checkable
class SlicedList(Protocol):
    """The complaint queue as a drill-down shows it (ui.complaints.queue_page)."""

    def show_report_slice(
        self, field: str, key: str, *, received: tuple[date, date] | None = None
    ) -> None: ...


@runtime_checkable
class FilteredList(Protocol):
    """The customer list as a drill-down shows it (ui.counter.customer_list)."""

    def show_filtered(self, *, tier: str | None = None, lifecycle: str | None = None) -> None: ...


@runtime_checkable
class SessionList(Protocol):
    """The training page as a drill-down shows it (ui.training.page)."""

    def show_session(self, session_id: str) -> None: ...


def _kinds() -> tuple[tuple[str, str], ...]:
    """(kind, untranslated label) of every report, in the builders' order."""
    from branch_crm.services.reports import build

    return tuple((kind, build.KIND_LABELS.get(kind, kind)) for kind in build.KINDS)


def printout_folder() -> Path:
    """Where a report's PDF for the print preview goes (the app's printouts folder)."""
    from branch_crm.db import default_data_dir

    folder = default_data_dir() / "printouts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pdf_for_preview(report: Report, now: datetime | None = None) -> Path:
    """Draw ``report`` as a PDF into the printouts folder (off the GUI thread); its path."""
    from branch_crm.printing import report_pdf

    stamp = to_local(now or utcnow()).strftime("%Y%m%d-%H%M%S-%f")
    path = printout_folder() / f"report-{report.kind}-{stamp}.pdf"
    data = report_pdf.report_pdf_bytes(report)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(path)
    return path


def write_pdf(report: Report, output: Path) -> Path:
    """Write ``report`` as a PDF to ``output`` (off the GUI thread)."""
    from branch_crm.printing import report_pdf

    return report_pdf.write_report_pdf(report, output)


def write_xlsx(report: Report, output: Path, control: JobControl | None = None) -> Path:
    """Write ``report``'s tables to an Excel workbook (off the GUI thread), reporting
    progress and stopping at the next table when the user cancels."""
    from branch_crm.excel import report_xlsx

    def progress(done: int, total: int) -> None:
        if control is not None:
            control.check()
            control.progress(done, total)

    return report_xlsx.write_report_xlsx(report, output, progress=progress)


def default_file_name(report: Report, suffix: str) -> str:
    """E.g. ``Complaints report 2026-11-01–2026-11-30.pdf`` (no characters Windows refuses)."""
    title = re.sub(r'[\\/:*?"<>|]+', "-", report.title).strip() or report.kind
    return f"{title} {report.period.start.isoformat()}–{report.period.end.isoformat()}{suffix}"


def _with_suffix(target: str, suffix: str) -> Path:
    path = Path(target)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


class ReportsPage(QWidget):
    """Report kind, period, the report; Print…, Save PDF…, Export…; drill-down."""

    sig_loaded = Signal()
    """A report was built and is shown."""
    sig_drilled = Signal(str, str)
    """A drill-down opened a list: (drill target, key)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportsPage")
        self.ctx = ctx
        self.report: Report | None = None
        self.stale = False
        self._generation = 0
        self._building = False
        self._retranslated = False
        self._build()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.picker.set_period(*self._preset_range(DEFAULT_PRESET), preset=DEFAULT_PRESET)

    # --- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        self.title = page_title(self)
        self.kind_label = QLabel(self)
        self.kind = QComboBox(self)
        self.kind.setObjectName("reportsKind")
        self.kind_label.setBuddy(self.kind)
        self.picker = PeriodPicker(PRESETS, prefix="reports", parent=self)
        self.refresh_button = self._button("reportsRefresh", "refresh", self.rebuild)
        self.print_button = self._button("reportsPrint", "print", self.print_report)
        self.pdf_button = self._button("reportsSavePdf", "pdf_save", self.save_pdf)
        self.export_button = self._button("reportsExport", "export", self.export_xlsx)
        self.status = QLabel(self)
        self.status.setObjectName("reportsStatus")
        self.status.setWordWrap(True)
        self.view = ReportView(self)
        self.view.sig_drill.connect(self.open_drill)
        self.empty = QLabel(self)
        self.empty.setObjectName("reportsEmpty")
        self.empty.setProperty("emptyState", True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(12)
        top.addWidget(self.status, 1)
        choose = QHBoxLayout()
        for widget in (self.kind_label, self.kind, self.picker, self.refresh_button):
            choose.addWidget(widget)
        choose.addStretch(1)
        for button in (self.print_button, self.pdf_button, self.export_button):
            choose.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(choose)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        self.kind.currentIndexChanged.connect(lambda _i: self.rebuild())
        self.picker.sig_changed.connect(self.rebuild)
        for sequence, slot, description in (
            ("F5", self.rebuild, REBUILD),
            ("Ctrl+P", self.print_report, PRINT_REPORT),
            ("Ctrl+S", self.save_pdf, SAVE_REPORT_PDF),
            ("Ctrl+E", self.export_xlsx, EXPORT_REPORT),
        ):
            ui_keys.shortcut(self, sequence, slot, description)
        self._show_report(None)

    def _button(self, name: str, icon_name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(icon(icon_name), "", self)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def retranslate_ui(self) -> None:
        """Re-apply every translated text; a report on screen is built again in the new
        language."""
        self.title.setText(_("Reports"))
        self.kind_label.setText(_("&Report:"))
        chosen = self.kind.currentData()
        blocked = self.kind.blockSignals(True)
        refill_combo(self.kind, ((key, _(label)) for key, label in _kinds()))
        if chosen is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(chosen)))
        self.kind.blockSignals(blocked)
        self.kind.setAccessibleName(_("Report"))
        self.picker.retranslate()
        for button, text, tip in (
            (self.refresh_button, _("Refresh"), _("Build the report again (F5)")),
            (self.print_button, _("&Print…"), _("Preview and print the report (Ctrl+P)")),
            (self.pdf_button, _("Save P&DF…"), _("Save the report as a PDF file (Ctrl+S)")),
            (self.export_button, _("E&xport…"), _("Write the report's tables to Excel (Ctrl+E)")),
        ):
            button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(text.replace("&", "").replace("…", ""))
        if self._retranslated and self.report is not None:
            self.rebuild()
        self._retranslated = True
        self._show_status()

    # --- choosing ----------------------------------------------------------------------------

    @staticmethod
    def _preset_range(key: str) -> tuple[date, date]:
        from branch_crm.timeutil import local_today
        from branch_crm.ui.periods import preset_range

        return preset_range(key, local_today())

    def current_kind(self) -> str:
        """The report kind chosen ("complaints", ...)."""
        return str(self.kind.currentData() or "")

    def period(self) -> Period | None:
        """The chosen period (None, and said, when the end is before the start)."""
        start, end = self.picker.period()
        try:
            return Period(start, end)
        except ValidationError as exc:
            self._show_report(None, exc.message)
            return None

    def show_report(self, kind: str, first: date, last: date, *, preset: str = "custom") -> None:
        """Build and show the ``kind`` report of ``first``..``last`` (the figures pages'
        "Report…" links come here)."""
        blocked = self.kind.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self.kind.blockSignals(blocked)
        known = {key for key, _label in PRESETS}
        self.picker.set_period(first, last, preset=preset if preset in known else "custom")

    # --- building ----------------------------------------------------------------------------

    def rebuild(self) -> Job | None:
        """Build the chosen report off the GUI thread; the latest request wins."""
        kind, period = self.current_kind(), self.period()
        if not kind or period is None:
            return None
        from branch_crm.services.reports import build

        self._generation += 1
        generation = self._generation
        self._building = True
        self.stale = False
        self._show_status(_("Building the report…"))
        return self.ctx.submit(
            build.build_report,
            kwargs={"kind": kind, "period": period},
            on_result=lambda report: self._on_report(generation, report),
            on_error=lambda exc: self._on_error(generation, exc),
            kind="cpu",  # a read-only session: the app's writes go on meanwhile
        )

    def _on_report(self, generation: int, report: Report) -> None:
        if generation != self._generation:
            return  # an older request: a newer one is on its way
        self._building = False
        self._show_report(report)
        self.sig_loaded.emit()

    def _on_error(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._building = False
        log.warning("report could not be built: %s", exc)
        text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        self._show_report(None, _("The report could not be built: {error}").format(error=text))

    def _show_report(self, report: Report | None, problem: str = "") -> None:
        self.report = report
        self.view.set_report(report)
        self.view.setVisible(report is not None)
        self.empty.setVisible(report is None)
        self.empty.setText(problem or _("Choose a report and a period."))
        for button in (self.print_button, self.pdf_button, self.export_button):
            button.setEnabled(report is not None)
        self._show_status()

    def _show_status(self, text: str | None = None) -> None:
        if text is None:
            report = self.report
            if report is None:
                text = ""
            elif self.stale:
                text = _("The data changed since; Refresh (F5) builds the report again.")
            else:
                text = _("Built at {when}").format(when=f"{to_local(report.printed_at):%H:%M}")
        self.status.setText(text)
        self.status.setAccessibleName(text)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & STALE_ON and self.report is not None and not self._building:
            self.stale = True
            self._show_status()

    def on_shown(self) -> None:
        """Coming back to the page: a report older than the data is built again."""
        if self.stale and self.report is not None:
            self.rebuild()

    # --- print, save, export -----------------------------------------------------------------

    def print_report(self) -> Job | None:
        """Draw the PDF off the GUI thread, then preview it (Print…, Save PDF… there)."""
        report = self.report
        if report is None:
            return None
        title = report.title

        def on_result(path: Path) -> None:
            self._preview(Path(path), title)

        return self.ctx.submit(
            pdf_for_preview,
            kwargs={"report": report},
            on_result=on_result,
            on_error=lambda exc: messages.show_error(self, exc),
            title=_("Drawing the report…"),
            kind="cpu",
        )

    def _preview(self, path: Path, title: str) -> PdfPreviewDialog:
        from branch_crm.ui.printing.preview import preview_pdf

        return preview_pdf(self, path, title)

    def _ask(self, report: Report, caption: str, file_filter: str, suffix: str) -> Path | None:
        start = default_folder() / default_file_name(report, suffix)
        target, _filter = QFileDialog.getSaveFileName(self, caption, str(start), file_filter)
        return _with_suffix(target, suffix) if target else None

    def _write_failed(self, output: Path) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:  # a cancelled job never comes here
            if isinstance(exc, OSError):
                messages.show_error(
                    self,
                    _("Could not write {path}: {reason}").format(
                        path=output, reason=exc.strerror or exc
                    ),
                )
            else:
                messages.show_error(self, exc)

        return failed

    def save_pdf(self) -> Job | None:
        """Ask where, then write the report's PDF there off the GUI thread."""
        report = self.report
        if report is None:
            return None
        output = self._ask(report, _("Save PDF"), _("PDF files (*.pdf)"), ".pdf")
        if output is None:
            return None
        return self.ctx.submit(
            write_pdf,
            kwargs={"report": report, "output": output},
            on_result=lambda path: messages.info(self, _("Saved {path}").format(path=path)),
            on_error=self._write_failed(output),
            title=_("Writing the PDF…"),
            kind="cpu",
        )

    def export_xlsx(self) -> Job | None:
        """Ask where, then write the report's tables to an Excel workbook off the GUI
        thread, with progress and Cancel."""
        report = self.report
        if report is None:
            return None
        output = self._ask(report, _("Export to Excel"), _("Excel workbooks (*.xlsx)"), ".xlsx")
        if output is None:
            return None
        return self.ctx.submit(
            write_xlsx,
            kwargs={"report": report, "output": output},
            on_result=lambda path: messages.info(
                self, _("Exported to {path}").format(path=path), _("Export to Excel")
            ),
            on_error=self._write_failed(output),
            title=_("Exporting to Excel…"),
            cancellable=True,
            kind="cpu",
        )

    # --- drill-down --------------------------------------------------------------------------

    def open_drill(self, target: str, key: str) -> QWidget | None:
        """Open the list behind a chart's bar: the page of ``target`` filtered to ``key``
        (and, for complaints, to the report's period). None when there is no such list or
        this user may not see it."""
        page_key = DRILL_TARGETS.get(target)
        window = self.ctx.main_window
        report = self.report
        if page_key is None or window is None:
            log.info("no list behind drill target %r", target)
            return None
        page = window.show_page(page_key)
        if page is None:
            messages.info(self, _("You may not open that list."))
            return None
        period = (report.period.start, report.period.end) if report is not None else None
        field = target.split(".", 1)[1]
        if isinstance(page, SlicedList) and page_key == "complaints":
            page.show_report_slice(field, key, received=period)
        elif isinstance(page, FilteredList) and page_key == "customers":
            page.show_filtered(**{field: key})
        elif isinstance(page, SessionList):
            page.show_session(key)
        self.sig_drilled.emit(target, key)
        return page


def open_report(
    ctx: AppContext, kind: str, first: date, last: date, preset: str = "custom"
) -> ReportsPage | None:
    """Show the Reports page of the main window on the ``kind`` report of ``first``..``last``
    (the figures pages' "Report…"); None when there is no main window or no such page."""
    window = ctx.main_window
    page = window.show_page("reports") if window is not None else None
    if not isinstance(page, ReportsPage):
        return None
    page.show_report(kind, first, last, preset=preset)
    window_of_page = page.window()
    window_of_page.raise_()
    window_of_page.activateWindow()
    return page
