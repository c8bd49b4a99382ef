"""Audio in: WAV decoding and conversion to what the speech engines take (16 kHz mono int16),
and recorded sessions built from turn recordings (for `bench` and the tests).

The same `Converter` serves WAV files and the microphone, so both reach the engines the same
way. Any common WAV decodes: PCM 8/16/24/32-bit, 32/64-bit float, A-law and µ-law, any rate
from 4 to 192 kHz, any channel count (mixed down to mono). Problems raise `AudioError` with one
line naming the file and what is wrong.
"""

from __future__ import annotations

import logging
import struct
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_assistant.oneline import shorten
from voice_assistant.userfile import UnusableFile, open_regular, size

log = logging.getLogger(__name__)

RATE = 16000  # what the engines take
CHUNK_MS = 100  # the streaming unit, for files as for the microphone
MIN_RATE, MAX_RATE = 4000, 192000
_PCM, _FLOAT, _ALAW, _MULAW, _EXTENSIBLE = 1, 3, 6, 7, 0xFFFE
_ENCODINGS = {_PCM: "pcm", _FLOAT: "float", _ALAW: "alaw", _MULAW: "mulaw"}


class AudioError(ValueError):
    """Unusable audio; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class WavFormat:
    encoding: str  # pcm | float | alaw | mulaw
    rate: int
    channels: int
    bits: int
    frames: int  # frames actually present

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def describe(self) -> str:
        return f"{self.rate} Hz, {self.channels} ch, {self.bits}-bit {self.encoding}"


def _g711_tables() -> tuple[np.ndarray, np.ndarray]:
    codes = np.arange(256, dtype=np.int32)
    # µ-law (G.711)
    u = ~codes & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    mulaw = np.where(u & 0x80, 0x84 - t, t - 0x84).astype(np.float32) / 32768.0
    # A-law (G.711)
    a = codes ^ 0x55
    seg = (a & 0x70) >> 4
    mant = (a & 0x0F) << 4
    mag = np.where(seg == 0, mant + 8, np.where(seg == 1, mant + 0x108,
                                                (mant + 0x108) << np.maximum(seg - 1, 0)))
    alaw = np.where(a & 0x80, mag, -mag).astype(np.float32) / 32768.0
    return alaw, mulaw


_ALAW_TABLE, _MULAW_TABLE = _g711_tables()


def _parse_fmt(name: str, body: bytes) -> tuple[str, int, int, int, int]:
    if len(body) < 16:
        raise AudioError(f"{name}: broken WAV header (fmt chunk too short)")
    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == _EXTENSIBLE and len(body) >= 26:
        tag = struct.unpack("<H", body[24:26])[0]
    if tag not in _ENCODINGS:
        raise AudioError(f"{name}: unsupported WAV encoding (format tag {tag}); "
                         "save it as PCM, float, A-law or µ-law")
    encoding = _ENCODINGS[tag]
    if channels == 0:
        raise AudioError(f"{name}: the WAV header says it has no channels")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(f"{name}: sample rate {rate} Hz is outside {MIN_RATE}-{MAX_RATE} Hz")
    valid = {"pcm": (8, 16, 24, 32), "float": (32, 64), "alaw": (8,), "mulaw": (8,)}[encoding]
    if bits not in valid:
        raise AudioError(f"{name}: {bits}-bit {encoding} audio is not supported")
    if block_align != channels * bits // 8:
        block_align = channels * bits // 8
    return encoding, channels, rate, bits, block_align


class WavFile:
    """A WAV file opened for streaming: `format`, then `blocks()` of float32 (frames, channels)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = shorten(path)
        try:  # a FIFO, a device or a directory is refused before reading: no hang, no flood
            self._fh = open_regular(path)
        except UnusableFile as exc:
            raise AudioError(f"{self.name}: {exc.reason}") from None
        try:
            self._size = size(self._fh)
            self.format, self._offset = self._read_header()
        except OSError as exc:  # e.g. /proc/self/mem: EIO on reading
            self._fh.close()
            raise AudioError(f"{self.name}: cannot read: {exc.strerror or exc}") from None
        except BaseException:
            self._fh.close()
            raise

    def __enter__(self) -> WavFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._fh.close()

    def _read_header(self) -> tuple[WavFormat, int]:
        fh, name = self._fh, self.name
        head = fh.read(12)
        if len(head) == 0:
            raise AudioError(f"{name}: the file is empty")
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            raise AudioError(f"{name}: not a WAV file")
        if head[:4] == b"RIFX":
            raise AudioError(f"{name}: big-endian WAV (RIFX) is not supported")
        total = self._size
        fmt = None
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                raise AudioError(f"{name}: truncated WAV (no audio data found)")
            cid, clen = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                head = min(clen, 64)  # the fields we use; a huge claimed length is not read
                fmt = _parse_fmt(name, fh.read(head))
                fh.seek(clen - head + clen % 2, 1)
            elif cid == b"data":
                if fmt is None:
                    raise AudioError(f"{name}: broken WAV header (audio before format)")
                encoding, channels, rate, bits, align = fmt
                start = fh.tell()
                present = max(0, total - start)
                if clen > present:
                    log.warning("%s: header claims %d bytes of audio, only %d present",
                                name, clen, present)
                frames = min(clen, present) // align
                if frames == 0:
                    raise AudioError(f"{name}: the WAV file has no audio in it")
                return WavFormat(encoding, rate, channels, bits, frames), start
            else:
                fh.seek(clen + (clen % 2), 1)

    def blocks(self, frames: int = 8192) -> Iterator[np.ndarray]:
        f = self.format
        align = f.channels * f.bits // 8
        self._fh.seek(self._offset)
        left = f.frames
        while left > 0:
            n = min(frames, left)
            try:
                raw = self._fh.read(n * align)
            except OSError as exc:
                raise AudioError(f"{self.name}: cannot read: {exc.strerror or exc}") from None
            n = len(raw) // align
            if n == 0:
                return
            left -= n
            yield _decode(raw[: n * align], f).reshape(n, f.channels)


