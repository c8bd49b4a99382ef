"""Faults inside the loop: the speech-out engine hanging mid-session, the microphone failing,
a full disk for rendered replies. Fakes only at the edges (the TTS worker process, the
PortAudio stream, the file system); the recogniser, matcher and guide are real."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TESTS
from tests.test_mic import _source
from tests.test_tts import _answer
from voice_assistant import audio, data
from voice_assistant.assistant import Assistant
from voice_assistant.events import (
    Event,
    Heard,
    Listening,
    MicError,
    MicRecovered,
    Reprompt,
    Say,
    SessionEnd,
)
from voice_assistant.loop import FileOutput, Listener, LoopSettings
from voice_assistant.mic import WavSource
from voice_assistant.stt.pocketsphinx import PocketsphinxRecognizer
from voice_assistant.tts import Synthesizer

AUDIO = TESTS / "fixtures" / "audio"
TURNS = [AUDIO / "conversations" / f"conv_spare_key__{n}.wav" for n in (1, 2, 3)]


def hang_on_first_reply_worker(conn, marker: Path) -> None:
    """Answers the warm-up, then hangs on the first reply (once, across restarts)."""
    import time

    n = 0
    while conn.recv() is not None:
        n += 1
        if n == 2 and not marker.exists():
            marker.touch()
            time.sleep(60)  # killed by the Synthesizer long before this ends
        _answer(conn)


@pytest.fixture(scope="module")
def recognizer() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(data.default())


def _run(source, recognizer, synth, output) -> list[Event]:
    events: list[Event] = []
    listener = Listener(Assistant(), recognizer, synth, output,
                        LoopSettings(reprompt_after=30, end_after=30), events.append)
    listener.run(source)
    return events


def test_hung_speech_engine_is_restarted_and_the_session_goes_on(
        tmp_path: Path, recognizer) -> None:
    wav = audio.session_wav(tmp_path / "s.wav", TURNS, gap=20.0, tail=3.0)
    worker = functools.partial(hang_on_first_reply_worker, marker=tmp_path / "hung")
    # 5 s: a fresh worker process must start within it even on a loaded machine
    with Synthesizer(timeout_base=5.0, timeout_per_char=0.0, worker=worker) as synth:
        events = _run(WavSource(wav, fast=True), recognizer, synth, FileOutput(tmp_path / "o"))
        assert synth.restarts == 1 and (tmp_path / "hung").exists()
    steps = [e.step for e in events if isinstance(e, Heard)]
    assert steps == ["assess", "spare_key", "prevention"]
    assert len([e for e in events if isinstance(e, Say)]) == 3


def test_full_disk_keeps_the_conversation_going(tmp_path: Path, recognizer, caplog) -> None:
    wav = audio.session_wav(tmp_path / "s.wav", TURNS[:2], gap=20.0, tail=3.0)
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")  # writing replies "into" a file fails like a full disk would
    with Synthesizer() as synth:
        events = _run(WavSource(wav, fast=True), recognizer, synth, FileOutput(blocked / "o"))
    says = [e for e in events if isinstance(e, Say)]
    assert len(says) == 2 and all(e.audio is None for e in says)
    assert [e.step for e in events if isinstance(e, Heard)] == ["assess", "spare_key"]
    warnings = [r for r in caplog.records if "cannot write replies" in r.getMessage()]
    assert len(warnings) == 1  # logged once, not once per reply


def test_microphone_faults_reach_the_event_stream(tmp_path: Path, recognizer) -> None:
    src, _ = _source(["raise", "stall", "ok"])
    events: list[Event] = []

    def emit(event: Event) -> None:
        events.append(event)
        if isinstance(event, MicRecovered):
            listener.stop()
            src.close()

    with Synthesizer() as synth:
        listener = Listener(Assistant(), recognizer, synth, FileOutput(tmp_path), emit=emit)
        listener.run(src)
    assert isinstance(events[0], Listening)
    assert len([e for e in events if isinstance(e, MicError)]) == 1
    assert isinstance(events[-1], MicRecovered)


def test_silence_and_noise_wake_nothing(tmp_path: Path, recognizer) -> None:
    from tests.wavs import wav_bytes, write

    rng = np.random.default_rng(3)
    noise = np.concatenate([np.zeros(16000 * 20), rng.normal(0, 0.2, 16000 * 20)])
    wav = write(tmp_path / "n.wav", wav_bytes(np.clip(noise, -1, 1).astype(np.float32), 16000))
    with Synthesizer() as synth:
        events = _run(WavSource(wav, fast=True), recognizer, synth, FileOutput(tmp_path / "o"))
    assert not [e for e in events if isinstance(e, Say | Reprompt | SessionEnd)]


class FlakyEngine:
    """A speech engine that raises or hangs on chosen utterances (a stand-in for a broken
    native library); otherwise the real recogniser answers."""

    def __init__(self, real, fail_on: dict[int, str]) -> None:
        self.real, self.fail_on, self.name = real, fail_on, "flaky"
        self.utterance = 0

    def start(self, source_rate: int = 16000) -> None:
        self.utterance += 1
        self.real.start(source_rate)

    def feed(self, pcm):
        mode = self.fail_on.get(self.utterance)
        if mode == "raise":
            raise RuntimeError("engine blew up")
        if mode == "hang":
            import time

            time.sleep(30)
        return self.real.feed(pcm)

    def pause(self) -> None:
        self.real.pause()

    def resume(self) -> None:
        self.real.resume()

    def cancel(self) -> None:
        self.real.cancel()

    def finish(self):
        return self.real.finish()


@pytest.mark.parametrize("mode", ["raise", "hang"])
def test_speech_engine_failure_costs_one_utterance(tmp_path: Path, caplog, mode: str) -> None:
    from voice_assistant.stt import GuardedRecognizer

    recognizer = PocketsphinxRecognizer(data.default())  # fresh: no noise heard before
    wav = audio.session_wav(tmp_path / "s.wav", TURNS, gap=20.0, tail=3.0)
    engines: list[FlakyEngine] = []

    def factory() -> FlakyEngine:
        engines.append(FlakyEngine(recognizer, {2: mode} if not engines else {}))
        return engines[-1]

    guarded = GuardedRecognizer(factory, timeout=1.0)
    with Synthesizer() as synth:
        events = _run(WavSource(wav, fast=True), guarded, synth, FileOutput(tmp_path / "o"))
    heard = [(e.heard, e.step) for e in events if isinstance(e, Heard)]
    assert heard[0][1] == "assess", heard
    assert heard[1] == ("", "assess")  # the lost turn: "sorry, I didn't catch that"
    assert guarded.restarts == 1 and len(engines) == 2
    assert heard[2][1] in ("spare_key", "assess")  # the session goes on with a fresh engine
    warnings = [r for r in caplog.records if "speech engine" in r.getMessage()]
    assert len(warnings) == 1
