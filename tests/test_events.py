"""The loop's events: each one's `as_json()` is the object `listen --json` prints."""

from __future__ import annotations

import json
import typing

import pytest

from voice_assistant import events as ev


@pytest.mark.parametrize(("event", "line"), [
    (ev.Listening(0.0), '{"event": "listening", "t": 0.0}'),
    (ev.SpeechStart(1.14), '{"event": "speech_start", "t": 1.14}'),
    (ev.SpeechEnd(2.04), '{"event": "speech_end", "t": 2.04}'),
    (ev.SpeechEnd(2.04, discarded="too short"),
     '{"event": "speech_end", "t": 2.04, "discarded": "too short"}'),
    (ev.Heard(2.5041, "i'm locked out", "locked_out", 0.87654, "assess"),
     '{"event": "heard", "t": 2.504, "heard": "i\'m locked out", "intent": "locked_out", '
     '"confidence": 0.877, "step": "assess"}'),
    (ev.Say(2.524, "Okay.", 484, "/tmp/out/001.wav"),
     '{"event": "say", "t": 2.524, "say": "Okay.", "audio": "/tmp/out/001.wav", '
     '"latency_ms": 484}'),
    (ev.Say(2.524, "Okay.", 484), '{"event": "say", "t": 2.524, "say": "Okay.", '
                                  '"latency_ms": 484}'),
    (ev.Reprompt(67.7364, "Again?", 36), '{"event": "reprompt", "t": 67.736, "say": "Again?", '
                                         '"latency_ms": 36}'),
    (ev.Spoken(17.589, interrupted=False),
     '{"event": "spoken", "t": 17.589, "interrupted": false}'),
    (ev.BargeIn(3.2), '{"event": "barge_in", "t": 3.2}'),
    (ev.SessionEnd(87.134), '{"event": "session_end", "t": 87.134}'),
    (ev.MicReady(0.1), '{"event": "mic_ready", "t": 0.1}'),
    (ev.MicError(1.0, "no audio"), '{"event": "mic_error", "t": 1.0, "error": "no audio"}'),
    (ev.MicError(1.0), '{"event": "mic_error", "t": 1.0}'),  # an exception with no message
    (ev.MicRecovered(2.0), '{"event": "mic_recovered", "t": 2.0}'),
])
def test_as_json_is_the_printed_line(event: ev.Event, line: str) -> None:
    assert json.dumps(event.as_json()) == line


def test_readers_see_the_time_that_is_printed() -> None:
    e = ev.Heard(1.23456, "yes", "yes", 1 / 3, "spare_key")
    assert (e.t, e.confidence) == (1.235, 0.333)
    assert e.as_json()["t"] == e.t


def test_every_kind_is_one_class_of_the_union() -> None:
    classes = typing.get_args(ev.Event)
    assert len({c.kind for c in classes}) == len(classes) == 12
    assert set(typing.get_args(ev.MicStatus)) <= set(classes)


def test_events_are_frozen() -> None:
    e = ev.Spoken(1.0, interrupted=True)
    with pytest.raises(AttributeError):
        e.t = 2.0  # type: ignore[misc]
