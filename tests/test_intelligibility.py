"""The intelligibility check: every reply text rendered with each voice, as it is played, and
transcribed by Whisper tiny.en; word error rate per reply and overall, under a limit per voice.

Each voice is rendered and transcribed once per test session (`intelligibility.report` caches
it); the worst replies are printed, so a failure shows what was misheard.
"""

from __future__ import annotations

import pytest

from voice_assistant import data, intelligibility, voices
from voice_assistant.intelligibility import (
    CONTACTS,
    LIMITS,
    Report,
    Score,
    reply_texts,
    spoken_words,
    verdict,
    word_errors,
)
from voice_assistant.stt import EngineError
from voice_assistant.tts import VoiceSettings
from voice_assistant.voices import loudness

# --- scoring ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call 911 now!", "call nine one one now"),
        ("Call 9-1-1, now.", "call nine one one now"),
        ("on 5 5 5, 0 1 2 3.", "on five five five zero one two three"),
        ("555-0123", "five five five zero one two three"),
        ("You're back inside, OK?", "you are back inside okay"),
        ("Your neighbor's well-lit place", "your neighbour well lit place"),
    ],
)
def test_spoken_words(text: str, expected: str) -> None:
    assert spoken_words(text) == expected.split()


def test_word_errors_count_substitutions_deletions_and_insertions() -> None:
    ref = "check for an unlocked window".split()
    assert word_errors(ref, ref) == 0
    assert word_errors(ref, "check for a locked window".split()) == 2
    assert word_errors(ref, "check an unlocked window".split()) == 1
    assert word_errors(ref, "check for an unlocked back window".split()) == 1
    assert word_errors(ref, []) == len(ref)


def test_report_totals_and_worst_first() -> None:
    scores = (Score("a", "one two", "one two", 0, 2), Score("b", "x y z w", "x", 3, 4),
              Score("c", "p q", "p", 1, 2))
    report = Report("fake", scores, -18.0, -1.0)
    assert report.wer == pytest.approx(4 / 8)
    assert [s.key for s in report.worst(5)] == ["b", "c"]
    assert "b: said 'x y z w', heard 'x'" in report.summary()


def test_verdict_words() -> None:
    assert verdict(0.01) == "very clear" and verdict(0.2) == "hard to follow"


def test_every_reply_text_is_checked_with_the_contacts_filled_in() -> None:
    d = data.default()
    texts = dict(reply_texts(d))
    for name, step in d.guide.steps.items():
        for sentence in step.say:
            assert sentence.replace("{emergency}", "911") in texts[f"{name}.say"]
        if step.question:
            assert texts[f"{name}.question"] == step.question
    assert "5 5 5, 0 1 2 3" in texts["landlord.contact"] and "Sam" in texts["landlord.contact"]
    assert CONTACTS.locksmith.name in texts["locksmith.contact"]
    assert "911" in texts["emergency.say"]
    assert all(f"tip.{name}" in texts for name, _ in d.guide.tips)
    assert texts["reply.did_you_mean.landlord"] == "Did you mean your landlord?"
    assert set(intelligibility.SHORT) <= set(texts)


# --- the voices ---------------------------------------------------------------------------


def _report(engine: str) -> Report:
    why = voices.available()[engine]
    if why is not None:
        pytest.skip(f"the {engine} voice is not installed here: {why}")
    try:
        report = intelligibility.report(VoiceSettings.tuned(engine))
    except EngineError as exc:
        pytest.skip(f"no English recogniser to listen with: {exc}")
    print("\n" + report.summary(8))
    return report


@pytest.mark.parametrize("engine", list(voices.ENGINES))
def test_the_voice_is_understood(engine: str) -> None:
    report = _report(engine)
    assert len(report.scores) == len(reply_texts(data.default()))
    assert report.wer <= LIMITS[engine], report.summary(8)


@pytest.mark.parametrize("engine", list(voices.ENGINES))
def test_the_voice_is_at_the_normalised_level_without_clipping(engine: str) -> None:
    report = _report(engine)
    assert abs(report.level_dbfs - loudness.TARGET_DBFS) <= 1.5
    # measured on the 16 kHz audio the listener hears: the resampler overshoots a little
    assert report.peak_dbfs <= loudness.PEAK_DBFS + 0.5 < 0
