#!/usr/bin/env python3
"""Render a held-out list of spoken turns (tests/data/heldout_speech/list.yaml, written by
someone who never saw intents/) in every fixture voice, for a first-contact measurement.

    python scripts/render_heldout.py [--list FILE] [--out DIR]      # renders + manifest.yaml
    python scripts/render_heldout.py --score [--out DIR] [--engine E ...]

Each utterance is rendered three times, in three different voices (rotating): clean, at 20 dB
SNR and at 10 dB SNR (steady pink noise or other-voice babble, alternating). The audio is not
committed (it is regenerated, deterministically, by this script); the scores are reported once
in the README and in tests/data/heldout_speech/SCORES.md. Dev-only, like make_fixtures.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf

sys.path.insert(0, str(mf.ROOT))
LIST = mf.ROOT / "tests" / "data" / "heldout_speech" / "list.yaml"
OUT = Path("/tmp/heldout_speech")


def plan(utterances: list[dict]) -> list[tuple[dict, str, str]]:
    voices = list(mf.VOICES)
    jobs = []
    for i, u in enumerate(utterances):
        noise = "steady" if i % 2 else "babble"
        for k, cond in enumerate(("clean", f"noise20_{noise}", f"noise10_{noise}")):
            jobs.append((u, voices[(i + 2 * k) % len(voices)], cond))
    return jobs


class Voices:
    """Every fixture voice, and the other voices' babble talkers, as make_fixtures.py builds
    them; `utterance()` renders one text in one voice and condition at 16 kHz."""

    def __init__(self, texts_by_voice: dict[str, list[str]]) -> None:
        self.speakers = {name: mf.make_speaker(name) for name in mf.VOICES}
        for name, sp in self.speakers.items():
            sp.prefetch([(t, 1.0) for t in texts_by_voice.get(name, [])]
                        + [(t, 1.0) for t in mf.BABBLE_TEXTS])
        self.talkers = mf.Babble({"utterances": []}, self.speakers)  # no list of its own:
        for vi, (name, sp) in enumerate(self.speakers.items()):  # the other voices' talkers
            self.talkers.others[name] = [
                mf.sox(mf.resample(sp.speech(text), sp.rate, 16000), 16000, 16000, "pitch",
                       str(mf.BABBLE_CENTS[(k + 3 * vi) % len(mf.BABBLE_CENTS)]))
                for k, text in enumerate(mf.BABBLE_TEXTS)]

    def utterance(self, u: dict, voice: str, cond: str) -> np.ndarray:
        """`u` (with `id` and `text`) said by `voice`, clean or with noise (`cond`)."""
        sp = self.speakers[voice]
        x16 = mf.pad(mf.resample(sp.speech(u["text"]), sp.rate, 16000), 16000)
        if cond != "clean":
            rng = np.random.default_rng(mf.seed_of("heldout", u["id"], voice, cond))
            x16 = mf.add_noise(x16, mf.SNR_DB[cond], self.talkers.sources(u, voice, cond, rng),
                               rng, mf.NOISE[cond][1])
        return x16


def render(list_path: Path, out: Path) -> None:
    utterances = yaml.safe_load(list_path.read_text(encoding="utf-8"))["utterances"]
    jobs = plan(utterances)
    voices = Voices({name: [u["text"] for u, v, _ in jobs if v == name] for name in mf.VOICES})
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for u, voice, cond in jobs:
        name = f"{u['id']}__{voice}__{cond}.wav"
        mf.write_wav(out / name, voices.utterance(u, voice, cond), mf.CONDITIONS["clean"])
        files.append({"file": name, "voice": voice, "condition": cond, **{
            k: u[k] for k in ("id", "text", "intent", "before", "step")}})
    (out / "manifest.yaml").write_text(yaml.safe_dump({"files": files}, sort_keys=False))
    print(f"rendered {len(files)} files into {out}")


def score(out: Path, engines: list[str]) -> dict:
    from voice_assistant import converse, data
    from voice_assistant.assistant import Assistant
    from voice_assistant.stt import load_recognizer

    files = yaml.safe_load((out / "manifest.yaml").read_text())["files"]
    result: dict[str, dict] = {}
    for engine in engines:
        rec = load_recognizer(engine, data.default())
        cells: dict[str, list[bool]] = defaultdict(list)
        misses = []
        for f in files:
            turns = converse.prepare([*f["before"], str(out / f["file"])])
            got = list(converse.run(turns, Assistant(), lambda rec=rec: rec))[-1]
            ok = got["intent"] == f["intent"] and got["step"] == f["step"]
            group = f["condition"].split("_")[0]
            for key in ("all", group, f"{f['voice']} {group}", f["voice"]):
                cells[key].append(ok)
            if not ok:
                misses.append(f"{f['voice']} {f['condition']}: {f['text']!r} heard "
                              f"{got['heard']!r} -> {got['intent']}/{got['step']} "
                              f"(want {f['intent']}/{f['step']})")
        result[engine] = {k: f"{sum(v)}/{len(v)} ({sum(v) / len(v):.1%})"
                          for k, v in sorted(cells.items())}
        result[engine]["misses"] = misses
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", type=Path, default=LIST)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--score", action="store_true")
    ap.add_argument("--engine", action="append")
    args = ap.parse_args()
    if args.score:
        print(json.dumps(score(args.out, args.engine or ["auto"]), indent=1))
    else:
        render(args.list, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
