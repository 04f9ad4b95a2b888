"""``branch-crm care plan|today``: the scheduled plan job prints what it created per reason and
creates nothing the second time; ``today`` lists what is due, in English and Chinese."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from branch_crm.cli import main


@pytest.fixture
def filled(db, counter) -> Path:  # type: ignore[no-untyped-def]
    """A database with an A customer (greeting, visit) and a consenting birthday customer."""
    from branch_crm.models import Customer
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, counter) as session:
        session.add(Customer(name="甲公司", visit_class="A"))
        session.add(Customer(name="李四", birthday=date(1990, 2, 7), marketing_consent=True))
    db.dispose()
    return Path(db.path)


def test_plan_is_idempotent_and_reports_per_reason(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["care", "plan", "--date", "2027-02-04", "--db", str(filled)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Care plan for 2027-02-04: 3 new tasks"
    assert "  Birthday call: 1" in out and "  Holiday greeting: 1" in out and "  Visit: 1" in out
    assert main(["care", "plan", "--date", "2027-02-04", "--json", "--db", str(filled)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["day"] == "2027-02-04" and sum(again["created"].values()) == 0


def test_today_lists_due_and_overdue(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["care", "plan", "--date", "2027-02-04", "--db", str(filled)]) == 0
    capsys.readouterr()
    assert main(["care", "today", "--date", "2027-02-06", "--json", "--db", str(filled)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["kind"] for r in rows] == ["visit", "greeting"]  # the visit is overdue
    assert rows[1]["title"] == "Spring Festival greeting on 2027-02-06"
    assert rows[0]["days_overdue"] > 0 and rows[1]["days_overdue"] == 0
    assert main(["--lang", "zh_CN", "care", "today", "--date", "2027-02-06", "--db",
                 str(filled)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "2027-02-06 春节问候" in text and "今天到期" in text
    assert main(["care", "today", "--date", "2027-01-01", "--db", str(filled)]) == 0
    assert capsys.readouterr().out == "Nothing due on 2027-01-01.\n"


def test_bad_date_is_refused(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["care", "plan", "--date", "4 Feb", "--db", str(filled)])
    assert exit_.value.code == 2
    assert "is not a date" in capsys.readouterr().err
