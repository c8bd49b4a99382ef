"""Audio sources: a WAV that behaves like a microphone, and the microphone's fault handling
with a fake PortAudio stream (the hardware edge)."""

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.wavs import tone, wav_bytes, write
from voice_assistant.mic import AudioChunk, MicEvent, MicSource, WavSource


def test_wav_source_gives_100ms_chunks_with_audio_time(tmp_path: Path) -> None:
    path = write(tmp_path / "a.wav", wav_bytes(tone(1.05, 44100), 44100, channels=2))
    chunks = list(WavSource(path, fast=True).chunks())
    assert all(isinstance(c, AudioChunk) for c in chunks)
    assert [round(c.t, 2) for c in chunks[:3]] == [0.0, 0.1, 0.2]
    assert abs(chunks[-1].end - 1.05) < 0.01
    assert all(len(c.pcm) == 1600 for c in chunks[:-1])


def test_wav_source_paces_in_real_time_unless_fast(tmp_path: Path) -> None:
    path = write(tmp_path / "a.wav", wav_bytes(tone(0.5), 16000))
    start = time.monotonic()
    list(WavSource(path).chunks())
    assert time.monotonic() - start >= 0.35
    start = time.monotonic()
    list(WavSource(path, fast=True).chunks())
    assert time.monotonic() - start < 0.3


def test_wav_source_closed_in_the_middle_of_a_read_stops_cleanly(tmp_path: Path) -> None:
    """SIGTERM's handler closes the source wherever the main thread is, also between two reads
    of the file: the chunks then stop, with no 'read of closed file' (the exit code stays 0)."""
    path = write(tmp_path / "a.wav", wav_bytes(tone(1.0), 16000))
    source = WavSource(path, fast=True)
    real = source._wav.blocks

    def blocks(frames: int = 8192):
        inner = real(frames)
        yield next(inner)
        source.close()  # as if the signal came now
        yield from inner  # the next read: on a closed file it would raise

    source._wav.blocks = blocks  # type: ignore[method-assign]
    chunks = list(source.chunks())
    assert 1 <= len(chunks) <= 2
    assert source._wav._fh.closed  # and the file is closed once the chunks stop


def test_wav_source_closed_before_reading_closes_the_file(tmp_path: Path) -> None:
    source = WavSource(write(tmp_path / "a.wav", wav_bytes(tone(0.3), 16000)), fast=True)
    source.close()
    assert source._wav._fh.closed
    assert list(source.chunks()) == []


class FakeStream:
    """Stands in for sounddevice.InputStream: feeds the callback from a thread."""

    def __init__(self, behaviour: str, rate: int, blocksize: int, callback) -> None:
        self.behaviour, self.blocksize, self.callback = behaviour, blocksize, callback
        self.running = False

    def start(self) -> None:
        if self.behaviour == "raise":
            raise OSError("PortAudio error: device unavailable")
        self.running = True
        threading.Thread(target=self._feed, daemon=True).start()

    def _feed(self) -> None:
        n = 0
        while self.running and (self.behaviour == "ok" or n < 3):
            self.callback(np.zeros((self.blocksize, 1), np.int16).tobytes(), self.blocksize,
                          None, None)
            n += 1
            time.sleep(0.01)

    def stop(self) -> None:
        self.running = False

    def close(self) -> None:
        self.running = False


def _source(behaviours: list[str], retry_every: float = 0.05) -> tuple[MicSource, list[str]]:
    opened: list[str] = []
    reinits: list[int] = []

    def factory(device, rate, blocksize, callback):
        behaviour = behaviours[min(len(opened), len(behaviours) - 1)]
        opened.append(behaviour)
        return FakeStream(behaviour, rate, blocksize, callback)

    src = MicSource(None, 48000, stall_after=0.2, retry_every=retry_every, stream_factory=factory,
                    reinit=lambda: reinits.append(1))
    src.reinits = reinits  # type: ignore[attr-defined]
    return src, opened


def _take(src: MicSource, n: int, timeout: float = 10.0) -> list:
    out, start = [], time.monotonic()
    for item in src.chunks():
        out.append(item)
        if len(out) >= n or time.monotonic() - start > timeout:
            break
    src.close()
    return out


def test_missing_at_start_then_plugged_in() -> None:
    src, opened = _source(["raise", "raise", "ok"])
    items = _take(src, 4)
    events = [i.kind for i in items if isinstance(i, MicEvent)]
    assert events == ["mic_error", "mic_recovered"]  # the error is reported once, not per retry
    assert opened[:3] == ["raise", "raise", "ok"] and len(src.reinits) >= 2
    chunk = next(i for i in items if isinstance(i, AudioChunk))
    assert 1400 <= len(chunk.pcm) <= 1600  # 48 kHz resampled to 16 kHz in the consumer


def test_stalled_stream_is_reopened_and_recovers() -> None:
    src, opened = _source(["stall", "ok"], retry_every=30.0)
    items = _take(src, 8)
    events = [i for i in items if isinstance(i, MicEvent)]
    assert [e.kind for e in events] == ["mic_ready", "mic_error", "mic_recovered"]
    assert opened[:2] == ["stall", "ok"]
    assert events[1].detail == "no audio"
    # reopened at once, not after the 30 s retry interval: the person may be talking
    assert events[2].t - events[1].t < 5.0


def test_close_stops_within_a_second() -> None:
    src, _ = _source(["ok"])
    got: list = []
    worker = threading.Thread(target=lambda: got.extend(src.chunks()), daemon=True)
    worker.start()
    time.sleep(0.2)
    start = time.monotonic()
    src.close()
    worker.join(timeout=2)
    assert not worker.is_alive() and time.monotonic() - start < 1.0


@pytest.mark.parametrize("status_overflow", [True])
def test_overflows_are_counted_not_fatal(status_overflow: bool) -> None:
    src, _ = _source(["ok"])

    class Status:
        input_overflow = status_overflow

    src._callback(b"\0\0" * 10, 10, None, Status())
    assert src.overflows == 1
