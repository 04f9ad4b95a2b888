"""``branch-crm search``: table and JSON output, exit codes, a clear error for a missing file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from branch_crm.cli import main


@pytest.fixture
def filled(db, counter) -> Path:  # type: ignore[no-untyped-def]
    """A database file with three customers (closed again before the CLI opens it)."""
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    with unit_of_work(db, counter) as session:
        for name, phone, company in [
            ("张三", "13812345678", "上海顺达贸易有限公司"),
            ("张三丰", "13900005678", None),
            ("李四", "021-5555 1234", None),
        ]:
            create_customer(
                session=session,
                actor=counter,
                data=CustomerInput(name=name, phones=[phone], company=company),
            )
    db.dispose()
    return Path(db.path)


def test_table_output(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "zs", "--db", str(filled)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["Name", "Phone"]
    assert lines[1].startswith("张三 ") and "138 1234 5678" in lines[1]
    assert "pinyin initials" in lines[1] and "上海顺达贸易有限公司" in lines[1]
    assert lines[2].startswith("张三丰")


def json_lines(text: str) -> list[dict[str, object]]:
    """Every output line is one JSON object (JSON lines)."""
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_json_lines_one_object_per_hit(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "5678", "--db", str(filled), "--json"]) == 0
    hits = json_lines(capsys.readouterr().out)
    by_name = {h["name"]: h for h in hits}
    assert len(hits) == 2 and set(by_name) == {"张三", "张三丰"}
    assert set(hits[0]) == {"customer_id", "name", "phone", "company", "tier", "match"}
    assert by_name["张三"]["match"] == "last4" and by_name["张三"]["tier"] == "walk_in"
    assert by_name["张三"]["phone"] == "13812345678"
    assert by_name["张三"]["company"] == "上海顺达贸易有限公司"


def test_json_lines_limit(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "5678", "--db", str(filled), "--json", "--limit", "1"]) == 0
    assert len(json_lines(capsys.readouterr().out)) == 1


def test_json_no_match_prints_nothing_and_exits_1(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "王五", "--db", str(filled), "--json"]) == 1
    assert capsys.readouterr().out == ""


def test_global_db_option_works_too(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(filled), "search", "021-5555 1234", "--json"]) == 0
    assert [h["name"] for h in json_lines(capsys.readouterr().out)] == ["李四"]


def test_command_line_search_catches_up_a_large_backlog(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Renamed by raw SQL behind the app's back: the CLI re-indexes everything before it
    answers, however many customers wait (the app's lookup only reads: its catch-up does it)."""
    import sqlite3

    raw = sqlite3.connect(filled)
    raw.execute("UPDATE customer SET name = '王五' WHERE name = '李四'")
    raw.execute("INSERT OR IGNORE INTO search_dirty SELECT id FROM customer")
    raw.commit()
    raw.close()
    assert main(["search", "ww", "--db", str(filled), "--json"]) == 0
    assert [h["name"] for h in json_lines(capsys.readouterr().out)] == ["王五"]


def test_no_match_exits_1(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "王五", "--db", str(filled)]) == 1
    assert "No customer matches" in capsys.readouterr().out


def test_missing_database_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.db"
    assert main(["search", "zs", "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "No database at" in err and str(missing) in err
    assert "Traceback" not in err
    assert not missing.exists()


def test_not_a_database_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    assert main(["search", "zs", "--db", str(junk)]) == 2
    assert "damaged or is not a Branch CRM database" in capsys.readouterr().err


def test_bad_limit(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "zs", "--db", str(filled), "--limit", "0"]) == 2
    assert "--limit" in capsys.readouterr().err
