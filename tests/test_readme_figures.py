"""The README's measured figures cannot drift: its generated tables must be exactly what
scripts/readme_figures.py makes from tests/data/figures/*.json, and the accuracy figures must be
what the committed transcripts corpus gives."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import TESTS

sys.path.insert(0, str(TESTS.parent / "scripts"))
import readme_figures as rf
import transcribe_fixtures as tf

README = TESTS.parent / "README.md"


def test_readme_tables_are_generated_from_the_figures() -> None:
    text = README.read_text(encoding="utf-8")
    assert rf.render(text, rf.load()) == text, "run: python scripts/readme_figures.py"


def test_a_changed_figure_changes_the_readme() -> None:
    """The check can fail: one number different in the JSON gives a different README."""
    text = README.read_text(encoding="utf-8")
    figures = rf.load()
    figures["soak"] = {**figures["soak"], "sessions": figures["soak"]["sessions"] + 1}
    assert rf.render(text, figures) != text


def test_every_figures_file_has_a_table() -> None:
    used = {s for t in rf.TABLES.values() for s in t.sources}
    assert {p.stem for p in rf.FIGURES.glob("*.json")} == used


def test_accuracy_figures_are_what_the_corpus_gives() -> None:
    corpus = {e: tf.load(e) for e in ("whisper", "pocketsphinx")}
    saved = json.loads(tf.FIGURES.read_text(encoding="utf-8"))
    assert tf.figures(corpus) == saved, "run: python scripts/transcribe_fixtures.py --table"


def test_a_table_without_its_markers_is_an_error() -> None:
    with pytest.raises(SystemExit, match="needs exactly one <!-- figures:"):
        rf.render("no markers here", rf.load())
