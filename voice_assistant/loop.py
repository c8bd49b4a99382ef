"""The hands-free loop: listen, detect the end of speech, understand, answer aloud, wait.

One loop serves the microphone and a WAV file alike (see `mic.py`); time is the audio's own
clock, so a WAV can run faster than real time and still behave like a microphone.

Two ways to speak. Half-duplex (files, or no echo canceller): audio heard while the assistant
speaks, and for `guard` seconds after playback has really ended, is discarded. Barge-in (the
speaker with an echo canceller, `LiveOutput`): the loop keeps listening while it speaks, the
assistant's own voice is taken out of the microphone signal (`echo.py`), and voice that remains
is the person: playback stops and the utterance is heard as usual. After a question the loop
waits `reprompt_after` seconds, reprompts once, and after another `end_after` seconds of
silence says goodbye and goes back to idle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Protocol, runtime_checkable

from voice_assistant.assistant import Turn
from voice_assistant.echo import EchoCanceller, rms_db
from voice_assistant.events import (
    BargeIn,
    Event,
    Heard,
    Listening,
    MicError,
    MicReady,
    MicRecovered,
    MicStatus,
    Reprompt,
    Say,
    SessionEnd,
    SpeechEnd,
    SpeechStart,
    Spoken,
)
from voice_assistant.mic import AudioChunk, MicEvent, Source
from voice_assistant.settings import Listen
from voice_assistant.stt import Recognizer, Transcript
from voice_assistant.tts import Rendered, StreamSpeaker, Synthesizer, TTSError, write_wav
from voice_assistant.vad import Endpointer, VadEvent, VadSettings

log = logging.getLogger(__name__)
Emit = Callable[[Event], None]


@dataclass(frozen=True)
class LoopSettings:
    vad: VadSettings = field(default_factory=VadSettings)
    guard: float = 0.5  # deaf time after playback has really finished
    #: Answer after this much silence, instead of the full trailing silence, when the partial
    #: transcript is already a certain, complete answer ("yes", "next", "call my landlord").
    #: 0 turns it off.
    #: Which answers are complete in themselves is the data's (`rules.early` in guide.yaml).
    early_silence: float = 0.2
    #: The trailing silence instead, when the words so far sound unfinished: they lead on to
    #: more ("wait, ...", "okay so ..."; `leads_on` in guide.yaml) or are not understood yet.
    #: A breath after them is not the end of a turn; an answer that is sure is not delayed.
    hold_silence: float = 1.0
    reprompt_after: float = Listen.reprompt_after  # [listen] in the settings file
    end_after: float = Listen.end_after
    #: After this much silence inside an utterance the recogniser may start decoding what it
    #: has (`Recognizer.pause`), so the transcript is ready when the end of speech is
    #: confirmed; if the voice goes on, that work is discarded. 0 turns it off.
    pause_after: float = 0.03
    #: Barge-in: voice (after echo cancellation) this long and this loud while the assistant
    #: speaks is the person, and stops the playback.
    barge_in_voice: float = 0.12
    barge_in_level_db: float = -50.0

    @classmethod
    def configured(cls, listen: Listen) -> LoopSettings:
        """From the settings' [listen] table (the command line's overrides applied to it)."""
        return cls(vad=VadSettings(trailing_silence=listen.trailing_silence),
                   reprompt_after=listen.reprompt_after, end_after=listen.end_after)


@runtime_checkable
class Conversation(Protocol):
    """All the loop needs of the conversation (`assistant.Assistant`): a turn from typed or
    heard words, the early-answer question, the session's life, the silence replies."""

    @property
    def in_session(self) -> bool: ...

    @property
    def ended(self) -> bool: ...

    def turn(self, text: str) -> Turn: ...

    def hear(self, transcript: Transcript) -> Turn: ...

    def answers_early(self, partial: str) -> bool: ...

    def incomplete(self, partial: str) -> bool: ...

    def reset(self) -> None: ...

    def reprompt(self) -> str: ...

    def end_session(self) -> str: ...


