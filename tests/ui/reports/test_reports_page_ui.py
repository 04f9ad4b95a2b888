"""The Reports page with a hand-made report in place of the builders: kind and period
rebuild it, Print… previews the PDF, Save PDF… and Export… call the writers with the file
asked for, a chart's bar opens the list behind it, the figures pages open the page, keys."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from report_ui_samples import report_modules, sample_report

from branch_crm import i18n
from branch_crm.services.reports.model import Period, Report
from branch_crm.timeutil import local_today
from branch_crm.ui import keys
from branch_crm.ui.reports.view import KpiCard
from tests.support.ui import new_windows_closed  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.qt_log_ignore("This plugin does not support"),
    pytest.mark.usefixtures("new_windows_closed"),
]


class Builder:
    """Stands in for build_report: records each request, answers a hand-made report."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Period]] = []
        self.fail: Exception | None = None

    def __call__(
        self, kind: str, *, session: Any, actor: Any, period: Period, now: Any = None
    ) -> Report:
        assert session is not None and actor is not None
        self.calls.append((kind, period))
        if self.fail is not None:
            raise self.fail
        return sample_report(kind, period)


@pytest.fixture
def modules(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return report_modules(monkeypatch)


@pytest.fixture
def builder(monkeypatch: pytest.MonkeyPatch, modules: dict[str, Any]) -> Builder:
    fake = Builder()
    monkeypatch.setattr(modules["build"], "build_report", fake)
    return fake


@pytest.fixture
def page(show, supervisor_ctx, builder):  # type: ignore[no-untyped-def]
    from branch_crm.ui.reports.page import ReportsPage

    return show(ReportsPage(supervisor_ctx))


def last_month() -> Period:
    first = local_today().replace(day=1)
    end = first - timedelta(days=1)
    return Period(end.replace(day=1), end)


def test_kind_and_period_changes_rebuild(page, builder) -> None:  # type: ignore[no-untyped-def]
    assert builder.calls == [("complaints", last_month())]  # last month's by default
    assert page.report.kind == "complaints" and page.view.isVisible()
    assert [c.value.text() for c in page.view.findChildren(KpiCard)][:2] == ["47", "87.5 %"]
    assert len(page.view.charts) == 5 and len(page.view.tables) == 1
    model = page.view.tables[0].model()
    assert [model.headerData(0, Qt.Orientation.Horizontal, role) for role in (0, 3)] == [
        "Category",
        "Category",  # the heading's tooltip (a narrow column elides it)
    ]
    assert model.data(model.index(1, 2)) == "63.8 %"
    page.view.tables[0].sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 1)) == "30"
    page.kind.setCurrentIndex(page.kind.findData("satisfaction"))
    assert builder.calls[-1] == ("satisfaction", last_month())
    page.picker.set_period(date(2026, 1, 1), date(2026, 3, 31))
    assert builder.calls[-1] == ("satisfaction", Period(date(2026, 1, 1), date(2026, 3, 31)))
    assert page.report.period.end == date(2026, 3, 31)
    assert len(builder.calls) == 3
    page.picker.end.setDate(date(2025, 12, 1))  # before the start: said, nothing built
    assert len(builder.calls) == 3
    assert page.report is None and "before the start" in page.empty.text()
    assert not page.print_button.isEnabled()


def test_a_failed_build_is_said(page, builder) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.errors import PermissionDenied

    builder.fail = PermissionDenied("You may not see reports.")
    page.rebuild()
    assert page.report is None and page.empty.isVisible()
    assert "You may not see reports." in page.empty.text()


