"""Speech to text: one small streaming protocol, and picking the engine.

Each engine lives in its own module (`engine_vosk`, `engine_pocketsphinx`), the only place that
imports its library. A recogniser is fed 16 kHz mono int16 audio in chunks and gives partial
text as it goes and a final `Transcript` at the end of the utterance.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voice_assistant.data import Data

log = logging.getLogger(__name__)

ENGINES = ("auto", "vosk", "pocketsphinx")
MODEL_ENV = "LOCKOUT_VOSK_MODEL"


class EngineError(RuntimeError):
    """An engine or model cannot be used; the message is one line naming the fix."""


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float  # 0..1: how sure the engine is of the words
    engine: str


class Recognizer(Protocol):
    name: str

    def start(self, source_rate: int = 16000) -> None:
        """Begin a new utterance; `source_rate` is the rate the audio was recorded at (an
        engine may adapt to narrowband, e.g. 8 kHz telephone, audio)."""

    def feed(self, pcm: np.ndarray) -> str:
        """Take the next chunk (16 kHz mono int16); return the partial text so far."""

    def finish(self) -> Transcript:
        """End the utterance and return the final transcript."""


def transcribe(recognizer: Recognizer, chunks: Iterable[np.ndarray],
               source_rate: int = 16000) -> Transcript:
    """Stream `chunks` through `recognizer` as one utterance."""
    recognizer.start(source_rate)
    for chunk in chunks:
        recognizer.feed(chunk)
    return recognizer.finish()


def looks_like_vosk_model(path: Path) -> bool:
    return (path / "am").is_dir() and (path / "conf").is_dir()


def find_vosk_model(explicit: Path | None, models_dir: Path) -> tuple[Path | None, str]:
    """The Vosk model to use and why: `--model`, then `$LOCKOUT_VOSK_MODEL`, then an English
    model folder in `models_dir` (`vosk-model-*en*`)."""
    if explicit is not None:
        return explicit, "--model"
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env), f"${MODEL_ENV}"
    if models_dir.is_dir():
        for cand in sorted(models_dir.iterdir()):
            name = cand.name.lower()
            if name.startswith("vosk-model") and "-en" in name and looks_like_vosk_model(cand):
                return cand, f"found in {models_dir}"
    return None, f"no English Vosk model in {models_dir}"


def load_recognizer(engine: str, data: Data, model: Path | None = None,
                    models_dir: Path | None = None) -> Recognizer:
    """Build the recogniser for `engine` (auto | vosk | pocketsphinx); logs which and why."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if models_dir is None:
        from voice_assistant.model_fetch import default_models_dir

        models_dir = default_models_dir()
    path, why = find_vosk_model(model, models_dir) if engine != "pocketsphinx" else (None, "")
    if engine == "vosk" or (engine == "auto" and path is not None):
        if path is None:
            raise EngineError(f"{why}: run `lockout-assistant fetch-model`, or pass --model PATH")
        from voice_assistant.engine_vosk import VoskRecognizer

        rec = VoskRecognizer(path, data)
        log.info("speech engine: vosk, model %s (%s)", path, why)
        return rec
    from voice_assistant.engine_pocketsphinx import PocketsphinxRecognizer

    rec = PocketsphinxRecognizer(data)
    reason = "asked for" if engine == "pocketsphinx" else why
    log.info("speech engine: pocketsphinx, built-in US English model, domain language model "
             "(%s)", reason)
    return rec
