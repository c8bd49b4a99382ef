"""Build WAV files in memory for tests: any encoding, rate and channel count."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np


def tone(seconds: float = 0.5, rate: int = 16000, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def wav_bytes(signal: np.ndarray, rate: int, *, channels: int = 1, bits: int = 16,
              encoding: str = "pcm", extensible: bool = False) -> bytes:
    """`signal` is float32 in [-1, 1], mono; it is copied to every channel."""
    x = np.repeat(np.asarray(signal, np.float32)[:, None], channels, axis=1).reshape(-1)
    if encoding == "float":
        body, tag = x.astype("<f4" if bits == 32 else "<f8").tobytes(), 3
    elif encoding in ("alaw", "mulaw"):
        with warnings.catch_warnings():  # only to build test files; the product decodes G.711
            warnings.simplefilter("ignore", DeprecationWarning)
            import audioop

        pcm = (x * 32767).astype("<i2").tobytes()
        body = audioop.lin2alaw(pcm, 2) if encoding == "alaw" else audioop.lin2ulaw(pcm, 2)
        tag = 6 if encoding == "alaw" else 7
    elif bits == 8:
        body, tag = (x * 127 + 128).astype(np.uint8).tobytes(), 1
    elif bits == 24:
        v = (x * 8388607).astype("<i4")
        body = np.stack([v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF], 1).astype(np.uint8)
        body, tag = body.tobytes(), 1
    else:
        dtype, scale = ("<i2", 32767) if bits == 16 else ("<i4", 2147483647)
        body, tag = (x.astype(np.float64) * scale).astype(dtype).tobytes(), 1
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * align,
                      align, bits)
    if extensible:
        guid = struct.pack("<H", tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt += struct.pack("<HHI", 22, bits, 0) + guid
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"LIST" + struct.pack("<I", 4) + b"INFO"  # an extra chunk readers must skip
    chunks += b"data" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
