"""The month's visit list (issue 15): a real PDF from print_visit_list read back with pypdf
and pdftotext: one section per account manager starting on its own page, every customer
behind listed once with phone and address, Chinese text extractable, page count from the
rows, "page n of N" over the document; the layout alone for an empty month."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from branch_crm.printing.visit_list import (
    VisitList,
    VisitListEntry,
    VisitListSection,
    render_visit_list,
    rows_per_page,
)
from branch_crm.services.care.visit_list import print_visit_list
from branch_crm.services.care.visits import record_visit
from tests.support.printing import add_customer, page_texts, render_page, set_setting
from tests.support.services import run_service

MONTH = "2027-03"


@pytest.fixture
def staff(db, admin):  # type: ignore[no-untyped-def]
    from branch_crm.models import Staff
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, admin) as session:
        for sid, name in (("staff-a", "王经理"), ("staff-b", "陈经理")):
            session.add(Staff(id=sid, username=sid, display_name=name, role="counter",
                              password_hash="x"))  # fmt: skip


@pytest.fixture
def chinese_branch(db):  # type: ignore[no-untyped-def]
    set_setting(db, "language", "zh_CN")
    set_setting(db, "company.name", "A公司")
    set_setting(db, "branch.name", "上海分拨")
    return db


def _customers(db: Any, actor: Any, count: int, manager: str | None, prefix: str) -> list[str]:
    from branch_crm.models import Customer
    from branch_crm.services.context import unit_of_work

    ids = []
    for number in range(count):
        phone = f"1390000{ord(prefix) % 10}{number:03d}"
        cid = add_customer(db, actor, f"{prefix}{number:02d}号客户", (phone,),
                           address=f"上海市浦东新区张江路{number + 1}弄{number + 2}号楼",
                           company="东方贸易有限公司" if number % 3 == 0 else None)  # fmt: skip
        with unit_of_work(db, actor) as session:
            customer = session.get(Customer, cid)
            assert customer is not None
            customer.visit_class = "ABC"[number % 3]
            customer.account_manager_id = manager
        ids.append(cid)
    return ids


def test_visit_list_per_account_manager(
    *,
    db: Any,
    admin: Any,
    counter: Any,
    staff: Any,
    chinese_branch: Any,
    clock: Any,
    tmp_path: Path,
) -> None:
    clock(datetime(2027, 3, 15, 2, 0, tzinfo=UTC))
    many = _customers(db, admin, 45, "staff-a", "甲")
    few = _customers(db, admin, 3, "staff-b", "乙")
    nobody = _customers(db, admin, 2, None, "丙")
    # a C customer of staff-a visited this month: off the list (A and B need more visits)
    run_service(
        db,
        counter,
        record_visit,
        customer_id=many[2],
        kind="visit",
        outcome="拜访顺利",
        staff_id="staff-a",
    )
    out = run_service(db, admin, print_visit_list, month=MONTH, output=tmp_path / "v.pdf")
    reader = PdfReader(str(out))
    per_page = rows_per_page()
    first_section = math.ceil(44 / per_page)
    assert 10 <= per_page <= 25
    assert len(reader.pages) == first_section + 1 + 1
    texts = page_texts(out)
    assert all("A公司2027年3月拜访清单" in t for t in texts)
    assert "客户经理：王经理" in texts[0] and "待拜访：44 / 45 户" in texts[0]
    assert "（续）" in texts[1]
    section_b = texts[first_section]
    assert "客户经理：陈经理" in section_b and "乙00号客户" in section_b
    assert "无客户经理" in texts[-1] and "丙01号客户" in texts[-1]
    everything = "\n".join(texts)
    for number in range(45):
        assert (f"甲{number:02d}号客户" in everything) == (number != 2)
    assert "139 0000 2000" in texts[0]  # the phone in display form
    assert "张江路1弄2号楼" in texts[0] and "东方贸易有限公司" in texts[0]
    assert f"第1页/共{len(reader.pages)}页" in texts[0].replace(" ", "")
    # pypdf reads the Chinese too (the font is embedded with a ToUnicode map)
    assert "拜访清单" in (reader.pages[0].extract_text() or "")
    assert reader.metadata is not None and reader.metadata.title == "A公司2027年3月拜访清单"
    image = render_page(out, 0, scale=1.0)
    assert image.size[0] < image.size[1]  # A4 portrait
    assert len(few) == 3 and len(nobody) == 2


def test_one_manager_and_an_empty_month(
    *, db: Any, admin: Any, staff: Any, clock: Any, tmp_path: Any
) -> None:
    clock(datetime(2027, 3, 15, 2, 0, tzinfo=UTC))
    _customers(db, admin, 4, "staff-a", "甲")
    _customers(db, admin, 2, "staff-b", "乙")
    out = run_service(db, admin, print_visit_list, month=MONTH, output=tmp_path / "v.pdf",
                      account_manager_id="staff-b", language="en")  # fmt: skip
    [text] = page_texts(out)
    assert "Visit list 2027-03" in text and "Account manager: 陈经理" in text
    assert "乙01号客户" in text and "甲" not in text
    assert "Page 1 of 1" in text


def test_nothing_behind_still_prints_a_page(tmp_path: Path) -> None:
    data = VisitList("ACME", "Pudong", MONTH, (), "2027-03-15 10:00", "en")
    assert render_visit_list(tmp_path / "e.pdf", data) == 1
    [text] = page_texts(tmp_path / "e.pdf")
    assert "Every customer is visited enough this month." in text
    entry = VisitListEntry("长名字" * 12, "A", "138 0000 0000", "地址" * 40, "", 0, 4, "")
    full = VisitList("", "Pudong", MONTH, (VisitListSection("", (entry,), 1),), "x", "zh_CN")
    assert render_visit_list(tmp_path / "f.pdf", full) == 1  # long texts are cut, not spilled
