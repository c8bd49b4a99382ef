import numpy as np
import pytest

from tests.conftest import TESTS
from voice_assistant import audio
from voice_assistant.vad import Endpointer, VadSettings

SPEECH = audio.read_pcm16(TESTS / "fixtures" / "audio" / "locked_out_01__clean.wav")[0]


def _run(signal: np.ndarray, settings: VadSettings | None = None) -> list:
    ep = Endpointer(settings)
    events = []
    for i, chunk in enumerate(audio.chunks(signal)):
        events += [e for e in ep.feed(chunk, i * 0.1) if e.kind != "audio"]
    return events


def _pad(x: np.ndarray, before: float, after: float) -> np.ndarray:
    return np.concatenate([np.zeros(int(before * 16000), np.int16), x,
                           np.zeros(int(after * 16000), np.int16)])


def test_one_utterance_start_and_end_times() -> None:
    events = _run(_pad(SPEECH, 1.0, 2.0))
    assert [e.kind for e in events] == ["start", "end"]
    start, end = events
    speech_len = len(SPEECH) / 16000
    assert 1.0 <= start.t <= 1.0 + 0.3  # the fixture has a little silence of its own
    assert 1.0 + speech_len - 0.4 <= end.t <= 1.0 + speech_len + 0.05
    assert end.reason == "silence"
    assert len(start.pcm) >= 4800 // 2  # pre-roll so the first word is not clipped


def test_trailing_silence_is_configurable() -> None:
    quick = _run(_pad(SPEECH, 0.5, 0.35), VadSettings(trailing_silence=0.3))
    assert [e.kind for e in quick] == ["start", "end"]
    slow = _run(_pad(SPEECH, 0.5, 0.35), VadSettings(trailing_silence=1.0))
    assert [e.kind for e in slow] == ["start"]  # not enough silence yet


def test_silence_gives_nothing() -> None:
    assert _run(np.zeros(16000 * 5, np.int16)) == []


def test_a_click_is_dropped() -> None:
    click = np.zeros(16000 * 2, np.int16)
    click[16000:16000 + 1440] = (np.random.default_rng(0).normal(0, 8000, 1440)).astype(np.int16)
    kinds = [e.kind for e in _run(click, VadSettings(min_speech=0.3))]
    assert "end" not in kinds


def test_max_utterance_cuts_endless_speech() -> None:
    endless = np.tile(SPEECH, 12)
    events = _run(endless, VadSettings(max_utterance=3.0))
    ends = [e for e in events if e.kind == "end"]
    assert ends and ends[0].reason == "max_length"
    assert ends[0].t - events[0].t <= 3.1


@pytest.mark.parametrize("chunk", [160, 333, 1600, 4000])
def test_chunk_size_does_not_matter(chunk: int) -> None:
    signal = _pad(SPEECH, 1.0, 1.0)
    ep = Endpointer()
    kinds = []
    for i in range(0, len(signal), chunk):
        kinds += [e.kind for e in ep.feed(signal[i : i + chunk], i / 16000) if e.kind != "audio"]
    assert kinds == ["start", "end"]
