"""The one place that knows the engine names: name → how to find its model and build it.

`auto` takes the first engine in `AUTO_ORDER` whose model is here. The order is chosen by
measurement on the multi-voice fixtures (README, "Speech accuracy"): Whisper hears voices
and noise far better than the others; Vosk's English model (where installed) beats
pocketsphinx; pocketsphinx, whose model ships in its wheel, is always there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voice_assistant.data import Data
from voice_assistant.stt import models
from voice_assistant.stt.base import EngineError, Recognizer
from voice_assistant.stt.models import ModelsDirs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Engine:
    name: str
    describe: str
    #: (model folder or None, why): where its model is, or why there is none.
    find: Callable[[Path | None, ModelsDirs], tuple[Path | None, str]]
    build: Callable[[Path | None, Data], Recognizer]
    fix: str  # what to do when it has no model


def _no_model(explicit: Path | None, models_dirs: ModelsDirs) -> tuple[Path | None, str]:
    return None, "built-in US English model (in its wheel)"


def _build_whisper(path: Path | None, data: Data) -> Recognizer:
    from voice_assistant.stt.whisper import WhisperRecognizer

    assert path is not None
    if path == models.wheel_model_path():
        problem = models.check_pinned(path)
        if problem:
            log.warning("%s", problem)
    return WhisperRecognizer(path, data)


def _build_vosk(path: Path | None, data: Data) -> Recognizer:
    from voice_assistant.stt.vosk import VoskRecognizer

    assert path is not None
    return VoskRecognizer(path, data)


def _build_pocketsphinx(path: Path | None, data: Data) -> Recognizer:
    from voice_assistant.stt.pocketsphinx import PocketsphinxRecognizer

    return PocketsphinxRecognizer(data)


ENGINES: dict[str, Engine] = {
    "whisper": Engine("whisper", "Whisper (faster-whisper, int8)", models.find_whisper_model,
                      _build_whisper, "run scripts/setup, or `lockout-assistant fetch-model "
                      "--engine whisper`, or pass --model PATH"),
    "vosk": Engine("vosk", "Vosk", models.find_vosk_model, _build_vosk,
                   "run `lockout-assistant fetch-model`, or pass --model PATH"),
    "pocketsphinx": Engine("pocketsphinx", "pocketsphinx, built-in US English model, domain "
                           "language model", _no_model, _build_pocketsphinx, ""),
}
#: Dual paths (`dual.py`): Whisper's final text beside a streaming engine's.
DUALS = ("whisper+pocketsphinx", "whisper+vosk")
AUTO_ORDER = ("whisper+pocketsphinx", "whisper", "vosk", "pocketsphinx")
CHOICES = ("auto", *ENGINES)


def _importable(name: str) -> bool:
    import importlib.util

    module = {"whisper": "faster_whisper", "vosk": "vosk", "pocketsphinx": "pocketsphinx"}[name]
    return importlib.util.find_spec(module) is not None


def available(models_dir: Path | None = None) -> dict[str, str | None]:
    """Engine name → None if it can run here, else why not (one line)."""
    out: dict[str, str | None] = {}
    for name, engine in ENGINES.items():
        if not _importable(name):
            out[name] = f"{name} is not installed: {engine.fix or 'run scripts/setup'}"
            continue
        path, why = engine.find(None, models_dir)
        out[name] = None if path is not None or engine.find is _no_model else why
    return out


def pick(engine: str, models_dir: Path | None = None) -> str:
    """The engine `engine` means here (`auto` → the best one available; a dual path is named
    `whisper+<streaming engine>`)."""
    if engine not in CHOICES and engine not in DUALS:
        raise EngineError(f"unknown engine {engine!r}: choose one of {', '.join(CHOICES)}")
    if engine != "auto":
        return engine
    here = available(models_dir)
    return next(name for name in AUTO_ORDER
                if all(here[part] is None for part in name.split("+")))


def load_dual(streaming: str, data: Data, models_dir: Path | None = None) -> Recognizer:
    """The dual path: Whisper's text beside `streaming`'s (see `dual.py`)."""
    from voice_assistant.stt.dual import DualRecognizer

    quick, _ = _load_one(streaming, "dual", data, None, models_dir)
    final, final_why = _load_one("whisper", "dual", data, None, models_dir)
    log.info("speech engine: whisper+%s (Whisper's text, %s; %s's when it is a sure match, "
             "and for early answers)", streaming, final_why, streaming)
    return DualRecognizer(quick, final)


def _kind_of(model: Path) -> str:
    """Which engine a `--model` folder given with `--engine auto` is for."""
    from voice_assistant.model_fetch import looks_like_model

    if models.looks_like_whisper_model(model):
        return "whisper"
    if looks_like_model(model):
        return "vosk"
    raise EngineError(f"{model}: neither a Whisper model (model.bin, config.json, "
                      "tokenizer.json) nor a Vosk model (am/, conf/): pass the unpacked model "
                      "folder, with --engine whisper or --engine vosk")


def _load_one(name: str, asked: str, data: Data, model: Path | None,
              models_dir: Path | None) -> tuple[Recognizer, str]:
    """One engine, and a few words on which model and why."""
    spec = ENGINES[name]
    if asked != "auto" and not _importable(name):
        raise EngineError(f"{name} is not installed: {spec.fix or 'run scripts/setup'}")
    path, why = spec.find(model, models_dir)
    if path is None and spec.find is not _no_model:
        raise EngineError(f"{why}: {spec.fix}")
    rec = spec.build(path, data)
    return rec, (f"{spec.describe}{f', model {path}' if path else ''}; "
                 f"{'asked for' if asked == name else why}")


def load_recognizer(engine: str, data: Data, model: Path | None = None,
                    models_dir: Path | None = None) -> Recognizer:
    """Build the recogniser for `engine` (see `CHOICES` and `DUALS`); logs which, and why."""
    if engine == "auto" and model is not None:
        engine = _kind_of(model)
    name = pick(engine, models_dir)
    if name in DUALS:
        return load_dual(name.split("+")[1], data, models_dir)
    rec, why = _load_one(name, engine, data, model, models_dir)
    log.info("speech engine: %s (%s)", name, why)
    return rec
