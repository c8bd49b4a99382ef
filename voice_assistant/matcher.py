"""Intent matching: from what the user said to one intent with an explainable confidence.

Two kinds of evidence are scored for every intent, each in 0..1:

- **phrase**: how close the whole utterance is to the intent's closest phrasing
  (rapidfuzz; the scorer was chosen by measurement, see `scripts/measure_matcher.py`);
- **keywords**: word sequences found anywhere in the utterance, combined as a noisy-or of
  their weights (two independent clues are stronger than one). Each word is evidence
  once: overlapping keywords are resolved longest first, so "dog walker" is not also "dog".

Two more signals help with what recognisers really write (see `scripts/measure_matcher.py`
for how each was chosen):

- **by sound**: words the domain does not know are respelled by how they sound
  (`phonetic.Respeller`: "locks myth" → locksmith, "spre" → spare); a keyword found only
  through a respelled word counts `phonetic_weight` of its weight;
- **learned**: a naive Bayes classifier over word and character n-grams (`ngram.NgramModel`),
  trained from the phrasings, keywords and chatter at start-up. It tempers the phrase evidence
  (`learned_weight`), so a sentence close to a phrasing by its letters but not by its words
  ("tell me the joke" ~ "tell me the code") counts for less.

An intent's score is the strongest of its evidence; an intent with `requires` keywords (data)
and none of them present is capped below `near_threshold`. An intent is *doubted* (capped at
`doubt_cap`: a "did you mean", never an act) when one of its `unless` keywords is present (talk
about the topic: news, a Wi-Fi password; one that covers a keyword only takes that keyword
away, "next door" from "next", and a strong keyword elsewhere still counts), or when its
only evidence is one-word `topics` keywords ("fire", "baby") in a sentence of three words or
more with none of its `situated` keywords (my, inside, help, now); a doubted emergency is
asked about rather than ignored. The step the guide is at is a prior: its `expects` intents
(data) get up to `expect_bonus` (less where the evidence is already strong, so a prior never
outweighs a clear request) and win ties;
the classifier alone, with no phrasing even near, stays at `learned_cap` (a "did you mean")
even with the prior, unless it is sure of the intent whose phrasing is also the closest of all
(`agree_*`: two independent signals agree, and the intent may act).
Ties are broken by a declared order, never by chance: emergency, then the step's expected
intents, then the order of SPEC §1 (`names.INTENTS`). The confidence is the best score less an
**ambiguity** penalty when a rival intent scores almost as high. The decision is `act`
(confidence ≥ `act_threshold`), `confirm` (a near miss: ask "did you mean …?") or `none`.
`emergency` wins whenever it is plausible (a keyword, or a close phrasing). `Match.decided_by`
names the evidence that decided.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from voice_assistant.data import Data, Intent, Keyword
from voice_assistant.names import INTENTS, NONE
from voice_assistant.ngram import NgramModel
from voice_assistant.phonetic import Respeller, sound
from voice_assistant.textnorm import FILLERS, normalize, stem, words

Decision = Literal["act", "confirm", "none"]
Scorer = Callable[..., float]
#: Words after which a leading "yes"/"no" no longer answers the step's question alone.
CONTRAST = frozenset({"but", "though", "although", "except", "however"})
#: a topic echoed before the answer: its keyword starts within the first ECHO_LEAD + 1 words
#: ("a spare?") and ends within the first ECHO_WORDS
ECHO_LEAD = 1
ECHO_WORDS = 3
#: words that start a question or a request ("..., but what's his number?")
QUESTION_WORDS = frozenset({
    "what", "how", "where", "when", "who", "why", "which", "can", "could", "should", "would",
    "will", "shall", "do", "does", "did", "is", "are", "tell", "give", "help", "call", "find",
    "get", "please"})


@dataclass(frozen=True)
class Evidence:
    intent: str
    score: float
    phrase: float
    phrase_text: str
    keywords: tuple[str, ...]
    covered: int = 0  # words of the utterance inside this intent's keywords
    keyword: float = 0.0  # the keywords' combined evidence
    learned: float = 0.0  # the n-gram classifier's probability
    by_sound: tuple[str, ...] = ()  # keywords found only through a respelled word
    expected: bool = False  # the step expects this intent (it got the step's bonus)
    gated: bool = False  # capped: none of the intent's `requires` keywords is present
    doubted: str = ""  # why it was capped at a "did you mean": an `unless` keyword, or unsituated

    @property
    def source(self) -> str:
        """Which evidence gave the score: keyword, keyword by sound, phrase or learned."""
        if self.keyword and self.keyword >= self.score - 1e-9 - (0.05 if self.expected else 0):
            return "keyword by sound" if self.by_sound and not _exact(self) else "keyword"
        if self.learned and abs(self.phrase - self.score) > 1e-3 and not self.expected:
            return "phrase + learned" if self.phrase > self.learned / 2 else "learned"
        return "phrase"


@dataclass(frozen=True)
class Match:
    """The matcher's answer for one utterance."""

    text: str  # normalised utterance
    intent: str  # best intent, or "none"
    confidence: float
    decision: Decision
    reasons: tuple[str, ...] = ()
    ranked: tuple[Evidence, ...] = field(default=(), repr=False)
    step: str | None = None  # the step the guide was at (the prior), if given
    decided_by: str = ""  # keyword | keyword by sound | phrase | learned | emergency rule | ...

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

    def in_domain(self, evidence_below: float) -> bool:
        """Any evidence for a real intent: a keyword, or a score from its phrasings (and the
        classifier) of at least `evidence_below`."""
        return any(e.intent != NONE and (e.keyword > 0 or e.score >= evidence_below)
                   for e in self.ranked)


