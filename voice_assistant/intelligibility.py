"""How well the voice is understood: every reply rendered as it would be played, transcribed by
the best installed English recogniser (Whisper tiny.en through `stt.whisper`), scored as word
error rate (WER) per reply and overall.

The reply texts come from the data (`intents/<lang>/guide.yaml`), filled as the guide fills
them, with a landlord and a locksmith phone number configured (`CONTACTS`). The recogniser
stands in for a listener who does not know the script: no domain prompt, beam search, the
whole reply at once. Both sides are compared as spoken words: lower case, no punctuation,
contractions expanded, digits as digit words ("911" and "nine one one" are the same).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from voice_assistant.audio import RATE
from voice_assistant.data import Data
from voice_assistant.phone import in_reply
from voice_assistant.settings import Contact, Settings
from voice_assistant.textnorm import words
from voice_assistant.voices import loudness

#: Contacts configured for the check, so the replies that read a phone number are included.
CONTACTS = Settings(landlord=Contact("Sam", "555 0123"), locksmith=Contact("Key Pros",
                                                                           "+1 555 0199"))
#: A short set for `doctor`: the replies with the hardest words, a phone number and 911.
SHORT = ("other_entry.say", "landlord.contact", "emergency.say", "tip.lockbox",
         "reply.force_entry")

#: The most word errors each voice may have over all reply texts (tests/test_intelligibility):
#: the targets of issue 13, which the measured voices meet with room (README, "Speech out").
LIMITS = {"pyttsx3": 0.05, "piper": 0.03}
#: doctor's short check fails above this (few replies: one misheard word is 2 %).
DOCTOR_LIMIT = 0.10
_VERDICTS = ((0.03, "very clear"), (0.06, "clear"), (0.12, "mostly clear"))

_DIGITS = dict(zip("0123456789", "zero one two three four five six seven eight nine".split(),
                   strict=True))
_SAME = {"ok": "okay", "neighbor": "neighbour", "neighbors": "neighbours", "&": "and",
         "alright": "all right", "plus": "plus"}


@dataclass(frozen=True)
class Score:
    key: str  # where the text comes from, e.g. "landlord.contact"
    text: str  # what the voice was asked to say
    heard: str  # what the recogniser wrote
    errors: int  # substituted + deleted + inserted words
    words: int  # words in the text

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.words)


@dataclass(frozen=True)
class Report:
    voice: str  # e.g. "pyttsx3 en-us 150 wpm"
    scores: tuple[Score, ...]
    level_dbfs: float  # mean speech level of all replies (RMS over voiced 20 ms frames)
    peak_dbfs: float  # the loudest sample of all replies

    @property
    def wer(self) -> float:
        """Overall: all errors over all words."""
        return sum(s.errors for s in self.scores) / max(1, sum(s.words for s in self.scores))

    def worst(self, n: int = 5) -> list[Score]:
        wrong = [s for s in self.scores if s.errors]
        return sorted(wrong, key=lambda s: (-s.wer, s.key))[:n]

    def summary(self, n: int = 5) -> str:
        lines = [f"{self.voice}: {self.wer:.1%} of words wrong over {len(self.scores)} replies "
                 f"({sum(s.words for s in self.scores)} words); level {self.level_dbfs:.1f} "
                 f"dBFS, peak {self.peak_dbfs:.1f} dBFS"]
        for s in self.worst(n):
            lines.append(f"  {s.wer:6.1%}  {s.key}: said {s.text!r}, heard {s.heard!r}")
        return "\n".join(lines)


def verdict(wer: float) -> str:
    """How clear a voice is, in words, from its word error rate."""
    return next((word for limit, word in _VERDICTS if wer < limit), "hard to follow")


def spoken_words(text: str) -> list[str]:
    """Words as they are spoken: `textnorm.words` token by token (so "5 5 5" stays three
    words), digits as digit words, and a few spellings made one."""
    out: list[str] = []
    for token in re.sub(r"(\d)", r" \1 ", text).split():
        for w in words(token):
            w = _DIGITS.get(w, _SAME.get(w, w))
            out.extend(w.split())
    return out


def joined_as_reference(reference: Sequence[str], heard: Sequence[str]) -> list[str]:
    """`heard` with a word split in two joined again where the reference has it as one
    ("lock box" for "lockbox", "good bye" for "goodbye"): a spelling, not a mishearing."""
    known, out = set(reference), list(heard)
    i = 0
    while i < len(out) - 1:
        if out[i] + out[i + 1] in known:
            out[i : i + 2] = [out[i] + out[i + 1]]
        i += 1
    return out


def word_errors(reference: Sequence[str], heard: Sequence[str]) -> int:
    """Levenshtein distance in words."""
    prev = list(range(len(heard) + 1))
    for i, r in enumerate(reference, 1):
        cur = [i]
        for j, h in enumerate(heard, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1]


def reply_texts(data: Data, settings: Settings = CONTACTS) -> list[tuple[str, str]]:
    """(key, text) for every text the guide can say, filled as the guide fills it."""
    g = data.guide

    def fill(text: str) -> str:
        return text.replace("{emergency}", in_reply(settings.emergency_number))

    out: list[tuple[str, str]] = []
    for name, step in g.steps.items():
        if step.say:
            out.append((f"{name}.say", " ".join(fill(s) for s in step.say)))
        contact = getattr(settings, name, None) if name in ("landlord", "locksmith") else None
        if step.contact and contact is not None and contact.configured:
            said = step.contact.format(name=contact.name, phone=in_reply(contact.phone))
            out.append((f"{name}.contact", fill(said)))
        for field in ("question", "question_last", "reprompt", "help", "stay"):
            text = getattr(step, field)
            if text:
                out.append((f"{name}.{field}", fill(text)))
    out += [(f"tip.{name}", text) for name, text in g.tips]
    for key, text in g.replies.items():
        if "{label}" in text:
            out += [(f"reply.{key}.{intent}", text.format(label=label))
                    for intent, label in g.labels.items()]
        else:
            out.append((f"reply.{key}", fill(text)))
    return out


def measure(render: Callable[[str], np.ndarray], transcribe: Callable[[np.ndarray], str],
            texts: Sequence[tuple[str, str]], voice: str) -> Report:
    """Render each text (to 16 kHz int16), transcribe it and score it."""
    scores, audio = [], []
    for key, text in texts:
        pcm = render(text)
        audio.append(pcm)
        heard = transcribe(pcm)
        ref = spoken_words(text)
        said = joined_as_reference(ref, spoken_words(heard))
        scores.append(Score(key, text, heard, word_errors(ref, said), len(ref)))
    whole = np.concatenate(audio) if audio else np.zeros(0, np.int16)
    return Report(voice, tuple(scores), loudness.speech_level(whole, RATE),
                  loudness.peak_dbfs(whole))


@cache
def report(voice, keys: tuple[str, ...] | None = None) -> Report:  # voice: tts.VoiceSettings
    """The check for `voice` on all reply texts (or those named in `keys`), measured once per
    process. Raises stt.EngineError without Whisper, tts.TTSError when the voice fails."""
    from voice_assistant import data
    from voice_assistant.tts import Synthesizer

    texts = [t for t in reply_texts(data.default()) if keys is None or t[0] in keys]
    # Every reply is made before Whisper loads: the speech worker (and its restart after a
    # failure) is never started from a process running Whisper's threads. Under emulation
    # (the arm64 check) such a start once failed twice in a row.
    with Synthesizer(voice) as synth:
        render = renderer(synth)
        made = {text: render(text) for _, text in texts}
    name = f"{voice.engine} {voice.voice or ''} {voice.rate} wpm".replace("  ", " ")
    return measure(made.__getitem__, listener(), texts, name)


def renderer(synth) -> Callable[[str], np.ndarray]:  # tts.Synthesizer
    """A reply as the speaker would play it (sentences and their pauses), at 16 kHz."""
    from voice_assistant.audio import Converter
    from voice_assistant.tts import joined

    def render(text: str) -> np.ndarray:
        whole = joined(list(synth.render_reply(text)))
        return Converter(whole.rate).convert(whole.pcm, last=True)

    return render


@cache
def listener() -> Callable[[np.ndarray], str]:
    """Whisper tiny.en as a listener who does not know the script: the project's engine code
    with the domain prompt off and room for a whole reply. Raises stt.EngineError when
    Whisper or its model is not installed."""
    from voice_assistant.audio import chunks
    from voice_assistant.stt import EngineError, transcribe
    from voice_assistant.stt.models import find_whisper_model, wheel_model_path
    from voice_assistant.stt.whisper import WhisperRecognizer, WhisperSettings

    path = wheel_model_path()  # tiny.en, pinned: the figures in the README are its
    if path is None:
        path, why = find_whisper_model(None)
        if path is None:
            raise EngineError(f"no Whisper model for the intelligibility check ({why})")
    # it writes what it hears: none of the engine's guards that blank a doubtful transcript
    plain = replace(WhisperSettings(), prompt=False, max_new_tokens=200, no_speech_prob=1.01,
                    min_avg_logprob=-99.0, max_compression_ratio=99.0)
    rec = WhisperRecognizer(path, None, plain)

    def hear(pcm: np.ndarray) -> str:
        return transcribe(rec, chunks(pcm)).text

    return hear
