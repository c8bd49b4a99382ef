"""Speech to text: one small streaming protocol, and picking the engine.

Each engine lives in its own module (`engine_vosk`, `engine_pocketsphinx`), the only place that
imports its library. A recogniser is fed 16 kHz mono int16 audio in chunks and gives partial
text as it goes and a final `Transcript` at the end of the utterance.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voice_assistant.data import Data
from voice_assistant.model_fetch import looks_like_model

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
            if name.startswith("vosk-model") and "-en" in name and looks_like_model(cand):
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


class GuardedRecognizer:
    """A recogniser run in its own worker thread, so a speech engine that raises or hangs
    costs one utterance, not the session: the worker is abandoned, the engine rebuilt with
    `factory`, and the utterance comes back empty (each incident logged once)."""

    def __init__(self, factory: Callable[[], Recognizer], timeout: float = 10.0) -> None:
        self._factory, self.timeout = factory, timeout
        self.restarts = 0
        self._spawn(factory())

    def _spawn(self, rec: Recognizer) -> None:
        self.name = rec.name
        self._jobs: queue.Queue[tuple[str, Any, queue.Queue[Any]]] = queue.Queue()
        self._failed: str | None = None  # why this utterance is lost
        threading.Thread(target=self._work, args=(rec, self._jobs), daemon=True,
                         name="recognizer").start()

    @staticmethod
    def _work(rec: Recognizer, jobs: queue.Queue) -> None:
        calls = {"start": rec.start, "feed": rec.feed, "finish": lambda _: rec.finish()}
        while True:
            op, arg, reply = jobs.get()
            try:
                reply.put(calls[op](arg))
            except Exception as exc:  # any engine failure is the caller's to report
                reply.put(exc)

    def _call(self, op: str, arg: Any) -> Any:
        if self._failed:
            return None
        reply: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._jobs.put((op, arg, reply))
        try:
            result = reply.get(timeout=self.timeout)
        except queue.Empty:
            result = TimeoutError(f"no answer in {self.timeout:.0f} s")
        if isinstance(result, BaseException):
            self._failed = f"{type(result).__name__}: {result}"
            return None
        return result

    def start(self, source_rate: int = 16000) -> None:
        self._failed = None
        self._call("start", source_rate)

    def feed(self, pcm: np.ndarray) -> str:
        return self._call("feed", pcm) or ""

    def finish(self) -> Transcript:
        result = self._call("finish", None)
        if isinstance(result, Transcript):
            return result
        log.warning("speech engine %s failed (%s); starting a fresh one", self.name,
                    self._failed)
        self.restarts += 1
        try:
            self._spawn(self._factory())
        except Exception as exc:  # keep going with the old one rather than die
            log.warning("could not restart the speech engine: %s", exc)
            self._failed = None
        return Transcript("", 0.0, self.name)
