from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import sys
import time
import types
import wave
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TIME_SCALE
from voice_assistant.tts import (
    Rendered,
    Speaker,
    Synthesizer,
    TTSError,
    VoiceSettings,
    speech_text,
    split_sentences,
    write_wav,
)

# --- fake workers: module-level so the spawned process can import them ----------------------


def _answer(conn: Connection) -> None:
    conn.send(("ok", np.full(11025, 1000, np.int16).tobytes(), 22050, None))


def hang_once_worker(conn: Connection, marker: Path) -> None:
    """Hangs on its first request ever (across processes), then answers."""
    while conn.recv() is not None:
        if not marker.exists():
            marker.touch()
            time.sleep(60)  # killed by the Synthesizer long before this ends
        _answer(conn)


def hang_worker(conn: Connection) -> None:
    conn.recv()
    time.sleep(60)


def crash_worker(conn: Connection) -> None:
    conn.recv()
    os._exit(3)


def raise_worker(conn: Connection) -> None:
    conn.recv()
    raise RuntimeError("fake engine blew up")


def error_reply_worker(conn: Connection) -> None:
    while conn.recv() is not None:
        conn.send(("error", "RuntimeError: could not initialize espeak\nsecond line"))


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Okay. Call 911 now! Ready?", ["Okay.", "Call 911 now!", "Ready?"]),
        ("", []),
        ("  \n ", []),
        ("Bring ID, e.g. a lease. Then knock.", ["Bring ID, e.g. a lease.", "Then knock."]),
        ("Ask Dr. Lee at 5 St. James Ave. today.", ["Ask Dr. Lee at 5 St. James Ave. today."]),
        ("It costs 3.50 dollars. Pay later.", ["It costs 3.50 dollars.", "Pay later."]),
        ("No. Call 911.", ["No.", "Call 911."]),
        ("Open at 9 a.m. on Monday.", ["Open at 9 a.m. on Monday."]),
        ('He said "wait." Then left.', ['He said "wait."', "Then left."]),
        ("Really?! Yes...  okay", ["Really?!", "Yes... okay"]),
        ("One line\nsame sentence.\n\nNew paragraph", ["One line same sentence.", "New paragraph"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Call 911 now.", "Call 9 1 1 now."),
        ("We answer 24/7.", "We answer twenty four seven."),
        ("Call 555-0123.", "Call 5 5 5, 0 1 2 3."),
        ("Code 2024", "Code 2 0 2 4"),
        ("Room 12, 2-3 days, 1,000 dollars, pi is 3.14159.", None),
        ("Okay.", None),
    ],
)
def test_speech_text(sentence: str, expected: str | None) -> None:
    assert speech_text(sentence) == (expected or sentence)


# --- real engine --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth() -> Iterator[Synthesizer]:
    with Synthesizer(timeout_base=3.0 * TIME_SCALE) as s:
        yield s


@pytest.mark.arm64_smoke
def test_real_render_is_plausible_speech(synth: Synthesizer) -> None:
    r = synth.render("Call your landlord now.")
    assert r.text == "Call your landlord now."
    assert r.pcm.dtype == np.int16 and r.pcm.ndim == 1
    assert r.rate == 22050
    assert 0.5 < r.seconds < 5.0
    assert np.sqrt(np.mean(r.pcm.astype(np.float64) ** 2)) > 300  # not silence
    assert synth.restarts == 0


@pytest.mark.arm64_smoke
def test_render_reply_yields_each_sentence_as_it_is_ready(synth: Synthesizer) -> None:
    reply = synth.render_reply("Okay. Call 911 now! Ready?")
    first = next(reply)  # a generator: the first sentence is ready before the rest are made
    rest = list(reply)
    assert [r.text for r in [first, *rest]] == ["Okay.", "Call 911 now!", "Ready?"]
    assert all(r.seconds > 0.2 for r in [first, *rest])


def test_empty_sentence_is_silence_without_the_engine() -> None:
    with Synthesizer(worker=crash_worker) as s:
        assert s.render("  ").seconds == 0.0
        assert s.restarts == 0


def test_slower_rate_is_longer() -> None:
    text = "Call your landlord now."
    with Synthesizer(VoiceSettings(rate=120)) as slow, Synthesizer(VoiceSettings(rate=250)) as fast:
        assert slow.render(text).seconds > 1.5 * fast.render(text).seconds


