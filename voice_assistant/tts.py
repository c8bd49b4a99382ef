"""Speech out: sentences → audio from a voice engine (`voices`) in a worker process → speaker.

The engine runs in its own process so a hung or crashed espeak can be killed and replaced
without touching the caller. Replies are rendered sentence by sentence so the first one can
play while the rest are still being made. Problems raise `TTSError` with one user-facing line.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import re
import threading
import wave
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_any
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np

from voice_assistant import voices
from voice_assistant.settings import Voice
from voice_assistant.voices import loudness, spoken

log = logging.getLogger(__name__)

ESPEAK_RATE = 22050  # what pyttsx3's espeak driver writes
_PLAY_TAIL_S = 0.15  # silence after each sentence so a driver that stops early cuts no speech


class TTSError(RuntimeError):
    """Speech output failed; the message is one line naming the fix."""


_PYTTSX3 = voices.ENGINES[voices.DEFAULT]


@dataclass(frozen=True)
class VoiceSettings:
    engine: str = Voice.engine  # a name in voices.ENGINES
    voice: str | None = _PYTTSX3.voice  # pyttsx3 voice id or name part ("en-us+m3")
    rate: int = _PYTTSX3.rate  # words per minute
    volume: float = Voice.volume  # 0..1 of the normalised level (loudness.TARGET_DBFS)
    word_gap: float = _PYTTSX3.word_gap  # seconds between words
    sentence_pause: float = _PYTTSX3.sentence_pause  # seconds after each sentence

    @classmethod
    def tuned(cls, engine: str = Voice.engine, voice: str = "", rate: int = 0,
              volume: float = Voice.volume) -> VoiceSettings:
        """The engine's tuned settings, with the user's voice and rate where given."""
        e = voices.ENGINES[engine]
        return cls(engine, voice or e.voice or None, rate or e.rate, volume, e.word_gap,
                   e.sentence_pause)

    @classmethod
    def configured(cls, voice: Any, engine: str | None = None) -> VoiceSettings:
        """From the settings' [voice] table (settings.Voice), or `engine` instead of its
        engine (--voice): the table's voice name and rate then apply only to its own engine."""
        chosen = engine or voice.engine
        own = chosen == voice.engine
        return cls.tuned(chosen, voice.name if own else "", voice.rate if own else 0,
                         voice.volume)


@dataclass(frozen=True)
class Rendered:
    text: str
    pcm: np.ndarray  # int16 mono
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / self.rate


_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+")
# Only words that precede a name or number; "No." and "etc." often end a sentence.
_ABBREVIATIONS = frozenset("dr mr mrs ms st jr sr mt apt ave rd vs approx dept e.g i.e cf".split())


def _ends_sentence(before: str, after: str) -> bool:
    if not after or after[0].islower():  # "approx. ten", "9 a.m. on Monday"
        return False
    word = before.split()[-1].lstrip("(\"'“‘")
    return not (word.endswith(".") and word.rstrip(".").lower() in _ABBREVIATIONS)


