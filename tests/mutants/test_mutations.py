"""The mutants of `make mutants` still apply to the project: each one's text is where it says,
once, so that a rule that moves or changes is noticed here, not by a mutant that no longer
mutates anything."""

from __future__ import annotations

from pathlib import Path

from mutations import MUTANTS

REPO = Path(__file__).resolve().parents[2]


def test_every_mutant_changes_its_file_in_one_place():
    misplaced = [
        mutant.name
        for mutant in MUTANTS
        if mutant.old == mutant.new or (REPO / mutant.path).read_text().count(mutant.old) != 1
    ]
    assert misplaced == []


def test_mutants_have_distinct_names_and_say_which_rule_they_break():
    names = [mutant.name for mutant in MUTANTS]
    assert len(names) == len(set(names))
    assert all(mutant.rule and mutant.select for mutant in MUTANTS)


def test_the_docs_list_every_mutant_and_how_many_there_are():
    # Issue 27 asks for the list in the docs; a mutant added without it went unlisted once.
    page = (REPO / "docs" / "dbt-project.md").read_text()
    unlisted = [mutant.name for mutant in MUTANTS if f"`{mutant.name}`" not in page]
    assert unlisted == []
    assert f"All {len(MUTANTS)} are killed" in page
