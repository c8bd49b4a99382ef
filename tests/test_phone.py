"""One digit speller: what a reply shows and what the voice says agree, for every kind of
number the settings accept."""

from __future__ import annotations

import re

import pytest

from voice_assistant.assistant import Assistant
from voice_assistant.phone import PhoneNumber, in_reply, parse, spell_numbers
from voice_assistant.settings import Contact, Settings
from voice_assistant.voices.spoken import speech_text

NUMBERS = [  # (as written in the settings, as a reply shows it)
    ("555-0123", "5 5 5, 0 1 2 3"),
    ("(555) 0199", "5 5 5, 0 1 9 9"),
    ("555.0199", "5 5 5, 0 1 9 9"),
    ("5550123", "5 5 5 0 1 2 3"),
    ("+1 555 0199", "plus 1, 5 5 5, 0 1 9 9"),
    ("+44 (20) 7946-0018", "plus 4 4, 2 0, 7 9 4 6, 0 0 1 8"),
    ("+49 30 1234567", "plus 4 9, 3 0, 1 2 3 4 5 6 7"),
    ("555 0199 ext. 12", "5 5 5, 0 1 9 9, extension 1 2"),
    ("555 0199 x12", "5 5 5, 0 1 9 9, extension 1 2"),
    ("555-0199x12", "5 5 5, 0 1 9 9, extension 1 2"),
    ("555 0199, extension 12", "5 5 5, 0 1 9 9, extension 1 2"),
    ("+1 212 555 0199 #7", "plus 1, 2 1 2, 5 5 5, 0 1 9 9, extension 7"),
    ("1-800-FLOWERS", "1, 8 0 0, FLOWERS"),
    ("1-800-flowers x5", "1, 8 0 0, flowers, extension 5"),
    ("+1 (800) GET-KEYS", "plus 1, 8 0 0, GET, KEYS"),
    ("911", "911"),
    ("112", "112"),
]


def _said(text: str) -> list[str]:
    """The words and digits of a text, one by one, whatever the pauses between them."""
    return re.findall(r"[a-z]+|\d", text.lower())


@pytest.mark.parametrize(("written", "shown"), NUMBERS)
def test_a_number_is_shown_spelled_out(written: str, shown: str) -> None:
    assert in_reply(written) == shown


@pytest.mark.parametrize(("written", "shown"), NUMBERS)
def test_the_voice_says_what_the_reply_shows(written: str, shown: str) -> None:
    reply = f"Call Sam on {shown} now."
    assert _said(speech_text(reply, "pyttsx3")) == _said(reply)
    assert _said(speech_text(reply, "piper")) == _said(reply)


@pytest.mark.parametrize("written", ["+1 555 0199", "+44 (20) 7946-0018", "555-0123",
                                     "(555) 0199", "911", "5550123"])
def test_a_number_left_in_digits_is_said_as_the_reply_would_show_it(written: str) -> None:
    """A number that reaches the voice as written (a reply text with digits, an emergency
    number) is spelled by the same speller: the same words, the same groups."""
    assert spell_numbers(f"Call {written} now.") == f"Call {parse(written).spelled} now."
    assert speech_text(f"Call {written} now.") == speech_text(f"Call {in_reply(written)} now.")


def test_the_reply_and_the_voice_agree_in_a_session() -> None:
    settings = Settings(emergency_number="112",
                        landlord=Contact("Sam", "+1 555 0199 ext. 12"),
                        locksmith=Contact("", "1-800-FLOWERS"))
    a = Assistant(settings=settings)
    says = [a.turn(t).say for t in ("i'm locked out", "no", "no", "no")]
    assert "plus 1, 5 5 5, 0 1 9 9, extension 1 2" in says[2]
    assert "1, 8 0 0, FLOWERS" in says[3]
    for say in says:
        assert _said(speech_text(say)) == _said(say), say
    emergency = Assistant(settings=settings).turn("i smell gas").say
    assert "112" in emergency and _said(speech_text(emergency)) == _said(emergency)


@pytest.mark.parametrize("text", ["call me maybe", "555 call me maybe", "12", "+", "",
                                  "1234567890123456", "x12", "ext. 12", "phone: 555 0123",
                                  "1-800-FLOWERSSHOP"])
def test_what_is_not_a_phone_number(text: str) -> None:
    assert parse(text) is None


def test_keys_count_letters_as_digits() -> None:
    number = parse("1-800-FLOWERS")
    assert number == PhoneNumber(("1", "800", "FLOWERS"))
    assert number.keys == 11
    assert parse("911", min_keys=3) is not None and parse("12", min_keys=2) is not None


@pytest.mark.parametrize("sentence", ["Room 12, 2-3 days, 1,000 dollars, pi is 3.14159.",
                                      "Okay.", "Say 5 5 5, 0 1 2 3 again."])
def test_other_numbers_and_spelled_ones_stay_as_they_are(sentence: str) -> None:
    assert spell_numbers(sentence) == sentence
