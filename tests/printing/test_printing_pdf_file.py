"""printing.pdf_file: the one way documents reach the disk -- whole, or not at all."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from branch_crm.printing.common import Writer
from branch_crm.printing.pdf_file import PdfFile, pdf_canvas
from branch_crm.printing.pickup_sheet import PickupEntry, render_pickup_sheet
from branch_crm.printing.signin_sheet import SigninRow, SigninSheet, render_signin_sheet
from branch_crm.printing.survey_form import Question, SurveyFormWriter, build_header
from tests.support.printing import page_texts


class Boom(Exception):
    pass


def _previous(path: Path) -> bytes:
    path.write_bytes(b"%PDF-1.4 the document printed yesterday\n")
    return path.read_bytes()


def test_a_finished_document_replaces_the_old_file_and_leaves_nothing_else(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sheet.pdf"
    _previous(out)
    with pdf_canvas(out, title="签到表") as canvas:
        Writer(canvas).text(72, 760, "培训签到表 第一页", 16, bold=True)
        canvas.showPage()
    assert "培训签到表 第一页" in page_texts(out)[0]
    assert PdfReader(out).metadata.title == "签到表"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.pdf"]


def test_a_failure_half_way_keeps_the_old_file_and_leaves_no_partial(tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    before = _previous(out)
    with pytest.raises(Boom), pdf_canvas(out, title="x") as canvas:
        Writer(canvas).text(72, 760, "page one", 12)
        canvas.showPage()  # this page is already on disk, in the partial file
        raise Boom
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.pdf"]


def test_the_partial_file_is_beside_the_target_until_finished(tmp_path: Path) -> None:
    out = tmp_path / "forms" / "batch.pdf"
    pdf = PdfFile(out, title="x")
    assert pdf.partial.parent == out.parent and pdf.partial.exists()
    assert not out.exists()  # nobody sees the document before it is whole
    pdf.canvas.showPage()
    assert pdf.finish() == out
    assert len(PdfReader(out).pages) == 1 and not pdf.partial.exists()


def test_an_unwritable_folder_is_an_os_error_before_any_page(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(OSError):
        PdfFile(blocker / "x.pdf", title="x")


def test_every_document_goes_through_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-in sheet, pickup sheet and survey forms all write through PdfFile: a failure
    while finishing any of them keeps the previous file."""
    from branch_crm.printing import pdf_file

    def broken_replace(src: object, dst: object) -> None:
        raise Boom

    monkeypatch.setattr(pdf_file.os, "replace", broken_replace)
    signin = SigninSheet(
        company="顺达快递",
        title="安全培训",
        starts_at=datetime(2026, 12, 7, 9, 0),
        ends_at=None,
        audience="全体员工",
        trainer="王经理",
        location="会议室",
        content_points=("安全操作",),
        incident_notice="",
        rows=(SigninRow("张三", "13812345678"),),
        reference="T1",
        language="zh_CN",
    )
    out = tmp_path / "signin.pdf"
    before = _previous(out)
    with pytest.raises(Boom):
        render_signin_sheet(out, signin)
    assert out.read_bytes() == before
    with pytest.raises(Boom):
        render_pickup_sheet(
            out,
            [PickupEntry(name="李四", phones=("13900001111",), address="北京路 1 号")],
            company="顺达快递",
            branch="BR001",
            language="zh_CN",
            printed_at=datetime(2026, 12, 7, 9, 0),
        )
    assert out.read_bytes() == before
    header = build_header(
        title="客户满意度调查表",
        company="顺达快递",
        branch="BR001",
        date_text="2026年12月7日",
        language="zh_CN",
        questions=[Question("scale5", "服务态度", 1, 5)],
    )
    writer = SurveyFormWriter(out, header)
    writer.add("BR001-A2612070001X", "王五")
    with pytest.raises(Boom):
        writer.close()
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signin.pdf"]
