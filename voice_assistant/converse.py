"""`converse`: one fresh session from typed turns and recorded (WAV) turns, in order."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from voice_assistant import audio
from voice_assistant.assistant import Assistant
from voice_assistant.oneline import shorten
from voice_assistant.stt import Recognizer, Transcript, transcribe
from voice_assistant.userfile import exists
from voice_assistant.vad import has_voice

log = logging.getLogger(__name__)

#: A turn is one utterance; longer recordings are cut here (the live loop splits them itself).
MAX_TURN_SECONDS = 60.0


@dataclass(frozen=True)
class TurnInput:
    text: str  # typed text, or the WAV path
    kind: str  # "text" | "audio"
    pcm: np.ndarray | None = None
    rate: int = audio.RATE  # the recording's own sample rate


def is_audio(turn: str) -> bool:
    """SPEC §3: a TURN naming an existing .wav file is audio; anything else is typed text.
    Anything at that path counts as existing (a FIFO, a directory, a device, a symlink loop):
    reading it then fails with one clear line, instead of the name being taken as words."""
    if turn.lower().endswith(".wav"):
        if exists(turn):
            return True
        log.warning("no such file %s: treating it as typed text", shorten(turn))
    return False


def prepare(turns: Sequence[str]) -> list[TurnInput]:
    """Read every audio turn first, so a bad file stops the run before any output."""
    out = []
    for turn in turns:
        if not is_audio(turn):
            out.append(TurnInput(turn, "text"))
            continue
        pcm, fmt = audio.read_pcm16(turn, max_seconds=MAX_TURN_SECONDS)
        if fmt.seconds > MAX_TURN_SECONDS:
            log.warning("%s is %.0f s long: only its first %.0f s are used as one turn",
                        turn, fmt.seconds, MAX_TURN_SECONDS)
        out.append(TurnInput(turn, "audio", pcm, fmt.rate))
    return out


def run(turns: Sequence[TurnInput], assistant: Assistant,
        recognizer: Callable[[], Recognizer]) -> Iterator[dict[str, object]]:
    """One JSON-ready object per turn (SPEC §3). `recognizer` is called once, lazily."""
    rec: Recognizer | None = None
    for n, turn in enumerate(turns, start=1):
        if turn.kind == "audio":
            assert turn.pcm is not None
            heard = Transcript("", 0.0, "")
            if has_voice(turn.pcm):  # as in the live loop, only voice reaches an engine
                rec = rec or recognizer()
                heard = transcribe(rec, audio.chunks(turn.pcm), turn.rate)
            result = assistant.hear(heard)
        else:
            result = assistant.turn(turn.text)
        yield {"turn": n, "input": turn.kind, **result.as_json()}