def test_data_changes_mark_the_report_stale(page, builder, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    supervisor_ctx.bus.changed("complaint")
    assert page.stale and "F5" in page.status.text()
    assert len(builder.calls) == 1
    page.on_shown()
    assert len(builder.calls) == 2 and not page.stale


def test_save_pdf_and_export_call_the_writers(page, modules, monkeypatch, tmp_path, boxes) -> None:  # type: ignore[no-untyped-def]
    offered: list[str] = []

    def answer(_parent: Any, _title: str, start: str, _filter: str) -> tuple[str, str]:
        offered.append(start)
        return str(tmp_path / "meeting"), _filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    written: list[tuple[str, Report, Path]] = []

    def write_pdf(report: Report, path: Path) -> Path:
        written.append(("pdf", report, path))
        path.write_bytes(b"%PDF-1.4")
        return path

    steps: list[tuple[int, int]] = []

    def write_xlsx(report: Report, path: Path, *, progress: Any = None) -> Path:
        written.append(("xlsx", report, path))
        for step in ((1, 2), (2, 2)):
            progress(*step)
            steps.append(step)
        path.write_bytes(b"PK")
        return path

    monkeypatch.setattr(modules["pdf"], "write_report_pdf", write_pdf)
    monkeypatch.setattr(modules["xlsx"], "write_report_xlsx", write_xlsx)
    period = page.report.period
    page.pdf_button.click()
    page.export_button.click()
    assert [(k, r, p) for k, r, p in written] == [
        ("pdf", page.report, tmp_path / "meeting.pdf"),
        ("xlsx", page.report, tmp_path / "meeting.xlsx"),
    ]
    assert steps == [(1, 2), (2, 2)]
    name = f"Complaints report {period.start}–{period.end}"
    assert [Path(o).name for o in offered] == [f"{name}.pdf", f"{name}.xlsx"]
    assert boxes.infos == [
        f"Saved {tmp_path / 'meeting.pdf'}",
        f"Exported to {tmp_path / 'meeting.xlsx'}",
    ]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    assert page.save_pdf() is None and page.export_xlsx() is None  # cancelled: nothing
    assert len(written) == 2


def test_an_export_that_fails_is_said_and_a_cancelled_one_is_not(
    page, modules, monkeypatch, tmp_path, boxes
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.tasks import JobCancelled

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "x.xlsx"), ""))

    def refuse(report: Report, path: Path, *, progress: Any = None) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(modules["xlsx"], "write_report_xlsx", refuse)
    page.export_xlsx()
    assert boxes.errors == [f"Could not write {tmp_path / 'x.xlsx'}: Permission denied"]

    def cancelled(report: Report, path: Path, *, progress: Any = None) -> Path:
        raise JobCancelled

    monkeypatch.setattr(modules["xlsx"], "write_report_xlsx", cancelled)
    page.export_xlsx()  # the user pressed Cancel: nothing more to say
    assert boxes.infos == [] and len(boxes.errors) == 1


def test_print_previews_the_report_pdf(page, modules, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    from branch_crm.ui.printing.preview import PdfPreviewDialog

    buffer = BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "report")
    canvas.showPage()
    canvas.drawString(72, 720, "page 2")
    canvas.save()
    monkeypatch.setattr(modules["pdf"], "report_pdf_bytes", lambda report: buffer.getvalue())
    page.print_button.click()
    previews = [w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreviewDialog)]
    assert len(previews) == 1 and previews[0].isVisible()
    assert previews[0].pdf is not None and previews[0].pdf.count == 2
    assert previews[0].path.read_bytes() == buffer.getvalue()
    assert previews[0].windowTitle() == "Complaints report"
    previews[0].close()


@pytest.fixture
def main(show, supervisor_ctx, builder):  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow

    return show(MainWindow(supervisor_ctx))


@pytest.fixture
def complaints(supervisor_ctx, ctx_write) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from branch_crm.services.complaints import intake
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    customer = ctx_write(
        supervisor_ctx, create_customer, data=CustomerInput(name="张三", phones=["13812345678"])
    )
    made = {}
    for category in ("delay", "damage", "delay"):
        data = intake.ComplaintInput(customer.id, "counter", category, "parcel")
        made[category] = str(ctx_write(supervisor_ctx, intake.take_complaint, data=data).id)
    return made


