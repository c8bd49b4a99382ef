"""Audio sources for the listening loop: the microphone, or a WAV file that behaves like one.

Both yield 100 ms `AudioChunk`s of 16 kHz mono int16 stamped with audio time, so the loop
cannot tell them apart. The microphone callback only copies bytes into a queue; resampling
happens in the consumer. A stalled or failing microphone is closed, PortAudio re-initialised
and the stream retried every few seconds, forever; the source reports `MicEvent`s meanwhile.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voice_assistant import audio

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudioChunk:
    pcm: np.ndarray  # int16 mono, 16 kHz
    t: float  # audio time of the first sample, seconds

    @property
    def end(self) -> float:
        return self.t + len(self.pcm) / audio.RATE


@dataclass(frozen=True)
class MicEvent:
    kind: str  # "mic_ready" | "mic_error" | "mic_recovered"
    t: float
    detail: str = ""


class Source(Protocol):
    def chunks(self) -> Iterator[AudioChunk | MicEvent]: ...

    def close(self) -> None: ...


class WavSource:
    """A WAV file as a microphone: paced in real time, or as fast as possible (`fast`)."""

    def __init__(self, path: str | Path, *, fast: bool = False,
                 chunk_ms: int = audio.CHUNK_MS) -> None:
        self.path, self.fast, self.chunk_ms = Path(path), fast, chunk_ms
        self._wav = audio.WavFile(path)  # opens and checks the header now: errors come early
        self.closed = False
        self._reading = False  # inside chunks(): the file is closed when it stops

    def chunks(self) -> Iterator[AudioChunk]:
        fmt = self._wav.format
        conv = audio.Converter(fmt.rate, fmt.channels)
        step = audio.RATE * self.chunk_ms // 1000
        pending = np.zeros(0, np.int16)
        t, start = 0.0, time.monotonic()
        blocks = self._wav.blocks(frames=max(1, fmt.rate * self.chunk_ms // 1000))
        done = False
        self._reading = True
        try:
            while not done and not self.closed:
                block = next(blocks, None)
                done = block is None
                if done:
                    block = np.zeros((0, fmt.channels), np.float32)
                pending = np.concatenate([pending, conv.convert(block, last=done)])
                while len(pending) >= step or (done and len(pending)):
                    pcm, pending = pending[:step], pending[step:]
                    if not self.fast:
                        delay = start + t - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
                    yield AudioChunk(pcm, t)
                    t += len(pcm) / audio.RATE
        finally:
            self._reading = False
            if self.closed:
                self._wav.close()

    def close(self) -> None:
        """Stop the chunks. A signal handler may call this in the middle of a read: the file
        is then closed when chunks() stops, not under the read (which would fail)."""
        self.closed = True
        if not self._reading:
            self._wav.close()


StreamFactory = Callable[..., Any]


def _sounddevice_stream(device: int | None, rate: int, blocksize: int,
                        callback: Callable[..., None]) -> Any:
    import sounddevice as sd

    return sd.InputStream(device=device, samplerate=rate, channels=1, dtype="int16",
                          blocksize=blocksize, callback=callback)


def default_rate(device: int | None) -> int:
    """The input device's own default sample rate (raises if there is no such device)."""
    import sounddevice as sd

    return int(sd.query_devices(device, "input")["default_samplerate"])


def _reinit_portaudio() -> None:
    """PortAudio lists devices only when initialised, so a microphone plugged in again is seen
    after this. sounddevice has no public way (its maintainer points to these two, issues #125
    and #382 of spatialaudio/python-sounddevice; PortAudio's hotplug API is unfinished)."""
    import sounddevice as sd

    sd._terminate()
    sd._initialize()


class MicSource:
    """The microphone (sounddevice) at the device's own default rate, mono."""

    def __init__(self, device: int | None, rate: int | None = None, *,
                 chunk_ms: int = audio.CHUNK_MS,
                 stall_after: float = 2.0, retry_every: float = 3.0,
                 stream_factory: StreamFactory = _sounddevice_stream,
                 reinit: Callable[[], None] = _reinit_portaudio,
                 rate_of: Callable[[int | None], int] = default_rate,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.device, self.rate, self.chunk_ms = device, rate or audio.RATE, chunk_ms
        self.stall_after, self.retry_every = stall_after, retry_every
        self._factory, self._reinit, self._clock = stream_factory, reinit, clock
        self._rate_of, self._fixed_rate = rate_of, rate
        self._q: queue.Queue[tuple[float, bytes]] = queue.Queue()
        self._stream: Any = None
        self.overflows = 0
        self.closed = False
        self._t0 = clock()

    def now(self) -> float:
        return self._clock() - self._t0

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        self._q.put((self._clock(), bytes(indata)))  # copy only: the rest is the consumer's

    def _open(self) -> None:
        self.rate = self._fixed_rate or self._rate_of(self.device)  # a new mic may differ
        self._q = queue.Queue()
        self._stream = self._factory(self.device, self.rate,
                                     self.rate * self.chunk_ms // 1000, self._callback)
        self._stream.start()

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:  # closing a broken stream may fail too; nothing to do
                log.debug("closing the microphone stream failed: %s", exc)

    def chunks(self) -> Iterator[AudioChunk | MicEvent]:
        """Audio as it arrives, with `mic_ready` once the first audio has come (an opened
        stream is not yet a working one), `mic_error` once when it fails and `mic_recovered`
        when audio comes back. A stalled stream is reopened at once (audio lost while
        waiting is the person's words); a device that cannot be opened is retried every
        `retry_every` seconds."""
        failed = False  # an error was reported and audio has not come back yet
        ready = False  # audio has arrived at least once
        logged_overflows = 0
        conv = audio.Converter(self.rate, 1)
        while not self.closed:
            if self._stream is None:
                try:
                    if failed:
                        self._reinit()
                    self._open()
                    conv = audio.Converter(self.rate, 1)
                except Exception as exc:  # PortAudio raises several types; all mean "retry"
                    self._close_stream()
                    if not failed:
                        failed = True
                        log.warning("microphone unavailable: %s; retrying every %.0f s",
                                    exc, self.retry_every)
                        yield MicEvent("mic_error", self.now(), str(exc))
                    time.sleep(self.retry_every)
                    continue
            raw, arrived = b"", self._clock()
            waited = 0.0
            while not self.closed and waited < self.stall_after:  # short waits: stop quickly
                try:
                    arrived, raw = self._q.get(timeout=min(0.25, self.stall_after))
                    break
                except queue.Empty:
                    waited = self._clock() - arrived
            if self.closed:
                return
            if not raw:
                self._close_stream()
                if not failed:
                    failed = True
                    log.warning("microphone stalled (no audio for %.0f s); reopening it",
                                self.stall_after)
                    yield MicEvent("mic_error", self.now(), "no audio")
                continue  # reopen now: waiting for the stall took `stall_after` already
            if failed:
                failed, ready = False, True
                log.info("microphone recovered")
                yield MicEvent("mic_recovered", self.now())
            elif not ready:
                ready = True
                yield MicEvent("mic_ready", self.now())
            if self.overflows > logged_overflows:
                log.info("microphone overflowed %d times so far", self.overflows)
                logged_overflows = self.overflows
            pcm = conv.convert(np.frombuffer(raw, "<i2").astype(np.int16))
            end = arrived - self._t0  # stamped on arrival, not when the loop got round to it
            yield AudioChunk(pcm, max(0.0, end - len(pcm) / audio.RATE))

    def close(self) -> None:
        self.closed = True
        self._close_stream()
