"""The terminal tables of `answers` (words, a rule under the header) and `reconcile` (figures
right-aligned)."""

from __future__ import annotations

from core.text_table import text_table


def test_words_are_left_aligned_under_a_rule_without_trailing_spaces():
    table = text_table(["country", "n"], [["Chad", "7"], ["Peru", "12"]], rule=True)
    assert table.splitlines() == ["country  n", "-------  --", "Chad     7", "Peru     12"]


def test_figures_are_right_aligned_after_the_first_column():
    table = text_table(["table", "rows"], [["pins", "11,154"], ["users", "9"]], figures=True)
    assert table.splitlines() == ["table    rows", "pins   11,154", "users       9"]
