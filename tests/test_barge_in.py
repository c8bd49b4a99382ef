"""Barge-in through the real loop on a simulated room: the speaker is a fake output stream
(the hardware edge) pulled in step with a fake microphone whose signal is the speaker's echo
(0.2 s late, at 0.6) plus, when the test says so, the person's recorded voice. The echo
canceller, the voice, the recogniser and the guide are the real ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voice_assistant import audio, data, echo, stt
from voice_assistant.assistant import Assistant
from voice_assistant.events import BargeIn, Event, Heard, Spoken
from voice_assistant.loop import Listener, LiveOutput, LoopSettings
from voice_assistant.mic import AudioChunk
from voice_assistant.tts import StreamSpeaker, Synthesizer

pytest.importorskip("livekit")
AUDIO = Path(__file__).resolve().parent / "fixtures" / "audio" / "conversations"
STEP = 1600  # 100 ms chunks
ECHO_DELAY, ECHO_GAIN, LATENCY = 0.2, 0.6, 0.05


class Room:
    """A microphone hearing the speaker's echo and, from given times, the person."""

    def __init__(self, seconds: float) -> None:
        self.clock = 0.0
        self.stream = None
        self.played = np.zeros(int((seconds + 1) * audio.RATE), np.float64)
        self.person = np.zeros_like(self.played)
        self.seconds = seconds
        self.closed = False
        self.interrupt: tuple[Path, float] | None = None  # said this long into the 1st reply
        self.interrupt_at: float | None = None

    def factory(self, device, rate, callback):

        class Stream:
            latency = LATENCY

            def start(self) -> None: ...

            def stop(self) -> None: ...

            def close(self) -> None: ...

            def pull(self) -> np.ndarray:
                out = np.zeros((STEP, 1), np.int16)
                callback(out, STEP, None, None)
                return out[:, 0]

        self.stream = Stream()
        return self.stream

    def say(self, path: Path, at: float) -> None:
        pcm = audio.read_pcm16(path)[0].astype(np.float64)
        i = int(at * audio.RATE)
        self.person[i:i + len(pcm)] += pcm[: len(self.person) - i]

    def now(self) -> float:
        return self.clock

    def chunks(self) -> Iterator[AudioChunk]:
        i, d = 0, int((ECHO_DELAY + LATENCY) * audio.RATE)
        while not self.closed and i + STEP < int(self.seconds * audio.RATE):
            if self.stream is not None:  # what the speaker plays now is heard 0.25 s later
                self.played[i:i + STEP] = self.stream.pull()
                if self.interrupt and self.played[i:i + STEP].any():
                    path, after = self.interrupt
                    self.interrupt, self.interrupt_at = None, i / audio.RATE + LATENCY + after
                    self.say(path, self.interrupt_at)
            mic = self.person[i:i + STEP].copy()
            if i >= d:
                mic += ECHO_GAIN * self.played[i - d:i - d + STEP]
            mic += np.random.default_rng(i).normal(0, 20, STEP)
            self.clock = (i + STEP) / audio.RATE
            yield AudioChunk(mic.clip(-32768, 32767).astype(np.int16), i / audio.RATE)
            i += STEP

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def recognizer():
    return stt.load_recognizer("pocketsphinx", data.default())


def _run(room: Room, recognizer) -> list[Event]:
    events: list[Event] = []
    speaker = StreamSpeaker(stream_factory=room.factory, rate_of=lambda device: audio.RATE)
    with Synthesizer() as synth:
        listener = Listener(Assistant(), recognizer, synth, LiveOutput(speaker),
                            LoopSettings(reprompt_after=60, end_after=60), events.append,
                            echo=echo.EchoCanceller())
        listener.run(room)
    speaker.close()
    return events


def test_the_person_interrupts_and_is_understood_its_own_echo_never_is(recognizer):
    room = Room(seconds=16)
    room.say(AUDIO / "conv_spare_key__1.wav", at=0.5)  # "I'm locked out"
    # "I'm inside now", 2.5 s into the reply. (A lone "yes" said wholly over the echo is
    # not understood yet: the canceller damps the person while both speak.)
    room.interrupt = (AUDIO / "conv_other_entry_fails__6.wav", 2.5)
    events = _run(room, recognizer)
    barges = [e for e in events if isinstance(e, BargeIn)]
    assert len(barges) == 1, events
    heard = [e for e in events if isinstance(e, Heard)]
    assert [(e.intent, e.step) for e in heard] == [("locked_out", "assess"),
                                                   ("got_in", "prevention")], heard
    barge = barges[0]
    assert room.interrupt_at is not None and barge.t > room.interrupt_at
    spoken = [e for e in events if isinstance(e, Spoken)]
    assert spoken[0].interrupted is True
    # playback stopped within 300 ms of the voice's start (its file has 0.16 s of lead-in)
    assert barge.t - (room.interrupt_at + 0.16) < 0.3


def test_without_the_person_its_own_echo_never_interrupts(recognizer):
    room = Room(seconds=20)
    room.say(AUDIO / "conv_spare_key__1.wav", at=0.5)
    events = _run(room, recognizer)
    assert not [e for e in events if isinstance(e, BargeIn)], events
    assert [e.intent for e in events if isinstance(e, Heard)] == ["locked_out"]
    assert [e.interrupted for e in events if isinstance(e, Spoken)] == [False]