class State(Enum):
    """What the listener is doing; an utterance's voice and end are this state's to handle
    (`Listener._voice_while_listening`, `Listener._voice_while_speaking`)."""

    #: Nothing playing: every chunk goes to the endpointer; an utterance is answered when it
    #: ends (or early, when sure); silence after a question runs the reprompt timers.
    LISTENING = "listening"
    #: A reply is playing: deaf (half-duplex), or listening through the echo canceller, where
    #: voice is either the person (a barge-in: back to LISTENING) or the assistant's own echo.
    SPEAKING = "speaking"


class Output(Protocol):
    def play(self, renders: Iterable[Rendered]) -> tuple[float, str | None]:
        """Play (or store) a reply; return its duration in seconds and where it was stored."""


class FileOutput:
    """Each reply rendered to a numbered WAV in `folder` instead of the speaker."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self._failed = False

    def play(self, renders: Iterable[Rendered]) -> tuple[float, str | None]:
        items = list(renders)
        duration = sum(r.seconds for r in items)
        self.count += 1
        path = self.folder / f"{self.count:03d}.wav"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_wav(path, items)
        except OSError as exc:  # e.g. a full disk: the conversation goes on without the file
            if not self._failed:
                log.warning("cannot write replies to %s: %s", self.folder, exc.strerror)
            self._failed = True
            return duration, None
        self._failed = False
        return duration, str(path)


class SpeakerOutput:
    def __init__(self, speaker) -> None:  # tts.Speaker
        self.speaker = speaker

    def play(self, renders: Iterable[Rendered]) -> tuple[float, str | None]:
        start = time.monotonic()
        for r in renders:
            self.speaker.play(r)
        return time.monotonic() - start, None


class LiveOutput:
    """The speaker, not blocking: the loop goes on listening while a reply plays, and can
    stop it (barge-in). `speaker.reference()` is the echo canceller's reference."""

    def __init__(self, speaker: StreamSpeaker) -> None:
        self.speaker = speaker

    def attach(self, clock: Callable[[], float]) -> None:
        """Stamp playback on the microphone's clock."""
        self.speaker.clock = clock

    def close(self) -> None:
        self.speaker.close()


def _mic_status(item: MicEvent) -> MicStatus:
    """The microphone source's report as the loop's event."""
    if item.kind == "mic_ready":
        return MicReady(item.t)
    if item.kind == "mic_error":
        return MicError(item.t, item.detail)
    return MicRecovered(item.t)


