"""The Whisper engine: faster-whisper (CTranslate2) with an English-only model, int8 on the CPU.

Whisper hears a whole utterance at once, so it gives no partial text while the voice goes on:
it decodes what is buffered when the voice pauses (`pause`); that transcript is the partial
text from then on (the loop may answer early on it) and the final one when the end of speech
is confirmed, unless the voice went on. Its known failure modes are guarded: beam search at
temperature 0 only (no random fallback: the same audio gives the same words), a token cap
against runaway repetition, and output that Whisper itself doubts (probably no speech, a low
average log-probability, a repetitive text) comes back empty, with the reason in `doubt`.
The encoder sees the utterance with at least 15 s of context instead of Whisper's padded 30 s
(measured: as accurate, and about twice as fast).
This is the only module that imports faster_whisper.
"""

from __future__ import annotations

import logging
import os
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from voice_assistant.data import Data
from voice_assistant.names import TIP_INTENTS, TOPIC_STEPS
from voice_assistant.stt.base import EngineError, Transcript

log = logging.getLogger(__name__)
logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # not a line per utterance


@dataclass(frozen=True)
class WhisperSettings:
    #: Whisper's own "no speech" rule: a high no-speech probability with a weak decode.
    no_speech_prob: float = 0.6
    no_speech_logprob: float = -0.7
    #: Below this average log-probability per token the words are guesses.
    min_avg_logprob: float = -1.2
    #: Above this gzip compression ratio the text is a loop ("the the the ...").
    max_compression_ratio: float = 2.4
    max_new_tokens: int = 64  # an utterance is at most 10 s
    beam_size: int = 5  # measured: more often right than greedy, and hardly slower
    #: Seconds of audio context the encoder sees: Whisper pads every input to 30 s, which
    #: costs the same for a one-word answer as for a long story. The padding beyond the
    #: utterance (plus a margin) is cut, down to this many seconds; 30 turns it off.
    min_context: float = 15.0
    prompt: bool = True  # condition the decoder on the domain's own words
    #: How many of the beam's readings come back (the best as the text, the others as
    #: alternatives the assistant may take when the best one is not understood).
    hypotheses: int = 5


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def domain_prompt(data: Data) -> str:
    """A short piece of 'earlier conversation' in the domain, generated from `intents/`: the
    first phrasing of every topic intent (the steps and the tips: the words Whisper would not
    expect, such as landlord, locksmith, lockbox, renters insurance), plus the opening. Short,
    because every prompt token costs decoding time; the everyday answers need no priming."""
    wanted = ("locked_out", *TOPIC_STEPS, *TIP_INTENTS)
    lines = [data.intents[n].spoken[0] for n in wanted if n in data.intents
             and data.intents[n].spoken]
    return ". ".join(line[:1].upper() + line[1:] for line in lines) + "."


_FULL_FRAMES = 3000  # Whisper's 30 s window, in 10 ms feature frames
_MARGIN_S = 1.0  # silence the encoder sees after the utterance


@cache
def _model_class(base: type) -> type:
    """faster-whisper's model, with the encoder fed only `context_frames` of the padded 30 s
    window (whisper.cpp calls this the audio context). Measured on the fixtures: the same
    accuracy at 10 s, and about a third of the time."""

    class ShortContextModel(base):  # type: ignore[misc, valid-type]
        context_frames = _FULL_FRAMES

        def encode(self, features: np.ndarray):  # -> ctranslate2.StorageView
            return super().encode(features[..., : self.context_frames])

    return ShortContextModel