def split_sentences(text: str) -> list[str]:
    """Sentences to speak one by one; blank lines also separate sentences."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        para = " ".join(paragraph.split())
        start = 0
        for m in _BOUNDARY.finditer(para):
            if _ends_sentence(para[start : m.end()], para[m.end() :]):
                sentences.append(para[start : m.end()].strip())
                start = m.end()
        if para[start:].strip():
            sentences.append(para[start:].strip())
    return sentences


_PHRASE_STARTS = frozenset("and or but if to for with which when where while on about as from "
                           "who so".split())


def lead(sentence: str, max_words: int) -> list[str]:
    """A long first sentence as a short lead and the rest, so the first audio comes sooner:
    split at its first comma or semicolon within `max_words` words, else before the first
    word that starts a phrase ("and", "to", "with", …) within them; else left whole."""
    words = sentence.split()
    if max_words <= 0 or len(words) <= max_words:
        return [sentence]
    cut = next((i for i in range(1, max_words + 1) if words[i - 1].endswith((",", ";"))), 0)
    cut = cut or next((i for i in range(3, max_words + 1)
                       if words[i].lower() in _PHRASE_STARTS), 0)
    if not cut or len(words) - cut < 2:
        return [sentence]
    return [" ".join(words[:cut]), " ".join(words[cut:])]


def speech_text(sentence: str, engine: str = voices.DEFAULT) -> str:
    """What the engine is given (see voices.spoken): "911" → "9, 1, 1"."""
    return spoken.speech_text(sentence, engine)


pyttsx3_worker = voices.worker("pyttsx3")


class VoiceFault(TTSError):
    """One request to the voice engine's worker failed. `kind` says how: "hung" (no answer in
    time), "failed" (the engine's own error, in the message), "stopped" (the worker died),
    "silent" (no audio) or "unreachable"."""

    def __init__(self, kind: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.detail = detail or message  # the engine's own words, for "failed"


class Synthesizer:
    """A voice engine (voices.ENGINES) in a worker *process*, so a hung or crashed engine can
    be killed and restarted without losing the caller's state. Sentences said before come
    from a small cache ("repeat", a question asked again), at once: the most recent
    `cache_size` sentences, at most `cache_bytes` of audio (a Pi's memory stays flat over
    weeks: 128 sentences of espeak audio were 17 MB)."""

    def __init__(
        self,
        settings: VoiceSettings = VoiceSettings(),
        *,
        timeout_base: float | None = None,
        timeout_per_char: float | None = None,
        worker: Callable[[Connection], None] | None = None,
        cache_size: int = 128,
        cache_bytes: int = 4 << 20,
        start_allowance: float | None = None,
        retry: bool = True,
    ) -> None:
        self.settings = settings
        #: a failed sentence is tried once more in a new worker; without retry, a failure is
        #: the VoiceFault itself, which says how it failed (`doctor`)
        self._retry = retry
        if settings.engine not in voices.ENGINES:
            raise TTSError(f"unknown voice engine {settings.engine!r}: choose one of "
                           f"{', '.join(voices.ENGINES)}")
        self._engine = voices.ENGINES[settings.engine]
        self._timeout_base = self._engine.timeout_s if timeout_base is None else timeout_base
        self._timeout_per_char = (self._engine.timeout_per_char if timeout_per_char is None
                                  else timeout_per_char)
        #: extra seconds for the first request to a new worker (it loads its model)
        self._start_allowance = (self._engine.start_s if start_allowance is None
                                 else start_allowance)
        self._worker = worker or voices.worker(settings.engine)
        self._fresh = False  # the worker was just started: allow for loading its model
        self._ctx = mp.get_context("spawn")  # callers have threads: never fork
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._failed = False
        self._restarts = 0
        self._warned: set[str] = set()
        self._cache: OrderedDict[tuple[VoiceSettings, str, bool], Rendered] = OrderedDict()
        self._cache_size = cache_size
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0

    @property
    def restarts(self) -> int:
        return self._restarts

    def render(self, sentence: str, pause: bool = True) -> Rendered:
        """One sentence, at the normalised level, followed by the sentence pause (unless
        `pause` is false: the lead of a sentence, which the rest follows at once)."""
        spoken = speech_text(sentence, self.settings.engine).strip()
        if not spoken:  # espeak never finishes an empty text
            return Rendered(sentence, np.zeros(0, np.int16), ESPEAK_RATE)
        key = (self.settings, spoken, pause)
        with self._lock:
            if key in self._cache:  # said before ("repeat", a question asked again): no wait
                self._cache.move_to_end(key)
                return replace(self._cache[key], text=sentence)
            rendered = self._render(sentence, spoken, pause)
            self._cache[key] = rendered
            self._cached_bytes += rendered.pcm.nbytes
            while self._cache and (len(self._cache) > self._cache_size
                                   or self._cached_bytes > self._cache_bytes):
                self._cached_bytes -= self._cache.popitem(last=False)[1].pcm.nbytes
            return rendered

    def _render(self, sentence: str, spoken: str, pause: bool) -> Rendered:
        timeout = self._timeout_base + self._timeout_per_char * len(sentence)
        try:
            return self._request(sentence, spoken, timeout, pause)
        except VoiceFault as exc:
            self._stop(failed=True)
            if not self._retry:
                raise
            log.warning("Speech engine %s; restarting it and trying again", exc)
        try:
            return self._request(sentence, spoken, timeout, pause)
        except VoiceFault as exc:
            self._stop(failed=True)
            raise TTSError(
                f"Could not make speech: the speech engine ({self._engine.describe}) "
                f"{exc}, twice. Check that it is installed ({self._engine.fix})."
            ) from None

    def render_reply(self, text: str) -> Iterator[Rendered]:
        """The reply sentence by sentence, each as soon as it is made; a long first sentence
        in two parts when the engine is slow to start (voices.VoiceEngine.lead_words)."""
        sentences = split_sentences(text)
        if sentences:
            parts = lead(sentences[0], self._engine.lead_words)
            if len(parts) == 2:
                yield self.render(parts[0], pause=False)
                sentences[0] = parts[1]
        for sentence in sentences:
            yield self.render(sentence)

    def close(self) -> None:
        with self._lock:
            self._stop(failed=False)

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(
            target=self._worker, args=(child,), name="tts-worker", daemon=True
        )
        self._proc.start()
        self._fresh = True
        child.close()  # so the worker's death shows as end-of-file here
        self._conn = parent
        if self._failed:
            self._restarts += 1
            self._failed = False

    def _stop(self, *, failed: bool) -> None:
        proc, conn, self._proc, self._conn = self._proc, self._conn, None, None
        self._failed = self._failed or failed
        if proc is None or conn is None:
            return
        if not failed:
            with suppress(OSError):
                conn.send(None)
                proc.join(1.0)
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)
        conn.close()

    def _request(self, text: str, spoken: str, timeout: float, pause: bool = True) -> Rendered:
        if self._proc is None:
            self._start()
        assert self._conn is not None and self._proc is not None
        try:
            self._conn.send((spoken, self.settings))
        except OSError as exc:
            raise VoiceFault("unreachable", f"could not be reached ({exc})") from None
        if self._fresh:
            timeout += self._start_allowance
        if not wait_any([self._conn, self._proc.sentinel], timeout):
            raise VoiceFault("hung", f"took longer than {timeout:.1f} s")
        self._fresh = False
        try:
            reply = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join(0.5)
            raise VoiceFault("stopped", f"stopped (exit code {self._proc.exitcode})") from None
        if reply[0] != "ok":
            detail = " ".join(str(reply[1]).split())
            raise VoiceFault("failed", f"failed ({detail})", detail)
        _, pcm, rate, note = reply
        if not pcm:  # espeak sometimes loses a sentence under load: never stay silent
            raise VoiceFault("silent", "returned no audio")
        if note and note not in self._warned:
            self._warned.add(note)
            log.warning("%s", note)
        pcm = loudness.normalise(np.frombuffer(pcm, dtype="<i2"), int(rate), self.settings.volume)
        gap = np.zeros(int(rate * self.settings.sentence_pause * pause), np.int16)
        return Rendered(text, np.concatenate([pcm, gap]), int(rate))


def joined(rendered: Sequence[Rendered]) -> Rendered:
    """All renders as one, at the first one's rate."""
    rate = rendered[0].rate if rendered else ESPEAK_RATE
    parts = [np.zeros(0, np.int16)]
    for r in rendered:
        pcm = np.asarray(r.pcm, np.int16)
        if r.rate != rate:
            import soxr

            pcm = soxr.resample(pcm, r.rate, rate)
        parts.append(pcm)
    return Rendered(" ".join(r.text for r in rendered), np.concatenate(parts), rate)


def write_wav(path: Path, rendered: Sequence[Rendered]) -> float:
    """All renders as one 16-bit mono WAV at the first one's rate; returns its seconds.
    OSError (missing folder, disk full) propagates."""
    whole = joined(rendered)
    pcm = whole.pcm.astype("<i2")
    with open(path, "wb") as f, wave.open(f, "wb") as w:  # open() first: a clean OSError
        w.setparams((1, 2, whole.rate, len(pcm), "NONE", "not compressed"))
        w.writeframes(pcm.tobytes())
    return whole.seconds


class Speaker:
    """Plays renders on the default (or given) output device, blocking until done."""

    def __init__(self, device: int | str | None = None) -> None:
        self.device = device

    def play(self, r: Rendered) -> None:
        if len(r.pcm) == 0:
            return
        pcm = np.concatenate([r.pcm, np.zeros(int(r.rate * _PLAY_TAIL_S), np.int16)])
        try:
            import sounddevice as sd

            sd.play(pcm, r.rate, device=self.device)
            status = sd.wait()
        except Exception as exc:  # PortAudioError, OSError (no PortAudio), ValueError (device)
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise TTSError(
                f"Could not play speech ({detail}); check that a speaker is connected "
                "and the output device setting is right."
            ) from None
        if status:
            log.debug("Playback glitch: %s", status)


REFERENCE_RATE = 16000  # the echo canceller's rate


@dataclass
class _Queued:
    out: np.ndarray  # int16 at the stream's rate
    ref: np.ndarray  # int16 at REFERENCE_RATE: the echo canceller's reference
    pos: int = 0
    started: float | None = None  # clock time its first sample reaches the speaker
    cut_at: float | None = None  # clock time it was stopped, if it was


def _output_stream(device: int | str | None, rate: int, callback: Callable[..., None]) -> Any:
    import sounddevice as sd

    return sd.OutputStream(device=device, samplerate=rate, channels=1, dtype="int16",
                           callback=callback, latency="high")


def _output_rate(device: int | str | None) -> int:
    import sounddevice as sd

    return int(sd.query_devices(device, "output")["default_samplerate"])


class StreamSpeaker:
    """Plays renders on one continuous output stream without blocking the caller; `stop()`
    silences it at once (barge-in). Keeps what it played, stamped on `clock`, as the echo
    canceller's reference (`reference()`)."""

    def __init__(self, device: int | str | None = None, *,
                 clock: Callable[[], float] | None = None,
                 stream_factory: Callable[..., Any] = _output_stream,
                 rate_of: Callable[[int | str | None], int] = _output_rate) -> None:
        import time

        self.device = device
        self.clock = clock or time.monotonic
        self._factory, self._rate_of = stream_factory, rate_of
        self._stream: Any = None
        self.rate = 0
        self._latency = 0.0
        self._items: list[_Queued] = []
        self._blocks: deque[tuple[float, _Queued, int, int]] = deque(maxlen=4000)
        self._lock = threading.Lock()
        self._renderer: threading.Thread | None = None
        self._stopped = threading.Event()
        self.error: TTSError | None = None  # a failure of the renderer thread, for the caller

    # -- the stream (runs on PortAudio's thread) ------------------------------------------
    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        written = 0
        with self._lock:
            stamp = self.clock() + self._lead(time_info)  # when this block reaches the speaker
            for item in self._items:
                if written >= frames:
                    break
                if item.pos >= len(item.out):
                    continue
                if item.started is None:
                    item.started = stamp + written / self.rate
                take = min(frames - written, len(item.out) - item.pos)
                outdata[written:written + take, 0] = item.out[item.pos:item.pos + take]
                # stamped block by block: after an underrun the rest plays later
                self._blocks.append((stamp + written / self.rate, item, item.pos, take))
                item.pos += take
                written += take
        outdata[written:] = 0

    def _lead(self, time_info: Any) -> float:
        """How long until this block is heard: PortAudio's own estimate for this very block
        (it follows the device's buffer as it fills and drains), else the stream's latency."""
        dac = getattr(time_info, "outputBufferDacTime", 0.0) or 0.0
        now = getattr(time_info, "currentTime", 0.0) or 0.0
        if dac and now and 0.0 <= dac - now < 2.0:
            return dac - now
        return self._latency

    def _open(self) -> None:
        if self._stream is not None:
            return
        try:
            self.rate = self._rate_of(self.device)
            self._stream = self._factory(self.device, self.rate, self._callback)
            self._stream.start()
            self._latency = float(getattr(self._stream, "latency", 0.0) or 0.0)
        except Exception as exc:  # PortAudioError, OSError (no PortAudio), ValueError (device)
            self._stream = None
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise TTSError(f"Could not play speech ({detail}); check that a speaker is "
                           "connected and the output device setting is right.") from None

    # -- the caller's side ------------------------------------------------------------------
    def _queue(self, r: Rendered) -> None:
        import soxr

        pcm = np.asarray(r.pcm, np.int16)
        pcm = np.concatenate([pcm, np.zeros(int(r.rate * _PLAY_TAIL_S), np.int16)])
        out = pcm if r.rate == self.rate else soxr.resample(pcm, r.rate, self.rate)
        ref = pcm if r.rate == REFERENCE_RATE else soxr.resample(pcm, r.rate, REFERENCE_RATE)
        with self._lock:
            if self._stopped.is_set():  # stopped while this sentence was being rendered
                return
            now = self.clock()
            self._items = [i for i in self._items if not i.started or
                           i.started + len(i.ref) / REFERENCE_RATE > now - 10.0]
            self._items.append(_Queued(np.asarray(out, np.int16), np.asarray(ref, np.int16)))

    def start(self, renders: Iterator[Rendered]) -> bool:
        """Queue the first render now and the rest from a thread; False when there was
        nothing to say. Raises TTSError when the first render or the speaker fails."""
        self.stop()
        self._stopped.clear()
        self.error = None
        self._open()
        first = next(renders, None)
        if first is None:
            return False
        self._queue(first)

        def rest() -> None:
            try:
                for r in renders:
                    if self._stopped.is_set():
                        return
                    self._queue(r)
            except TTSError as exc:
                self.error = exc

        self._renderer = threading.Thread(target=rest, name="tts-render", daemon=True)
        self._renderer.start()
        return True

    def stop(self) -> None:
        """Silence it now: what is not yet played is dropped."""
        self._stopped.set()
        with self._lock:
            now = self.clock() + self._latency  # what the device holds still plays
            for item in self._items:
                if item.pos < len(item.out):
                    item.pos = len(item.out)
                    item.cut_at = now
        if self._renderer is not None:
            self._renderer.join(5.0)
            self._renderer = None

    def ends_at(self) -> float | None:
        """Clock time the queued speech will have been played, or None while some of it
        has not started yet (or is still being rendered)."""
        with self._lock:
            rendering = self._renderer is not None and self._renderer.is_alive()
            if rendering or any(i.started is None and i.pos < len(i.out) for i in self._items):
                return None
            ends = [i.cut_at if i.cut_at is not None else
                    (i.started or 0.0) + len(i.ref) / REFERENCE_RATE for i in self._items]
        return max(ends, default=0.0)

    def reference(self, t0: float, n: int) -> np.ndarray:
        """What the speaker played from clock time `t0`, `n` samples at 16 kHz."""
        out = np.zeros(n, np.int16)
        t1 = t0 + n / REFERENCE_RATE
        with self._lock:
            blocks = [b for b in self._blocks
                      if b[0] < t1 and b[0] + b[3] / self.rate > t0]
        for stamp, item, pos, count in blocks:
            r0 = round(pos * REFERENCE_RATE / self.rate)
            r1 = min(len(item.ref), round((pos + count) * REFERENCE_RATE / self.rate))
            a = round((stamp - t0) * REFERENCE_RATE)  # where the block starts, in `out`
            lo, hi = max(0, a), min(n, a + r1 - r0)
            if lo < hi:
                out[lo:hi] = item.ref[r0 + lo - a:r0 + hi - a]
        return out

    def close(self) -> None:
        self.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            with suppress(Exception):
                stream.stop()
                stream.close()
