from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from voice_assistant.data import DataError
from voice_assistant.voices import ENGINES
from voice_assistant.voices.spoken import PRONOUNCE, load_lexicon, speech_text


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Call 911 now.", "Call, 9, 1, 1 now."),
        ("If anyone is in danger, call 911 right now.",
         "If anyone is in danger, call, 9, 1, 1 right now."),
        ("We answer 24/7.", "We answer twenty four seven."),
        ("Call 555-0123.", "Call, 5, 5, 5. 0, 1, 2, 3."),
        ("Call Sam on 5 5 5, 0 1 2 3. Soon.", "Call Sam on, 5, 5, 5. 0, 1, 2, 3. Soon."),
        ("on plus 1, 5 5 5, 0 1 9 9.", "on plus, 1. 5, 5, 5. 0, 1, 9, 9."),
        ("Code 2024", "Code, 2, 0, 2, 4"),
        ("Room 12, 2-3 days, 1,000 dollars, pi is 3.14159.", None),
        ("Okay.", None),
    ],
)
def test_numbers_are_read_digit_by_digit_with_pauses(sentence: str, expected: str | None) -> None:
    assert speech_text(sentence, "all") == (expected or sentence)


def _lexicon(tmp_path: Path, text: str):
    path = tmp_path / "pronounce.yaml"
    path.write_text(text, encoding="utf-8")
    return load_lexicon(path)


def test_spoken_forms_are_whole_words_per_engine_keeping_the_capital(tmp_path: Path) -> None:
    lex = _lexicon(tmp_path, "all:\n  lockbox: lock box\npyttsx3:\n  you're: you are\n")
    said = "Lockbox or lockboxes? You're here, you're sure."
    assert speech_text(said, "pyttsx3", lex) == "Lock box or lockboxes? You are here, you are sure."
    assert speech_text(said, "piper", lex) == "Lock box or lockboxes? You're here, you're sure."


def test_every_shipped_spoken_form_is_used_for_its_engine() -> None:
    doc = yaml.safe_load(PRONOUNCE.read_text(encoding="utf-8"))
    assert doc["pyttsx3"], "the default voice has spoken forms"
    for engine, table in doc.items():
        for written, said in table.items():
            engines = list(ENGINES) if engine == "all" else [engine]
            for name in engines:
                assert said in speech_text(f"Say {written} now.", name), (engine, written)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- a list\n", "must map a voice engine"),
        ("pyttsx3: [1, 2]\n", "pyttsx3: must map written words"),
        ("pyttsx3:\n  lockbox: ''\n", "pyttsx3.lockbox: both sides must be words"),
        ("pyttsx3: {a: b\n", "cannot read"),
    ],
)
def test_a_bad_pronunciation_file_is_one_line(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(DataError) as err:
        _lexicon(tmp_path, text)
    assert problem in str(err.value) and "\n" not in str(err.value)


def test_every_mistake_in_the_pronunciation_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        _lexicon(tmp_path, "all:\n  a: ''\n  ok: fine\npyttsx3: [1]\npiper:\n  b: ''\n")
    assert [p.split(": ", 1)[1] for p in err.value.problems] == [
        "all.a: both sides must be words", "pyttsx3: must map written words to spoken forms",
        "piper.b: both sides must be words"]
