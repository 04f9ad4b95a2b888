"""``branch-crm complaints sweep|list|stats`` and the demo generator, on a real database file."""

from __future__ import annotations

import json
from typing import Any

import pytest

from branch_crm.cli import main
from branch_crm.services.complaints import intake, workflow
from branch_crm.services.complaints import queue as cq
from branch_crm.services.context import system_actor, unit_of_work
from branch_crm.services.demo.complaints import add_demo_complaints
from tests.support.cli_help import run_cli
from tests.support.clock import local


def test_sweep_list_and_stats(db, db_path, counter, *, make_customer, clock, call, capsys) -> None:
    clock(local("2025-11-24 09:00"))
    data = intake.ComplaintInput(make_customer("张三"), "counter", "loss", "parcel lost")
    lost = call(counter, intake.take_complaint, data=data)
    data = intake.ComplaintInput(make_customer("李四"), "phone", "delay", "late")
    late = call(counter, intake.take_complaint, data=data)
    call(counter, workflow.accept_complaint, complaint_id=late.id)
    db.dispose()
    clock(local("2025-11-24 10:30"))
    code, out, _err = run_cli(capsys, "--db", str(db_path), "complaints", "sweep", "--json")
    assert code == 0
    assert json.loads(out) == {"checked": 1, "breaches": 1, "escalations": 2, "recomputed": 0}
    code, out, _err = run_cli(capsys, "--db", str(db_path), "complaints", "sweep")
    assert (code, out.strip()) == (0, "0 complaints checked: 0 breaches, 0 escalations recorded")

    code, out, _err = run_cli(
        capsys, "--db", str(db_path), "complaints", "list", "--open", "--json"
    )
    rows = json.loads(out)
    assert [(r["number"], r["state"], r["customer"]) for r in rows] == [
        (lost.number, "breached", "张三"),
        (late.number, "ok", "李四"),
    ]
    assert rows[0]["seconds_left"] == -30 * 60 and rows[0]["escalation_level"] == 2
    code, out, _err = run_cli(capsys, "--db", str(db_path), "complaints", "list")
    assert code == 0 and lost.number in out and "2 complaints" in out

    argv = ["--db", str(db_path), "complaints", "stats", "--from", "2025-11-01"]
    code, out, _err = run_cli(capsys, *argv, "--to", "2025-11-30", "--json")
    stats = json.loads(out)
    assert (stats["received"], stats["response"]["measured"], stats["response"]["rate"]) == (
        2,
        2,
        0.5,
    )
    code, out, _err = run_cli(capsys, "--lang", "en", *argv, "--to", "2025-11-30")
    assert "response target met: 1 of 2 (50.0%)" in out


def test_bad_dates_get_a_clear_message(db, db_path, capsys) -> None:
    db.dispose()
    argv = ["--db", str(db_path), "complaints", "stats", "--from", "2025-11-01"]
    code, _out, err = run_cli(capsys, *argv, "--to", "2025-10-01")
    assert code == 2 and "before the start date" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--to", "30.11.2026"])
    assert caught.value.code == 2
    assert "write it as YYYY-MM-DD" in capsys.readouterr().err


def test_db_after_the_command_and_a_missing_file_is_not_created(
    db, db_path, tmp_path, capsys
) -> None:
    db.dispose()
    code, out, _err = run_cli(
        capsys, "complaints", "list", "--open", "--json", "--db", str(db_path)
    )
    assert (code, json.loads(out)) == (0, [])
    missing = tmp_path / "nowhere.db"
    for command in (["sweep"], ["list"], ["stats", "--from", "2025-11-01", "--to", "2025-11-30"]):
        code, _out, err = run_cli(capsys, "complaints", *command, "--db", str(missing))
        assert code == 2 and f"No database at {missing}" in err
    assert not missing.exists()


def test_demo_complaints_are_consistent(db) -> None:
    from sqlalchemy import select

    from branch_crm.models import Complaint, ComplaintEvent

    now = local("2025-11-24 12:00")
    actor = system_actor("BR001")
    with unit_of_work(db, actor) as session:
        assert add_demo_complaints(session, 60, now=now) == 62  # and the overdue pair
    with unit_of_work(db, actor) as session:
        queue = cq.list_queue(session=session, now=now)
    running = [(r.grade, cq.row_state(r, now.timestamp()), r.escalation_level) for r in queue
               if not r.responded]  # fmt: skip
    assert (1, cq.WARNED, 0) in running and (1, cq.BREACHED, 2) in running
    with unit_of_work(db, actor) as session:
        rows: list[Any] = list(session.scalars(select(Complaint)))
        statuses = {c.status for c in rows}
        assert {"received", "in_progress", "closed"} <= statuses
        for c in rows:
            events = session.scalars(
                select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)
            ).all()
            assert events[0].kind == "received" and c.received_at <= now
            assert all(e.at <= now for e in events)
            if c.status == "closed":
                assert c.root_cause and c.corrective_action and c.closed_at <= now
            assert c.response_due_at is not None and c.sla_basis is not None
