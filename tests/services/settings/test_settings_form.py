"""The settings screen's service: sources of values, all-or-nothing saves, rights."""

from __future__ import annotations

import pytest

from branch_crm.errors import PermissionDenied, ValidationError
from branch_crm.models import PolicySetting
from branch_crm.models.base import HQ_BRANCH
from branch_crm.services.context import unit_of_work
from branch_crm.services.settings import values as settings
from branch_crm.services.settings.form import save_settings, settings_overview


def test_overview_shows_head_office_value_and_override(db, admin) -> None:
    with db.session(branch_id=HQ_BRANCH) as session:
        session.add(PolicySetting(key="tier.key_min", value={"value": 1200}, branch_id=HQ_BRANCH))
    with unit_of_work(db, admin) as session:
        save_settings(session=session, actor=admin, values={"tier.key_min": 800})
        views = {v.key: v for v in settings_overview(session=session, actor=admin)}
    view = views["tier.key_min"]
    assert (view.head_office, view.value, view.overridden, view.default) == (1200, 800, True, 1000)
    assert "demo.accounts" not in views
    with unit_of_work(db, admin) as session:
        save_settings(session=session, actor=admin, values={}, clear_overrides=["tier.key_min"])
        assert settings.get(session, "tier.key_min") == 1200


def test_all_or_nothing_with_every_problem_named(db, admin) -> None:
    with pytest.raises(ValidationError) as caught, unit_of_work(db, admin) as session:
        save_settings(
            session=session,
            actor=admin,
            values={
                "company.name": "示例速运",
                "hq.url": "ftp://hq",
                "branch.code": "HQ",
                "sync.interval_minutes": 0,
                "auth.lockout_minutes": "ten",
            },
        )
    assert set(caught.value.fields) == {
        "hq.url",
        "branch.code",
        "sync.interval_minutes",
        "auth.lockout_minutes",
    }
    with db.session() as session:
        assert settings.get(session, "company.name") == ""


def test_values_are_cleaned(db, admin) -> None:
    with unit_of_work(db, admin) as session:
        changed = save_settings(
            session=session,
            actor=admin,
            values={"branch.code": " br007 ", "hq.url": "https://hq.example.com/", "language": ""},
        )
        assert settings.get(session, "branch.code") == "BR007"
        assert settings.get(session, "hq.url") == "https://hq.example.com"
    assert sorted(changed) == ["branch.code", "hq.url"]  # the language stayed as it was


def test_only_admins_change_settings_but_anyone_the_language(db, counter) -> None:
    with pytest.raises(PermissionDenied), unit_of_work(db, counter) as session:
        save_settings(session=session, actor=counter, values={"hq.url": "https://x.example"})
    with unit_of_work(db, counter) as session:
        save_settings(session=session, actor=counter, values={"language": "en"})
        views = {v.key: v for v in settings_overview(session=session, actor=counter)}
    assert views["language"].value == "en" and views["language"].editable
    assert not views["hq.url"].editable
