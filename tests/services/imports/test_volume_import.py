"""services.imports.volumes: a sheet of phone + month + parcels feeds monthly_volume and the
classification; unknown phones, bad months and months given twice are problems."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest

from branch_crm.services.customers.profile import create_customer, get_customer
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.services.imports import volumes
from branch_crm.services.imports.common import ImportRefused
from tests.support.sheets import write_xlsx

HEADER = ["手机号", "月份", "件数", "金额"]


@pytest.fixture
def customer(call, counter, clock) -> str:  # type: ignore[no-untyped-def]
    clock(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    view = call(counter, create_customer, data=CustomerInput(name="张三", phones=["13812345678"]))
    return str(view.id)


def _volumes(db: Any) -> list[tuple[str, int, int]]:
    with sqlite3.connect(db.path) as raw:
        return list(raw.execute("SELECT month, parcels, revenue_cents FROM monthly_volume "
                                "WHERE deleted_at IS NULL ORDER BY month"))  # fmt: skip


def test_volumes_feed_the_tier(db, call, counter, customer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [HEADER] + [[13812345678, f"2026年{m}月", 6000, "1,000.50"] for m in (3, 4, 5)]
    path = write_xlsx(tmp_path / "v.xlsx", rows, title="月度件量")
    preview = call(counter, volumes.preview, path=path)
    assert preview.clean and preview.add == 3 and _volumes(db) == []
    call(counter, volumes.apply, path=path)
    assert _volumes(db) == [("2026-03", 6000, 100050), ("2026-04", 6000, 100050),
                            ("2026-05", 6000, 100050)]  # fmt: skip
    assert call(counter, get_customer, customer_id=customer).classification.tier == "strategic"
    with sqlite3.connect(db.path) as raw:
        audit = raw.execute(
            "SELECT count(*) FROM audit_entry WHERE entity = 'monthly_volume'"
        ).fetchone()[0]
    assert audit == 3


@pytest.mark.parametrize(("on_existing", "parcels"), [("update", 20), ("skip", 10)])
def test_month_already_recorded(  # noqa: PLR0917 (fixtures)
    db, call, counter, customer, tmp_path, on_existing, parcels
) -> None:  # type: ignore[no-untyped-def]
    call(
        counter,
        volumes.apply,
        path=write_xlsx(tmp_path / "a.xlsx", [HEADER, [13812345678, "2026-05", 10]]),
    )
    again = write_xlsx(tmp_path / "b.xlsx", [HEADER, [13812345678, "2026/5", 20]])
    done = call(counter, volumes.apply, path=again, on_existing=on_existing)
    assert (done.update, done.skip) == ((1, 0) if on_existing == "update" else (0, 1))
    assert _volumes(db) == [("2026-05", parcels, 0)]


def test_problems(db, call, counter, customer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(
        tmp_path / "v.xlsx",
        [HEADER, [13900000000, "2026-05", 1], [13812345678, "May", 1],
         [13812345678, "2026-05", -3], [13812345678, "2026-04", 5], [13812345678, "2026-04", 6],
         [13812345678, "2030-01", 1]],
    )  # fmt: skip
    with pytest.raises(ImportRefused) as caught:
        call(counter, volumes.apply, path=path)
    found = sorted((p.row, p.column) for p in caught.value.preview.problems)
    assert found == [(2, "手机号"), (3, "月份"), (4, "件数"), (6, "月份"), (7, "月份")]
    assert _volumes(db) == []
