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
from voice_assistant import voices
from voice_assistant.tts import (
    Rendered,
    Speaker,
    Synthesizer,
    TTSError,
    VoiceFault,
    VoiceSettings,
    lead,
    split_sentences,
    write_wav,
)
from voice_assistant.voices import loudness

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


def counting_worker(conn: Connection) -> None:
    """Answers the n-th request with a tone of n x 0.1 s: how many requests it had shows."""
    n = 0
    while conn.recv() is not None:
        n += 1
        pcm = (np.sin(np.arange(2205 * n) / 5) * 1000).astype(np.int16)
        conn.send(("ok", pcm.tobytes(), 22050, None))


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


@pytest.fixture(scope="module")
def piper() -> Iterator[Synthesizer]:
    why = voices.available()["piper"]
    if why is not None:
        pytest.skip(f"the piper voice is not installed here: {why}")
    with Synthesizer(VoiceSettings.tuned("piper"), cache_size=0) as s:
        yield s


def test_piper_speaks_behind_the_same_interface(piper: Synthesizer) -> None:
    r = piper.render("Call your landlord now.")
    assert r.pcm.dtype == np.int16 and r.rate == 22050 and 0.8 < r.seconds < 5.0
    assert loudness.speech_level(r.pcm, r.rate) == pytest.approx(loudness.TARGET_DBFS, abs=1)
    reply = piper.render_reply("Okay, take a slow, deep breath; we'll sort this out together. "
                               "Call now.")
    first = next(reply)  # the short lead comes first, on its own
    assert first.text == "Okay," and first.seconds < 1.0
    assert [x.text for x in reply] == ["take a slow, deep breath; we'll sort this out together.",
                                       "Call now."]
    assert piper.restarts == 0


def test_piper_says_the_same_text_the_same_way(piper: Synthesizer) -> None:
    a = piper.render("Did you get the spare key?")
    with Synthesizer(VoiceSettings.tuned("piper"), cache_size=0) as other:
        b = other.render("Did you get the spare key?")
    assert np.array_equal(a.pcm, b.pcm)


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


def test_settings_choose_the_voice_and_the_flag_overrides_them() -> None:
    from voice_assistant.settings import Voice

    tuned = VoiceSettings()
    assert VoiceSettings.configured(Voice()) == tuned  # nothing set: the tuned default voice
    mine = VoiceSettings.configured(Voice(name="en-gb", rate=180, volume=0.5))
    assert (mine.engine, mine.voice, mine.rate, mine.volume) == ("pyttsx3", "en-gb", 180, 0.5)
    assert mine.word_gap == tuned.word_gap and mine.sentence_pause == tuned.sentence_pause
    piper = VoiceSettings.configured(Voice(name="en-gb", rate=180, volume=0.5), "piper")
    assert (piper.engine, piper.voice, piper.rate, piper.volume) == (
        "piper", None, voices.ENGINES["piper"].rate, 0.5)  # the name and rate were pyttsx3's
    assert VoiceSettings.configured(Voice(engine="piper", rate=150)).rate == 150


def test_unknown_engine_is_one_line() -> None:
    with pytest.raises(TTSError, match="unknown voice engine 'festival': choose one of"):
        Synthesizer(VoiceSettings(engine="festival"))


def test_a_sentence_said_before_comes_from_the_cache() -> None:
    with Synthesizer(worker=counting_worker, start_allowance=0.0) as s:
        pause = s.settings.sentence_pause
        first = s.render("Call your landlord now.")
        again = s.render("Call your landlord now.")
        other = s.render("Then a locksmith.")
    assert np.array_equal(first.pcm, again.pcm) and again.text == "Call your landlord now."
    assert [round(r.seconds - pause, 2) for r in (first, again, other)] == [0.1, 0.1, 0.2]


def test_the_cache_is_bounded_by_audio_bytes_too() -> None:
    """Hours of varied replies must not grow memory: the oldest sentences leave the cache
    once it holds `cache_bytes` of audio (the soak measures the whole loop)."""
    with Synthesizer(worker=counting_worker, start_allowance=0.0, cache_bytes=40_000) as s:
        first = s.render("One.")  # 0.1 s of tone + the pause
        for text in ("Two.", "Three.", "Four."):
            s.render(text)
        assert s._cached_bytes <= 40_000
        again = s.render("One.")  # evicted: rendered afresh, by the 5th request
    assert not np.array_equal(first.pcm, again.pcm)
    assert round(again.seconds - s.settings.sentence_pause, 2) == 0.5


