"""Barge-in figures on a simulated room: the real loop, voice, recogniser and echo canceller;
the speaker is a fake output stream pulled in step with a fake microphone that hears the
speaker's echo (delay and gain below) and the person's recorded turns (tests/test_barge_in.py's
Room). Timing is the audio's own, so the figures do not depend on this machine's load.

    python scripts/measure_barge_in.py [--engine auto] [--json]

False barge-ins: the recorded conversations, the person answering 0.7 s after each reply has
finished, at three echo levels; every `barge_in` is the assistant taking its own voice for the
person. Interruptions: the same conversations, each answer said 1.5 s into the reply before it;
detected = a `barge_in` for it, understood = the expected step after it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import test_barge_in as sim  # noqa: E402
from voice_assistant import audio, data, echo, stt  # noqa: E402
from voice_assistant.assistant import Assistant  # noqa: E402
from voice_assistant.events import BargeIn, Event, Heard, Reprompt, Say  # noqa: E402
from voice_assistant.loop import Listener, LiveOutput, LoopSettings  # noqa: E402
from voice_assistant.mic import AudioChunk  # noqa: E402
from voice_assistant.tts import StreamSpeaker, Synthesizer  # noqa: E402

AUDIO = ROOT / "tests" / "fixtures" / "audio"
ROOMS = [(0.1, 0.3), (0.2, 0.6), (0.3, 0.9)]  # (echo delay s, echo gain)


class Person(sim.Room):
    """Says each turn `wait` s after the speaker has gone quiet (or `interrupt` s after a
    reply has started)."""

    def __init__(self, turns: list[Path], delay: float, gain: float, *,
                 interrupt: float | None) -> None:
        super().__init__(seconds=600)
        self.turns, self.delay, self.gain = list(turns), delay, gain
        self.interrupt_after = interrupt
        self.said: list[float] = []

    def chunks(self) -> Iterator[AudioChunk]:
        step, i = sim.STEP, 0
        d = int((self.delay + sim.LATENCY) * audio.RATE)
        quiet_since, playing_since, next_at = 0.0, None, 0.5
        while not self.closed and i + step < len(self.person):
            t = i / audio.RATE
            if self.stream is not None:
                self.played[i:i + step] = self.stream.pull()
            playing = bool(self.played[i:i + step].any())
            if playing and playing_since is None:
                playing_since = t
            if not playing and playing_since is not None and self.interrupt_after is None:
                playing_since, quiet_since = None, t
            if next_at is None and self.turns:
                if self.interrupt_after is not None and playing_since is not None:
                    next_at = playing_since + self.interrupt_after
                elif self.interrupt_after is None and not playing and t - quiet_since >= 0.7:
                    next_at = t
            if next_at is not None and t >= next_at and self.turns:
                self.said.append(t)
                self.say(self.turns.pop(0), t)
                next_at, playing_since = None, None
                quiet_since = t + 1.0
            if not self.turns and next_at is None and t - (self.said[-1] if self.said else 0) > 20:
                return
            mic = self.person[i:i + step].copy()
            if i >= d:
                mic += self.gain * self.played[i - d:i - d + step]
            mic += np.random.default_rng(i).normal(0, 20, step)
            self.clock = (i + step) / audio.RATE
            yield AudioChunk(mic.clip(-32768, 32767).astype(np.int16), t)
            i += step


def run(person: Person, rec, synth) -> list[Event]:
    events: list[Event] = []
    speaker = StreamSpeaker(stream_factory=person.factory, rate_of=lambda device: audio.RATE)
    Listener(Assistant(), rec, synth, LiveOutput(speaker),
             LoopSettings(reprompt_after=60, end_after=60), events.append,
             echo=echo.EchoCanceller()).run(person)
    speaker.close()
    return events


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", default="auto")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    convs = yaml.safe_load((AUDIO / "manifest.yaml").read_text())["conversations"]
    rec = stt.load_recognizer(args.engine, data.default())
    replies = false = detected = understood = interruptions = 0
    cpu0 = time.process_time()
    with Synthesizer() as synth:
        for delay, gain in ROOMS:
            for conv in convs:
                files = [AUDIO / t["file"] for t in conv["turns"]]
                events = run(Person(files, delay, gain, interrupt=None), rec, synth)
                replies += sum(isinstance(e, Say | Reprompt) for e in events)
                false += sum(isinstance(e, BargeIn) for e in events)
        delay, gain = ROOMS[1]
        for conv in convs:
            files = [AUDIO / t["file"] for t in conv["turns"]]
            want = [t["step"] for t in conv["turns"]]
            person = Person(files, delay, gain, interrupt=1.5)
            events = run(person, rec, synth)
            heard = [e for e in events if isinstance(e, Heard)]
            barges = [e.t for e in events if isinstance(e, BargeIn)]
            for n, step in enumerate(want[1:], start=1):  # turn 1 opens the session
                interruptions += 1
                at = person.said[n] if n < len(person.said) else None
                if at is None or not any(at <= b <= at + 1.5 for b in barges):
                    continue
                detected += 1
                after = [e for e in heard if e.t > at]
                understood += bool(after) and after[0].step == step
    result = {"replies_with_echo": replies, "false_barge_ins": false,
              "echo_rooms": [{"delay_s": d, "gain": g} for d, g in ROOMS],
              "interruptions": interruptions, "detected": detected, "understood": understood,
              "cpu_s": round(time.process_time() - cpu0, 1), "engine": args.engine}
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
