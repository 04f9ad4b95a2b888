"""Survey scores against a hand-computed example: CSAT, item averages, NPS, CES, tier, trend."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from branch_crm.errors import ValidationError
from branch_crm.services.surveys import entry
from branch_crm.services.surveys import scores as ss
from tests.support.services import run_service
from tests.support.surveys import answers, customer, printed_form


@pytest.fixture
def example(db, supervisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Four current responses (one of them a correction) over three months of 2025.

    R1 strategic, 2025-01-15: every item 5, NPS 10, CES 7
    R2 strategic, 2025-02-10: every item 4, NPS 8,  CES 5
    R3 ordinary,  2025-02-20: every item 2, NPS 3,  CES 2
    R4 ordinary,  2025-03-05: every item 1, NPS 0 -> corrected to every item 5, NPS 9, no CES
    """
    plan = [
        ("甲", "strategic", date(2025, 1, 15), answers(5, 10, 7)),
        ("乙", "strategic", date(2025, 2, 10), answers(4, 8, 5)),
        ("丙", "ordinary", date(2025, 2, 20), answers(2, 3, 2)),
        ("丁", "ordinary", date(2025, 3, 5), answers(1, 0, None)),
    ]
    last = None
    for i, (name, tier, day, given) in enumerate(plan):
        cid = customer(db, supervisor, name, f"1380000000{i}", tier=tier)
        serial = printed_form(db, supervisor, cid, tmp_path, printed_on=date(2025, 1, 2))
        last = run_service(db, supervisor, entry.enter_form_response, serial=serial,
                           data=entry.ResponseInput(given, answered_on=day))  # fmt: skip
    run_service(db, supervisor, entry.correct_response, response_id=last.response.id,
                data=entry.ResponseInput(answers(5, 9, None)))  # fmt: skip


def test_compute_scores_is_plain_arithmetic() -> None:
    kinds = {"a": "scale5", "b": "scale5", "n": "nps", "c": "ces"}
    scores = ss.compute_scores(
        [({"a": 5, "b": 3, "n": 10, "c": 6}, kinds), ({"a": 4, "b": None, "n": 6}, kinds)]
    )
    assert scores.responses == 2
    assert scores.csat == pytest.approx(100 * 2 / 3)
    assert scores.item_averages == {"a": 4.5, "b": 3.0}
    assert (scores.promoters, scores.passives, scores.detractors) == (1, 0, 1)
    assert scores.nps == 0.0 and scores.ces == 6.0 and scores.ces_easy == 100.0
    empty = ss.compute_scores([])
    assert empty.csat is None and empty.nps is None and empty.ces is None


def test_whole_period(db, supervisor, example) -> None:  # type: ignore[no-untyped-def]
    scores = run_service(db, supervisor, ss.survey_scores)
    assert scores.responses == 4  # the superseded answers do not count
    assert scores.csat == pytest.approx(75.0)  # 24 of 32 item answers are 4 or 5
    assert scores.item_averages["timeliness"] == pytest.approx(4.0)  # (5+4+2+5)/4
    assert scores.item_counts["value"] == 4
    assert (scores.promoters, scores.passives, scores.detractors) == (2, 1, 1)
    assert scores.nps == pytest.approx(25.0)  # (2 - 1) / 4
    assert scores.ces == pytest.approx(14 / 3)  # (7 + 5 + 2) / 3
    assert scores.ces_easy == pytest.approx(200 / 3)


def test_by_period_and_tier(db, supervisor, example) -> None:  # type: ignore[no-untyped-def]
    february = run_service(
        db, supervisor, ss.survey_scores, start=date(2025, 2, 1), end=date(2025, 2, 28)
    )
    assert february.responses == 2 and february.csat == pytest.approx(50.0)
    assert february.nps == pytest.approx(-50.0)  # one passive (8), one detractor (3)
    strategic = run_service(db, supervisor, ss.survey_scores, tier="strategic")
    assert strategic.responses == 2 and strategic.csat == 100.0 and strategic.nps == 50.0
    tiers = run_service(db, supervisor, ss.scores_by_tier)
    assert tiers["ordinary"].responses == 2 and tiers["ordinary"].nps == 0.0
    assert tiers["key"].responses == 0 and tiers["key"].csat is None
    with pytest.raises(ValidationError):
        run_service(db, supervisor, ss.survey_scores, start=date(2025, 3, 1), end=date(2025, 2, 1))


def test_month_by_month_trend(db, supervisor, example) -> None:  # type: ignore[no-untyped-def]
    trend = run_service(db, supervisor, ss.monthly_trend, months=4, last_month="2025-03")
    assert [m.month for m in trend] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    assert [m.scores.responses for m in trend] == [0, 1, 2, 1]
    assert [m.scores.nps for m in trend] == [None, 100.0, -50.0, 100.0]
    assert [m.scores.csat for m in trend] == [None, 100.0, 50.0, 100.0]
    with pytest.raises(ValidationError):
        run_service(db, supervisor, ss.monthly_trend, months=0)
