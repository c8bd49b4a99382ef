"""End of speech: WebRTC voice-activity detection (webrtcvad) on 30 ms frames of 16 kHz audio.

An utterance starts after a few voiced frames (with 300 ms of audio before it, so the first
word is not clipped) and ends after `trailing_silence` seconds without voice (or `hold`, when
the loop knows the words so far sound unfinished), or at `max_utterance`. Utterances with less
than `min_speech` seconds of voice are dropped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from voice_assistant.settings import Listen

RATE = 16000
FRAME = 480  # 30 ms
FRAME_S = FRAME / RATE


@dataclass(frozen=True)
class VadSettings:
    trailing_silence: float = Listen.trailing_silence  # [listen] in the settings file
    min_speech: float = 0.2
    max_utterance: float = 10.0
    aggressiveness: int = 3  # 0 (lenient) .. 3 (strict); 3 measured best on room noise
    start_frames: int = 3  # voiced frames among the last 5 that start an utterance
    preroll: float = 0.3


@dataclass(frozen=True)
class VadEvent:
    kind: Literal["start", "audio", "end", "drop"]
    t: float  # start: where voice began; end/drop: where voice ended; audio: frame time
    pcm: np.ndarray | None = None  # start: pre-roll; audio: the frame
    reason: str = ""  # end: "silence" | "max_length"


class Endpointer:
    def __init__(self, settings: VadSettings | None = None) -> None:
        import webrtcvad

        self.settings = s = settings or VadSettings()
        self._vad = webrtcvad.Vad(s.aggressiveness)
        self._rest = np.zeros(0, np.int16)
        self._t = 0.0  # time of the next frame
        self._recent: deque[tuple[float, np.ndarray, bool]] = deque(
            maxlen=max(5, round(s.preroll / FRAME_S)))
        self.reset()

    def reset(self) -> None:
        """Forget any utterance in progress (e.g. while the assistant is speaking)."""
        self.in_speech = False
        self._rest = np.zeros(0, np.int16)
        self._recent.clear()
        self._start = self._last_voice = 0.0
        self._voiced = 0.0
        self.hold = 0.0  # a longer trailing silence for now (the words so far sound unfinished)

    @property
    def voiced(self) -> float:
        """Seconds of voice in the utterance so far."""
        return self._voiced

    def feed(self, pcm: np.ndarray, t: float) -> list[VadEvent]:
        """Process a chunk whose first sample is at time `t` (seconds)."""
        if not len(self._rest):
            self._t = t
        data = np.concatenate([self._rest, np.asarray(pcm, np.int16)])
        n = len(data) // FRAME * FRAME
        self._rest = data[n:]
        events: list[VadEvent] = []
        for i in range(0, n, FRAME):
            frame = data[i : i + FRAME]
            events.extend(self._frame(frame, self._t))
            self._t += FRAME_S
        return events

    def _frame(self, frame: np.ndarray, t: float) -> list[VadEvent]:
        s = self.settings
        voiced = self._vad.is_speech(frame.tobytes(), RATE)
        if not self.in_speech:
            self._recent.append((t, frame, voiced))
            last5 = list(self._recent)[-5:]
            if sum(v for _, _, v in last5) < s.start_frames:
                return []
            first = next(ft for ft, _, v in last5 if v)
            self.in_speech, self._start, self._last_voice = True, first, t + FRAME_S
            self._voiced = sum(FRAME_S for _, _, v in last5 if v)
            preroll = np.concatenate([f for _, f, _ in self._recent])
            self._recent.clear()
            return [VadEvent("start", first, preroll)]
        out = [VadEvent("audio", t, frame)]
        if voiced:
            self._last_voice = t + FRAME_S
            self._voiced += FRAME_S
        if t + FRAME_S - self._last_voice >= max(s.trailing_silence, self.hold):
            out.append(self._end("silence"))
        elif t + FRAME_S - self._start >= s.max_utterance:
            out.append(self._end("max_length"))
        return out

    @property
    def trailing(self) -> float:
        """Seconds of silence since the voice last stopped, in the current utterance."""
        return max(0.0, self._t - self._last_voice) if self.in_speech else 0.0

    def end_now(self) -> VadEvent:
        """End the current utterance early (the loop already knows what was said)."""
        return self._end("early")

    def _end(self, reason: str) -> VadEvent:
        enough = self._voiced >= self.settings.min_speech
        end = self._last_voice
        self.in_speech = False
        self._recent.clear()
        return VadEvent("end" if enough else "drop", end, None, reason)


def has_voice(pcm: np.ndarray, settings: VadSettings | None = None) -> bool:
    """Does a recording hold an utterance the live loop would hear (the same endpointer)?"""
    ep = Endpointer(settings)
    step = RATE // 10
    for i in range(0, len(pcm), step):
        if any(ev.kind == "end" for ev in ep.feed(pcm[i : i + step], i / RATE)):
            return True
    return ep.in_speech and ep.end_now().kind == "end"  # the recording ended mid-utterance