@dataclass(frozen=True)
class MatcherSettings:
    act_threshold: float = 0.72
    near_threshold: float = 0.6
    #: a keyword this strong still counts beside an `unless` that explains away another one
    stands_alone: float = 0.8
    ambiguity_margin: float = 0.06  # rivals closer than this cost confidence
    emergency_phrase: float = 0.75  # phrase-only evidence that makes an emergency plausible
    emergency_outmatched: float = 0.2  # ... unless another intent's phrasing fits this much closer
    scorer: str = "blend"
    phonetic: bool = True  # respell unknown words by sound for the keywords
    phonetic_weight: float = 0.9  # a keyword heard only by sound counts this much
    learned: bool = True  # the n-gram classifier
    learned_weight: float = 0.3  # phrase evidence = (1 - w) * phrase + w * learned
    learned_cap: float = 0.7  # what the classifier alone can reach: a "did you mean", no act
    learned_raises: bool = False  # may the classifier raise phrase evidence, or only lower it
    gate_cap: float = 0.5  # the most an intent missing its `requires` keywords can score
    doubt_cap: float = 0.69  # the most a doubted intent can score: a "did you mean", no act
    priors: bool = True  # use the step's expected intents
    sound_answer: float = 0.8  # phrase evidence of a one-word answer the step expects, by sound
    #: Agreement: when the classifier is sure (≥ `agree_learned`) of the intent whose phrasing
    #: is also the closest of all (≥ `agree_phrase`), two independent signals agree and the
    #: intent may act (`agree_score`). 0 turns it off.
    agree_phrase: float = 0.4
    agree_learned: float = 0.98
    agree_score: float = 0.75


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
        for n in lengths:  # a slice past the end is shorter than n: not a match of length n
            if i + n <= len(tokens) and tuple(tokens[i : i + n]) in alts:
                return range(i, i + n)
    return None


def _find_end(tokens: Sequence[str], alts: frozenset[tuple[str, ...]], start: int) -> range | None:
    """Where one of `alts` ends the utterance (at or after `start`), the longest first."""
    for n in _lengths(alts):
        if len(tokens) - n >= start and tuple(tokens[len(tokens) - n:]) in alts:
            return range(len(tokens) - n, len(tokens))
    return None


def keyword_span(tokens: Sequence[str], kw: Keyword) -> frozenset[int] | None:
    """Token positions covered by `kw` in `tokens` (segments in order), or None."""
    covered: set[int] = set()
    pos = 0
    last = len(kw.segments) - 1
    for k, seg in enumerate(kw.segments):
        found = (_find_end(tokens, seg, pos) if kw.anchored_end and k == last
                 else _find(tokens, seg, pos))
        if found is None or (kw.anchored and pos == 0 and found.start != 0):
            return None
        covered.update(found)
        pos = found.stop
    return frozenset(covered)