def test_named_voice_is_used_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    with Synthesizer(VoiceSettings(voice="en-us")) as s:
        assert s.render("Hello.").seconds > 0.2
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_unknown_voice_warns_once_and_keeps_default(caplog: pytest.LogCaptureFixture) -> None:
    with Synthesizer(VoiceSettings(voice="no-such-voice")) as s:
        s.render("Hello.")
        assert s.render("Hello again.").seconds > 0.2
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "no-such-voice" in warnings[0].getMessage()


# --- restarts -----------------------------------------------------------------------------


def test_hung_worker_is_replaced_and_the_retry_succeeds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    worker = functools.partial(hang_once_worker, marker=tmp_path / "hung")
    with Synthesizer(timeout_base=1.5, timeout_per_char=0.0, worker=worker) as s:
        start = time.monotonic()
        r = s.render("Call your landlord now.")
        assert time.monotonic() - start < 6.0
        assert r.seconds == pytest.approx(0.5)
        assert s.restarts == 1
        assert s.render("And again.").seconds == pytest.approx(0.5)  # the new worker stays
        assert s.restarts == 1
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


@pytest.mark.parametrize("worker", [crash_worker, raise_worker, hang_worker, error_reply_worker])
def test_worker_that_always_fails_raises_one_line(
    worker: object, caplog: pytest.LogCaptureFixture
) -> None:
    with Synthesizer(timeout_base=1.0, timeout_per_char=0.0, worker=worker) as s:  # type: ignore[arg-type]
        with pytest.raises(TTSError) as err:
            s.render("Call your landlord now.")
        assert s.restarts == 1
    message = str(err.value)
    assert message and "\n" not in message and "espeak-ng" in message
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_close_leaves_no_worker_running() -> None:
    def workers() -> set[int | None]:
        return {p.pid for p in multiprocessing.active_children() if p.name == "tts-worker"}

    before = workers()
    with Synthesizer() as s:
        s.render("Hello.")
        assert workers() - before
    s.close()  # twice is fine
    assert workers() == before


# --- WAV out ------------------------------------------------------------------------------


def _tone(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def test_write_wav_round_trips(tmp_path: Path) -> None:
    a, b = Rendered("a", _tone(0.5, 22050), 22050), Rendered("b", _tone(0.25, 22050), 22050)
    path = tmp_path / "reply.wav"
    assert write_wav(path, [a, b]) == (len(a.pcm) + len(b.pcm)) / 22050
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        back = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert np.array_equal(back, np.concatenate([a.pcm, b.pcm]))


def test_write_wav_resamples_to_the_first_rate(tmp_path: Path) -> None:
    a, b = Rendered("a", _tone(0.5, 22050), 22050), Rendered("b", _tone(0.5, 16000), 16000)
    path = tmp_path / "mixed.wav"
    assert write_wav(path, [a, b]) == pytest.approx(1.0, abs=0.01)
    with wave.open(str(path), "rb") as w:
        assert w.getframerate() == 22050
        assert w.getnframes() == pytest.approx(22050, abs=50)


def test_write_wav_into_missing_folder_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_wav(tmp_path / "missing" / "reply.wav", [Rendered("a", _tone(0.1, 22050), 22050)])


# --- speaker (no sound card here: fake sounddevice) --------------------------------------


class FakePortAudioError(Exception):
    pass


def _fake_sd(play_error: Exception | None = None) -> types.SimpleNamespace:
    calls: list[tuple[object, ...]] = []

    def play(data: np.ndarray, samplerate: int, device: object = None) -> None:
        calls.append(("play", len(data), samplerate, device))
        if play_error:
            raise play_error

    def wait() -> None:
        calls.append(("wait",))

    return types.SimpleNamespace(play=play, wait=wait, calls=calls)


def test_speaker_plays_and_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    sd = _fake_sd()
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    Speaker(device=3).play(Rendered("a", _tone(0.5, 22050), 22050))
    assert sd.calls[0][0] == "play" and sd.calls[0][2:] == (22050, 3)
    assert sd.calls[0][1] >= 11025  # all of it (plus a short silent tail)
    assert sd.calls[-1] == ("wait",)


@pytest.mark.parametrize(
    "error",
    [
        FakePortAudioError("Error querying device -1\nsecond line"),
        ValueError("No output device matching 'usb'"),
    ],
)
def test_speaker_errors_become_one_line(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", _fake_sd(error))
    with pytest.raises(TTSError) as err:
        Speaker().play(Rendered("a", _tone(0.1, 22050), 22050))
    assert "\n" not in str(err.value) and "speaker" in str(err.value)


def test_speaker_without_portaudio_is_a_tts_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails
    with pytest.raises(TTSError):
        Speaker().play(Rendered("a", _tone(0.1, 22050), 22050))
