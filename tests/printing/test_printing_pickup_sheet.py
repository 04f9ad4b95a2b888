"""Courier pickup sheet: real PDF read back (text layer, pages), preferences in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from branch_crm.errors import NotFound, ValidationError
from branch_crm.services.customers.pickup_sheet import build_pickup_sheet, display_phone
from tests.support.printing import add_customer, page_texts, pdf_text, set_setting
from tests.support.services import run_service

PREF = {
    "availability": {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], "sat": [["10:00", "12:00"]]},
    "away_weekends": False,
    "drop_off": "parcel_locker",
    "call_before_minutes": 30,
    "packaging": "纸箱 3 号",
    "special_handling": "fragile,cold_chain",
    "notes": "门卫室可代收",
}


def test_display_phone() -> None:
    assert display_phone("13812345678") == "138 1234 5678"
    assert display_phone("02155551234") == "021-5555 1234"
    assert display_phone("075512345678") == "0755-1234 5678"
    assert display_phone("05711234567") == "0571-123 4567"


def test_chinese_sheet_lists_customers_in_order(db, courier, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_setting(db, "language", "zh_CN")
    set_setting(db, "company.name", "A公司")
    set_setting(db, "branch.name", "浦东网点")
    first = add_customer(db, courier, "张三", ("13812345678", "02155551234"),
                         address="上海市浦东新区世纪大道100号", preference=PREF)  # fmt: skip
    second = add_customer(db, courier, "赵六", ("13900001111",), company="六六贸易")
    out = run_service(db, courier, build_pickup_sheet, customer_ids=[second, first],
                      output=tmp_path / "sub" / "sheet.pdf", courier_name="王五")  # fmt: skip
    assert out.exists() and PdfReader(out).pages[0].mediabox.width == pytest.approx(595.28, 0.1)
    text = pdf_text(out)
    for expected in ("A公司", "揽件单", "浦东网点", "王五", "张三", "赵六", "六六贸易",
                     "138 1234 5678", "021-5555 1234", "上海市浦东新区世纪大道100号",
                     "快递柜", "提前30分钟", "易碎", "冷链", "纸箱 3 号", "门卫室可代收",
                     "周一 09:00–12:00, 14:00–18:00"):  # fmt: skip
        assert expected in text, expected
    assert text.index("赵六") < text.index("张三")
    assert "尚未记录" in text  # 赵六 has no preferences


def test_english_sheet_follows_the_branch_language(db, courier, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_setting(db, "language", "en")
    cid = add_customer(db, courier, "张三", ("13812345678",), preference=PREF)
    out = run_service(db, courier, build_pickup_sheet, customer_ids=[cid],
                      output=tmp_path / "en.pdf")  # fmt: skip
    text = pdf_text(out)
    assert "Courier pickup sheet" in text and "Parcel locker" in text
    assert "Call 30 min before arrival" in text and "张三" in text


def test_many_customers_flow_onto_more_pages(db, courier, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = [add_customer(db, courier, f"客户{i:02d}", (f"1380000{i:04d}",),
                        address="上海市" * 10, preference=PREF) for i in range(30)]  # fmt: skip
    out = run_service(db, courier, build_pickup_sheet, customer_ids=ids, output=tmp_path / "m.pdf")
    pages = page_texts(out)
    assert len(pages) >= 3
    assert all("客户" in page for page in pages)
    joined = "".join(pages)
    assert all(f"客户{i:02d}" in joined for i in range(30))


def test_bad_input_is_refused(db, courier, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        run_service(db, courier, build_pickup_sheet, customer_ids=[], output=tmp_path / "x.pdf")
    with pytest.raises(NotFound, match="does not exist"):
        run_service(db, courier, build_pickup_sheet, customer_ids=["nope"],
                    output=tmp_path / "x.pdf")  # fmt: skip
    assert not (tmp_path / "x.pdf").exists()
