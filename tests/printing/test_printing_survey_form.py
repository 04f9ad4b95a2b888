"""Survey forms: personalised PDF read back (text, QR), serials, batches, progress and cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from branch_crm.errors import NotFound, PermissionDenied, ValidationError
from branch_crm.models import SurveyForm, SurveyTemplate
from branch_crm.services.surveys import forms as surveys_forms
from branch_crm.services.surveys.forms import (
    PrintCancelled,
    Selection,
    print_survey_batch,
    print_survey_form,
)
from branch_crm.services.surveys.serials import make_serial, normalize_serial, serial_is_valid
from branch_crm.services.surveys.template import active_template
from tests.support.printing import (
    RecordingControl,
    add_closed_complaint,
    add_customer,
    decode_qr,
    page_texts,
    pdf_text,
    set_setting,
    undefined_fonts,
)
from tests.support.services import run_service


@pytest.fixture
def chinese_branch(db):  # type: ignore[no-untyped-def]
    set_setting(db, "language", "zh_CN")
    set_setting(db, "company.name", "A公司")
    set_setting(db, "branch.name", "浦东网点")
    return db


def _forms(db) -> list[SurveyForm]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(SurveyForm).order_by(SurveyForm.serial)))


def test_serial_check_digit_and_normalising() -> None:
    from datetime import date

    serial = make_serial("br001", "A", date(2026, 11, 23), 7)
    assert serial == "BR001-A26112300079" and serial_is_valid(serial)
    broken = serial[:-2] + str((int(serial[-2]) + 1) % 10) + serial[-1]
    assert not serial_is_valid(broken)
    assert normalize_serial(" ｂｒ001-" + serial[6:].lower() + " ", "BR001") == serial
    assert normalize_serial(serial[6:], "BR001") == serial
    printed_before_pc_codes = "BR001-26112300079"
    assert serial_is_valid(printed_before_pc_codes)
    assert normalize_serial("26112300079", "BR001") == printed_before_pc_codes


def test_default_template_is_seeded_once_as_head_office_data(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    first = run_service(db, supervisor, active_template)
    second = run_service(db, supervisor, active_template)
    assert first.id == second.id
    kinds = [i.kind for i in first.items]
    assert kinds.count("scale5") == 8 and kinds.count("nps") == 1
    assert kinds.count("ces") == 1 and kinds.count("text") == 1
    assert {i.code for i in first.items} >= {"timeliness", "integrity", "value", "nps"}
    assert first.items[0].text("zh_CN").startswith("时效性") and first.items[0].text("en")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(SurveyTemplate)) == 1
        assert session.scalars(select(SurveyTemplate.branch_id)).one() == "HQ"


def test_one_personalised_form(chinese_branch, supervisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = chinese_branch
    cid = add_customer(db, supervisor, "张三丰", ("13812345678",))
    result = run_service(db, supervisor, print_survey_form, customer_id=cid,
                         output=tmp_path / "form.pdf")  # fmt: skip
    assert result.count == 1 and result.batch_id is None
    serial = result.first_serial
    assert serial and serial_is_valid(serial) and serial.startswith("BR001-")
    text = pdf_text(result.path)
    for expected in ("A公司客户满意度调查表", "浦东网点", "张三丰", serial, "时效性", "成本效益",
                     "推荐", "意见或建议"):  # fmt: skip
        assert expected in text, expected
    assert decode_qr(result.path) == [serial, serial]  # top right and small at the bottom
    assert undefined_fonts(result.path) == set()
    (form,) = _forms(db)
    assert (form.serial, form.customer_id, form.status) == (serial, cid, "printed")


def test_english_form_follows_the_branch_language(db, supervisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_setting(db, "language", "en")
    cid = add_customer(db, supervisor, "Li Lei", ("13812345678",))
    result = run_service(db, supervisor, print_survey_form, customer_id=cid,
                         output=tmp_path / "en.pdf")  # fmt: skip
    text = pdf_text(result.path)
    assert "Customer satisfaction survey" in text and "Dear Li Lei," in text
    assert "Timeliness" in text and "客户满意度" not in text


def test_fallback_font_form_is_valid_and_scannable(chinese_branch, supervisor, fallback_fonts,
                                                   tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    cid = add_customer(chinese_branch, supervisor, "王小明", ("13812345678",))
    result = run_service(chinese_branch, supervisor, print_survey_form, customer_id=cid,
                         output=tmp_path / "fb.pdf")  # fmt: skip
    text = pdf_text(result.path)
    assert "王小明" in text and "客户满意度调查表" in text
    assert decode_qr(result.path) == [result.first_serial] * 2


def test_batch_of_strategic_customers_in_one_pdf(
    chinese_branch, supervisor, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db = chinese_branch
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    for i, name in enumerate(names):
        add_customer(db, supervisor, name, (f"1380000{i:04d}",), tier="strategic")
    add_customer(db, supervisor, "吴普通", ("13900000000",), tier="ordinary")
    control = RecordingControl()
    result = run_service(db, supervisor, print_survey_batch, selection=Selection(tier="strategic"),
                         output=tmp_path / "batch.pdf", control=control)  # fmt: skip
    assert result.count == 5 and result.batch_id
    pages = page_texts(result.path)
    assert len(pages) == 5
    forms = _forms(db)
    assert len(forms) == 5 and len({f.serial for f in forms}) == 5
    assert {f.batch_id for f in forms} == {result.batch_id}
    by_serial = {f.serial: f for f in forms}
    printed_names = set()
    for index, page in enumerate(pages):
        serial, small = decode_qr(result.path, index)
        assert small == serial
        assert serial in page and serial in by_serial
        name = next(n for n in names if n in page)
        printed_names.add(name)
    assert printed_names == set(names)
    assert "吴普通" not in "".join(pages)
    assert control.calls[0][0] == 0 and control.calls[-1][:2] == (5, 5)
    done = [c[0] for c in control.calls]
    assert done == sorted(done)


def test_batch_of_recently_closed_complaints(chinese_branch, supervisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = chinese_branch
    recent = add_customer(db, supervisor, "近期投诉", ("13800000001",))
    old = add_customer(db, supervisor, "早期投诉", ("13800000002",))
    add_customer(db, supervisor, "无投诉", ("13800000003",))
    add_closed_complaint(db, supervisor, recent, closed_days_ago=2)
    add_closed_complaint(db, supervisor, old, closed_days_ago=20)
    selection = Selection(complaint_closed_days=7)
    assert run_service(db, supervisor, surveys_forms.select_customers, selection=selection) == [
        recent
    ]
    assert run_service(db, supervisor, surveys_forms.count_selection, selection=selection) == 1
    result = run_service(db, supervisor, print_survey_batch, selection=selection,
                         output=tmp_path / "c.pdf")  # fmt: skip
    text = pdf_text(result.path)
    assert "近期投诉" in text and "早期投诉" not in text and "无投诉" not in text


def test_batch_with_a_customer_list_filter(chinese_branch, supervisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import dataclass

    from branch_crm.models import Customer
    from branch_crm.services.context import unit_of_work

    @dataclass(frozen=True)
    class Filter:  # the fields of services.customers.listing.ListFilter
        tier: str | None = None
        lifecycle: str | None = None
        visit_class: str | None = None
        need_tag: str | None = None
        churn_risk: bool | None = None

    db = chinese_branch
    a = add_customer(db, supervisor, "甲客户", ("13800000001",), tier="key")
    b = add_customer(db, supervisor, "乙客户", ("13800000002",), tier="key")
    with unit_of_work(db, supervisor) as session:
        session.get(Customer, a).visit_class = "A"
        session.get(Customer, a).need_tags = "fragile,cold_chain"
        session.get(Customer, b).visit_class = "B"
    found = run_service(db, supervisor, surveys_forms.select_customers,
                        selection=Selection(list_filter=Filter(visit_class="A")))  # fmt: skip
    assert found == [a]
    cold = Selection(list_filter=Filter(need_tag="cold_chain", tier="key"))
    found = run_service(db, supervisor, surveys_forms.select_customers, selection=cold)
    assert found == [a]
    with pytest.raises(ValidationError, match="No customer"):
        run_service(db, supervisor, print_survey_batch, output=tmp_path / "none.pdf",
                    selection=Selection(list_filter=Filter(visit_class="C")))  # fmt: skip
    assert not (tmp_path / "none.pdf").exists()


def test_cancel_records_nothing_and_leaves_no_file(
    chinese_branch, supervisor, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db = chinese_branch
    for i in range(12):
        add_customer(db, supervisor, f"客户{i}", (f"1380000{i:04d}",), tier="strategic")
    control = RecordingControl(cancel_after=5)
    with pytest.raises(PrintCancelled):
        run_service(db, supervisor, print_survey_batch, selection=Selection(tier="strategic"),
                    output=tmp_path / "out" / "x.pdf", control=control)  # fmt: skip
    assert _forms(db) == []
    assert list((tmp_path / "out").iterdir()) == []


def test_serials_continue_the_day_sequence(chinese_branch, supervisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = chinese_branch
    cid = add_customer(db, supervisor, "张三", ("13812345678",), tier="strategic")
    one = run_service(db, supervisor, print_survey_form, customer_id=cid, output=tmp_path / "1.pdf")
    two = run_service(db, supervisor, print_survey_batch, selection=Selection(tier="strategic"),
                      output=tmp_path / "2.pdf")  # fmt: skip
    assert int(one.first_serial[-5:-1]) + 1 == int(two.first_serial[-5:-1])


def test_rights_and_unknown_customer(db, counter, courier, supervisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cid = add_customer(db, supervisor, "张三", ("13812345678",), tier="strategic")
    with pytest.raises(PermissionDenied):
        run_service(db, courier, print_survey_form, customer_id=cid, output=tmp_path / "a.pdf")
    with pytest.raises(PermissionDenied):
        run_service(db, counter, print_survey_batch, selection=Selection(tier="strategic"),
                    output=tmp_path / "b.pdf")  # fmt: skip
    with pytest.raises(NotFound):
        run_service(db, counter, print_survey_form, customer_id="nope", output=tmp_path / "c.pdf")
    with pytest.raises(ValidationError):
        run_service(db, supervisor, print_survey_batch, output=tmp_path / "d.pdf",
                    selection=Selection(complaint_closed_days=0))  # fmt: skip


def test_batch_selection_equals_the_customer_list(chinese_branch, supervisor) -> None:  # type: ignore[no-untyped-def]
    """Every customer-list filter selects exactly the customers the list shows (also those
    without computed figures, which the list shows as walk-in / new)."""
    from branch_crm.models import Customer, CustomerStats
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.customers.listing import ListFilter, fetch_rows, list_customer_keys

    db = chinese_branch
    plain = add_customer(db, supervisor, "无统计", ("13800000009",))
    ids = [
        add_customer(db, supervisor, f"客户{i}", (f"1380000{i:04d}",), tier=tier)
        for i, tier in enumerate(("strategic", "key", "walk_in", "ordinary"))
    ]
    with unit_of_work(db, supervisor) as session:
        session.get(Customer, ids[0]).visit_class = "A"
        session.get(Customer, ids[1]).need_tags = "fragile"
        stats = (
            session.get(CustomerStats, ids[3])
            or session.scalars(
                select(CustomerStats).where(CustomerStats.customer_id == ids[3])
            ).one()
        )
        stats.churn_risk, stats.lifecycle = True, "dormant"
    filters = [
        ListFilter(tier="walk_in"),
        ListFilter(lifecycle="new"),
        ListFilter(lifecycle="active"),
        ListFilter(churn_risk=False),
        ListFilter(churn_risk=True),
        ListFilter(visit_class="A"),
        ListFilter(need_tag="fragile"),
        ListFilter(tier="strategic", lifecycle="active"),
    ]
    for flt in filters:
        with db.session() as session:
            keys = list_customer_keys(session=session, flt=flt)
            listed = {row.customer_id for row in fetch_rows(session=session, keys=keys)}
        selected = run_service(
            db, supervisor, surveys_forms.select_customers, selection=Selection(list_filter=flt)
        )
        assert set(selected) == listed, flt
    walk_in = run_service(
        db, supervisor, surveys_forms.select_customers, selection=Selection(tier="walk_in")
    )
    assert set(walk_in) == {plain, ids[2]}


def test_corner_marks_and_pen_sized_boxes_on_the_rendered_page(
    chinese_branch, supervisor, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.printing.common import MM
    from tests.support.printing import render_page

    cid = add_customer(chinese_branch, supervisor, "张三", ("13812345678",))
    result = run_service(chinese_branch, supervisor, print_survey_form, customer_id=cid,
                         output=tmp_path / "marks.pdf")  # fmt: skip
    image = render_page(result.path, 0, scale=2.0).convert("L")
    px = image.width / 210  # pixels per millimetre

    def dark(x0: float, y0: float, x1: float, y1: float) -> int:  # a box in mm from top-left
        box = image.crop((int(x0 * px), int(y0 * px), int(x1 * px), int(y1 * px)))
        return sum(box.point(lambda p: 255 if p < 100 else 0).histogram()[255:])

    for left in (True, False):
        for top in (True, False):
            x = (7.0, 17.0) if left else (193.0, 203.0)
            y = (7.0, 17.0) if top else (280.0, 290.0)
            assert dark(x[0], y[0], x[1], y[1]) > 50, (left, top)  # the L-shaped mark
            edge_x = (0.0, 6.0) if left else (204.0, 210.0)
            edge_y = (0.0, 6.0) if top else (291.0, 297.0)
            assert dark(edge_x[0], edge_y[0], edge_x[1], edge_y[1]) == 0  # nothing beyond it
    from branch_crm.services.surveys.forms import template_layout

    layout = run_service(chinese_branch, supervisor, active_template)
    boxes = template_layout(layout).boxes
    assert all(b.rect.width >= 6 * MM and b.rect.height >= 6 * MM for b in boxes)  # pen-sized
    # every box where the exported layout puts it: a dark outline around an empty inside
    for box in boxes:
        size = box.rect.width / MM
        left_mm = box.rect.x / MM
        top_mm = 297 - box.rect.top / MM
        assert dark(left_mm + 1, top_mm + 1, left_mm + size - 1, top_mm + size - 1) == 0
        assert dark(left_mm - 0.5, top_mm - 0.5, left_mm + 0.5, top_mm + size) > 20  # left edge


def test_a_faulty_head_office_template_does_not_stop_printing(
    chinese_branch, supervisor, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Lines without a code, repeated codes and unknown kinds are skipped; a version with no
    usable question at all is passed over for the previous one."""
    from branch_crm.models import HQ_BRANCH

    db = chinese_branch
    first = run_service(db, supervisor, active_template)
    items = [
        {"kind": "scale5", "text_zh": "没有编号"},
        {"code": "speed", "kind": "scale5", "text_zh": "速度", "text_en": "Speed"},
        {"code": "speed", "kind": "nps", "text_zh": "重复", "text_en": "Twice"},
        {"code": "odd", "kind": "stars", "text_zh": "星级", "text_en": "Stars"},
        "not even a mapping",
    ]
    with db.session(branch_id="BR001") as session:
        session.add(SurveyTemplate(branch_id=HQ_BRANCH, code="s", version=5, title_zh="新版",
                                   title_en="", items=items, active=True))  # fmt: skip
        session.add(SurveyTemplate(branch_id=HQ_BRANCH, code="s", version=9, title_zh="空",
                                   title_en="Empty", items=[{"code": "x", "kind": "text"}],
                                   active=True))  # fmt: skip
    template = run_service(db, supervisor, active_template)
    assert template.version == 5 and template.id != first.id
    assert [(i.code, i.kind) for i in template.items] == [("speed", "scale5")]
    assert template.title("en") == "新版"  # the missing English title falls back
    cid = add_customer(db, supervisor, "张三", ("13812345678",))
    result = run_service(db, supervisor, print_survey_form, customer_id=cid,
                         output=tmp_path / "v5.pdf")  # fmt: skip
    text = pdf_text(result.path)
    assert "速度" in text and "星级" not in text and "没有编号" not in text