class Listener:
    def __init__(self, assistant: Conversation, recognizer: Recognizer, synth: Synthesizer,
                 output: Output | LiveOutput, settings: LoopSettings | None = None,
                 emit: Emit | None = None, echo: EchoCanceller | None = None) -> None:
        self.assistant, self.rec, self.synth, self.output = assistant, recognizer, synth, output
        #: Cancels the speaker's echo; only with a LiveOutput (else the loop is half-duplex).
        self.echo = echo if isinstance(output, LiveOutput) else None
        self.state = State.LISTENING
        self._over_echo = False  # this utterance began over the assistant's own voice
        self.settings = settings or LoopSettings()
        self.emit = emit or (lambda event: None)
        self.vad = Endpointer(self.settings.vad)
        self.now = 0.0  # audio time of the end of the latest chunk
        self.deaf_until = 0.0
        self.question_at: float | None = None  # when the last question finished playing
        self.reprompted = False
        self.stopped = False
        self._partial = ""
        self._paused = False  # the recogniser was told the voice paused
        #: Audio time until which the loop was busy decoding (a real-time loop falls that far
        #: behind the microphone; on a simulated clock it is where a reply could start).
        self.busy_until = 0.0

    def stop(self) -> None:
        self.stopped = True

    # -- the loop ---------------------------------------------------------------------------
    def run(self, source: Source) -> None:
        try:  # start the voice now, not on the first reply
            self.synth.render("Ready.")
        except TTSError as exc:
            log.warning("speech output is not working yet: %s", exc)
        self.emit(Listening(0.0))
        if isinstance(self.output, LiveOutput) and hasattr(source, "now"):
            self.output.attach(source.now)
        for item in source.chunks():
            if self.stopped:
                break
            if isinstance(item, MicEvent):
                self.vad.reset()
                self.emit(_mic_status(item))
                continue
            self._chunk(item)
        if self.vad.in_speech and not self.stopped:  # the recording ended mid-utterance
            self._utterance_end(self.now)

    def _chunk(self, chunk: AudioChunk) -> None:
        """100 ms of audio: has the reply finished playing; take the echo out; find voice and
        its end (each VAD event handled in the state it comes in); silence runs the timers."""
        self.now = chunk.end
        if self.state is State.SPEAKING:
            self._playback_check()
        pcm = chunk.pcm
        if self.echo is not None and isinstance(self.output, LiveOutput):
            pcm = self.echo.cancel(pcm, chunk.t, self.output.speaker.reference,
                                   self.state is State.SPEAKING)
        if self._deaf(chunk):
            if self.vad.in_speech:  # half-duplex: the assistant never hears itself
                self.vad.reset()
            return
        self.vad.hold = self.settings.hold_silence if self._unfinished() else 0.0
        for ev in self.vad.feed(pcm, chunk.t):
            if self._vad_event(ev):
                break  # answered early: the rest of this chunk is the silence after it
        if self.vad.in_speech:
            self._pause_or_resume()
        elif self.state is State.LISTENING:
            self._timers()

    def _pause_or_resume(self) -> None:
        """Tell the recogniser when the voice pauses (it may decode now) or goes on."""
        after = self.settings.pause_after
        if not after:
            return
        silent = self.vad.trailing >= after
        if silent and not self._paused:
            self._paused = True
            wall = time.perf_counter()
            self.rec.pause()
            self.busy_until = max(self.busy_until, self.now) + time.perf_counter() - wall
        elif self._paused and self.vad.trailing == 0:
            self._paused = False
            self.rec.resume()

    def _deaf(self, chunk: AudioChunk) -> bool:
        """Half-duplex: no echo canceller, or its delay not yet found, while speaking."""
        if self.echo is not None and self.echo.locked:
            return False
        return self.state is State.SPEAKING or chunk.t < self.deaf_until

    def _playback_check(self) -> None:
        """A LiveOutput reply has finished playing: now the question is asked."""
        assert isinstance(self.output, LiveOutput)
        speaker = self.output.speaker
        if speaker.error is not None:
            log.warning("speech output failed: %s", speaker.error)
            speaker.error = None
        ends = speaker.ends_at()
        if ends is None or ends > self.now:
            return
        self._spoken(ends, interrupted=False)

    def _spoken(self, at: float, interrupted: bool) -> None:
        self.state = State.LISTENING
        self.emit(Spoken(at, interrupted))
        self.deaf_until = at + (0.0 if self.echo and self.echo.locked else self.settings.guard)
        self.question_at = at if self.assistant.in_session else None

    def _vad_event(self, ev: VadEvent) -> bool:
        """Handle one VAD event; True when the utterance was ended early. An utterance starts
        and is dropped alike in both states; its voice and its end are the state's to handle
        (a barge-in turns SPEAKING into LISTENING in the middle of an utterance)."""
        if ev.kind == "start":
            self._over_echo = self.state is State.SPEAKING
            self._paused = False
            self.rec.start()
            self._partial = self.rec.feed(ev.pcm)
            self.emit(SpeechStart(ev.t))
            return False
        if ev.kind == "drop":
            self.rec.finish()  # too little voice: a click or a cough
            self.emit(SpeechEnd(ev.t, discarded="too short"))
            return False
        if ev.kind == "audio":
            self._partial = self.rec.feed(ev.pcm)
        if self.state is State.SPEAKING:
            self._voice_while_speaking(ev)
            return False
        return self._voice_while_listening(ev)

    def _voice_while_speaking(self, ev: VadEvent) -> None:
        """The utterance began over the reply: the person (a barge-in), or the echo? Only
        voice long and loud enough, after echo cancellation, is the person: playback stops
        and the loop is LISTENING again, hearing the rest of the utterance out."""
        if ev.kind == "end":  # voice that never became a barge-in: the echo
            self.rec.cancel()
            self.emit(SpeechEnd(ev.t, discarded="while speaking"))
            return
        s = self.settings
        if ev.pcm is None or self.vad.voiced < s.barge_in_voice or \
                rms_db(ev.pcm) < s.barge_in_level_db:
            return
        assert isinstance(self.output, LiveOutput)
        self.output.speaker.stop()
        self.emit(BargeIn(ev.t))
        self._spoken(ev.t, interrupted=True)

    def _voice_while_listening(self, ev: VadEvent) -> bool:
        """Answer at the end of the utterance, or as soon as its partial text is a sure, whole
        answer (True: ended early)."""
        if ev.kind == "end":
            self._utterance_end(ev.t)
            return False
        if self._certain():
            self._utterance_end(self.vad.end_now().t, early=True)
            return True
        return False

    def _unfinished(self) -> bool:
        """Has the voice paused after words that sound unfinished ("wait, ...", or not yet
        understood)? Then the pause may be a breath: the utterance ends after `hold_silence`."""
        return (self.vad.in_speech and self.vad.trailing > 0 and bool(self._partial)
                and self.assistant.incomplete(self._partial))

    def _certain(self) -> bool:
        """Is the partial transcript, after a short silence, already a sure, whole answer?"""
        s = self.settings
        if not s.early_silence or self.vad.trailing < s.early_silence or not self._partial:
            return False
        if self._over_echo:  # its start was heard over the echo: hear it out in full
            return False
        return self.assistant.answers_early(self._partial) and not self._unfinished()

    def _utterance_end(self, voice_end: float, early: bool = False) -> None:
        """The utterance is over: understand it and answer. `early`: the partial text was
        already a sure answer, so it is what was heard."""
        self.vad.reset()
        self.emit(SpeechEnd(voice_end))
        wall = time.perf_counter()
        if early:
            self.rec.cancel()
            turn = self.assistant.turn(self._partial)
        else:
            turn = self.assistant.hear(self.rec.finish())
        heard_at = max(self.now, self.busy_until) + time.perf_counter() - wall
        self.emit(Heard(heard_at, turn.heard, turn.intent, turn.confidence, turn.step))
        self.reprompted = False
        self.question_at = None
        if turn.say:
            self._say(turn.say, voice_end, wall)
        self._after_reply()

    def _after_reply(self) -> None:
        if self.assistant.ended:
            self.emit(SessionEnd(self.now))
            self.assistant.reset()
            self.question_at = None

    def _say(self, text: str, since: float, wall: float, reply: type[Say | Reprompt] = Say
             ) -> None:
        if isinstance(self.output, LiveOutput):
            self._say_live(self.output, text, since, wall, reply)
            return
        first: list[float] = []

        def timed(renders: Iterator[Rendered]) -> Iterator[Rendered]:
            for r in renders:
                first.append(time.perf_counter())
                yield r

        try:
            duration, path = self.output.play(timed(self.synth.render_reply(text)))
        except TTSError as exc:  # the voice failed twice: show the text, keep the session
            log.warning("speech output failed: %s", exc)
            duration, path = 0.0, None
        ready = (first[0] if first else time.perf_counter()) - wall
        start = max(self.now, since, self.busy_until) + ready
        self.emit(reply(start, text, round((start - since) * 1000), path or None))
        self.emit(Spoken(start + duration, interrupted=False))
        self.deaf_until = start + duration + self.settings.guard
        self.now = max(self.now, start + duration)
        self.question_at = start + duration if self.assistant.in_session else None

    def _say_live(self, output: LiveOutput, text: str, since: float, wall: float,
                  reply: type[Say | Reprompt]) -> None:
        """Start the reply and return at once: the loop listens while it plays."""
        try:
            started = output.speaker.start(self.synth.render_reply(text))
        except TTSError as exc:  # the voice failed twice: show the text, keep the session
            log.warning("speech output failed: %s", exc)
            started = False
        start = max(self.now, since, self.busy_until) + time.perf_counter() - wall
        self.emit(reply(start, text, round((start - since) * 1000)))
        if started:
            self.state = State.SPEAKING
            self.question_at = None
        else:
            self._spoken(start, interrupted=False)

    def _timers(self) -> None:
        """Silence after a question: reprompt once, then say goodbye."""
        if self.question_at is None or not self.assistant.in_session:
            return
        waited = self.now - self.question_at
        s = self.settings
        if not self.reprompted and waited >= s.reprompt_after:
            self.reprompted = True
            text = self.assistant.reprompt()
            if text:
                self._say(text, self.now, time.perf_counter(), Reprompt)
        elif self.reprompted and waited >= s.end_after:
            text = self.assistant.end_session()
            self._say(text, self.now, time.perf_counter())
            self._after_reply()