def test_replies_are_normalised_to_one_level_without_clipping() -> None:
    quiet = Rendered("q", (np.sin(np.arange(22050) / 5) * 800).astype(np.int16), 22050)
    loud = Rendered("l", (np.sin(np.arange(22050) / 5) * 32767).astype(np.int16), 22050)
    levels = [loudness.speech_level(loudness.normalise(r.pcm, r.rate), r.rate)
              for r in (quiet, loud)]
    assert levels == pytest.approx([loudness.TARGET_DBFS] * 2, abs=0.1)
    spiky = np.zeros(22050, np.int16)
    spiky[::2205] = 30000  # clicks: raising their RMS to the target would clip
    out = loudness.normalise(spiky, 22050)
    assert loudness.peak_dbfs(out) <= loudness.PEAK_DBFS + 0.01
    half = loudness.normalise(loud.pcm, 22050, volume=0.5)
    assert loudness.speech_level(half, 22050) == pytest.approx(loudness.TARGET_DBFS - 6.02,
                                                               abs=0.1)
    assert not loudness.normalise(np.zeros(100, np.int16), 22050).any()


@pytest.mark.parametrize(
    ("sentence", "parts"),
    [
        ("Did you get the spare key?", ["Did you get the spare key?"]),  # short: whole
        ("Okay, take a slow, deep breath; we'll sort this out together.",
         ["Okay,", "take a slow, deep breath; we'll sort this out together."]),
        ("Read your lease for its lockout rules and fees, and ask your landlord.",
         ["Read your lease", "for its lockout rules and fees, and ask your landlord."]),
        ("Renters insurance protects your things from break-ins and unexpected damage.",
         ["Renters insurance protects your things", "from break-ins and unexpected damage."]),
        ("Supercalifragilistic expialidocious words everywhere here today, truly now.",
         ["Supercalifragilistic expialidocious words everywhere here today, truly now."]),
    ],
)
def test_a_long_first_sentence_gets_a_short_lead(sentence: str, parts: list[str]) -> None:
    assert lead(sentence, 8) == parts
    assert lead(sentence, 0) == [sentence]


def test_a_phone_number_is_read_slowly_and_again_on_repeat(synth: Synthesizer) -> None:
    from voice_assistant.assistant import Assistant
    from voice_assistant.settings import Contact, Settings

    assistant = Assistant(settings=Settings(landlord=Contact("Sam", "555 0123")))
    says = [assistant.turn(t).say for t in ("i'm locked out", "no", "no", "say that again")]
    assert "5 5 5, 0 1 2 3" in says[2] and says[3] == says[2]
    first = [r.pcm for r in synth.render_reply(says[2])]
    start = time.perf_counter()
    again = [r.pcm for r in synth.render_reply(says[3])]
    assert time.perf_counter() - start < 0.05  # from the cache: no wait
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    slow = synth.render("Call 5 5 5, 0 1 2 3.").seconds
    plain = synth.render("Call five five five oh one two three.").seconds
    assert slow > plain + 1.0  # a pause between digits, a longer one between groups


# --- restarts -----------------------------------------------------------------------------


def test_hung_worker_is_replaced_and_the_retry_succeeds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    worker = functools.partial(hang_once_worker, marker=tmp_path / "hung")
    with Synthesizer(timeout_base=1.0, timeout_per_char=0.0, worker=worker,
                     start_allowance=2.0) as s:  # a new worker has 3 s to start and answer
        start = time.monotonic()
        r = s.render("Call your landlord now.")
        assert time.monotonic() - start < 8.0
        assert r.seconds == pytest.approx(0.5 + s.settings.sentence_pause)
        assert s.restarts == 1
        again = s.render("And again.")  # the new worker stays
        assert again.seconds == pytest.approx(0.5 + s.settings.sentence_pause)
        assert s.restarts == 1
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


@pytest.mark.parametrize("worker", [crash_worker, raise_worker, hang_worker, error_reply_worker])
def test_worker_that_always_fails_raises_one_line(
    worker: object, caplog: pytest.LogCaptureFixture
) -> None:
    with Synthesizer(timeout_base=1.0, timeout_per_char=0.0, worker=worker,  # type: ignore[arg-type]
                     start_allowance=0.0) as s:
        with pytest.raises(TTSError) as err:
            s.render("Call your landlord now.")
        assert s.restarts == 1
    message = str(err.value)
    assert message and "\n" not in message and "espeak-ng" in message
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


@pytest.mark.parametrize(("worker", "kind"), [(crash_worker, "stopped"), (hang_worker, "hung"),
                                              (error_reply_worker, "failed")])
def test_without_retry_one_failure_says_how_it_failed(worker: object, kind: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """doctor's voice check: one try, and the fault names its kind and the engine's words."""
    with Synthesizer(timeout_base=1.0, timeout_per_char=0.0, worker=worker,  # type: ignore[arg-type]
                     start_allowance=0.0, retry=False) as s:
        start = time.monotonic()
        with pytest.raises(VoiceFault) as err:
            s.render("Call your landlord now.")
        assert time.monotonic() - start < 1.0 + 2.0 * TIME_SCALE  # not tried twice
        assert s.restarts == 0
    assert err.value.kind == kind and not caplog.records
    if kind == "failed":
        assert err.value.detail == "RuntimeError: could not initialize espeak second line"


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
