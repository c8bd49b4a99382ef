#!/usr/bin/env python3
"""What each speech engine really writes for every recorded fixture: the corpus of recogniser
output (tests/data/transcripts/<engine>.jsonl), and the accuracy table per engine × voice ×
condition that the README shows.

    python scripts/transcribe_fixtures.py                 # every available engine
    python scripts/transcribe_fixtures.py --engine whisper
    python scripts/transcribe_fixtures.py --table         # only print the table from the corpus

Either way the counts behind the README's accuracy tables are written to
tests/data/figures/accuracy.json (scripts/readme_figures.py puts them into the README).

Each line: the fixture's file, voice, condition, expected intent and step, the typed turns
sent before it, and what the engine heard (text, confidence, why words were discarded, and
its other readings, best first, where the engine gives them: Whisper's beam).
Accuracy is intent and step right after the heard text is sent in a fresh session after the
`before` turns: the same path as `converse` (tests/test_transcripts.py replays it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from voice_assistant import audio, data  # noqa: E402
from voice_assistant.assistant import Assistant  # noqa: E402
from voice_assistant.stt import Transcript, engines, load_recognizer, transcribe  # noqa: E402

AUDIO = ROOT / "tests" / "fixtures" / "audio"
OUT = ROOT / "tests" / "data" / "transcripts"
FIGURES = ROOT / "tests" / "data" / "figures" / "accuracy.json"


def manifest() -> dict:
    return yaml.safe_load((AUDIO / "manifest.yaml").read_text(encoding="utf-8"))


def transcribe_all(engine: str) -> list[dict]:
    rec = load_recognizer(engine, data.default())
    rows = []
    for f in manifest()["files"]:
        pcm, fmt = audio.read_pcm16(AUDIO / f["file"])
        t = transcribe(rec, audio.chunks(pcm), fmt.rate)
        rows.append({"file": f["file"], "voice": f.get("voice", "joe"),
                     "condition": f["condition"], "intent": f["intent"], "step": f["step"],
                     "before": f["before"], "heard": t.text,
                     "confidence": round(t.confidence, 3), "doubt": t.doubt,
                     "doubted": t.doubted,
                     "alternatives": [[alt.text, round(alt.confidence, 3)]
                                      for alt in t.alternatives]})
    return rows


def judge(row: dict, assistant: Assistant | None = None,
          alternative: dict | None = None) -> tuple[bool, str, str]:
    """(right?, intent, step) for one corpus row, replayed as `converse` would; with
    `alternative` (the streaming engine's row for the same file) as the dual path hears it."""
    a = assistant or Assistant()
    a.reset()
    for turn in row["before"]:
        a.turn(turn)
    engine = row.get("engine", "main")
    own = tuple(Transcript(text, conf, engine) for text, conf in row.get("alternatives", ()))
    streaming = (Transcript(alternative["heard"], alternative["confidence"], "streaming"),) \
        if alternative else ()
    out = a.hear(Transcript(row["heard"], row["confidence"], engine,
                            doubted=row.get("doubted", ""), alternatives=streaming + own))
    return out.intent == row["intent"] and out.step == row["step"], out.intent, out.step


def dual(rows_by_engine: dict[str, list[dict]]) -> dict[str, list[tuple[dict, dict]]]:
    """The dual paths the corpus can replay: whisper rows paired with a streaming engine's."""
    out = {}
    for name in engines.DUALS:
        final, streaming = name.split("+")
        if final in rows_by_engine and streaming in rows_by_engine:
            alt = {r["file"]: r for r in rows_by_engine[streaming]}
            out[name] = [(r, alt[r["file"]]) for r in rows_by_engine[final]]
    return out


def group(condition: str) -> str:
    """The table's column for a condition."""
    return condition if condition.startswith(("noise", "clean")) else "variants"


def _cells(pairs: list[tuple[dict, dict | None]], a: Assistant
           ) -> dict[tuple[str, str], list[bool]]:
    """(voice, column) -> right or not, per fixture; "all" for every voice or column."""
    cells: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for row, alt in pairs:
        ok = judge(row, a, alt)[0]
        for voice in (row["voice"], "all"):
            for col in (group(row["condition"]), "all"):
                cells[(voice, col)].append(ok)
    return cells


def figures(rows_by_engine: dict[str, list[dict]]) -> dict[str, object]:
    """The counts behind the README's accuracy tables: engine -> voice -> column -> "right/of".
    Columns: clean, each noise condition, "variants" (speed, pitch, phone, rates, encodings)
    and "all"; the voice "all" is every voice."""
    a = Assistant()
    paired = {e: [(r, None) for r in rows] for e, rows in rows_by_engine.items()}
    out: dict[str, dict[str, dict[str, str]]] = {}
    for engine, pairs in {**paired, **dual(rows_by_engine)}.items():
        table_: dict[str, dict[str, str]] = {}
        for (voice, col), oks in sorted(_cells(pairs, a).items()):
            table_.setdefault(voice, {})[col] = f"{sum(oks)}/{len(oks)}"
        out[engine] = table_
    return {"source": "scripts/transcribe_fixtures.py (tests/data/transcripts/*.jsonl)",
            "fixtures": len(next(iter(rows_by_engine.values()), [])), "engines": out}


def write_figures(rows_by_engine: dict[str, list[dict]]) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures(rows_by_engine), indent=1, sort_keys=True) + "\n",
                       encoding="utf-8")


def table(rows_by_engine: dict[str, list[dict]]) -> str:
    a = Assistant()
    lines = []
    paired = {e: [(r, None) for r in rows] for e, rows in rows_by_engine.items()}
    for engine, pairs in {**paired, **dual(rows_by_engine)}.items():
        cells = _cells(pairs, a)
        cols = sorted({c for _, c in cells}, key=lambda c: (c == "all", c != "clean", c))
        voices = sorted({v for v, _ in cells}, key=lambda v: (v == "all", v))
        lines.append(f"\n**{engine}** (intent and step right)\n")
        lines.append("| voice | " + " | ".join(cols) + " |")
        lines.append("|---" * (len(cols) + 1) + "|")
        for v in voices:
            vals = [cells.get((v, c)) for c in cols]
            lines.append(f"| {v} | " + " | ".join(
                f"{sum(x) / len(x):.0%} ({sum(x)}/{len(x)})" if x else "—" for x in vals) + " |")
    return "\n".join(lines)


def load(engine: str) -> list[dict]:
    path = OUT / f"{engine}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", choices=tuple(engines.ENGINES), action="append")
    ap.add_argument("--table", action="store_true", help="only print the table from the corpus")
    args = ap.parse_args()
    here = [n for n, why in engines.available().items() if why is None]
    names = args.engine or here
    if not args.table:
        OUT.mkdir(parents=True, exist_ok=True)
        for name in names:
            rows = transcribe_all(name)
            with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"{name}: {len(rows)} transcripts -> {OUT / (name + '.jsonl')}", file=sys.stderr)
    print(table({n: load(n) for n in names if (OUT / f"{n}.jsonl").is_file()}))
    write_figures({n: load(n) for n in engines.ENGINES if (OUT / f"{n}.jsonl").is_file()})
    print(f"figures -> {FIGURES.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