class Matcher:
    def __init__(self, data: Data, settings: MatcherSettings | None = None) -> None:
        self.settings = s = settings or MatcherSettings()
        self._scorer = SCORERS.get(s.scorer, fuzz.ratio)
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
                for word in sorted({alt[0] for alt in kw.segments[0]}):
                    self._by_word.setdefault(word, []).append((intent.name, kw))
        self._order = {name: i for i, name in enumerate(INTENTS)}
        # one-word answers by sound ("know" for "no"), used only where the step expects them
        self._answer_sounds: dict[str, dict[str, str]] = {}
        for intent in data.intents.values():
            for phrase in intent.phrases:
                if " " not in phrase and (code := sound(phrase)):
                    self._answer_sounds.setdefault(intent.name, {}).setdefault(code, phrase)
        self._expects = {name: frozenset(st.expects) for name, st in data.guide.steps.items()}
        self._asks = {name: frozenset(st.asks_about) for name, st in data.guide.steps.items()}
        self._taken_back = {name: st.taken_back for name, st in data.guide.steps.items()}
        self._no_ends = frozenset(
            name for name, st in data.guide.steps.items() if st.transitions.get("no") == "end")
        self._only_expected = frozenset(
            name for name, st in data.guide.steps.items() if st.only_expected)
        self._bonus = data.guide.expect_bonus if s.priors else 0.0
        self._step_bonus = {
            name: (self._bonus if st.expect_bonus is None or not s.priors else st.expect_bonus)
            for name, st in data.guide.steps.items()
        }
        domain = _domain_words(data)
        self._respeller = Respeller(domain, _talk_words(data)) if s.phonetic else None
        self._model = NgramModel(_training_docs(data), INTENTS) if s.learned else None
        self._corrections = tuple(
            tuple(w) for w in (words(c) for c in data.guide.corrections) if w)
        #: one-word `leads_on` words ("okay", "alright", "sorry"): they may lead into an answer
        self._lead_words = frozenset(w[0] for w in leads_on(data) if len(w) == 1)

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
        for idx in np.argsort(-scores, kind="stable")[:60]:
            owner, score = self._owner[idx], float(scores[idx]) / 100
            if owner not in best:
                best[owner] = (score, self._choices[idx])
        return best

    def _keyword_hits(
        self, tokens: Sequence[str]
    ) -> dict[str, list[tuple[Keyword, frozenset[int]]]]:
        found = []
        candidates = {
            id(kw): (name, kw)
            for w in dict.fromkeys(tokens) for name, kw in self._by_word.get(w, ())
        }
        for name, kw in candidates.values():
            span = keyword_span(tokens, kw)
            if span is not None:
                found.append((len(span), kw.weight, name, kw, span))
        # longest first, then strongest, then a fixed order: never the order of a set
        found.sort(key=lambda f: (-f[0], -f[1], self._order[f[2]], f[3].pattern))
        accepted: list[tuple[str, frozenset[int]]] = []
        hits: dict[str, list[tuple[Keyword, frozenset[int]]]] = {}
        for _, _, name, kw, span in found:
            if any(span & taken for _, taken in accepted):
                continue  # each word is evidence once: the longest keyword containing it
            accepted.append((name, span))
            hits.setdefault(name, []).append((kw, span))
        return hits

    def evidence(self, norm: str, step: str | None = None) -> list[Evidence]:
        """Every intent with any evidence for the normalised utterance `norm`, best first."""
        s = self.settings
        phrases = self._phrase_scores(norm) if norm else {}
        tokens = norm.split()
        as_said = [stem(w) for w in tokens]  # as said: `unless` and `situated` words are not ours
        heard = self._respeller.respell(tokens) if self._respeller and tokens else None
        if heard is not None and heard.changes:
            tokens = list(heard.tokens)
        stems = [stem(w) for w in tokens]
        keywords = self._keyword_hits(stems)
        learned = self._learned(" ".join(tokens))
        expected = self._expects.get(step or "", frozenset())
        bonus = self._step_bonus.get(step or "", 0.0)
        if len(tokens) == 1 and s.phonetic:
            for name in expected:  # a yes/no step hears "know" as "no"
                said = self._answer_sounds.get(name, {}).get(sound(tokens[0]))
                if said and phrases.get(name, (0.0, ""))[0] < s.sound_answer:
                    phrases[name] = (s.sound_answer, said)
        # emergency phrasings are matched by letters alone (they win misheard): not a rival here
        top_phrase = max((v[0] for k, v in phrases.items() if k != "emergency"), default=0.0)
        out = []
        for name in INTENTS:
            if name not in phrases and name not in keywords and learned.get(name, 0) < 0.5:
                continue
            p_score, p_text = phrases.get(name, (0.0, ""))
            kws = keywords.get(name, [])
            k_miss = 1.0
            by_sound = []
            for kw, span in kws:
                w = kw.weight
                if heard is not None and span & heard.respelled:
                    w *= s.phonetic_weight
                    by_sound.append(kw.pattern)
                k_miss *= 1 - w
            q = learned.get(name, 0.0) if len(tokens) > 2 else 0.0  # a sentence, not a word
            phrase_part = p_score
            if self._model is not None and p_score and name != NONE and len(tokens) > 2:
                # an exact phrasing stands; the further from one, the more the classifier counts
                w = s.learned_weight * min(1.0, (1 - p_score) * 5)
                phrase_part = (1 - w) * p_score + w * q
                if not s.learned_raises:
                    phrase_part = min(p_score, phrase_part)
            score = max(phrase_part, 1 - k_miss, q * s.learned_cap)
            agreed = (s.agree_phrase and name != NONE and q >= s.agree_learned
                      and p_score >= s.agree_phrase and p_score >= top_phrase)
            if agreed:
                score = max(score, s.agree_score)
            gated = bool(self._intents[name].requires) if name != NONE else False
            if gated and any(keyword_span(stems, r) is not None
                             for r in self._intents[name].requires):
                gated = False
            if gated:
                score = min(score, s.gate_cap)
            is_expected = name in expected and score > 0 and s.priors
            if is_expected:  # a prior counts most where the evidence is weak
                learned_only = (not kws and not agreed and q * s.learned_cap >= phrase_part
                                and p_score < s.near_threshold)
                score = min(1.0, score + min(bonus, bonus * 4 * (1 - score)))
                if learned_only:  # the classifier alone stays a "did you mean", prior or not
                    score = min(score, s.learned_cap)
            # below a near miss a doubt changes nothing (and costs time): only check above it,
            # and always for an emergency, which a close phrasing alone makes plausible
            doubted = (self._doubt(name, (stems, as_said), kws, phrase_part)
                       if score >= s.near_threshold or name == "emergency" else "")
            if doubted:  # after the prior: a step's expectation never turns talk into an act
                score = min(score, s.doubt_cap)
            covered = len(frozenset().union(*(span for _, span in kws)))
            out.append(Evidence(name, round(score, 4), p_score, p_text,
                                tuple(k.pattern for k, _ in kws), covered, 1 - k_miss,
                                round(q, 4), tuple(by_sound), is_expected, gated, doubted))
        out.sort(key=lambda e: (-e.score, e.intent != "emergency", not e.expected,
                                self._order[e.intent]))
        return out

    def _doubt(self, name: str, texts: tuple[Sequence[str], Sequence[str]],
               kws: Sequence[tuple[Keyword, frozenset[int]]], phrase: float) -> str:
        """Why `name` may only be asked about, not acted on (empty: it may act). Data decides:
        an `unless` keyword (talk about the topic: news, a drill, a Wi-Fi password), or
        evidence from one-word keywords alone without any of the `situated` keywords."""
        if name == NONE:
            return ""
        intent = self._intents[name]
        strong = self.settings.stands_alone  # keywords that could decide on their own
        standing = {k.pattern: span for k, span in kws if k.weight >= strong}
        doubts = []
        for kw in intent.unless:  # in the words as said or as respelled
            spans = [sp for t in texts if (sp := keyword_span(t, kw)) is not None
                     and not _taken_back_by_contrast(t, sp, kws)]
            if not spans:
                continue
            doubts.append(kw.pattern)
            # an `unless` over a keyword is another sense of it ("next door" is not "next"):
            # that keyword no longer counts, a strong one elsewhere still does ("... next
            # door. continue"); one over no keyword is the talk around them (news, a drill)
            # and doubts the intent whatever else is said
            if not any(sp & spans[0] for _, sp in kws):
                return f"unless '{kw.pattern}'"
            over = {p for p, sp in standing.items() if sp & spans[0]}
            for p in over:
                del standing[p]
        if doubts and not standing:
            return f"unless '{doubts[0]}'"
        if (intent.situated and kws and phrase < self.settings.act_threshold
                and len(texts[0]) > 2  # "fire!", "gas, help": the word is the whole message
                and all(len(span) == 1 and (not intent.topics or
                                            texts[0][min(span)] in intent.topics)
                        for _, span in kws)
                and not any(keyword_span(t, kw) is not None
                            for kw in intent.situated for t in texts)):
            return "a topic word alone, not situated"
        return ""

    def _answer(self, norm: str, ranked: tuple[Evidence, ...],
                step: str | None) -> tuple[Evidence, str] | None:
        """At a step that asks a yes/no question about a topic (its `asks_about`: the spare
        key at the first step, the window at the window step), an utterance that answers it
        is the answer, the topic said again being the reason, not a new request:
        - one that starts with the answer ("no, nobody has a spare", "yes it did, the side
          window was open"), or says an outcome strongly enough to act on ("the office is
          closed, nobody answered");
        - after a contrast, only what follows it counts: "no, but my neighbour has a spare"
          is about the topic, "my sister has one but she's away, so no" is the answer; when
          nothing of ours follows it, a no said first stays the answer ("no, no spare here,
          my sister's got one but she's up at the cabin"); and
          the topic said, then taken back with nothing after the contrast that is ours ("my
          sister has one, but she's in Spain"), is the step's `taken_back` answer.
        Returns the answer's evidence and why."""
        topic = ranked[0]
        if not step or topic.intent not in self._asks.get(step, frozenset()):
            return None
        if not {"yes", "no"} <= self._expects.get(step, frozenset()):
            return None
        answers = {e.intent: e for e in ranked if e.intent in ("yes", "no") and e.keywords}
        why = f"an answer to the {step} question, its topic said again"
        tokens = norm.split()
        cut = _last_contrast(tokens)
        if cut >= 0:
            tail = tokens[cut + 1:]
            said = set(self._keyword_hits([stem(w) for w in tail])) - {NONE}
            after = [answers[name] for name in ("yes", "no") if name in said and name in answers]
            if "no" in said and "no" not in answers:  # a no that starts the tail read alone:
                # "sorry, but no, I don't believe anyone holds a spare" (a yes there may only
                # lead on: "but sure she's away")
                after.append(_as_answer("no", ranked, topic.score))
            if after:
                return (after[0], why) if len(after) == 1 else None
            # a yes or no only in the tail read alone is a word like "sure" ("but sure she's
            # away"), not an answer; a question after the contrast is a request, not a retreat
            said -= {"yes", "no"}
            if said or not tail or tail[0] in QUESTION_WORDS:
                return None
            # the answer no said first, the contrast only its reason: "no, no spare key
            # around here, my sister's got one but she's up at the cabin"
            first_no = answers.get("no")
            if (first_no is not None and not first_no.doubted
                    and any(k.startswith("^") for k in first_no.keywords)):
                return first_no, why
            taken = self._taken_back.get(step, "")
            before = set(self._keyword_hits([stem(w) for w in tokens[:cut]]))
            if not taken or topic.intent not in before:
                return None
            return (_as_answer(taken, ranked, topic.score),
                    f"{topic.intent} said, then taken back by a contrast: {taken}")
        if (led := self._led_answer(tokens, topic, ranked)) is not None:
            return led, f"an answer to the {step} question, after words that lead into it"
        sure = [e for e in answers.values() if not e.doubted
                and (any(k.startswith("^") for k in e.keywords)
                     or e.score >= self.settings.act_threshold)]
        if len(sure) == 2:
            sure = _without_tag(sure)
        return (sure[0], why) if len(sure) == 1 else None

    def _led_answer(self, tokens: Sequence[str], topic: Evidence,
                ranked: tuple[Evidence, ...]) -> Evidence | None:
        """The answer that starts after words that only lead into it: the question's topic
        said back as a question ("a spare? no, no, my wife kept all that"), acknowledgements
        ("alright, alright, no ma'am, the back door's bolted"; the guide's `leads_on` words),
        or both. What follows them must start with a yes or a no (not both)."""
        start = 0
        while start < len(tokens) - 1 and tokens[start] in self._lead_words:
            start += 1
        stems = [stem(w) for w in tokens]
        spans = [span for _, span in self._keyword_hits(stems[start:]).get(topic.intent, [])]
        first = min(spans, key=min) if spans else frozenset()
        if first and min(first) <= ECHO_LEAD and max(first) + 1 <= ECHO_WORDS:
            start += max(first) + 1  # the topic echoed: "a spare?"
        if start == 0 or start >= len(tokens):
            return None
        said = self._keyword_hits(stems[start:])
        lead = [name for name in ("yes", "no")
                if any(kw.pattern.startswith("^") for kw, _ in said.get(name, []))]
        if len(lead) != 1 or any(e.intent == lead[0] and e.doubted for e in ranked):
            return None  # one answer, not taken back ("okay, no drilling": no answer)
        return _as_answer(lead[0], ranked, topic.score)

    def _no_that_ends(self, ranked: tuple[Evidence, ...], step: str | None) -> Evidence | None:
        """Where the step's `no` ends the session (the locksmith's "want tips?", the tips), a
        stop that starts with a no ("no, that's enough, thank you", "nah I'm good, bye") is
        that answer: the same goodbye, and the question answered."""
        if ranked[0].intent != "stop" or step not in self._no_ends:
            return None
        said = next((e for e in ranked if e.intent == "no"), None)
        if said is None or said.doubted or not any(k.startswith("^") for k in said.keywords):
            return None
        return replace(said, score=max(said.score, ranked[0].score))

    def _opener(self, ranked: tuple[Evidence, ...], step: str | None) -> Evidence | None:
        """At a step where only the expected intents matter (asleep: the openers), the best of
        them when a topic that cannot act here ranks above it and it would act on its own:
        not doubted, and clear of the out-of-domain score by the ambiguity margin."""
        if step not in self._only_expected or ranked[0].intent == NONE:
            return None
        expected = self._expects[step]
        if ranked[0].intent in expected:
            return None
        s = self.settings
        best = next((e for e in ranked if e.intent in expected), None)
        if best is None or best.doubted or best.score < s.act_threshold:
            return None
        rival = next((e.score for e in ranked
                      if e is not best and (e.intent in expected or e.intent == NONE)), 0.0)
        if best.score - _ambiguity_penalty(best.score, rival, s) < s.act_threshold:
            return None
        return best

    def _learned(self, text: str) -> dict[str, float]:
        if self._model is None or not text:
            return {}
        probs = self._model.probabilities(text)
        return {label: float(p) for label, p in zip(self._model.labels, probs, strict=True)
                if p >= 0.01}

    def match(self, text: str, step: str | None = None) -> Match:
        """The best intent for `text`; `step` (the guide's current step) is a prior.

        A self-correction ("the landlord, no, I mean a locksmith") is matched on what follows
        it, unless the whole turn is an emergency or what follows is not understood alone."""
        whole = self._match(normalize(text), step)
        rest = correction(text, self._corrections)
        if rest is None or whole.intent == "emergency":
            return whole
        fixed = self._match(rest, step)
        if fixed.intent == NONE or (whole.acted and not fixed.acted):
            return whole
        return replace(fixed, reasons=(*fixed.reasons, f"taken back: only {rest!r} counts"),
                       decided_by=f"{fixed.decided_by} + self-correction")

    def _match(self, norm: str, step: str | None) -> Match:
        ranked = tuple(self.evidence(norm, step))
        s = self.settings
        if not ranked or ranked[0].score < s.near_threshold:
            return Match(norm, NONE, _none_confidence(ranked), "none", ("nothing close",),
                         ranked, step, "nothing close")
        emergency = next((e for e in ranked if e.intent == "emergency"), None)
        if emergency and _plausible_emergency(emergency, s) and not _outmatched(emergency,
                                                                                ranked, s):
            reasons = (*_explain(emergency), "emergency wins when plausible")
            return Match(norm, "emergency", emergency.score, "act", reasons, ranked, step,
                         "emergency rule")
        best = ranked[0]
        if (said_no := self._no_that_ends(ranked, step)) is not None:
            ranked = (said_no, *(e for e in ranked if e is not said_no))
            best = said_no
        answered = self._answer(norm, ranked, step)
        answer = answered[0] if answered else None
        if answer is not None:  # "no, every window is shut" at the window step: an answer
            topic = self._asks[step or ""]
            ranked = (answer, *(e for e in ranked if e.intent != answer.intent
                                and e.intent not in topic))
            best = answer
        opener = self._opener(ranked, step)
        if opener is not None:  # asleep: an opener that acts on its own outranks a topic
            ranked = (opener, *(e for e in ranked if e is not opener))
            best = opener
            reasons_extra = (f"asleep: only {', '.join(sorted(self._expects[step or '']))} "
                             f"matter, {ranked[1].intent} ({ranked[1].score:.2f}) set aside",)
        else:
            reasons_extra = ()
        rival = next((e for e in ranked[1:] if e.intent != best.intent
                      and (opener is None or e.intent in self._expects[step or ""]
                           or e.intent == NONE)), None)
        confidence = best.score
        reasons = [*_explain(best), *reasons_extra]
        decided_by = best.source
        if opener is not None:
            decided_by = f"{decided_by} + asleep, openers only"
        if said_no is not None:
            reasons.append(f"a stop that starts with a no: the answer, which ends {step} too")
            decided_by = f"{decided_by} + a no that ends the session here"
        if answered is not None:
            reasons.append(answered[1])
            decided_by = f"{decided_by} + answer to the step's question"
        prior_won = rival and best.expected and not rival.expected
        bonus = self._step_bonus.get(step or "", 0.0)
        if prior_won and rival and best.score - bonus <= rival.score + 1e-9:
            decided_by = f"{decided_by} + step prior"
        elif rival and best.score == rival.score:
            decided_by = f"{decided_by} + tie order"
        if rival and (penalty := _ambiguity_penalty(best.score, rival.score, s)) > 0:
            confidence -= penalty
            reasons.append(f"ambiguous with {rival.intent} ({rival.score:.2f}): -{penalty:.2f}")
        confidence = round(max(0.0, min(1.0, confidence)), 3)
        if best.intent == NONE and (asked := _ask_emergency(norm, emergency, ranked, step, s)):
            return asked
        if best.intent == NONE:
            reasons.append("closest to out-of-domain talk")
            return Match(norm, NONE, confidence, "none", tuple(reasons), ranked, step, decided_by)
        decision: Decision = "act" if confidence >= s.act_threshold else "confirm"
        if best.intent == "emergency" and not _plausible_emergency(best, s):
            decision = "confirm"  # a phrase only roughly like an emergency: ask, don't alarm
        if decision != "act" and (asked := _ask_emergency(norm, emergency, ranked, step, s)):
            return asked
        return Match(norm, best.intent, confidence, decision, tuple(reasons), ranked, step,
                     decided_by)


