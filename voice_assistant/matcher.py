"""Intent matching: from what the user said to one intent with an explainable confidence.

Two kinds of evidence are scored for every intent, each in 0..1:

- **phrase**: how close the whole utterance is to the intent's closest phrasing
  (rapidfuzz; the scorer was chosen by measurement, see `scripts/measure_matcher.py`);
- **keywords**: word sequences found anywhere in the utterance, combined as a noisy-or of
  their weights (two independent clues are stronger than one). Each word is evidence
  once: overlapping keywords are resolved longest first, so "dog walker" is not also "dog".

An intent's score is the stronger of the two. The confidence is the best score less an
**ambiguity** penalty when a rival intent scores almost as high. The decision is `act`
(confidence ≥ `act_threshold`), `confirm` (a near miss: ask "did you mean …?") or `none`.
`emergency` wins whenever it is plausible (its score ≥ `near_threshold`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from voice_assistant.data import Data, Intent, Keyword
from voice_assistant.names import NONE
from voice_assistant.textnorm import normalize, stem

Decision = Literal["act", "confirm", "none"]
Scorer = Callable[..., float]


@dataclass(frozen=True)
class Evidence:
    intent: str
    score: float
    phrase: float
    phrase_text: str
    keywords: tuple[str, ...]
    covered: int = 0  # words of the utterance inside this intent's keywords
    keyword: float = 0.0  # the keywords' combined evidence


@dataclass(frozen=True)
class Match:
    """The matcher's answer for one utterance."""

    text: str  # normalised utterance
    intent: str  # best intent, or "none"
    confidence: float
    decision: Decision
    reasons: tuple[str, ...] = ()
    ranked: tuple[Evidence, ...] = field(default=(), repr=False)

    @property
    def acted(self) -> bool:
        return self.decision == "act"

    @property
    def evidence(self) -> Evidence | None:
        """The evidence for the chosen intent."""
        return next((e for e in self.ranked if e.intent == self.intent), None)

    @property
    def coverage(self) -> float:
        """Share of the utterance's words that are the chosen intent's keywords."""
        e = self.evidence
        return e.covered / max(1, len(self.text.split())) if e else 0.0


@dataclass(frozen=True)
class MatcherSettings:
    act_threshold: float = 0.72
    near_threshold: float = 0.6
    ambiguity_margin: float = 0.06  # rivals closer than this cost confidence
    emergency_phrase: float = 0.75  # phrase-only evidence that makes an emergency plausible
    scorer: str = "blend"


SCORERS: dict[str, Scorer] = {
    "ratio": fuzz.ratio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "token_set_ratio": fuzz.token_set_ratio,
    "WRatio": fuzz.WRatio,
    "QRatio": fuzz.QRatio,
    "partial_ratio": fuzz.partial_ratio,
    "blend": fuzz.ratio,  # 3+ words: mean of character- and word-level Indel similarity
}


@cache
def _lengths(alts: frozenset[tuple[str, ...]]) -> tuple[int, ...]:
    return tuple(sorted({len(a) for a in alts}, reverse=True))


def _find(tokens: Sequence[str], alts: frozenset[tuple[str, ...]], start: int) -> range | None:
    lengths = _lengths(alts)  # once per keyword segment, not once per utterance
    for i in range(start, len(tokens)):
        for n in lengths:
            if tuple(tokens[i : i + n]) in alts:
                return range(i, i + n)
    return None


def keyword_span(tokens: Sequence[str], kw: Keyword) -> frozenset[int] | None:
    """Token positions covered by `kw` in `tokens` (segments in order), or None."""
    covered: set[int] = set()
    pos = 0
    for seg in kw.segments:
        found = _find(tokens, seg, pos)
        if found is None or (kw.anchored and pos == 0 and found.start != 0):
            return None
        covered.update(found)
        pos = found.stop
    return frozenset(covered)


