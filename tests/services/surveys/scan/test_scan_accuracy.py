"""The accuracy bench's generator on 20 pages: real printed forms, marks of every style,
scanner and phone degradations, read back into a real database. Its invariants hold."""

from __future__ import annotations

from pathlib import Path


def test_twenty_generated_pages(tmp_path: Path) -> None:
    from bench.scan_accuracy import SPOIL_EVERY, measure

    result = measure(20, tmp_path, seed=5)
    assert result["wrong_customer_answers"] == 0
    assert result["serial_read_or_review"] == 1.0
    assert result["box_accuracy"] >= 0.99
    assert result["wrong_answers_stored"] == 0
    assert result["pages_stored"] >= 20 - 20 // SPOIL_EVERY - 2
    assert set(result["box_accuracy_by_style"]) >= {"tick", "cross", "filled", "pencil"}