def leads_on(data: Data) -> tuple[list[str], ...]:
    """guide.yaml's `leads_on` words ("wait", "okay", "hang on"), normalised as utterances are."""
    return tuple(w for w in (normalize(x).split() for x in data.guide.leads_on) if w)


def _as_answer(name: str, ranked: Sequence[Evidence], score: float) -> Evidence:
    """`name`'s evidence (or none yet) standing in for the topic it answers, at its score."""
    like = next((e for e in ranked if e.intent == name), None)
    return replace(like or Evidence(name, 0.0, 0.0, "", ()), score=score, expected=True)


def correction(text: str, markers: Sequence[Sequence[str]]) -> str | None:
    """What follows the last self-correction marker in `text` (normalised), when the marker
    follows other words and more follows it ("yes, no, sorry, no, she's away" → "no she is
    away"); else None. Markers are compared on the words as said, fillers included."""
    said = words(text)
    meant = [w not in FILLERS for w in said]
    cut = None
    for marker in markers:
        n = len(marker)
        for i in range(1, len(said) - n):
            if (tuple(said[i:i + n]) == tuple(marker) and any(meant[:i])
                    and any(meant[i + n:]) and (cut is None or i + n > cut)):
                cut = i + n
    return None if cut is None else normalize(" ".join(said[cut:]))


