"""``--search TEXT`` on the list commands: ``complaints list``, ``care today``, ``training
list`` find what the search boxes find."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli_help import run_cli
from tests.support.search import seed


def test_complaints_list_search(db, db_path, supervisor, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    s = seed(db, supervisor, tmp_path)
    db.dispose()
    base = ("--db", str(db_path), "complaints", "list", "--json")

    def numbers(*extra: str) -> list[str]:
        code, out, _err = run_cli(capsys, *base, *extra)
        assert code == 0
        return [r["number"] for r in json.loads(out)]

    assert sorted(numbers()) == sorted([s.a_number, s.b_number, s.c_number])
    assert numbers("--search", "1111") == [s.b_number]  # last 4 of 李四's phone
    assert numbers("--search", "SF1234567890") == [s.a_number]  # waybill
    assert numbers("--search", "ww", "--open") == [s.c_number]  # initials, open ones
    assert numbers("--search", s.c_number[-4:]) == [s.c_number]  # the number's last digits
    assert numbers("--search", "nobody") == []
    code, out, _err = run_cli(capsys, "--db", str(db_path), "complaints", "list", "--search", "zs")
    assert code == 0 and s.a_number in out and s.b_number not in out and "1 complaints" in out


def test_care_today_and_training_list_search(
    db, db_path, supervisor, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from branch_crm.timeutil import local_today

    s = seed(db, supervisor, tmp_path)
    db.dispose()
    day = (local_today() + timedelta(days=10)).isoformat()
    argv = ("--db", str(db_path), "care", "today", "--date", day, "--json")
    code, out, _err = run_cli(capsys, *argv, "--search", s.serial)
    assert code == 0 and [r["id"] for r in json.loads(out)] == [s.li_task]
    code, out, _err = run_cli(capsys, *argv, "--search", "zs")
    assert [r["id"] for r in json.loads(out)] == [s.zhang_task]
    code, out, _err = run_cli(
        capsys, "--db", str(db_path), "training", "list", "--search", "没有", "--json"
    )
    assert code == 0 and json.loads(out) == []
