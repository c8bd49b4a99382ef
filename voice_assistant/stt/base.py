"""The speech-to-text protocol every engine implements, and its result.

A recogniser is fed 16 kHz mono int16 audio in chunks, gives partial text as it goes (or ""
when it has none) and a final `Transcript` at the end of the utterance. `pause()` says the
voice has stopped for a moment: an engine that decodes the whole utterance at once may start
now, so its transcript is ready when the end of speech is confirmed; `resume()` says the voice
went on, and that work is discarded. `cancel()` ends an utterance whose partial text was
already enough to answer. Nothing here imports an engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class EngineError(RuntimeError):
    """An engine or model cannot be used; the message is one line naming the fix."""


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float  # 0..1: how sure the engine is of the words
    engine: str
    #: Why the engine's words were thrown away (e.g. Whisper's output on noise), or "".
    doubt: str = ""
    #: The words thrown away (with `doubt`): another engine agreeing with them may be heard.
    doubted: str = ""
    #: Other engines' transcripts of the same audio (a dual path's streaming engine).
    alternatives: tuple[Transcript, ...] = ()


class Recognizer(Protocol):
    name: str

    def start(self, source_rate: int = 16000) -> None:
        """Begin a new utterance; `source_rate` is the rate the audio was recorded at (an
        engine may adapt to narrowband, e.g. 8 kHz telephone, audio)."""

    def feed(self, pcm: np.ndarray) -> str:
        """Take the next chunk (16 kHz mono int16); return the partial text so far."""

    def pause(self) -> None:
        """The voice has paused: work on what is buffered may start now."""

    def resume(self) -> None:
        """The voice went on after a pause: discard what `pause` started."""

    def finish(self) -> Transcript:
        """End the utterance and return the final transcript."""

    def cancel(self) -> None:
        """End the utterance without a transcript (the partial text was enough)."""


def transcribe(recognizer: Recognizer, chunks: Iterable[np.ndarray],
               source_rate: int = 16000) -> Transcript:
    """Stream `chunks` through `recognizer` as one utterance."""
    recognizer.start(source_rate)
    for chunk in chunks:
        recognizer.feed(chunk)
    return recognizer.finish()
