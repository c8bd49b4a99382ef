"""Acoustic echo cancellation: the assistant's own voice taken out of the microphone signal,
so what remains while it speaks is the person (barge-in).

The canceller is WebRTC's audio processing module (AEC3) as shipped in the `livekit` wheel
(aarch64 and x86_64 wheels for Python 3.11). Chosen by measurement against libspeexdsp's
canceller (`pyaec`) on a reply with a 200 ms echo at 0.6: 38.6 dB of echo removed against
21.5 dB, converged from the first second (speex needed several), at 6.8 ms of CPU per second
of audio against 11.7 ms. Without the package the loop stays half-duplex (`doctor` says so).

Both signals are 16 kHz mono int16 on the microphone's clock: the reference is what the
speaker played at that time (zeros when silent); the microphone lags it by the output and
input latency plus the room. `DelayFinder` measures that lag by cross-correlation; delays
beyond AEC3's own reach are taken off the reference, the rest AEC3 finds itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

RATE = 16000
FRAME = 160  # AEC3 works on 10 ms frames
#: AEC3 finds and follows echo delays up to about this much by itself (measured on the
#: simulated room: no false barge-in at 0.35 s, where shifting the reference by the excess
#: over 0.2 s made it lose its alignment); only a longer delay is taken off the reference
#: beforehand, so that timing jitter never makes the reference late.
OWN_REACH = 0.5
Played = Callable[[float, int], np.ndarray]  # (time, samples) -> what the speaker played


def unavailable_reason() -> str | None:
    """None when echo cancellation can be had here, else why not (one line)."""
    try:
        from livekit import rtc  # noqa: F401
    except Exception as exc:  # ImportError, or a broken native library (OSError)
        return (f"echo cancellation is not installed ({type(exc).__name__}): the assistant "
                "cannot be interrupted while it speaks; pip install livekit")
    return None


class EchoCanceller:
    def __init__(self) -> None:
        from livekit import rtc

        self._rtc = rtc
        self._apm: Any = rtc.AudioProcessingModule(echo_cancellation=True,
                                                   high_pass_filter=True)
        self._mic_rest = np.zeros(0, np.int16)
        self._ref_rest = np.zeros(0, np.int16)
        self.delay = DelayFinder()
        self._heard = np.zeros(0, np.int16)  # the latest microphone audio, for `delay`
        self._looked_at = -1.0
        self._now = 0.0
        self._settled_at = 0.0

    @property
    def locked(self) -> bool:
        """Is the echo's delay known, and has the canceller had a second to converge on it?
        Until then nothing heard while speaking is trusted (half-duplex)."""
        return self.delay.delay is not None and self._now >= self._settled_at

    def cancel(self, mic: np.ndarray, t: float, played: Played, speaking: bool) -> np.ndarray:
        """`mic` (16 kHz, first sample at time `t`) without the echo of what `played(t, n)`
        says the speaker played; while `speaking`, the echo's delay is looked for twice a
        second."""
        mic = np.asarray(mic, np.int16)
        d = self.delay
        self._heard = np.concatenate([self._heard, mic])[-d.win_n:]
        end = self._now = t + len(mic) / RATE
        if speaking and end - self._looked_at >= 0.25 and len(self._heard) == d.win_n:
            self._looked_at = end
            if d.update(self._heard,
                        played(end - (d.win_n + d.max_n) / RATE, d.win_n + d.max_n)):
                self._settled_at = end + 1.0
        lead = max(0.0, (d.delay or 0.0) - OWN_REACH)  # the reference early, never late
        ref = played(t - lead, len(mic))
        out = self.process(mic, ref)
        if speaking:
            log.debug("echo at %.1f s: delay %s, reference %.0f dB, microphone %.0f dB -> %.0f dB",
                      t, d.delay, rms_db(ref), rms_db(mic), rms_db(out))
        return out

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """`mic` with the echo of `reference` (same length, same time span) removed. Audio
        short of a whole 10 ms frame is kept for the next call, so the output may be up to
        10 ms shorter or longer than the input."""
        rtc = self._rtc
        mic = np.concatenate([self._mic_rest, np.asarray(mic, np.int16)])
        ref = np.concatenate([self._ref_rest, np.asarray(reference, np.int16)])
        n = min(len(mic), len(ref)) // FRAME * FRAME
        out = np.empty(n, np.int16)
        for i in range(0, n, FRAME):
            r = rtc.AudioFrame(ref[i:i + FRAME].tobytes(), RATE, 1, FRAME)
            self._apm.process_reverse_stream(r)
            f = rtc.AudioFrame(mic[i:i + FRAME].tobytes(), RATE, 1, FRAME)
            self._apm.process_stream(f)
            out[i:i + FRAME] = np.frombuffer(f.data, np.int16)
        self._mic_rest, self._ref_rest = mic[n:], ref[n:]
        return out


class DelayFinder:
    """How late the speaker's echo reaches the microphone (output and input buffering plus the
    room), found by cross-correlating what was played with what was heard, so the canceller
    gets a reference that is aligned to within its own small search range."""

    def __init__(self, max_delay: float = 1.0, window: float = 1.5) -> None:
        self.max_n, self.win_n = int(max_delay * RATE), int(window * RATE)
        self.delay: float | None = None  # seconds, once found twice alike
        self._last: float | None = None  # the latest raw estimate

    def update(self, mic: np.ndarray, reference: np.ndarray) -> bool:
        """`mic`: the last `window` of microphone audio; `reference`: what was played over
        the same span and `max_delay` before it (len(mic) + max_n samples). True when the
        delay was (re)set: found twice alike, and far enough from the one in use."""
        ref = np.asarray(reference, np.float64)
        x = np.asarray(mic, np.float64)
        half = self.win_n // 2
        if (len(x) < self.win_n or rms_db(x) < -60 or rms_db(ref[-half:]) < -50
                or rms_db(ref[-self.win_n:-half]) < -50):
            return False  # the speaker was not playing all along: no fair estimate
        n = 1 << int(np.ceil(np.log2(len(ref) + len(x))))
        spec = np.fft.rfft(ref, n) * np.conj(np.fft.rfft(x, n))
        spec /= np.abs(spec) + 1e-9  # phase transform: sharp peaks, level-independent
        corr = np.fft.irfft(spec, n)[: self.max_n + 1]  # lag k: mic[i] ~ ref[i + max_n - k]
        k = int(np.argmax(corr))
        if corr[k] < 6 * (np.abs(corr).mean() + 1e-12):
            return False  # no clear echo
        found, last = (self.max_n - k) / RATE, self._last
        self._last = found
        if last is None or abs(found - last) > 0.02:
            return False  # not confirmed yet
        if self.delay is not None and abs(found - self.delay) <= 0.08:
            return False  # within what the canceller follows by itself: keep its alignment
        self.delay = found
        return True


def rms_db(pcm: np.ndarray) -> float:
    """Level in dBFS (-120 for silence)."""
    if len(pcm) == 0:
        return -120.0
    x = np.asarray(pcm, np.float64) / 32768
    return float(10 * np.log10((x * x).mean() + 1e-12))