class Matcher:
    def __init__(self, data: Data, settings: MatcherSettings | None = None) -> None:
        self.settings = settings or MatcherSettings()
        self._scorer = SCORERS.get(self.settings.scorer, fuzz.ratio)
        self._intents: dict[str, Intent] = data.intents
        self._choices: list[str] = []
        self._owner: list[str] = []
        for intent in data.intents.values():
            for phrase in intent.phrases:
                self._choices.append(phrase)
                self._owner.append(intent.name)
        self._tokens = [c.split() for c in self._choices]
        self._emergency = np.array([o == "emergency" for o in self._owner])
        # Index keywords by the words their first segment can start with, so an utterance is
        # only checked against keywords that could possibly occur in it.
        self._by_word: dict[str, list[tuple[str, Keyword]]] = {}
        for intent in data.intents.values():
            for kw in intent.keywords:
                for word in {alt[0] for alt in kw.segments[0]}:
                    self._by_word.setdefault(word, []).append((intent.name, kw))

    def _phrase_scores(self, text: str) -> dict[str, tuple[float, str]]:
        if self.settings.scorer == "blend":
            scores = process.cdist([text], self._choices, scorer=fuzz.ratio)[0]
            if len(text.split()) > 2:  # words, not just letters, must line up in a sentence
                toks = process.cdist([text.split()], self._tokens, scorer=fuzz.ratio)[0]
                # ... except for emergencies, which win even when misspelt or misheard
                scores = np.where(self._emergency, scores, (scores + toks) / 2)
        else:
            scores = process.cdist([text], self._choices, scorer=self._scorer)[0]
        best: dict[str, tuple[float, str]] = {}
        for idx in scores.argsort()[::-1][:60]:
            owner, score = self._owner[idx], float(scores[idx]) / 100
            if owner not in best:
                best[owner] = (score, self._choices[idx])
        return best

    def _keyword_hits(self, tokens: list[str]) -> dict[str, list[tuple[Keyword, frozenset[int]]]]:
        found = []
        candidates = {
            id(kw): (name, kw) for w in set(tokens) for name, kw in self._by_word.get(w, ())
        }
        for name, kw in candidates.values():
            span = keyword_span(tokens, kw)
            if span is not None:
                found.append((len(span), kw.weight, name, kw, span))
        found.sort(key=lambda f: (f[0], f[1]), reverse=True)
        accepted: list[tuple[str, frozenset[int]]] = []
        hits: dict[str, list[tuple[Keyword, frozenset[int]]]] = {}
        for _, _, name, kw, span in found:
            if any(span & taken for _, taken in accepted):
                continue  # each word is evidence once: the longest keyword containing it
            accepted.append((name, span))
            hits.setdefault(name, []).append((kw, span))
        return hits

    def evidence(self, norm: str) -> list[Evidence]:
        """Every intent with any evidence for the normalised utterance `norm`, best first."""
        phrases = self._phrase_scores(norm) if norm else {}
        keywords = self._keyword_hits([stem(w) for w in norm.split()])
        out = []
        for name in set(phrases) | set(keywords):
            p_score, p_text = phrases.get(name, (0.0, ""))
            kws = keywords.get(name, [])
            k_miss = 1.0
            for kw, _ in kws:
                k_miss *= 1 - kw.weight
            score = max(p_score, 1 - k_miss)
            covered = len(frozenset().union(*(span for _, span in kws)))
            out.append(Evidence(name, round(score, 4), p_score, p_text,
                                tuple(k.pattern for k, _ in kws), covered, 1 - k_miss))
        out.sort(key=lambda e: (e.score, e.intent == "emergency"), reverse=True)
        return out

    def match(self, text: str) -> Match:
        norm = normalize(text)
        ranked = tuple(self.evidence(norm))
        s = self.settings
        if not ranked or ranked[0].score < s.near_threshold:
            return Match(norm, NONE, _none_confidence(ranked), "none", ("nothing close",), ranked)
        emergency = next((e for e in ranked if e.intent == "emergency"), None)
        if emergency and _plausible_emergency(emergency, s):
            reasons = (*_explain(emergency), "emergency wins when plausible")
            return Match(norm, "emergency", emergency.score, "act", reasons, ranked)
        best = ranked[0]
        rival = next((e for e in ranked[1:] if e.intent != best.intent), None)
        confidence = best.score
        reasons = list(_explain(best))
        if rival and best.score - rival.score < s.ambiguity_margin:
            penalty = s.ambiguity_margin - (best.score - rival.score)
            confidence -= penalty
            reasons.append(f"ambiguous with {rival.intent} ({rival.score:.2f}): -{penalty:.2f}")
        confidence = round(max(0.0, min(1.0, confidence)), 3)
        if best.intent == NONE:
            reasons.append("closest to out-of-domain talk")
            return Match(norm, NONE, confidence, "none", tuple(reasons), ranked)
        decision: Decision = "act" if confidence >= s.act_threshold else "confirm"
        if best.intent == "emergency" and not _plausible_emergency(best, s):
            decision = "confirm"  # a phrase only roughly like an emergency: ask, don't alarm
        return Match(norm, best.intent, confidence, decision, tuple(reasons), ranked)


def _plausible_emergency(e: Evidence, s: MatcherSettings) -> bool:
    """Emergency wins ties, but only on real evidence: a keyword, or a close phrasing."""
    return e.keyword >= s.near_threshold or e.phrase >= s.emergency_phrase


def _explain(e: Evidence) -> tuple[str, ...]:
    out = []
    if e.phrase:
        out.append(f"phrase {e.phrase:.2f} ~ '{e.phrase_text}'")
    out.extend(f"keyword '{k}'" for k in e.keywords)
    return tuple(out)


def _none_confidence(ranked: Sequence[Evidence]) -> float:
    return round(1 - ranked[0].score, 3) if ranked else 1.0