class WhisperRecognizer:
    name = "whisper"

    def __init__(self, path: Path, data: Data | None = None,
                 settings: WhisperSettings | None = None, threads: int | None = None) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise EngineError("faster-whisper is not installed: run scripts/setup (or pip "
                              "install 'lockout-assistant[whisper]')") from None
        path = Path(path)
        if not path.is_dir():
            raise EngineError(f"{path}: no such Whisper model folder; run `lockout-assistant "
                              "fetch-model --engine whisper` or pass --model PATH")
        self.settings = s = settings or WhisperSettings()
        self.threads = threads or usable_cores()
        try:
            self._model = _model_class(WhisperModel)(str(path), device="cpu",
                                                     compute_type="int8",
                                                     cpu_threads=self.threads)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError on bad files
            raise EngineError(f"{path}: Whisper could not load this model "
                              f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                              ": pass another --model, or reinstall with scripts/setup") from None
        self.path = path
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        self._tokenizer = Tokenizer(self._model.hf_tokenizer, self._model.model.is_multilingual,
                                    task="transcribe",
                                    language="en")
        prompt = domain_prompt(data) if data is not None and s.prompt else None
        self._prompt_tokens = self._model.get_prompt(
            self._tokenizer, self._tokenizer.encode(" " + prompt) if prompt else [],
            without_timestamps=True)
        # Whisper's usual rule: no symbols or speaker marks, only words
        self._suppress = list(get_suppressed_tokens(self._tokenizer, [-1]))
        self._buffer: list[np.ndarray] = []
        self._ready: tuple[int, Transcript] | None = None  # (samples decoded, transcript)
        self._decode(np.zeros(8000, np.int16))  # the first decode is slow: do it now

    def start(self, source_rate: int = 16000) -> None:
        self._buffer = []
        self._ready = None

    def feed(self, pcm: np.ndarray) -> str:
        """No partial text while the voice goes on; after a pause, what was decoded then (so
        a sure, short answer can be taken early, as with a streaming engine's partials)."""
        if len(pcm):
            self._buffer.append(np.asarray(pcm, np.int16))
        return self._ready[1].text if self._ready is not None else ""

    def pause(self) -> None:
        whole = self._whole()
        if self._ready is None or self._ready[0] != len(whole):
            self._ready = (len(whole), self._decode(whole))

    def resume(self) -> None:
        self._ready = None

    def cancel(self) -> None:
        self.start()

    def finish(self) -> Transcript:
        ready, self._ready = self._ready, None
        whole = self._whole()
        self._buffer = []
        if ready is not None:
            return ready[1]
        return self._decode(whole) if len(whole) else Transcript("", 0.0, self.name)

    def _whole(self) -> np.ndarray:
        return np.concatenate(self._buffer) if self._buffer else np.zeros(0, np.int16)

    def _decode(self, pcm: np.ndarray) -> Transcript:
        """One utterance (at most Whisper's 30 s window) → its best reading, with the other
        readings the beam search ended with as `alternatives` (best first)."""
        s, m = self.settings, self._model
        features = m.feature_extractor(pcm[: 30 * 16000].astype(np.float32) / 32768.0)
        content = min(_FULL_FRAMES, features.shape[-1] - 1)
        m.context_frames = min(_FULL_FRAMES, int(max(s.min_context, content / 100 + _MARGIN_S)
                                                 * 100))
        result = m.model.generate(
            m.encode(_pad_or_trim(features[:, :content])), [self._prompt_tokens],
            beam_size=s.beam_size, num_hypotheses=max(1, min(s.hypotheses, s.beam_size)),
            length_penalty=1.0, max_length=len(self._prompt_tokens) + s.max_new_tokens,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=self._suppress)[0]
        readings = []
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            text = self._tokenizer.decode(ids).strip()
            # faster-whisper's average log-probability: the score is per token, with the
            # end-of-text token counted
            readings.append((text, score * len(ids) / (len(ids) + 1)))
        if not readings or not readings[0][0]:
            return Transcript("", 0.0, self.name)
        text, logprob = readings[0]
        doubt = self._doubt(text, logprob, result.no_speech_prob)
        if doubt:
            log.debug("whisper: discarded %s", doubt)
            return Transcript("", 0.0, self.name, doubt=doubt, doubted=text)
        seen, alternatives = {_plain(text)}, []
        for alt, alt_logprob in readings[1:]:
            if alt and _plain(alt) not in seen and not self._doubt(alt, alt_logprob, 0.0):
                seen.add(_plain(alt))
                alternatives.append(Transcript(alt, _confidence(alt_logprob), self.name))
        return Transcript(text, _confidence(logprob), self.name,
                          alternatives=tuple(alternatives))

    def _doubt(self, text: str, logprob: float, no_speech_prob: float) -> str:
        """Why Whisper's own figures say these words are not to be trusted, or ""."""
        s = self.settings
        if no_speech_prob > s.no_speech_prob and logprob < s.no_speech_logprob:
            return f"no speech ({no_speech_prob:.2f}): {text!r}"
        if logprob < s.min_avg_logprob:
            return f"unsure ({logprob:.2f}): {text!r}"
        if _compression_ratio(text) > s.max_compression_ratio:
            return f"repetitive ({_compression_ratio(text):.1f}): {text!r}"
        return ""


def _confidence(logprob: float) -> float:
    return max(0.0, min(1.0, float(np.exp(logprob))))


def _plain(text: str) -> str:
    """A reading without case and punctuation ("Lock it." and "lock it" are one reading)."""
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c in " '").split())


def _compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def _pad_or_trim(features: np.ndarray) -> np.ndarray:
    """Log-mel frames padded with zeros (or cut) to Whisper's 30 s window."""
    frames = features.shape[-1]
    if frames >= _FULL_FRAMES:
        return np.ascontiguousarray(features[:, :_FULL_FRAMES])
    return np.pad(features, ((0, 0), (0, _FULL_FRAMES - frames)))
