"""Who prints which visit list (issue 15): counter staff and couriers their own customers'
only (asking for another account manager's is refused), supervisors anyone's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from branch_crm.errors import PermissionDenied
from branch_crm.models import Customer
from branch_crm.services.care.visit_list import print_visit_list
from branch_crm.services.context import unit_of_work
from branch_crm.timeutil import local_today


@pytest.fixture
def customers(db, counter):  # type: ignore[no-untyped-def]
    with unit_of_work(db, counter) as session:
        for name, manager in (("柜台客户", "staff-counter"), ("主管客户", "staff-supervisor"),
                              ("快递客户", "staff-courier")):  # fmt: skip
            session.add(Customer(name=name, visit_class="C", account_manager_id=manager))


def _print(call: Any, actor: Any, out: Path, **kw: Any) -> str:
    month = local_today().strftime("%Y-%m")
    path = call(actor, print_visit_list, month=month, output=out, **kw)
    return "".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_counter_staff_print_only_their_own(  # type: ignore[no-untyped-def]
    *, call, counter, courier, customers, tmp_path
) -> None:
    own = _print(call, counter, tmp_path / "own.pdf")
    assert "柜台客户" in own and "主管客户" not in own and "快递客户" not in own
    assert _print(call, counter, tmp_path / "same.pdf", account_manager_id="staff-counter") == own
    with pytest.raises(PermissionDenied, match="only their own"):
        _print(call, counter, tmp_path / "x.pdf", account_manager_id="staff-supervisor")
    assert not (tmp_path / "x.pdf").exists()
    courier_list = _print(call, courier, tmp_path / "courier.pdf")
    assert "快递客户" in courier_list and "柜台客户" not in courier_list


def test_supervisors_print_anyones(call, supervisor, customers, tmp_path) -> None:  # type: ignore[no-untyped-def]
    everyone = _print(call, supervisor, tmp_path / "all.pdf")
    assert all(name in everyone for name in ("柜台客户", "主管客户", "快递客户"))
    theirs = _print(call, supervisor, tmp_path / "c.pdf", account_manager_id="staff-counter")
    assert "柜台客户" in theirs and "主管客户" not in theirs
