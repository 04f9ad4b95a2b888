"""Pickup preferences: validation, saving with who/when, history in words on the timeline."""

from __future__ import annotations

import pytest

from branch_crm.errors import NotFound, PermissionDenied, ValidationError
from branch_crm.services.customers.preferences import (
    PreferenceInput,
    get_preferences,
    preference_history,
    save_preferences,
    validate_preferences,
)
from branch_crm.services.timeline import customer_timeline


def prefs(**kwargs: object) -> PreferenceInput:
    base: dict[str, object] = {"availability": {"mon": [("09:00", "12:00")]}}
    base.update(kwargs)
    return PreferenceInput(**base)  # type: ignore[arg-type]


def test_valid_preferences_have_no_messages() -> None:
    data = prefs(
        availability={"mon": [("09:00", "12:00"), ("14:00", "18:00")], "sat": [("10:00", "24:00")]},
        drop_off="parcel_locker",
        call_before_minutes=240,
        special_handling=["fragile", "cold_chain"],
    )
    assert validate_preferences(data) == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"availability": {"mon": [("9:00", "12:00")]}}, "availability.mon", "HH:MM"),
        ({"availability": {"tue": [("12:00", "09:00")]}}, "availability.tue", "end after"),
        ({"availability": {"wed": [("25:00", "26:00")]}}, "availability.wed", "HH:MM"),
        (
            {"availability": {"thu": [("09:00", "12:00"), ("11:00", "13:00")]}},
            "availability.thu",
            "overlap",
        ),
        (
            {"availability": {"fri": [(f"0{i}:00", f"0{i}:30") for i in range(5)]}},
            "availability.fri",
            "At most 4",
        ),
        ({"availability": {"holiday": [("09:00", "10:00")]}}, "availability", "holiday"),
        ({"drop_off": "roof"}, "drop_off", "Choose"),
        ({"drop_off": "other"}, "drop_off_other", "Say where"),
        ({"drop_off": "other", "drop_off_other": "x" * 101}, "drop_off_other", "100"),
        ({"call_before_minutes": -1}, "call_before_minutes", "240"),
        ({"call_before_minutes": 241}, "call_before_minutes", "240"),
        ({"packaging": "箱" * 101}, "packaging", "100"),
        ({"special_handling": ["explosive"]}, "special_handling", "explosive"),
        ({"notes": "x" * 1001}, "notes", "1000"),
    ],
)
def test_each_problem_is_reported_beside_its_field(changes, field, words) -> None:  # type: ignore[no-untyped-def]
    errors = validate_preferences(prefs(**changes))
    assert field in errors, errors
    assert words in errors[field]


def test_save_and_read_back_with_who_and_when(call, courier, customer) -> None:  # type: ignore[no-untyped-def]
    assert call(courier, get_preferences, customer_id=customer) is None
    view = call(
        courier,
        save_preferences,
        customer_id=customer,
        data=prefs(
            availability={"tue": [("14:00", "18:00"), ("09:00", "12:00")], "sun": []},
            away_weekends=True,
            drop_off="other",
            drop_off_other=" 隔壁3号代收 ",
            call_before_minutes=30,
            packaging="中号纸箱",
            special_handling=["valuables", "fragile"],
        ),
    )
    again = call(courier, get_preferences, customer_id=customer)
    assert again == view
    assert view.availability == {"tue": (("09:00", "12:00"), ("14:00", "18:00"))}
    assert view.drop_off_other == "隔壁3号代收"
    assert view.special_handling == ("fragile", "valuables")
    assert view.recorded_by_name == "揽件员老李" and view.recorded_at is not None


def test_refused_or_forbidden_saves_write_nothing(call, courier, customer, count) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from branch_crm.services.context import Actor

    with pytest.raises(ValidationError):
        call(courier, save_preferences, customer_id=customer, data=prefs(drop_off="other"))
    nobody = replace(courier, role="courier")
    assert isinstance(nobody, Actor)
    with pytest.raises(NotFound):
        call(courier, save_preferences, customer_id="missing", data=prefs())
    assert count("SELECT count(*) FROM pickup_preference") == 0


def test_every_role_may_record_preferences(call, counter, courier, supervisor, customer) -> None:  # type: ignore[no-untyped-def]
    for actor in (counter, courier, supervisor):
        call(actor, save_preferences, customer_id=customer, data=prefs(call_before_minutes=5))
    from branch_crm.reference.roles import Permission
    from branch_crm.services import permissions

    assert all(
        permissions.allowed(a, Permission.PREFERENCE_EDIT) for a in (counter, courier, supervisor)
    )
    with pytest.raises(PermissionDenied):
        permissions.require(courier, Permission.CUSTOMER_EDIT)


def test_history_in_words_newest_first_and_on_the_timeline(
    call, courier, counter, customer
) -> None:  # type: ignore[no-untyped-def]
    call(courier, save_preferences, customer_id=customer, data=prefs(drop_off="parcel_locker"))
    call(
        counter,
        save_preferences,
        customer_id=customer,
        data=prefs(drop_off="door", call_before_minutes=15),
    )
    history = call(courier, preference_history, customer_id=customer)
    assert [e.title for e in history] == [
        "Pickup preferences changed",
        "Pickup preferences recorded",
    ]
    latest, first = history
    assert latest.actor_name == "柜台小王" and first.actor_name == "揽件员老李"
    assert "Drop-off: Parcel locker → At the door" in latest.detail
    assert "Call before: no call needed → call 15 min before" in latest.detail
    assert "Drop-off: Parcel locker" in first.detail and "Mon 09:00-12:00" in first.detail
    assert latest.at >= first.at
    timeline = call(counter, customer_timeline, customer_id=customer)
    kinds = [e.kind for e in timeline]
    assert kinds.count("preference") == 2
    assert timeline.index(latest) < timeline.index(first)


def test_unchanged_save_is_still_recorded_as_a_check(call, courier, customer) -> None:  # type: ignore[no-untyped-def]
    call(courier, save_preferences, customer_id=customer, data=prefs())
    call(courier, save_preferences, customer_id=customer, data=prefs())
    history = call(courier, preference_history, customer_id=customer)
    assert len(history) == 2
    assert history[0].detail == "Checked with the customer, nothing changed."


def test_preferences_without_a_local_trail_still_show_who_recorded_them(
    db, call, courier, counter, customer
) -> None:  # type: ignore[no-untyped-def]
    """Rows that arrived by sync (or the demo's bulk load) have no audit entries here: the
    history shows the recording the row itself names instead of nothing."""
    call(courier, save_preferences, customer_id=customer, data=prefs(drop_off="parcel_locker"))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_entry WHERE entity = 'pickup_preference'")
    history = call(counter, preference_history, customer_id=customer)
    assert [(e.title, e.actor_name) for e in history] == [
        ("Pickup preferences recorded", "揽件员老李")
    ]
    assert "Drop-off: Parcel locker" in history[0].detail and "Mon 09:00-12:00" in history[0].detail
    timeline = call(counter, customer_timeline, customer_id=customer)
    assert [e.kind for e in timeline].count("preference") == 1
