"""Echo cancellation (real WebRTC AEC3 from the livekit wheel) and the delay finder, on a
recorded voice played back through a simulated room; and the interruptible speaker with a fake
output stream (the hardware edge)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice_assistant import audio, echo
from voice_assistant.tts import Rendered, StreamSpeaker

AUDIO = Path(__file__).resolve().parent / "fixtures" / "audio"


def _voice() -> np.ndarray:
    return audio.read_pcm16(AUDIO / "conversations" / "conv_other_entry_fails__3.wav")[0]


def _room(ref: np.ndarray, delay: float, gain: float = 0.6) -> np.ndarray:
    d = int(delay * echo.RATE)
    out = np.zeros(len(ref), np.float64)
    out[d:] = ref[: len(ref) - d] * gain
    out[d + 80:] += ref[: len(ref) - d - 80] * 0.2  # one reflection
    return out.clip(-32768, 32767).astype(np.int16)


def test_the_delay_finder_finds_the_echo_delay() -> None:
    ref = np.random.default_rng(1).normal(0, 3000, 5 * echo.RATE).astype(np.int16)
    mic = _room(ref, 0.31)
    finder = echo.DelayFinder()
    for end in (len(ref) - 4000, len(ref)):  # found twice alike
        finder.update(mic[end - finder.win_n:end], ref[end - finder.win_n - finder.max_n:end])
    assert finder.delay == pytest.approx(0.31, abs=0.002)
    assert not finder.update(mic[-finder.win_n:], ref[-finder.win_n - finder.max_n:])
    assert finder.delay == pytest.approx(0.31, abs=0.002)  # unchanged: kept alignment
    finder2 = echo.DelayFinder()
    silence = np.zeros(finder2.win_n + finder2.max_n, np.int16)
    finder2.update(mic[:finder2.win_n], silence)
    assert finder2.delay is None  # nothing played: nothing to find


def test_the_echo_is_removed_and_the_person_is_kept() -> None:
    pytest.importorskip("livekit")
    voice = _voice()
    ref = np.concatenate([np.tile(voice, 2), np.zeros(len(voice), np.int16)])
    heard = _room(ref, 0.2)
    person = np.zeros(len(ref), np.int16)
    person[2 * len(voice):] = voice  # the person speaks after the reply has ended
    canceller = echo.EchoCanceller()
    out = canceller.process((heard.astype(np.int32) + person).clip(-32768, 32767), ref)
    half = len(voice)  # after a second of convergence, during the second copy of the reply
    assert echo.rms_db(heard[half:2 * half]) - echo.rms_db(out[half:2 * half]) > 20
    assert echo.rms_db(out[2 * half:]) > echo.rms_db(person[2 * half:]) - 6


class FakeStream:
    def __init__(self, device, rate, callback) -> None:
        self.rate, self.callback, self.latency = rate, callback, 0.05

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...

    def pull(self, frames: int) -> np.ndarray:
        out = np.zeros((frames, 1), np.int16)
        self.callback(out, frames, None, None)
        return out[:, 0]


def test_the_speaker_plays_stamps_what_it_played_and_stops_at_once() -> None:
    clock = [10.0]
    streams: list[FakeStream] = []

    def factory(device, rate, callback):
        streams.append(FakeStream(device, rate, callback))
        return streams[-1]

    speaker = StreamSpeaker(clock=lambda: clock[0], stream_factory=factory,
                            rate_of=lambda device: 16000)
    tone = (np.sin(np.arange(16000) / 5) * 10000).astype(np.int16)
    assert speaker.start(iter([Rendered("one.", tone, 16000), Rendered("two.", tone, 16000)]))
    stream = streams[0]
    played = stream.pull(8000)
    assert np.array_equal(played, tone[:8000])
    assert speaker.ends_at() is None or speaker.ends_at() > clock[0]
    # what reached the speaker at 10.05 s (the stream's latency later) is the reference
    assert np.array_equal(speaker.reference(10.05, 8000), tone[:8000])
    clock[0] = 10.5
    speaker.stop()
    assert not stream.pull(1600).any()  # silent at once
    assert speaker.ends_at() == pytest.approx(10.55)
    speaker.close()
