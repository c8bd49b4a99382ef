#!/usr/bin/env python3
"""Held-out hands-free sessions (a list of whole conversations written by someone who never
saw intents/), rendered in the fixture voices and scored once, as a user would run them.

    python scripts/heldout_sessions.py render --list FILE [--out DIR]
    python scripts/heldout_sessions.py score [--out DIR] [--how converse|listen|live] [--engine E]

Each session is rendered three times, in three different voices (rotating): clean, at 20 dB
and at 10 dB SNR (steady pink noise or other-voice babble, alternating by session). Each
rendering is one WAV per turn and, for `listen`, one whole recording: the turns with 30 s of
quiet room between them (the person waits for the reply; the longest, help at the first step,
takes 20 s), saved at 16 kHz mono, 44.1 kHz stereo or 48 kHz mono (rotating), as a recorder
would. With
`--continuous` the noise runs through the whole recording, pauses included, instead of only
under the voice.

Scoring, each session from a fresh start; a session is right when the step after every turn
is the expected one:
- `converse`: `lockout-assistant converse` with the turns' WAVs, in process;
- `listen`: `lockout-assistant listen --input-wav REC --fast --tts-out DIR --json
  --reprompt-after 60 --end-after 60` (a real subprocess; the long timers because the
  recording's pauses are fixed);
- `live`: `lockout-assistant listen` on a sound server's virtual microphone and speaker
  (tests/sound_server.py), the person saying each turn 0.7 s after the reply has finished,
  default timers; clean renderings only unless `--all`.

Dev-only, like make_fixtures.py: the audio is regenerated deterministically, not committed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf
from render_heldout import Voices

ROOT = mf.ROOT
sys.path.insert(0, str(ROOT))
from voice_assistant import audio  # noqa: E402

OUT = Path("/tmp/heldout_sessions")
GAP_S = 30.0
RATE = audio.RATE
FORMATS = (mf.Fmt(16000, 1, "pcm16", "16 kHz mono"), mf.Fmt(44100, 2, "pcm16", "44.1 kHz stereo"),
           mf.Fmt(48000, 1, "pcm16", "48 kHz mono"))


def plan(sessions: list[dict]) -> list[tuple[dict, str, str, mf.Fmt]]:
    """(session, voice, condition, recording format) for every rendering."""
    voices = list(mf.VOICES)
    jobs = []
    for i, s in enumerate(sessions):
        noise = "steady" if i % 2 else "babble"
        for k, cond in enumerate(("clean", f"noise20_{noise}", f"noise10_{noise}")):
            jobs.append((s, voices[(i + 2 * k) % len(voices)], cond, FORMATS[(i + k) % 3]))
    return jobs


def _recording(turns: list[np.ndarray], clean: list[np.ndarray], cond: str, continuous: bool,
               key: str, voices: Voices, voice: str) -> np.ndarray:
    """The turns (16 kHz float) as `audio.session_pcm` lays them out: 1 s of quiet room, then
    each turn and GAP_S of room after it; with `continuous`, the clean turns with the
    condition's noise under the whole recording. Float, 16 kHz."""
    said = clean if continuous and cond != "clean" else turns
    seed = mf.seed_of("session", key)
    x = audio.session_pcm([np.round(np.clip(t, -1, 1) * 32767).astype(np.int16) for t in said],
                          gap=GAP_S, seed=seed) / 32768.0
    if said is clean and cond != "clean":
        rng = np.random.default_rng(seed)
        if mf.NOISE[cond][1] == "steady":
            noise = mf.pink_noise(len(x), RATE, rng)
        else:
            noise = mf.babble(len(x), voices.talkers.sources({"id": key, "text": ""}, voice,
                                                             cond, rng), rng)
        noise /= np.sqrt(np.mean(noise ** 2))
        power = np.mean([mf.active_power(t, RATE) for t in clean])
        x = x + noise * np.sqrt(power / 10 ** (mf.SNR_DB[cond] / 10))
        peak = np.max(np.abs(x))
        x = x * (0.95 / peak) if peak > 0.95 else x
    return x


def render(list_path: Path, out: Path, continuous: bool) -> None:
    sessions = yaml.safe_load(list_path.read_text(encoding="utf-8"))["sessions"]
    jobs = plan(sessions)
    voices = Voices({name: [t["text"] for s, v, _, _ in jobs if v == name for t in s["turns"]]
                     for name in mf.VOICES})
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for s, voice, cond, fmt in jobs:
        key = f"{s['id']}__{voice}__{cond}"
        (out / key).mkdir(exist_ok=True)
        turns, clean = [], []
        for n, t in enumerate(s["turns"], start=1):
            u = {"id": f"{s['id']}_{n}", "text": t["text"]}
            x16 = voices.utterance(u, voice, cond)
            mf.write_wav(out / key / f"{n:02d}.wav", x16, mf.CONDITIONS["clean"])
            turns.append(x16)
            clean.append(voices.utterance(u, voice, "clean"))
        rec = _recording(turns, clean, cond, continuous, key, voices, voice)
        if fmt.rate != RATE:
            rec = mf.resample(rec, RATE, fmt.rate)
        if fmt.channels == 2:
            rec = np.stack([rec, rec], axis=1)
        mf.write_wav(out / f"{key}.wav", rec, fmt)
        entries.append({"id": s["id"], "key": key, "voice": voice, "condition": cond,
                        "format": fmt.what, "who": s.get("who", ""),
                        "turns": [{"file": f"{key}/{n:02d}.wav", **t}
                                  for n, t in enumerate(s["turns"], start=1)]})
    (out / "manifest.yaml").write_text(yaml.safe_dump(
        {"continuous_noise": continuous, "sessions": entries}, sort_keys=False))
    print(f"rendered {len(entries)} session recordings into {out}")


