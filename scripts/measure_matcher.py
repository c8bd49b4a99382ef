"""Measure intent accuracy on the held-out paraphrases for each rapidfuzz scorer.

    python scripts/measure_matcher.py [--scorer NAME] [--misses]

Prints accuracy per scorer (the matcher's default scorer was chosen with this) and, with
--misses, every utterance the chosen scorer gets wrong.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from voice_assistant import data
from voice_assistant.matcher import SCORERS, Matcher, MatcherSettings

HELDOUT = Path(__file__).resolve().parent.parent / "tests" / "data"


def load_heldout(name: str = "heldout_paraphrases.tsv") -> list[tuple[str, str]]:
    with (HELDOUT / name).open(encoding="utf-8") as fh:
        return [(row["intent"], row["utterance"]) for row in csv.DictReader(fh, delimiter="\t")]


def predicted(matcher: Matcher, text: str) -> str:
    m = matcher.match(text)
    return m.intent if m.decision == "act" else "none"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scorer", choices=sorted(SCORERS))
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--set", default="heldout_paraphrases.tsv", help="file in tests/data/")
    args = ap.parse_args()
    rows = load_heldout(args.set)
    d = data.default()
    for name in [args.scorer] if args.scorer else sorted(SCORERS):
        matcher = Matcher(d, MatcherSettings(scorer=name))
        t0 = time.perf_counter()
        misses = [(i, u, predicted(matcher, u)) for i, u in rows if predicted(matcher, u) != i]
        ms = (time.perf_counter() - t0) * 1000 / len(rows) / 2
        acc = 1 - len(misses) / len(rows)
        print(f"{name:18s} accuracy {acc:6.1%}  ({len(rows) - len(misses)}/{len(rows)})  "
              f"{ms:.3f} ms/utterance")
        if args.misses:
            for want, text, got in misses:
                m = matcher.match(text)
                print(f"   want {want:17s} got {got:17s} {m.confidence:.2f} {text!r}  {m.reasons}")


if __name__ == "__main__":
    main()