def _domain_words(data: Data) -> set[str]:
    """Every word of the phrasings and keyword alternatives (as written, not stemmed)."""
    out: set[str] = set()
    for intent in data.intents.values():
        if intent.name == NONE:
            continue
        for phrase in intent.phrases:
            out.update(phrase.split())
        for kw in (*intent.keywords, *intent.requires):
            out.update(w for seg in kw.pattern.lstrip("^").rstrip("$").split("...")
                       for w in normalize(seg.replace("(", " ").replace(")", " ")
                                          .replace("|", " ")).split())
    return out


def _talk_words(data: Data) -> set[str]:
    """Words of everyday talk (chatter and `none`'s phrasings and keywords): known words,
    never respelled into a domain word ("the lift is broken" is not "left")."""
    talk = data.intents[NONE]  # always there (data.load adds an empty one if unwritten)
    return ({w for line in data.chatter for w in words(line)}
            | {w for phrase in talk.phrases for w in phrase.split()}
            | {w for kw in talk.keywords for seg in kw.segments for alt in seg for w in alt})


def _training_docs(data: Data) -> list[tuple[str, str]]:
    """What the classifier learns from: phrasings, keyword alternatives (not `none`'s), and
    chatter as none."""
    docs = [(i.name, p) for i in data.intents.values() for p in i.phrases]
    for intent in data.intents.values():
        if intent.name == NONE:  # its keywords expand to many made-up lines ("yes dad",
            continue  # "alright babe") that would teach it everyday answers; chatter teaches it
        for kw in intent.keywords:
            docs.extend((intent.name, " ".join(alt)) for seg in kw.segments for alt in seg)
    docs.extend((NONE, normalize(line)) for line in data.chatter)
    return docs