def _converse(entry: dict, out: Path, rec) -> list[dict]:
    from voice_assistant import converse
    from voice_assistant.assistant import Assistant

    turns = converse.prepare([str(out / t["file"]) for t in entry["turns"]])
    return [{"heard": r["heard"], "intent": r["intent"], "step": r["step"]}
            for r in converse.run(turns, Assistant(), lambda: rec)]


def _listen(entry: dict, out: Path, engine: str) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(
            [sys.executable, "-m", "voice_assistant", "listen", "--input-wav",
             str(out / f"{entry['key']}.wav"), "--fast", "--tts-out", tmp, "--json",
             "--engine", engine, "--reprompt-after", "60", "--end-after", "60"],
            capture_output=True, text=True, cwd=ROOT, check=False)
    if res.returncode:
        raise SystemExit(f"listen failed on {entry['key']}: {res.stderr[-400:]}")
    events = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    return [{"heard": e["heard"], "intent": e["intent"], "step": e["step"]}
            for e in events if e["event"] == "heard"]


def _live(entries: list[dict], out: Path, engine: str) -> dict[str, list[dict]]:
    import time

    from tests.sound_server import Listen, SoundServer, converse

    got: dict[str, list[dict]] = {}
    with SoundServer() as server:
        for entry in entries:
            listen = Listen(server, engine=engine)
            if not listen.ready(server):
                raise SystemExit("listen did not start: " + "".join(listen.stderr)[-500:])
            converse(server, listen, [out / t["file"] for t in entry["turns"]])
            time.sleep(0.5)
            listen.stop()
            got[entry["key"]] = [{"heard": e["heard"], "intent": e["intent"],
                                  "step": e["step"]}
                                 for e in listen.events if e["event"] == "heard"]
            print(entry["key"], [g["step"] for g in got[entry["key"]]], file=sys.stderr,
                  flush=True)
    return got


def score(out: Path, how: str, engine: str, everything: bool, only: str = "") -> dict:
    from voice_assistant import data
    from voice_assistant.stt import load_recognizer

    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    entries = [e for e in manifest["sessions"] if only in e["key"]]
    if how == "live":
        entries = [e for e in entries if everything or e["condition"] == "clean"]
        results = _live(entries, out, engine)
    elif how == "converse":
        rec = load_recognizer(engine, data.default())
        results = {e["key"]: _converse(e, out, rec) for e in entries}
    else:
        results = {e["key"]: _listen(e, out, engine) for e in entries}
    cells: dict[str, list[bool]] = defaultdict(list)
    turn_cells: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for e in entries:
        got, want = results[e["key"]], e["turns"]
        ok = [g["step"] for g in got] == [t["step"] for t in want]
        group = e["condition"].split("_")[0]
        for key in ("all", group, e["voice"]):
            cells[key].append(ok)
        if len(got) == len(want):
            for g, t in zip(got, want, strict=True):
                turn_cells["all"].append(g["step"] == t["step"] and g["intent"] == t["intent"])
        if not ok:
            misses.append({"session": e["key"], "format": e["format"], "turns": [
                f"{t['text']!r} want {t['intent']}/{t['step']}" for t in want], "got": [
                f"{g['heard']!r} -> {g['intent']}/{g['step']}" for g in got]})
    summary = {k: f"{sum(v)}/{len(v)}" for k, v in sorted(cells.items())}
    summary["turns right (sessions heard turn for turn)"] = (
        f"{sum(turn_cells['all'])}/{len(turn_cells['all'])}")
    return {"how": how, "engine": engine, "continuous_noise": manifest["continuous_noise"],
            "sessions_right": summary, "misses": misses}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render")
    r.add_argument("--list", type=Path, required=True)
    r.add_argument("--out", type=Path, default=OUT)
    r.add_argument("--continuous", action="store_true", help="noise in the pauses too")
    s = sub.add_parser("score")
    s.add_argument("--out", type=Path, default=OUT)
    s.add_argument("--how", choices=("converse", "listen", "live"), default="listen")
    s.add_argument("--engine", default="auto")
    s.add_argument("--all", action="store_true", help="live: every rendering, not only clean")
    s.add_argument("--only", default="", metavar="TEXT", help="only renderings named with TEXT")
    args = ap.parse_args()
    if args.command == "render":
        render(args.list, args.out, args.continuous)
    else:
        print(json.dumps(score(args.out, args.how, args.engine, args.all, args.only), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
