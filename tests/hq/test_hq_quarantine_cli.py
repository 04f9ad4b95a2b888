"""``branch-crm-hq quarantine list|show``: IT sees what head office set aside and why, newest
first, by branch, as a table (English or Chinese) or JSON, and one change in full."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hq_push_support import REFERENCE, Office, change, customer, new_pk, now_stamp, office_at

from branch_crm.hq.cli import main


@dataclass
class SetAside:
    """A head office holding three quarantined changes: two of BR1 (PC A), one of BR2."""

    office: Office
    long_name: str
    forbidden: str
    other_branch: str

    def run(
        self, capsys: pytest.CaptureFixture[str], *argv: str, lang: str = "en"
    ) -> tuple[int, str, str]:
        code = main(["--lang", lang, "--db", self.office.server.database_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err


@pytest.fixture
def aside(hq_url: str) -> Iterator[SetAside]:
    with office_at(hq_url) as office:
        br1, br2 = office.register("BR1", "node1"), office.register("BR2", "node2")
        long_name, forbidden, other = new_pk(), new_pk(), new_pk()
        for pc, changes in (
            (br1, [change("customer", long_name, customer("BR1", "张" * 51), now_stamp("node1"))]),
            (br1, [change("reference_code", forbidden, REFERENCE, now_stamp("node1"))]),
            (br2, [change("customer", other, customer("BR2", "x", notes="\x00"), now_stamp("n2"))]),
        ):
            answer = office.push(pc, changes)
            assert answer.status_code == 200 and len(answer.json()["rejected"]) == 1, answer.text
        yield SetAside(office, long_name, forbidden, other)


def test_list_shows_the_newest_first_with_reason_and_why(capsys, aside: SetAside) -> None:  # type: ignore[no-untyped-def]
    code, out, err = aside.run(capsys, "quarantine", "list")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["id", "received", "branch", "PC", "table", "row", "reason", "why"]
    assert [row.split()[3] for row in rows] == ["BR2", "BR1", "BR1"]  # after the date and time
    assert aside.other_branch in rows[0] and "invalid" in rows[0]
    assert aside.forbidden in rows[1] and "forbidden" in rows[1]
    assert "head-office reference data" in rows[1]
    assert aside.long_name in rows[2]
    assert "customer.name: text longer than 50 characters" in rows[2]
    assert re.match(r"[0-9a-f]{8}  \d{4}-\d\d-\d\d \d\d:\d\d  BR1     A   customer", rows[2])


def test_list_of_one_branch_and_a_limit(capsys, aside: SetAside) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = aside.run(capsys, "quarantine", "list", "--branch", "BR1", "--limit", "1")
    assert code == 0
    _header, row, note = out.splitlines()
    assert aside.forbidden in row
    assert note == "1 of 2 changes shown, newest first (--limit shows more)."
    code, _out, err = aside.run(capsys, "quarantine", "list", "--branch", "BR9")
    assert code == 2 and err == "error: no branch 'BR9'; add it first\n"
    with pytest.raises(SystemExit):
        aside.run(capsys, "quarantine", "list", "--limit", "0")
    assert "0 is not a whole number of 1 or more" in capsys.readouterr().err


def test_list_as_json_and_show_in_full(capsys, aside: SetAside) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = aside.run(capsys, "quarantine", "list", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [r["pk"] for r in listed] == [aside.other_branch, aside.forbidden, aside.long_name]
    first = listed[2]
    assert (first["branch"], first["pc_code"], first["node_id"]) == ("BR1", "A", "node1")
    assert first["data"]["name"] == "张" * 51 and first["reason"] == "invalid"
    code, out, _err = aside.run(capsys, "quarantine", "show", first["id"][:8])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"id         {first['id']}"
    assert f"row        {aside.long_name}" in lines
    assert "why        customer.name: text longer than 50 characters" in lines
    assert lines.index("data       {") < lines.index(f'{" " * 13}"name": "{"张" * 51}",')
    assert lines[-1] == " " * 11 + "}"
    code, out, _err = aside.run(capsys, "quarantine", "show", first["id"], "--json")
    assert json.loads(out) == first


def test_show_refuses_an_unknown_or_too_short_id(capsys, aside: SetAside) -> None:  # type: ignore[no-untyped-def]
    assert aside.run(capsys, "quarantine", "show", "ffff0000")[1:] == (
        "",
        "error: Nothing quarantined has the id ffff0000.\n",
    )
    code, _out, err = aside.run(capsys, "quarantine", "show", "ab")
    assert code == 2 and err == "error: Give at least 4 characters of the id.\n"


def test_in_chinese(capsys, aside: SetAside) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = aside.run(capsys, "quarantine", "list", "--limit", "2", lang="zh_CN")
    assert code == 0
    header, _row1, _row2, note = out.splitlines()
    assert header.split() == ["编号", "收到时间", "网点", "电脑", "表", "记录", "原因", "说明"]
    assert note == "共 3 条，显示最新的 2 条（用 --limit 显示更多）。"
    code, out, _err = aside.run(capsys, "quarantine", "show", "ffff0000", lang="zh_CN")
    assert code == 2


def test_nothing_quarantined(capsys, hq_url: str) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", hq_url, "migrate"]) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "--db", hq_url, "quarantine", "list"]) == 0
    assert capsys.readouterr().out == "Nothing is quarantined.\n"
    assert main(["--lang", "zh_CN", "--db", hq_url, "quarantine", "list"]) == 0
    assert capsys.readouterr().out == "没有被隔离的更改。\n"
    assert main(["--lang", "en", "--db", hq_url, "quarantine", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