def _without_tag(sure: list[Evidence]) -> list[Evidence]:
    """A yes that is only a tag at the end ("it's locked up tight, yeah") after a no said as an
    outcome is no answer of its own: the no. Not after a no said first ("nah, yeah" is a
    yes), which is left undecided."""
    by = {e.intent: e for e in sure}
    yes, no = by.get("yes"), by.get("no")
    if (yes is None or no is None or not all(k.endswith("$") for k in yes.keywords)
            or any(k.startswith("^") or k.endswith("$") for k in no.keywords)):
        return sure
    return [no]


def _taken_back_by_contrast(tokens: Sequence[str], span: frozenset[int],
                            kws: Sequence[tuple[Keyword, frozenset[int]]]) -> bool:
    """An `unless` said before a contrast that a keyword follows does not hold: "the gas is
    off now, but my kid is still inside" is an emergency again."""
    cut = _last_contrast(tokens)
    return cut > max(span) and any(min(sp) > cut for _, sp in kws)


def _last_contrast(tokens: Sequence[str]) -> int:
    """Where the last contrast word ("but", "though" ...) is, or -1: what follows it counts."""
    return max((i for i, w in enumerate(tokens) if w in CONTRAST), default=-1)


def _ambiguity_penalty(best: float, rival: float, s: MatcherSettings) -> float:
    """What a rival scoring within the ambiguity margin of the best costs its confidence."""
    return max(0.0, s.ambiguity_margin - (best - rival))


