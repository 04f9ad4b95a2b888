"""Refusal texts point at highlighted fields only when some field is highlighted."""

from __future__ import annotations

from branch_crm.errors import ValidationError
from branch_crm.ui.messages import banner_text, error_text

GENERIC = "Please correct the highlighted fields."


def test_a_message_box_says_the_field_messages_not_highlighted_fields() -> None:
    assert error_text(ValidationError({"serial": "Unknown serial."})) == "Unknown serial."
    two = error_text(ValidationError({"a": "First.", "b": "Second."}))
    assert two == "• First.\n• Second." and GENERIC not in two
    own = error_text(ValidationError({"a": "First."}, "The session is full."))
    assert own == "The session is full.\n• First."
    assert error_text(ValidationError({})) == GENERIC


def test_a_banner_mentions_highlighted_fields_only_when_some_are() -> None:
    assert banner_text(["Phone taken."], highlighted=False) == "Phone taken."
    assert banner_text([], highlighted=True) == GENERIC
    assert banner_text(["Phone taken."], highlighted=True) == f"{GENERIC} Phone taken."
    own = ValidationError({"x": "y"}, "Saved by someone else meanwhile.")
    assert banner_text([], highlighted=True, error=own) == "Saved by someone else meanwhile."
