"""``branch-crm customers merge KEEP OTHER [--take FIELD]`` (issue 19): the second record is
folded into the first, named by phone or id; bad input is refused in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from branch_crm.cli import main


@pytest.fixture
def pair(db, counter) -> tuple[Path, str, str]:  # type: ignore[no-untyped-def]
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    with unit_of_work(db, counter) as session:
        keep = create_customer(
            session=session, actor=counter, data=CustomerInput(name="王五", phones=["13900000001"])
        ).id
        other = create_customer(
            session=session,
            actor=counter,
            data=CustomerInput(name="王五2", phones=["13900000002"], address="上海"),
        ).id
    db.dispose()
    return Path(db.path), keep, other


def test_merge_by_phone_and_id(pair, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    path, keep, other = pair
    code = main(["customers", "merge", "139 0000 0001", other, "--take", "name", "--json",
                 "--db", str(path)])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["survivor"] == keep and out["absorbed"] == other
    assert out["choices"]["name"] == "absorbed" and out["choices"]["address"] == "absorbed"
    import sqlite3

    with sqlite3.connect(path) as raw:
        row = raw.execute("SELECT name, address FROM customer WHERE id = ?", (keep,)).fetchone()
        gone = raw.execute("SELECT merged_into FROM customer WHERE id = ?", (other,)).fetchone()
    assert row == ("王五2", "上海") and gone == (keep,)


def test_unknown_phone_and_field_are_refused(pair, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    path, keep, _other = pair
    assert main(["customers", "merge", keep, "13700000000", "--db", str(path)]) != 0
    assert "13700000000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["customers", "merge", keep, "13900000002", "--take", "colour", "--db", str(path)])
    assert "colour" in capsys.readouterr().err
