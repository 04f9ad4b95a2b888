"""Demo data: every tier, stage and lifecycle occurs; phones unique and valid; staff can sign
in; the lookup index and stats are complete; nothing half-written on failure."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from branch_crm.errors import CrmError
from branch_crm.services.customers.classification import LIFECYCLES, STAGES, TIERS, reference_month
from branch_crm.services.customers.phone_numbers import normalize_phone
from branch_crm.services.customers.search_index import Doc, doc_terms
from branch_crm.services.demo import fill as demo_module
from branch_crm.services.demo.fill import fill_demo
from branch_crm.services.demo.generator import DemoGenerator
from branch_crm.timeutil import add_months

CUSTOMERS = 1500


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One demo database for the whole module (filled once)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    return fill_demo(path, customers=CUSTOMERS, seed=5)


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_every_tier_stage_lifecycle_and_churn_occur(demo) -> None:  # type: ignore[no-untyped-def]
    found = rows(demo.path, "SELECT tier, stage, lifecycle, churn_risk FROM customer_stats")
    assert len(found) == CUSTOMERS
    assert {r[0] for r in found} == set(TIERS)
    assert {r[1] for r in found} == set(STAGES)
    assert {r[2] for r in found} == set(LIFECYCLES)
    assert any(r[3] for r in found)
    walk_in = sum(r[0] == "walk_in" for r in found) / CUSTOMERS
    assert 0.6 < walk_in < 0.95  # the value pyramid: most customers are occasional


def test_phones_are_unique_valid_and_every_customer_has_one(demo) -> None:  # type: ignore[no-untyped-def]
    phones = rows(demo.path, "SELECT phone, kind, customer_id, position FROM customer_phone")
    assert len({p[0] for p in phones}) == len(phones)
    for phone, kind, _customer, _position in phones:
        assert normalize_phone(phone) == (phone, kind)
    assert {p[2] for p in phones if p[3] == 0} == {
        r[0] for r in rows(demo.path, "SELECT id FROM customer")
    }
    kinds = [p[1] for p in phones]
    assert kinds.count("landline") > 20 and kinds.count("mobile") > CUSTOMERS * 0.8


def test_volumes_cover_eighteen_months_ending_last_month(demo) -> None:  # type: ignore[no-untyped-def]
    first, last = rows(demo.path, "SELECT min(month), max(month) FROM monthly_volume")[0]
    assert last == reference_month()
    assert first == add_months(reference_month(), -17)


def test_names_companies_and_preferences_look_real(demo) -> None:  # type: ignore[no-untyped-def]
    names = [r[0] for r in rows(demo.path, "SELECT name FROM customer")]
    assert all(2 <= len(n) <= 4 for n in names)
    surnames = [n[0] for n in names]
    assert surnames.count("王") > surnames.count("孔") * 3  # common surnames weighted
    companies = [
        r[0] for r in rows(demo.path, "SELECT company FROM customer WHERE company IS NOT NULL")
    ]
    assert len(companies) > CUSTOMERS * 0.05
    notes = rows(demo.path, "SELECT count(*) FROM customer WHERE notes IS NOT NULL")[0][0]
    assert CUSTOMERS * 0.02 < notes < CUSTOMERS * 0.12
    prefs = rows(demo.path, "SELECT count(*) FROM pickup_preference")[0][0]
    assert CUSTOMERS * 0.05 < prefs < CUSTOMERS * 0.3


def test_staff_accounts_sign_in_with_the_printed_passwords(demo) -> None:  # type: ignore[no-untyped-def]
    stored = dict(rows(demo.path, "SELECT username, password_hash FROM staff"))
    assert {c.role for c in demo.staff} == {"admin", "supervisor", "counter", "courier"}
    for account in demo.staff:
        assert PasswordHasher().verify(stored[account.username], account.password)


def test_lookup_index_and_settings_are_complete(demo) -> None:  # type: ignore[no-untyped-def]
    assert rows(demo.path, "SELECT count(*) FROM search_dirty")[0][0] == 0
    assert rows(demo.path, "SELECT count(*) FROM search_doc")[0][0] == CUSTOMERS
    docs = rows(demo.path, "SELECT * FROM search_doc WHERE local_no % 97 = 1")
    columns = [r[1] for r in rows(demo.path, "PRAGMA table_info(search_doc)")]
    for values in docs:
        doc = Doc(**dict(zip(columns, values, strict=True)))
        stored = rows(
            demo.path, "SELECT term, kind FROM search_term WHERE local_no = ?", (doc.local_no,)
        )
        assert set(stored) == doc_terms(doc)
    values = dict(rows(demo.path, "SELECT key, json_extract(value, '$.value') FROM local_setting"))
    assert values["branch.name"] and values["company.name"]


def test_triggers_are_back_after_the_load(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.db import open_database

    fresh = tmp_path / "fresh.db"
    open_database(fresh).dispose()
    sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    assert rows(demo.path, sql) == rows(fresh, sql)
    assert len(rows(fresh, sql)) > 10


def test_bulk_load_is_not_sync_traffic(demo) -> None:  # type: ignore[no-untyped-def]
    captured = rows(
        demo.path,
        "SELECT count(*) FROM sync_outbox WHERE table_name IN "
        "('customer', 'customer_phone', 'monthly_volume', 'pickup_preference')",
    )
    assert captured[0][0] == 0


def test_search_finds_demo_customers(demo) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.db import open_database
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.customers.search import search_customers

    name, phone = rows(demo.path, "SELECT name, phone FROM search_doc WHERE local_no = 700")[0]
    db = open_database(demo.path)
    try:
        with unit_of_work(db, system_actor("BR001")) as session:
            hits = search_customers(session=session, query=phone)
            assert [(h.name, h.match) for h in hits][:1] == [(name, "phone")]
            assert name in [h.name for h in search_customers(session=session, query=name)]
    finally:
        db.dispose()


def test_a_non_empty_database_is_refused_and_left_alone(demo) -> None:  # type: ignore[no-untyped-def]
    before = rows(demo.path, "SELECT count(*) FROM staff")[0][0]
    with pytest.raises(CrmError, match="already holds"):
        fill_demo(demo.path, customers=10)
    assert rows(demo.path, "SELECT count(*) FROM staff")[0][0] == before


def test_same_seed_same_people(tmp_path: Path) -> None:
    first = fill_demo(tmp_path / "a.db", customers=120, seed=9, complaints=False)
    second = fill_demo(tmp_path / "b.db", customers=120, seed=9, complaints=False)
    sql = (
        "SELECT c.name, p.phone FROM customer c JOIN customer_phone p ON p.customer_id = c.id "
        "ORDER BY c.local_no, p.position"
    )
    assert rows(first.path, sql) == rows(second.path, sql)
    assert [c.password for c in first.staff] == [c.password for c in second.staff]


def _fail_after(count: int) -> Any:
    original = DemoGenerator.add_customer

    def add_customer(self: DemoGenerator, batch: Any, local_no: int) -> None:
        if local_no > count:
            raise RuntimeError("disk full")
        original(self, batch, local_no)

    return add_customer


def test_a_failed_fill_removes_a_new_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_module, "BATCH", 50)
    monkeypatch.setattr(DemoGenerator, "add_customer", _fail_after(120))
    path = tmp_path / "new.db"
    with pytest.raises(RuntimeError, match="disk full"):
        fill_demo(path, customers=300)
    assert not path.exists()


def test_a_failed_fill_restores_an_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.db import open_database

    path = tmp_path / "existing.db"
    open_database(path).dispose()
    monkeypatch.setattr(DemoGenerator, "add_customer", _fail_after(10))
    with pytest.raises(RuntimeError):
        fill_demo(path, customers=30)
    assert rows(path, "SELECT count(*) FROM staff")[0][0] == 0
    assert rows(path, "SELECT count(*) FROM customer")[0][0] == 0
    assert not list(tmp_path.glob("*.bak"))
    open_database(path).dispose()  # still a good database


def test_preference_times_are_the_forms_slots_in_order(demo) -> None:  # type: ignore[no-untyped-def]
    import json

    slots = {("08:00", "12:00"), ("12:00", "18:00"), ("18:00", "21:00")}
    weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for (raw,) in rows(demo.path, "SELECT availability FROM pickup_preference"):
        availability = json.loads(raw)
        days = list(availability)
        assert days == sorted(days, key=weekdays.index)
        for windows in availability.values():
            pairs = [tuple(w) for w in windows]
            assert pairs == sorted(pairs) and set(pairs) <= slots


def test_nothing_is_due_for_the_catch_up_after_a_fill(demo) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.db import open_database
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.customers.classification import catch_up_step

    db = open_database(demo.path)
    try:
        with unit_of_work(db, system_actor("BR001"), audit=False) as session:
            assert catch_up_step(session=session).finished
    finally:
        db.dispose()


# --- activity: every page has something to show -------------------------------------------


def test_returned_surveys_with_detractors_and_their_follow_ups(demo) -> None:  # type: ignore[no-untyped-def]
    import json

    responses = rows(demo.path, "SELECT channel, answers, form_id FROM survey_response")
    assert len(responses) >= 12
    assert {r[0] for r in responses} == {"paper", "phone", "counter"}
    assert all(r[2] for r in responses if r[0] == "paper")  # keyed in from a printed form
    returned = rows(demo.path, "SELECT count(*) FROM survey_form WHERE status = 'returned'")
    assert returned[0][0] == sum(r[0] == "paper" for r in responses)
    nps = [json.loads(r[1])["nps"] for r in responses]
    assert any(n <= 6 for n in nps) and any(n >= 9 for n in nps)  # detractors and promoters
    tasks = rows(demo.path, "SELECT status, due_on, title_message FROM care_task")
    statuses = [t[0] for t in tasks]
    assert {"open", "done", "cancelled"} <= set(statuses)
    today = rows(demo.path, "SELECT date('now', 'localtime')")[0][0]
    assert any(s == "open" and due < today for s, due, _m in tasks)  # something overdue
    assert all(m for _s, _d, m in tasks)  # titles kept language-neutral


def test_training_sessions_with_attendance_and_one_coming_up(demo) -> None:  # type: ignore[no-untyped-def]
    sessions = rows(
        demo.path,
        "SELECT s.id, s.starts_at > datetime('now'), "
        "sum(a.status IN ('present', 'late')), sum(a.status = 'expected') "
        "FROM training_session s JOIN training_attendee a ON a.session_id = s.id GROUP BY s.id",
    )
    past = [s for s in sessions if not s[1]]
    coming = [s for s in sessions if s[1]]
    assert len(past) >= 3 and len(coming) >= 1
    assert all(s[2] > 0 and s[3] == 0 for s in past)  # attendance recorded for everyone
    assert all(s[2] == 0 for s in coming)


def test_same_seed_same_surveys_and_sessions(tmp_path: Path) -> None:
    sql = (
        "SELECT c.local_no, r.channel, r.answers, r.suggestion, date(r.answered_on) "
        "FROM survey_response r JOIN customer c ON c.id = r.customer_id ORDER BY c.local_no"
    )
    tasks = "SELECT c.local_no, t.status, t.due_on FROM care_task t " \
            "JOIN customer c ON c.id = t.customer_id ORDER BY c.local_no"  # fmt: skip
    training = "SELECT a.name, a.status FROM training_attendee a ORDER BY a.name, a.status"
    first = fill_demo(tmp_path / "a.db", customers=120, seed=9)
    second = fill_demo(tmp_path / "b.db", customers=120, seed=9)
    for query in (sql, tasks, training):
        assert rows(first.path, query) == rows(second.path, query)
    assert rows(first.path, sql)
