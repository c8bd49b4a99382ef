"""What the hands-free loop reports: one frozen dataclass per event, and `Event`, their union.

`Listener` (loop.py) emits these; `listen --json` prints each one's `as_json()`, one object a
line (SPEC §3): `{"event": kind, "t": seconds, ...its fields}`, the fields in the order below.
Readers match on the type (`isinstance(e, Heard)`, `case Heard(step=step)`), never on a
dict's keys. Times are on the audio's clock, in seconds, kept to the millisecond, so every
reader sees the time that is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True)
class _Event:
    t: float  # audio time, seconds
    kind: ClassVar[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "t", round(self.t, 3))

    def as_json(self) -> dict[str, object]:
        return {"event": self.kind, "t": self.t, **self._fields()}

    def _fields(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True)
class Listening(_Event):
    """The loop has started."""

    kind: ClassVar[str] = "listening"


@dataclass(frozen=True)
class SpeechStart(_Event):
    """Voice began (`t`: where, with the pre-roll before it)."""

    kind: ClassVar[str] = "speech_start"


@dataclass(frozen=True)
class SpeechEnd(_Event):
    """Voice ended at `t`; `discarded` when the utterance is not heard, and why."""

    discarded: Literal["too short", "while speaking"] | None = None
    kind: ClassVar[str] = "speech_end"

    def _fields(self) -> dict[str, object]:
        return {} if self.discarded is None else {"discarded": self.discarded}


@dataclass(frozen=True)
class Heard(_Event):
    """The utterance understood (`t`: when the transcript and its answer were ready)."""

    heard: str
    intent: str
    confidence: float
    step: str  # the guide's step after this turn
    kind: ClassVar[str] = "heard"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "confidence", round(self.confidence, 3))

    def _fields(self) -> dict[str, object]:
        return {"heard": self.heard, "intent": self.intent, "confidence": self.confidence,
                "step": self.step}


@dataclass(frozen=True)
class _Reply(_Event):
    """A reply starts playing at `t`, `latency_ms` after the end of the voice it answers (or
    after the silence that called for it); `audio`: the file it was stored in, if any."""

    say: str
    latency_ms: int
    audio: str | None = None

    def _fields(self) -> dict[str, object]:
        audio = {} if self.audio is None else {"audio": self.audio}
        return {"say": self.say, **audio, "latency_ms": self.latency_ms}


@dataclass(frozen=True)
class Say(_Reply):
    """An answer (or the goodbye when nobody answered)."""

    kind: ClassVar[str] = "say"


@dataclass(frozen=True)
class Reprompt(_Reply):
    """The question again, after a silence."""

    kind: ClassVar[str] = "reprompt"


@dataclass(frozen=True)
class Spoken(_Event):
    """A reply has finished playing, or was stopped (`interrupted`, by a barge-in)."""

    interrupted: bool
    kind: ClassVar[str] = "spoken"

    def _fields(self) -> dict[str, object]:
        return {"interrupted": self.interrupted}


@dataclass(frozen=True)
class BargeIn(_Event):
    """The person spoke over a reply: playback stops."""

    kind: ClassVar[str] = "barge_in"


@dataclass(frozen=True)
class SessionEnd(_Event):
    """The session is over: back to idle."""

    kind: ClassVar[str] = "session_end"


@dataclass(frozen=True)
class MicReady(_Event):
    """The microphone's first audio has arrived."""

    kind: ClassVar[str] = "mic_ready"


@dataclass(frozen=True)
class MicError(_Event):
    """The microphone failed (`error`: why, when known); it is retried."""

    error: str = ""
    kind: ClassVar[str] = "mic_error"

    def _fields(self) -> dict[str, object]:
        return {"error": self.error} if self.error else {}


@dataclass(frozen=True)
class MicRecovered(_Event):
    """Audio arrives again after a microphone error."""

    kind: ClassVar[str] = "mic_recovered"


Event = (Listening | SpeechStart | SpeechEnd | Heard | Say | Reprompt | Spoken | BargeIn
         | SessionEnd | MicReady | MicError | MicRecovered)
MicStatus = MicReady | MicError | MicRecovered
