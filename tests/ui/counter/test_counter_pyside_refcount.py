"""Guard against a PySide6 build that loses references on slot calls.

PySide6 6.12.0 on CPython 3.11 dropped one reference to None per Python slot call: the app
aborted ("deallocating None") after a few thousand signals, e.g. keystrokes in the lookup.
pyproject.toml pins below it; this test fails if a bad build comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QCheckBox, QLineEdit


def test_slot_calls_keep_none_and_bool_references(qapp) -> None:  # type: ignore[no-untyped-def]
    box = QCheckBox()
    edit = QLineEdit()
    box.toggled.connect(lambda *_args: None)
    edit.textChanged.connect(lambda *_args: None)
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for index in range(2000):
        box.setChecked(not box.isChecked())
        edit.setText(str(index))
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    assert all(a >= b - 50 for a, b in zip(after, before, strict=True)), (before, after)