def _decode(raw: bytes, f: WavFormat) -> np.ndarray:
    if f.encoding == "alaw":
        return _ALAW_TABLE[np.frombuffer(raw, np.uint8)]
    if f.encoding == "mulaw":
        return _MULAW_TABLE[np.frombuffer(raw, np.uint8)]
    if f.encoding == "float":
        data = np.frombuffer(raw, "<f4" if f.bits == 32 else "<f8").astype(np.float32)
        return np.nan_to_num(np.clip(data, -1.0, 1.0), nan=0.0)
    if f.bits == 8:
        return (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    if f.bits == 16:
        return np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    if f.bits == 24:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v & 0x800000, v - 0x1000000, v)
        return v.astype(np.float32) / 8388608.0
    return (np.frombuffer(raw, "<i4").astype(np.float64) / 2147483648.0).astype(np.float32)


class Converter:
    """Streams any rate and channel count to 16 kHz mono int16 (soxr, high quality)."""

    def __init__(self, rate: int, channels: int = 1, out_rate: int = RATE) -> None:
        self.rate, self.channels, self.out_rate = rate, channels, out_rate
        self._stream = None
        if rate != out_rate:
            import soxr

            self._stream = soxr.ResampleStream(rate, out_rate, 1, dtype="float32", quality="HQ")

    def convert(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        """float32 (frames, channels) or int16 → int16 mono at `out_rate`."""
        data = block.astype(np.float32) / 32768.0 if block.dtype == np.int16 else block
        mono = data.mean(axis=1) if data.ndim == 2 else data
        mono = np.ascontiguousarray(mono, dtype=np.float32)
        if self._stream is not None:
            mono = self._stream.resample_chunk(mono, last=last)
        return (np.clip(mono, -1.0, 32767 / 32768) * 32768.0).astype(np.int16)


def read_pcm16(path: str | Path, max_seconds: float | None = None) -> tuple[np.ndarray, WavFormat]:
    """The whole file (or its first `max_seconds`) as 16 kHz mono int16."""
    with WavFile(path) as wav:
        fmt = wav.format
        conv = Converter(fmt.rate, fmt.channels)
        limit = fmt.frames if max_seconds is None else int(max_seconds * fmt.rate)
        parts, seen = [], 0
        for block in wav.blocks():
            block = block[: max(0, limit - seen)]
            seen += len(block)
            parts.append(conv.convert(block, last=seen >= limit))
            if seen >= limit:
                break
        if seen < limit or not parts:
            parts.append(conv.convert(np.zeros((0, fmt.channels), np.float32), last=True))
    return np.concatenate(parts), fmt


def chunks(pcm: np.ndarray, rate: int = RATE, ms: int = CHUNK_MS) -> Iterator[np.ndarray]:
    """Fixed-size chunks of a signal, as a microphone would deliver them."""
    step = rate * ms // 1000
    for i in range(0, len(pcm), step):
        yield pcm[i : i + step]


def session_pcm(turns: Sequence[np.ndarray], *, gap: float, lead: float = 1.0,
                tail: float | None = None, seed: int = 0) -> np.ndarray:
    """A recorded session, 16 kHz mono int16: `lead` seconds of quiet room noise, then the
    turns (16 kHz int16) in order with `gap` seconds of it between them (the user waits for
    the reply) and `tail` (default: `gap`) after the last."""
    rng = np.random.default_rng(seed)

    def quiet(seconds: float) -> np.ndarray:
        return rng.normal(0, 16, int(seconds * RATE)).astype(np.int16)

    parts = [quiet(lead)]
    for i, turn in enumerate(turns):
        last = i == len(turns) - 1
        parts += [np.asarray(turn, np.int16), quiet(gap if not last or tail is None else tail)]
    return np.concatenate(parts).astype("<i2")


def session_wav(path: Path, turns: Sequence[Path], *, gap: float, lead: float = 1.0,
                tail: float | None = None, seed: int = 0) -> Path:
    """`session_pcm` of the turn recordings, written as one 16 kHz mono WAV at `path`."""
    pcm = session_pcm([read_pcm16(turn)[0] for turn in turns], gap=gap, lead=lead, tail=tail,
                      seed=seed)
    with open(path, "wb") as f, wave.open(f, "wb") as w:
        w.setparams((1, 2, RATE, len(pcm), "NONE", "not compressed"))
        w.writeframes(pcm.tobytes())
    return path
