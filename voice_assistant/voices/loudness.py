"""A steady speech level for every voice: each sentence is scaled so its voiced part has the
same loudness (`TARGET_DBFS` RMS at volume 1.0), never above `PEAK_DBFS` (no clipping)."""

from __future__ import annotations

import numpy as np

TARGET_DBFS = -18.0  # RMS of the voiced 20 ms frames, at volume 1.0
PEAK_DBFS = -1.0  # the loudest sample never goes above this
_FRAME_S = 0.02
_VOICED_DB = 30.0  # frames within this many dB of the loudest frame count as speech


def speech_level(pcm: np.ndarray, rate: int) -> float:
    """RMS of the voiced frames, in dBFS (-inf for silence)."""
    x = np.asarray(pcm, np.float64) / 32768.0
    n = max(1, int(rate * _FRAME_S))
    frames = x[: len(x) // n * n].reshape(-1, n) if len(x) >= n else x.reshape(1, -1)
    if frames.size == 0:
        return float("-inf")
    rms = np.sqrt(np.mean(np.square(frames), axis=1))
    if rms.max() <= 0:
        return float("-inf")
    voiced = rms[rms >= rms.max() * 10 ** (-_VOICED_DB / 20)]
    return float(20 * np.log10(np.sqrt(np.mean(np.square(voiced)))))


def peak_dbfs(pcm: np.ndarray) -> float:
    peak = float(np.max(np.abs(np.asarray(pcm, np.float64)))) if len(pcm) else 0.0
    return 20 * np.log10(peak / 32768.0) if peak > 0 else float("-inf")


def normalise(pcm: np.ndarray, rate: int, volume: float = 1.0) -> np.ndarray:
    """`pcm` (int16) at TARGET_DBFS x volume, its peak at most PEAK_DBFS; silence stays."""
    level = speech_level(pcm, rate)
    if not np.isfinite(level) or volume <= 0:
        return np.zeros(len(pcm), np.int16)
    gain = 10 ** ((TARGET_DBFS - level) / 20) * volume
    peak = float(np.max(np.abs(np.asarray(pcm, np.float64))))
    gain = min(gain, 32768.0 * 10 ** (PEAK_DBFS / 20) / peak)
    return np.round(np.asarray(pcm, np.float64) * gain).astype(np.int16)
