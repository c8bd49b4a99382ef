"""Measure the matcher: the options compared, held-out accuracy, false acts, confusions, speed.

    python scripts/measure_matcher.py                 # compare the options (table)
    python scripts/measure_matcher.py --misses        # the chosen matcher's misses per set
    python scripts/measure_matcher.py --confusion     # dangerous confusions and false acts
    python scripts/measure_matcher.py --scorer NAME   # the rapidfuzz scorers, as before

Sets: every tests/data/*_paraphrases.tsv (`intent<TAB>utterance`, scored without a step, as
tests/test_matcher.py does). Out-of-domain: intents/en/chatter.txt, the `none` rows, and
tests/data/hallway_whisper.txt, each scored mid-session (step `landlord`) and in `idle`.
"Unseen phrasings" holds out every fifth phrasing of each intent (from both the phrase list
and the classifier's training) and scores it: a measure of generalisation that the
held-out sets, tuned on, no longer give. For the learned option the chatter is split the same
way (trained on four fifths, false acts counted on the fifth left out).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import statistics
import time
from collections import Counter
from pathlib import Path

from voice_assistant import data as data_mod
from voice_assistant.matcher import SCORERS, Matcher, MatcherSettings
from voice_assistant.names import INTENTS

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DANGEROUS = ("unlock", "emergency", "force_entry", "got_in", "stop")

OPTIONS: dict[str, MatcherSettings] = {
    "rapidfuzz + keywords (before)": MatcherSettings(phonetic=False, learned=False,
                                                     priors=False),
    "+ phonetic keywords (0.9)": MatcherSettings(learned=False, priors=False),
    "+ phonetic keywords (0.75)": MatcherSettings(learned=False, priors=False,
                                                  phonetic_weight=0.75),
    "+ learned, tempering 0.3 (raises too)": MatcherSettings(
        phonetic=False, learned_weight=0.3, learned_raises=True, learned_cap=0, priors=False),
    "+ learned, tempering 0.3 (lowers only)": MatcherSettings(
        phonetic=False, learned_weight=0.3, learned_cap=0, priors=False),
    "+ learned, tempering 0.5 (lowers only)": MatcherSettings(
        phonetic=False, learned_weight=0.5, learned_cap=0, priors=False),
    "+ learned, alone up to 0.75": MatcherSettings(phonetic=False, learned_weight=0.0,
                                                   learned_cap=0.75, priors=False),
    "+ phonetic (0.9) + learned 0.3 lowers, alone 0.7": MatcherSettings(priors=False),
    "+ step priors": MatcherSettings(agree_phrase=0.0),
    "chosen (+ classifier and closest phrasing agree)": MatcherSettings(),
}


def load_set(name: str) -> list[tuple[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [(row["intent"], row["utterance"]) for row in csv.DictReader(fh, delimiter="\t")]


def sets() -> list[str]:
    return sorted(p.name for p in DATA.glob("*_paraphrases.tsv"))


def hallway() -> list[str]:
    lines = (DATA / "hallway_whisper.txt").read_text(encoding="utf-8").splitlines()
    return [x for x in lines if x.strip() and not x.startswith("#")]


def predicted(matcher: Matcher, text: str, step: str | None = None) -> str:
    m = matcher.match(text, step)
    return m.intent if m.decision == "act" else "none"


def accuracy(matcher: Matcher, rows: list[tuple[str, str]]) -> float:
    return sum(predicted(matcher, u) == i for i, u in rows) / len(rows)


def _fold(d: data_mod.Data, k: int, n: int = 5) -> tuple[data_mod.Data, list[tuple[str, str]]]:
    """`d` without every n-th phrasing (offset k) and chatter line; those, as test rows."""
    intents, held = {}, []
    for name, it in d.intents.items():
        keep = tuple(p for j, p in enumerate(it.phrases) if j % n != k or len(it.phrases) < 3)
        held += [(name, p) for p in it.phrases if p not in keep]
        intents[name] = dataclasses.replace(it, phrases=keep)
    chatter = tuple(c for j, c in enumerate(d.chatter) if j % n != k)
    return dataclasses.replace(d, intents=intents, chatter=chatter), held


def unseen(settings: MatcherSettings, d: data_mod.Data) -> tuple[float, float]:
    """(accuracy on held-out phrasings, false-act rate on held-out chatter), 5 folds."""
    right = total = acts = talk = 0
    for k in range(5):
        fd, held = _fold(d, k)
        m = Matcher(fd, settings)
        right += sum(predicted(m, u) == i for i, u in held)
        total += len(held)
        left_out = [c for j, c in enumerate(d.chatter) if j % 5 == k]
        acts += sum(predicted(m, c, "landlord") != "none" for c in left_out)
        talk += len(left_out)
    return right / total, acts / talk


def fresh_ood() -> list[str]:
    """tests/data/ood_fresh.txt: out-of-domain talk written before tuning, never tuned on."""
    lines = (DATA / "ood_fresh.txt").read_text(encoding="utf-8").splitlines()
    return [x for x in lines if x.strip() and not x.startswith("#")]


def fresh_danger() -> list[tuple[str, str]]:
    """tests/data/danger_fresh.tsv: emergency and unlock requests written before tuning."""
    return load_set("danger_fresh.tsv")


FRESH_STEPS = ("landlord", "assess", "prevention", "safe_place", "idle")


def fresh(d: data_mod.Data) -> None:
    """Score the fresh sets (never tuned on): OOD acts per step, danger recall per step."""
    m = Matcher(d)
    ood = fresh_ood()
    for step in FRESH_STEPS:
        acts = false_acts(m, ood, step)
        total = sum(acts.values())
        print(f"ood_fresh.txt ({len(ood)} lines) at step {step}: {total} acts "
              f"({total / len(ood):.2%}) {dict(sorted(acts.items()))}")
    for text in ood:
        for step in FRESH_STEPS:
            if (g := predicted(m, text, step)) != "none":
                print(f"  acts {g:14s} at {step:10s} {text!r}")
    rows = fresh_danger()
    for step in (None, "idle", "assess", "landlord"):
        right = [predicted(m, u, step) == i for i, u in rows]
        per = {i: f"{sum(r for (j, _), r in zip(rows, right, strict=True) if j == i)}/"
                  f"{sum(j == i for j, _ in rows)}" for i in ("emergency", "unlock")}
        print(f"danger_fresh.tsv ({len(rows)} rows) at step {step}: recall "
              f"{sum(right) / len(rows):.1%} {per}")
    for want, text in rows:
        got = predicted(m, text)
        if got != want:
            r = m.match(text)
            print(f"  miss want {want:10s} got {got:12s} {r.intent}/{r.decision} "
                  f"{r.confidence:.2f} {text!r}")


def out_of_domain(d: data_mod.Data) -> list[str]:
    none_rows = [u for name in sets() for i, u in load_set(name) if i == "none"]
    return [*d.chatter, *none_rows, *hallway()]


def false_acts(matcher: Matcher, texts: list[str], step: str) -> Counter[str]:
    return Counter(g for t in texts if (g := predicted(matcher, t, step)) != "none")


def timing(matcher: Matcher, texts: list[str]) -> tuple[float, float]:
    times = []
    for t in texts:
        t0 = time.perf_counter()
        matcher.match(t, "landlord")
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def build_ms(d: data_mod.Data, settings: MatcherSettings) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        Matcher(d, settings)
        best = min(best, (time.perf_counter() - t0) * 1000)
    return best


def compare(d: data_mod.Data) -> None:
    names = sets()
    ood = out_of_domain(d)
    print(f"| option | {' | '.join(n.removesuffix('_paraphrases.tsv') for n in names)} "
          "| unseen phrasings | held-out chatter acts | OOD acts mid-session | "
          "dangerous OOD acts | p50 / p95 ms | build ms |")
    print("|---" * (len(names) + 8) + "|")
    for label, settings in OPTIONS.items():
        m = Matcher(d, settings)
        accs = [f"{accuracy(m, load_set(n)):.1%}" for n in names]
        gen, chat = unseen(settings, d)
        acts = false_acts(m, ood, "landlord")
        danger = sum(v for k, v in acts.items() if k in DANGEROUS)
        p50, p95 = timing(m, ood)
        print(f"| {label} | {' | '.join(accs)} | {gen:.1%} | {chat:.1%} | "
              f"{sum(acts.values())}/{len(ood)} | {danger} | {p50:.2f} / {p95:.2f} | "
              f"{build_ms(d, settings):.0f} |")


def confusion(d: data_mod.Data) -> None:
    m = Matcher(d)
    rows = [r for n in sets() for r in load_set(n)]
    pairs = Counter((want, predicted(m, u)) for want, u in rows)
    print(f"Paraphrases ({len(rows)} rows, no step): confusions involving a dangerous intent")
    for (want, got), n in sorted(pairs.items()):
        if want != got and (want in DANGEROUS or got in DANGEROUS):
            print(f"  want {want:17s} got {got:17s} {n}")
    print("  per dangerous intent: acted wrongly when not meant / missed when meant")
    for intent in DANGEROUS:
        wrong = sum(n for (w, g), n in pairs.items() if g == intent and w != intent)
        missed = sum(n for (w, g), n in pairs.items() if w == intent and g != intent)
        print(f"  {intent:12s} {wrong} / {missed}")
    ood = out_of_domain(d)
    none_rows = [u for name in sets() for i, u in load_set(name) if i == "none"]
    for label, texts in (("chatter.txt + none rows", [*d.chatter, *none_rows]),
                         ("hallway_whisper.txt", hallway())):
        for step in ("landlord", "idle"):
            acts = false_acts(m, texts, step)
            total = sum(acts.values())
            print(f"{label} ({len(texts)} lines) at step {step}: {total} acts "
                  f"({total / len(texts):.2%}) {dict(acts)}")
    for step in ("landlord", "assess", "prevention", "idle"):
        acts = false_acts(m, ood, step)
        total = sum(acts.values())
        print(f"Out-of-domain ({len(ood)} lines) at step {step}: {total} acts "
              f"({total / len(ood):.2%}) {dict(acts)}")
    for text in ood:
        g = predicted(m, text, "landlord")
        if g != "none":
            print(f"  acts {g:14s} {text!r}  {m.match(text, 'landlord').reasons}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scorer", choices=sorted(SCORERS), help="compare rapidfuzz scorers")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--confusion", action="store_true")
    ap.add_argument("--fresh", action="store_true", help="the fresh OOD and danger sets")
    ap.add_argument("--set", help="one file in tests/data/ (default: all)")
    args = ap.parse_args()
    d = data_mod.default()
    if args.scorer:
        for name in sets():
            m = Matcher(d, MatcherSettings(scorer=args.scorer))
            print(f"{args.scorer:18s} {name}: {accuracy(m, load_set(name)):.1%}")
        return
    if args.misses:
        m = Matcher(d)
        for name in [args.set] if args.set else sets():
            rows = load_set(name)
            misses = [(i, u, predicted(m, u)) for i, u in rows if predicted(m, u) != i]
            print(f"{name}: {1 - len(misses) / len(rows):.1%} of {len(rows)}")
            for want, text, got in misses:
                r = m.match(text)
                print(f"   want {want:17s} got {got:17s} {r.confidence:.2f} {text!r} {r.reasons}")
            per = Counter(i for i, _, _ in misses)
            print("   misses per intent:", {k: per[k] for k in INTENTS if per[k]})
        return
    if args.confusion:
        confusion(d)
        return
    if args.fresh:
        fresh(d)
        return
    compare(d)


if __name__ == "__main__":
    main()
