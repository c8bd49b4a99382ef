"""Soak test: hours of simulated audio through the real hands-free loop, on the audio clock.

    python scripts/soak.py [--hours 2] [--json] [--seed 7] [--save]

--save writes the result to tests/data/figures/soak.json, from which scripts/readme_figures.py
makes the README's soak table.

A generated source (like `WavSource(fast=True)`, 100 ms chunks, made on the fly) mixes the
recorded conversations (turns ~16 s apart), quiet room noise, pink/white noise bursts and
out-of-domain chatter. The real Listener, Assistant, pocketsphinx recogniser, voice and
FileOutput run it. Every simulated 10 minutes it samples RSS, threads, open files and events.
Pass: no exception, RSS at the end within 10 MB of the first sample, no more threads or open
files at the end than at the first sample. Exit 0 on pass, 1 on fail.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import yaml

from voice_assistant import audio, data
from voice_assistant.assistant import Assistant
from voice_assistant.loop import FileOutput, Listener
from voice_assistant.mic import AudioChunk
from voice_assistant.stt import load_recognizer
from voice_assistant.tts import Synthesizer

AUDIO = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "audio"
FIGURES = AUDIO.parent.parent / "data" / "figures" / "soak.json"
RATE, STEP = audio.RATE, audio.RATE * audio.CHUNK_MS // 1000
EVERY = 600.0  # simulated seconds between samples
MIX = {"session": 0.4, "silence": 0.25, "noise": 0.15, "chatter": 0.2}


def status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


class SoakSource:
    """`seconds` of generated 16 kHz audio in 100 ms chunks; a few seconds are held at a time."""

    def __init__(self, seconds: float, seed: int, tick: Callable[[float], None]) -> None:
        manifest = yaml.safe_load((AUDIO / "manifest.yaml").read_text(encoding="utf-8"))
        self.convs = [[audio.read_pcm16(AUDIO / t["file"])[0] for t in c["turns"]]
                      for c in manifest["conversations"]]
        self.chatter = [audio.read_pcm16(AUDIO / f["file"])[0] for f in manifest["files"]
                        if f["intent"] == "none" and f["condition"] == "clean"]
        self.seconds, self.tick, self.rng = seconds, tick, np.random.default_rng(seed)
        self.sessions, self.closed = 0, False

    def _room(self, seconds: float) -> Iterator[np.ndarray]:
        for start in np.arange(0.0, seconds, 1.0):  # one second at a time
            n = int(min(1.0, seconds - start) * RATE)
            yield self.rng.normal(0, 16, n).astype(np.int16)  # about -66 dBFS

    def _burst(self) -> np.ndarray:
        n = int(self.rng.uniform(0.5, 5.0) * RATE)
        white = self.rng.normal(0, 1, n)
        if self.rng.random() < 0.5:  # pink: 1/f power
            spec = np.fft.rfft(white)
            spec[1:] /= np.sqrt(np.arange(1, len(spec)))
            white = np.fft.irfft(spec, n)
        level = self.rng.uniform(300, 6000) / (white.std() or 1.0)
        return np.clip(white * level, -32768, 32767).astype(np.int16)

    def _segments(self) -> Iterator[np.ndarray]:
        kinds, weights = list(MIX), list(MIX.values())
        while True:
            kind = self.rng.choice(kinds, p=weights)
            if kind == "session":
                turns = self.convs[self.sessions % len(self.convs)]
                self.sessions += 1
                for i, turn in enumerate(turns):
                    yield turn
                    yield from self._room(35.0 if i == len(turns) - 1 else
                                          self.rng.uniform(15.0, 17.0))
            elif kind == "silence":
                yield from self._room(self.rng.uniform(20.0, 90.0))
            elif kind == "noise":
                yield self._burst()
                yield from self._room(self.rng.uniform(3.0, 8.0))
            else:
                yield self.chatter[self.rng.integers(len(self.chatter))]
                yield from self._room(self.rng.uniform(5.0, 12.0))

    def chunks(self) -> Iterator[AudioChunk]:
        segments, pending = self._segments(), np.zeros(0, np.int16)
        total, done, next_tick = int(self.seconds * RATE), 0, EVERY
        while done < total and not self.closed:
            while len(pending) < STEP:
                pending = np.concatenate([pending, next(segments)])
            pcm, pending = pending[:STEP], pending[STEP:]
            t = done / RATE
            if t >= next_tick:
                self.tick(t)
                next_tick += EVERY
            yield AudioChunk(pcm, t)
            done += STEP

    def close(self) -> None:
        self.closed = True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print one JSON object at the end")
    ap.add_argument("--save", action="store_true", help=f"write the result to {FIGURES.name}")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    events: Counter[str] = Counter()
    rows: list[dict[str, float]] = []
    out_dir = Path(tempfile.mkdtemp(prefix="soak-replies-"))
    wall0 = time.perf_counter()

    def sample(t: float) -> None:
        for f in out_dir.iterdir():  # keep the replies folder small
            f.unlink()
        rows.append({"min": round(t / 60), "wall_s": round(time.perf_counter() - wall0, 1),
                     "rss_mb": round(status("VmRSS") / 1024, 1), "threads": status("Threads"),
                     "py_threads": threading.active_count(),
                     "fds": len(os.listdir("/proc/self/fd")), "heard": events["heard"],
                     "say": events["say"], "session_end": events["session_end"]})

    error = None
    source = SoakSource(args.hours * 3600, args.seed, sample)
    synth = Synthesizer()
    try:
        rec = load_recognizer("pocketsphinx", data.default())
        listener = Listener(Assistant(), rec, synth, FileOutput(out_dir),
                            emit=lambda e: events.update([e.kind]))
        listener.run(source)
        sample(args.hours * 3600)
    except Exception as exc:  # reported as a failure, with the traceback
        logging.exception("soak run failed")
        error = f"{type(exc).__name__}: {exc}"
    finally:
        synth.close()
        shutil.rmtree(out_dir, ignore_errors=True)
    first, last = (rows[0], rows[-1]) if len(rows) >= 2 else ({}, {})
    ok = bool(first) and error is None and last["rss_mb"] - first["rss_mb"] <= 10.0 and \
        last["threads"] <= first["threads"] and last["py_threads"] <= first["py_threads"] and \
        last["fds"] <= first["fds"]
    cols = list(rows[0]) if rows else []
    print(" ".join(f"{c:>11}" for c in cols), file=sys.stderr if args.json else sys.stdout)
    for r in rows:
        print(" ".join(f"{r[c]:>11}" for c in cols), file=sys.stderr if args.json else sys.stdout)
    verdict = "PASS" if ok else f"FAIL{f' ({error})' if error else ''}"
    summary = f"{verdict}: {source.sessions} sessions, events {dict(sorted(events.items()))}"
    print(summary, file=sys.stderr if args.json else sys.stdout)
    result = {
        "hours": args.hours, "seed": args.seed, "wall_s": round(time.perf_counter() - wall0, 1),
        "minutes": [r["min"] for r in rows], "rss_mb": [r["rss_mb"] for r in rows],
        "threads": [r["threads"] for r in rows], "py_threads": [r["py_threads"] for r in rows],
        "fds": [r["fds"] for r in rows], "sessions": source.sessions,
        "events": dict(sorted(events.items())), "pass": ok,
        **({"error": error} if error else {})}
    if args.json:
        print(json.dumps(result))
    if args.save:
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        FIGURES.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