def _exact(e: Evidence) -> bool:
    return len(e.by_sound) < len(e.keywords)


def _ask_emergency(norm: str, e: Evidence | None, ranked: tuple[Evidence, ...],
                   step: str | None, s: MatcherSettings) -> Match | None:
    """An emergency in doubt (news, a drill, a bare "baby") that would otherwise be plausible
    is asked about ("did you mean an emergency?") rather than ignored when nothing else acts.
    Asleep, the guide stays silent on a question, so only a running session asks."""
    if e is None or not e.doubted or not _plausible_emergency(replace(e, doubted=""), s):
        return None
    reasons = (*_explain(e), "emergency in doubt: asked, not ignored")
    return Match(norm, "emergency", min(e.score, s.doubt_cap), "confirm", reasons, ranked, step,
                 "emergency rule (in doubt)")


def _plausible_emergency(e: Evidence, s: MatcherSettings) -> bool:
    """Emergency wins ties, but only on real evidence: a keyword, or a close phrasing."""
    return not e.gated and not e.doubted and (e.keyword >= s.near_threshold
                                              or e.phrase >= s.emergency_phrase)


def _outmatched(e: Evidence, ranked: Sequence[Evidence], s: MatcherSettings) -> bool:
    """An emergency plausible only by its letters ("call the super" is 0.76 like "call the
    police") is not one when another request's phrasing fits clearly better (1.00)."""
    return e.keyword < s.near_threshold and any(
        o.phrase >= e.phrase + s.emergency_outmatched for o in ranked
        if o.intent not in ("emergency", NONE))


def _explain(e: Evidence) -> tuple[str, ...]:
    out = []
    if e.phrase:
        out.append(f"phrase {e.phrase:.2f} ~ '{e.phrase_text}'")
    out.extend(f"keyword '{k}'" + (" (by sound)" if k in e.by_sound else "") for k in e.keywords)
    if e.learned >= 0.5:
        out.append(f"learned {e.learned:.2f}")
    if e.gated:
        out.append("none of its required words")
    if e.doubted:
        out.append(f"doubted: {e.doubted}")
    if e.expected:
        out.append("expected at this step")
    return tuple(out)


def _none_confidence(ranked: Sequence[Evidence]) -> float:
    return round(1 - ranked[0].score, 3) if ranked else 1.0