def test_a_bar_opens_the_queue_filtered_to_it_and_the_period(main, complaints) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints.queue_page import ComplaintQueuePage

    page = main.show_page("reports")
    today = local_today()
    page.show_report("complaints", today.replace(day=1), today, preset="this_month")
    chart = page.view.charts[0]  # the Pareto of categories: "damage" (30) first
    assert chart.chart.drill_target == "complaints.category"
    chart.setFocus()
    chart.set_highlight(1)  # "delay"
    assert chart.drill()
    assert main.current_page_key() == "complaints"
    queue = main.page("complaints")
    assert isinstance(queue, ComplaintQueuePage)
    flt = queue.current_filter()
    assert flt.category == "delay" and flt.received_since is not None
    assert queue.received.isVisible() and queue.received.isChecked()
    assert str(today.replace(day=1)) in queue.received.text()
    assert queue.model.rowCount() == 2  # both delays, received today
    export = queue.export_request()[1]
    assert (export.category, export.since, export.until) == ("delay", today.replace(day=1), today)
    # last month's report: today's complaints are not in its period
    main.show_page("reports")
    before = last_month()
    page.show_report("complaints", before.start, before.end)
    page.open_drill("complaints.grade", "2")
    assert queue.current_filter().grade == 2 and queue.current_filter().category is None
    assert queue.model.rowCount() == 0
    queue.received.setChecked(False)  # unticking the period shows the grade's open ones
    assert queue.current_filter().received_since is None


def test_tier_and_session_bars_open_their_lists(main, supervisor_ctx, ctx_write) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.training import sessions
    from tests.support.training import session_input

    session = ctx_write(supervisor_ctx, sessions.create_session, data=session_input(3))
    page = main.show_page("reports")
    pie = page.view.charts[-1]
    assert pie.chart.drill_target == "customers.tier"
    assert pie.drill(0)
    customers = main.page("customers")
    assert main.current_page_key() == "customers"
    assert customers.filters.value().tier == "strategic"
    main.show_page("reports")
    page.open_drill("customers.lifecycle", "dormant")
    assert customers.filters.value().lifecycle == "dormant"
    assert customers.filters.value().tier is None
    main.show_page("reports")
    page.open_drill("training.session", session.id)
    training = main.page("training")
    assert main.current_page_key() == "training"
    assert training.table.current_key() == session.id


def test_figures_pages_open_the_report_of_their_period(main, builder) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints.figures import ComplaintFiguresDialog
    from branch_crm.ui.surveys.scores import ScoresWidget

    dialog = ComplaintFiguresDialog(main.ctx, main)
    dialog.set_period(date(2026, 2, 1), date(2026, 2, 28))
    assert dialog.report_button.isVisibleTo(dialog)
    dialog.report_button.click()
    assert main.current_page_key() == "reports"
    assert builder.calls[-1] == ("complaints", Period(date(2026, 2, 1), date(2026, 2, 28)))
    page = main.page("reports")
    assert page.picker.preset.currentData() == "custom"
    dialog.close()
    surveys = main.show_page("surveys")
    scores = surveys.findChild(ScoresWidget)
    scores.picker.preset.setCurrentIndex(scores.picker.preset.findData("last_month"))
    scores.open_report()
    assert main.current_page_key() == "reports"
    assert builder.calls[-1] == ("satisfaction", last_month())
    assert page.picker.preset.currentData() == "last_month"


def test_counter_staff_have_no_reports(show, ctx, builder) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow

    window = show(MainWindow(ctx))
    assert "reports" not in window.page_keys()
    assert window.show_page("reports") is None


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_page_binds_no_key_twice_and_has_its_keys(
    qtbot, main, language, monkeypatch, modules
) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language(language)
    try:
        page = main.show_page("reports")
        assert keys.clashes(main) == {}
        found = {k.sequence: k.description for k in keys.window_keys(main)}
        for sequence in ("F5", "Ctrl+P", "Ctrl+S", "Ctrl+E", "Alt+R", "Alt+D", "Alt+X", "Ctrl+7"):
            assert found.get(sequence), sequence
        asked: list[str] = []

        def answer(_parent: Any, title: str, *_args: Any) -> tuple[str, str]:
            asked.append(title)
            return "", ""

        monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
        page.view.charts[0].setFocus()  # the keys work from inside the report too
        for key in (Qt.Key.Key_S, Qt.Key.Key_E):
            qtbot.keyClick(main.focusWidget(), key, Qt.KeyboardModifier.ControlModifier)
        assert asked == [i18n._("Save PDF"), i18n._("Export to Excel")]
    finally:
        i18n.set_language("en")
