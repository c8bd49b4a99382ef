#!/usr/bin/env python3
"""The README's measured figures, generated from the measurements: nothing typed by hand.

    python scripts/readme_figures.py           # rewrite the generated tables in README.md
    python scripts/readme_figures.py --check   # exit 1 if README.md differs from the figures

Each table is a JSON file in tests/data/figures/ (written by the script that measures it) and a
renderer here; in README.md it sits between `<!-- figures:NAME -->` and `<!-- /figures:NAME -->`.
To add a table: have the measuring script write its JSON there, add a renderer to `TABLES`, and
put the two markers in the README. tests/test_readme_figures.py fails when they disagree.

Which script writes which JSON:

- accuracy.json (tables accuracy-auto, accuracy-engines, accuracy-targets):
  scripts/transcribe_fixtures.py [--table]
- bench.json (speed; the recorded sessions in accuracy-engines):
  lockout-assistant bench --json > tests/data/figures/bench.json
- soak.json: scripts/soak.py --hours 2 --save
- false_wakes.json: scripts/false_wakes.py --minutes 30 --end-sessions --engine E --save
  (once per engine)
- hostile_cli.json (the reliability table of hostile command lines):
  UPDATE_FIGURES=1 pytest tests/test_hostile_cli.py
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
README = ROOT / "README.md"
FIGURES = ROOT / "tests" / "data" / "figures"

from voice_assistant.stt.engines import AUTO_ORDER  # noqa: E402

Figures = dict[str, Any]  # JSON file name (without .json) -> its content


@dataclass(frozen=True)
class Table:
    sources: tuple[str, ...]  # JSON files in FIGURES, without ".json"
    render: Callable[[Figures], str]


# --- helpers -------------------------------------------------------------------------------

VOICES = {"joe": "joe (piper)", "slt": "slt (Festival HTS, female)",
          "kal": "kal (Festival diphone)", "ked": "ked (Festival diphone)",
          "espeak": "espeak-ng"}
NOISE = {"noise20_steady": "20 dB steady", "noise20_babble": "20 dB babble",
         "noise10_steady": "10 dB steady", "noise10_babble": "10 dB babble"}


def _ratio(cell: str | None) -> tuple[int, int]:
    right, of = (cell or "0/0").split("/")
    return int(right), int(of)


def pct(cell: str | None, digits: int = 0) -> str:
    right, of = _ratio(cell)
    return f"{100 * right / of:.{digits}f} %" if of else "—"


def count(cell: str | None) -> str:
    """Small cells as "7/8", larger ones as "97 % (169/175)"."""
    right, of = _ratio(cell)
    if not of:
        return "—"
    return f"{right}/{of}" if of <= 12 else f"{pct(cell)} ({right}/{of})"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _engine_label(name: str, auto: str | None) -> str:
    return f"{name} (`auto`)" if name == auto else f"{name} alone"


def _engine_order(names: list[str], auto: str | None) -> list[str]:
    """What `auto` picks first, then the order `auto` prefers engines in."""
    order = list(AUTO_ORDER)
    return sorted(names, key=lambda n: (n != auto, order.index(n) if n in order else 99, n))


def _cut_words(text: str, limit: int = 40) -> str:
    """Long runs without spaces (a pasted value, a path) cut to their ends."""
    keep = limit // 2 - 4
    return re.sub(rf"\S{{{limit + 1},}}", lambda m: f"{m.group(0)[:keep]}…{m.group(0)[-keep:]}",
                  text)


# --- renderers ---------------------------------------------------------------------------

def accuracy_auto(f: Figures) -> str:
    """The default (dual) path, per voice and condition."""
    acc = f["accuracy"]["engines"]["whisper+pocketsphinx"]
    rows = []
    for voice, label in [*VOICES.items(), ("all", "**all**")]:
        cells = acc[voice]
        bold = (lambda s: f"**{s}**") if voice == "all" else (lambda s: s)
        mix = (f"{pct(cells.get('noise20'))} / {pct(cells.get('noise10'))}"
               if "noise20" in cells else "—")
        rows.append([label, bold(count(cells.get("clean"))),
                     *(bold(count(cells.get(k))) for k in NOISE), mix,
                     count(cells.get("variants")), bold(count(cells.get("all")))])
    return table(["voice", "clean", *NOISE.values(), "joe's 20 / 10 dB mix", "other variants",
                  "all"], rows)


def accuracy_engines(f: Figures) -> str:
    """Each engine alone and the dual path, all voices; sessions from the benchmark."""
    acc, bench = f["accuracy"]["engines"], f["bench"]
    names = _engine_order(list(acc), bench.get("auto"))
    rows = []
    for name in names:
        cells = acc[name]["all"]
        sessions = bench["engines"].get(name, {}).get("sessions_right", "—")
        rows.append([_engine_label(name, bench.get("auto")), pct(cells.get("clean")),
                     *(pct(cells.get(k)) for k in NOISE), pct(cells.get("all"), 1), sessions])
    voices = "; ".join(
        f"{_engine_label(name, None)}: " + ", ".join(
            f"{VOICES[v].split(' (')[0]} {pct(acc[name][v].get('clean'))}" for v in VOICES)
        for name in names if "+" not in name)
    return (table(["engine", "clean", *NOISE.values(), "all", "recorded conversations"], rows)
            + f"\n\nClean speech per voice: {voices}.")


def accuracy_targets(f: Figures) -> str:
    acc = f["accuracy"]["engines"]["whisper+pocketsphinx"]
    per_voice = {v: pct(acc[v].get("clean")) for v in VOICES}
    lowest = min(VOICES, key=lambda v: _ratio(acc[v].get("clean"))[0]
                 / max(1, _ratio(acc[v].get("clean"))[1]))
    allv = acc["all"]
    return (f"**Targets** (the issue's), for `auto`: clean speech {pct(allv.get('clean'))} on all "
            f"voices together (target 95 %), the lowest voice {VOICES[lowest]} at "
            f"{per_voice[lowest]} (target 90 % per voice); 20 dB noise "
            f"{pct(allv.get('noise20_steady'))} steady, {pct(allv.get('noise20_babble'))} babble "
            f"(target 92 %); 10 dB {pct(allv.get('noise10_steady'))} steady, "
            f"{pct(allv.get('noise10_babble'))} babble (target 80 %).")


def _pair(r: dict[str, Any], key: str, fmt: str = "{:.2f}", unit: str = "") -> str:
    one = r["pinned_one_core"]
    return f"{fmt.format(r[key])} / {fmt.format(one[key])}{unit}"


def _pp(d: dict[str, float]) -> str:
    return f"{d['p50']:.0f} / {d['p95']:.0f}"


def speed(f: Figures) -> str:
    bench = f["bench"]
    auto = bench.get("auto")
    names = _engine_order(list(bench["engines"]), auto)
    es = [bench["engines"][n] for n in names]
    rows = [
        ["start-up: process start → listening", "≤ 2 s",
         *(_pair(r, "startup_s", unit=" s") for r in es)],
        ["real-time factor (decoding time ÷ audio time)", "—",
         *(_pair(r, "rtf", "{:.2g}") for r in es)],
        ["end of speech → reply audio starts, p50 / p95", "≤ 450 / 700 ms",
         *(f"{_pp(r['reply_ms'])} ms; one core {_pp(r['pinned_one_core']['reply_ms'])} ms"
           for r in es)],
        ["the same without early answers, p50 / p95", "—",
         *(f"{_pp(r['without_early_answer']['reply_ms'])} ms" for r in es)],
        ["speech out: time to first audio", "≤ 150 ms",
         *(f"{r['tts_first_audio_ms']:.0f} ms" for r in es)],
        ["intent matching", "≤ 2 ms", *(f"{r['match_ms']:.2f} ms" for r in es)],
        ["peak resident memory (TTS worker not included)", "≤ 300 MB",
         *(f"{r['peak_rss_mb']:.0f} MB" for r in es)],
        ["recorded sessions reaching every expected step", "≥ 11/12",
         *(r["sessions_right"] for r in es)],
    ]
    header = ["figure", "target", *(f"{_engine_label(n, auto)}: all cores / one core"
                                    if n == auto else _engine_label(n, auto) for n in names)]
    m = bench["machine"]
    v = m["versions"]
    tools = ", ".join(f"{k} {v[k]}" for k in ("faster-whisper", "ctranslate2", "pocketsphinx")
                      if v.get(k))
    load = (f", load average {m['load_avg']:.1f} when it started"
            if m.get("load_avg") is not None else "")
    return (f"Measured with `lockout-assistant bench --json` on {m['cpu']}, {m['cores']} cores, "
            f"Python {m['python']}, {tools}{load}:\n\n" + table(header, rows)
            + _carried_over({n: bench["engines"][n] for n in names}))


def _carried_over(entries: dict[str, dict[str, Any]]) -> str:
    """A note for figures that were not measured again this time (their JSON says why)."""
    carried = {name: r["carried_over"] for name, r in entries.items() if "carried_over" in r}
    if not carried:
        return ""
    if len(set(carried.values())) == 1 and len(carried) == len(entries):
        return f"\n\nNot measured again: {next(iter(carried.values()))}."
    return "\n\nNot measured again: " + "; ".join(f"{n}: {w}" for n, w in carried.items()) + "."


def soak(f: Figures) -> str:
    s = f["soak"]
    ev = s["events"]
    rss = s["rss_mb"]
    at10 = rss[s["minutes"].index(10)] if 10 in s["minutes"] else rss[0]

    def same(xs: list[int]) -> str:
        return f"{xs[0]}" if min(xs) == max(xs) else f"{min(xs)}–{max(xs)}"

    rows = [[f"{s['hours']:g} h ({s['wall_s']:.0f} s of wall time)", str(s["sessions"]),
             str(ev.get("say", 0)), str(ev.get("reprompt", 0)), str(ev.get("session_end", 0)),
             f"{at10} → {rss[-1]} MB ({rss[-1] - at10:+.1f} MB)", same(s["threads"]),
             same(s["fds"]), "pass" if s["pass"] else "FAIL"]]
    return table(["simulated audio", "sessions", "replies", "reprompts", "sessions ended",
                  "resident memory, 10 min → end", "threads", "open files", "verdict"], rows)


def false_wakes(f: Figures) -> str:
    fw = f["false_wakes"]
    auto = f["bench"].get("auto")
    rows = []
    for name in _engine_order(list(fw), auto):
        r = fw[name]
        bold = (lambda s: f"**{s}**") if name == auto else (lambda s: s)
        rows.append([_engine_label(name, auto).replace(" alone", ""), str(r["utterances"]),
                     str(r["heard_not_none"]), bold(str(r["false_sessions"])),
                     bold(f"{r['false_sessions_per_idle_hour']:g}")])
    minutes = {r["minutes"] for r in fw.values()}
    return (table(["engine", "utterances heard", "heard as an intent", "false starts",
                   "per idle hour"], rows)
            + f"\n\n({', '.join(f'{m:g}' for m in sorted(minutes))} minutes of audio each.)"
            + _carried_over(fw))


def hostile_cli(f: Figures) -> str:
    rows = []
    for c in f["hostile_cli"]["cases"]:
        says = c["says"].removeprefix("lockout-assistant: ") if c["exit"] else \
            f"works (`{c['expect']}`)"
        says = _cut_words(says)
        if len(says) > 150:
            says = says[:140].rsplit(" ", 1)[0] + " …"
        if c["varies"]:
            says += " (the wording depends on the machine or the input)"
        says = says.replace("|", "\\|")
        rows.append([c["case"], f"`{c['command']}`", str(c["exit"]), says])
    return table(["case", "command", "exit", "what it says"], rows)


TABLES: dict[str, Table] = {
    "accuracy-auto": Table(("accuracy",), accuracy_auto),
    "accuracy-engines": Table(("accuracy", "bench"), accuracy_engines),
    "accuracy-targets": Table(("accuracy",), accuracy_targets),
    "speed": Table(("bench",), speed),
    "soak": Table(("soak",), soak),
    "false-wakes": Table(("false_wakes", "bench"), false_wakes),
    "hostile-cli": Table(("hostile_cli",), hostile_cli),
}


# --- the README ----------------------------------------------------------------------------

def load(folder: Path = FIGURES) -> Figures:
    names = {s for t in TABLES.values() for s in t.sources}
    return {n: json.loads((folder / f"{n}.json").read_text(encoding="utf-8")) for n in names}


def block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- figures:{re.escape(name)} -->\n)(.*?)(<!-- /figures:"
                      rf"{re.escape(name)} -->)", re.S)


def render(text: str, figures: Figures) -> str:
    """`text` (the README) with every generated table replaced from `figures`."""
    for name, t in TABLES.items():
        pattern = block(name)
        if len(pattern.findall(text)) != 1:
            raise SystemExit(f"README.md needs exactly one <!-- figures:{name} --> ... "
                             f"<!-- /figures:{name} --> block")
        body = t.render(figures).rstrip("\n") + "\n"
        text = pattern.sub(lambda m, b=body: m.group(1) + b + m.group(3), text)
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 on a difference")
    args = ap.parse_args(argv)
    old = README.read_text(encoding="utf-8")
    new = render(old, load())
    if args.check:
        if new != old:
            print("README.md's figures differ from tests/data/figures/: run "
                  "scripts/readme_figures.py", file=sys.stderr)
            return 1
        return 0
    if new != old:
        README.write_text(new, encoding="utf-8")
        print("README.md updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
