"""Load and validate the assistant's data (`intents/<lang>/*.yaml`) into frozen dataclasses.

Everything is checked once, at load: an unknown intent or step name, a missing transition or
an empty reply is a mistake, one line naming the file and the key. All the mistakes in the
files are reported together (`DataError.problems`), not only the first.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from voice_assistant import locations
from voice_assistant.names import INTENTS, NONE, STEPS, TIP_INTENTS
from voice_assistant.problems import Invalid, Problems
from voice_assistant.textnorm import FILLERS, normalize, spoken_form, stem, words

#: `intents/`: inside the installed package, or the checkout's (see `locations`)
DATA_DIR = locations.intents_dir()
DEFAULT_LANG = "en"

#: Special transition targets besides step names.
TARGETS = frozenset(STEPS) | {"stay", "previous", "next_tip"}
#: The most texts one stretch of a keyword (between `...` gaps) may stand for: its texts go
#: into the speech engines' language model, and a product of long groups swamps it.
MAX_TEXTS = 1000
_GROUP = re.compile(r"\(([^()]*)\)")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present
    """YAML 1.2 booleans: only true/false, so `yes:` and `no:` stay the intent names."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class DataError(Invalid):
    """The data files are invalid; each of its `problems` is one line naming the file and
    the key."""


@dataclass(frozen=True)
class Keyword:
    """A word sequence that is evidence for an intent, e.g. ``(kid|dog) ... inside``.

    `segments` are matched in order with any words between them; each segment is a set of
    alternative word sequences, stemmed (see `textnorm.stem`). A pattern starting with `^`
    only matches at the start of the utterance, one ending with `$` only at its end.
    """

    pattern: str
    weight: float
    segments: tuple[frozenset[tuple[str, ...]], ...]
    anchored: bool = False
    anchored_end: bool = False  # a pattern ending in `$` only matches at the utterance's end


@dataclass(frozen=True)
class Intent:
    name: str
    phrases: tuple[str, ...]  # normalised
    keywords: tuple[Keyword, ...]
    spoken: tuple[str, ...] = ()  # the phrases as a recogniser writes them (see spoken_form)
    #: the intent is only possible when one of these keywords is present (e.g. `unlock` needs
    #: a code, a hidden key or an opening word); empty: always possible
    requires: tuple[Keyword, ...] = ()
    #: the intent is doubted (asked about, never acted on) when one of these is present:
    #: talk *about* the topic rather than a request, e.g. news, a drill, a Wi-Fi password
    unless: tuple[Keyword, ...] = ()
    #: evidence from one-word `topics` keywords alone ("fire", "baby") counts only when one of
    #: these places the sentence here and now (my, inside, a call for help); else doubted
    situated: tuple[Keyword, ...] = ()
    topics: frozenset[str] = frozenset()  # stemmed words; empty: every one-word keyword
    #: patterns of the `misheard` keywords (a word as a recogniser mis-writes it: "cold" for
    #: code): evidence like any keyword, but not what users say, so not in `speech_corpus`
    misheard: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Step:
    name: str
    say: tuple[str, ...]
    question: str
    reprompt: str
    help: str
    transitions: dict[str, str]  # intent (yes/no/next) -> target
    contact: str = ""
    question_last: str = ""
    stay: str = ""
    expects: tuple[str, ...] = ()  # intents likely after this step's question (a prior)
    expect_bonus: float | None = None  # this step's bonus for them (None: the guide's)
    #: the intents the step's yes/no question is about ("does someone have a spare key?"):
    #: said again after a leading "no" or "yes" they are the answer's reason, not a request
    asks_about: tuple[str, ...] = ()
    #: asleep, only the expected intents (the openers) matter: one that acts on its own
    #: evidence is taken even when another topic scores higher ("my keys are inside, should I
    #: call a locksmith" opens a session rather than being a locksmith question to ignore)
    only_expected: bool = False
    #: the answer a topic of `asks_about` means when a contrast takes it back and nothing
    #: after the contrast answers ("my sister has one, but she's in Spain" is a no)
    taken_back: str = ""


@dataclass(frozen=True)
class LetGo:
    """When a session started by mistake is let go: after `after` not-understood turns in a
    row, each without in-domain evidence (no keyword of any intent, and no intent scoring
    `evidence_below` or more from its phrasings), it says `replies.let_go` and ends the
    session. A session already under way (the person has answered a question: the guide has
    moved on from its first step) is real, and is let go only after `after_answered` such
    turns ("Darlene, where you at?" then "there she is, she pulled in" is not a false start).
    At the steps in `under_way_at` (an emergency: the person is on the phone to the
    emergency services) a session counts as under way from its first turn."""

    after: int = 2
    evidence_below: float = 0.55
    after_answered: int = 4
    under_way_at: tuple[str, ...] = ("emergency",)


@dataclass(frozen=True)
class Rules:
    """Which intents do what whatever the step (`rules:` in guide.yaml)."""

    wake: tuple[str, ...]  # start a session while asleep
    restart: tuple[str, ...]  # start again at the first step
    reply: tuple[str, ...]  # answered by the reply of the same name, then the question again
    early: tuple[str, ...]  # complete answers: the loop may take them before the full silence
    act_when_near: tuple[str, ...]  # a near miss is acted on, not asked about


#: The rules guide.yaml must give (`rules:`), in that order.
RULES = ("wake", "restart", "reply", "early", "act_when_near")


@dataclass(frozen=True)
class GuideData:
    """What guide.yaml says: the steps, tips, replies and intent labels (`guide.Guide` is the
    state machine that follows them)."""

    steps: dict[str, Step]
    tips: tuple[tuple[str, str], ...]  # (tip intent, text), in order
    replies: dict[str, str]
    labels: dict[str, str]
    rules: Rules
    expect_bonus: float = 0.0  # added to the evidence of the step's expected intents
    let_go: LetGo = LetGo()
    leads_on: tuple[str, ...] = ()  # words after which a pause is not the end of a turn
    #: words that take back what was just said ("the landlord, no, I mean a locksmith"):
    #: after one, what follows is the request (see matcher.correction)
    corrections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Data:
    intents: dict[str, Intent]
    guide: GuideData  # guide.yaml
    source: Path
    chatter: tuple[str, ...] = ()  # everyday talk that is not for us (see chatter.txt)

    def speech_corpus(self) -> list[str]:
        """What users say, as a recogniser writes it: every phrasing, and every keyword
        alternative (each `...` segment on its own). The speech engines' domain language
        model, grammar and vocabulary are generated from this."""
        out: list[str] = []
        for intent in self.intents.values():
            out.extend(intent.spoken)
            if intent.name == NONE:  # its keywords are patterns of chatter, not what users say
                continue
            for kw in intent.keywords:
                if kw.pattern in intent.misheard:
                    continue
                for segment in kw.pattern.lstrip("^").rstrip("$").split("..."):
                    out.extend(_spoken_alternatives(segment))
        return list(dict.fromkeys(s for s in out if s))

    def vocabulary(self) -> list[str]:
        """Every word of `speech_corpus`, sorted."""
        return sorted({w for line in self.speech_corpus() for w in line.split()})


def _alternatives(segment: str) -> Iterator[str]:
    """Every text a keyword segment stands for: "(kid|dog) inside" → "kid inside", …"""
    parts = _GROUP.split(segment)  # even indices: literal text; odd: "a|b|c"
    choices = [part.split("|") if i % 2 else [part] for i, part in enumerate(parts)]
    for combo in itertools.product(*choices):
        yield " ".join(combo)


def _spoken_alternatives(segment: str) -> list[str]:
    return [spoken_form(text) for text in _alternatives(segment)]


def _fail(path: Path, key: str, why: str) -> DataError:
    return DataError(f"{path}: {key}: {why}")


def _expand(segment: str) -> frozenset[tuple[str, ...]]:
    alts = set()
    for text in _alternatives(segment):
        tokens = tuple(stem(w) for w in normalize(text).split())
        if tokens:
            alts.add(tokens)
    return frozenset(alts)


def _keyword(path: Path, key: str, pattern: Any, weight: Any) -> Keyword:
    if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 < weight <= 1:
        raise _fail(path, key, f"keyword weight must be a number in (0, 1], got {weight!r}")
    text = str(pattern).strip()
    if re.search(r"\([^)]*\(", text) or text.count("(") != text.count(")"):
        raise _fail(path, key, "keyword groups cannot nest: write (on his own|on her own)")
    if re.search(r"[?*+\[\]{}\\]", text):
        raise _fail(path, key, "keywords are not regular expressions: write (ok |)stop for "
                               "an optional word")
    for group in _GROUP.findall(text):
        alts = [a.strip() for a in group.split("|")]
        dropped = [a for a in alts if a and not set(words(a)) - FILLERS]
        if "" not in alts and dropped:
            fillers = ", ".join(repr(a) for a in dropped)
            raise _fail(path, key, f"{fillers} in ({group}) is dropped before matching (a "
                                   "filler), so the group is optional: write (...|) if meant")
    anchored, anchored_end = text.startswith("^"), text.endswith("$")
    stretches = text.lstrip("^").rstrip("$").split("...")
    for seg in stretches:
        texts = math.prod(len(g.split("|")) for g in _GROUP.findall(seg))
        if texts > MAX_TEXTS:  # each text is a line of the speech engines' language model
            raise _fail(path, key, f"one stretch of this keyword stands for {texts} texts "
                                   f"(at most {MAX_TEXTS}): split it with ... gaps or "
                                   "shorten its groups")
    segments = tuple(_expand(seg) for seg in stretches)
    if not segments or not all(segments):
        raise _fail(path, key, "keyword is empty")
    return Keyword(text, float(weight), segments, anchored, anchored_end)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        raise DataError(f"{path}: {where}: invalid YAML") from None
    if not isinstance(doc, dict):
        raise DataError(f"{path}: top level must be a mapping")
    return doc


def _mapping(path: Path, key: str, value: Any) -> dict[Any, Any]:
    """`value` if it is a mapping (None: an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, key, "must be a mapping (key: value lines)")
    return value


def _sequence(path: Path, key: str, value: Any) -> list[Any]:
    """`value` if it is a list (None: an empty one)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(path, key, "must be a list (- item lines)")
    return value


def _load_intents(path: Path, problems: Problems) -> dict[str, Intent]:
    raw = _load_yaml(path).get("intents")
    if not isinstance(raw, dict):
        raise _fail(path, "intents", "missing or not a mapping")
    intents: dict[str, Intent] = {}
    for name, body in raw.items():
        with problems.each():
            intents[str(name)] = _intent(path, str(name), body, problems)
    for name in INTENTS:
        if name != "none" and name not in raw:
            problems.add(str(_fail(path, f"intents.{name}", "missing")))
    intents.setdefault("none", Intent("none", (), ()))
    return intents


def _intent(path: Path, name: str, body: Any, problems: Problems) -> Intent:
    key = f"intents.{name}"
    if name not in INTENTS:
        raise _fail(path, key, "unknown intent name")
    body = _mapping(path, key, body)
    written: list[Any] = []
    with problems.each():
        written = _sequence(path, f"{key}.phrases", body.get("phrases"))
    phrases = tuple(dict.fromkeys(normalize(str(p)) for p in written))
    if name != "none" and not phrases:
        problems.add(str(_fail(path, f"{key}.phrases", "no phrasings")))
    if any(not p for p in phrases):
        problems.add(str(_fail(path, f"{key}.phrases", "an empty phrasing")))
    kws: list[Keyword] = []
    misheard: list[str] = []
    for field in ("keywords", "misheard"):
        with problems.each():
            for pat, w in _mapping(path, f"{key}.{field}", body.get(field)).items():
                with problems.each():
                    kws.append(_keyword(path, f"{key}.{field}.{pat}", pat, w))
                    if field == "misheard":
                        misheard.append(kws[-1].pattern)
    lists: dict[str, list[Keyword]] = {}
    for field in ("requires", "unless", "situated", "topics"):
        lists[field] = []
        with problems.each():
            for pat in _sequence(path, f"{key}.{field}", body.get(field)):
                with problems.each():
                    lists[field].append(_keyword(path, f"{key}.{field}.{pat}", pat, 1.0))
    topics = frozenset(alt[0] for kw in lists["topics"] for seg in kw.segments
                       for alt in seg if len(alt) == 1)
    spoken = tuple(dict.fromkeys(spoken_form(str(p)) for p in written))
    return Intent(name, phrases, tuple(kws), spoken, tuple(lists["requires"]),
                  tuple(lists["unless"]), tuple(lists["situated"]), topics, frozenset(misheard))


def _text(path: Path, key: str, value: Any, *, required: bool = True) -> str:
    if isinstance(value, dict | list):
        raise _fail(path, key, "must be text, not a mapping or a list")
    text = " ".join(str(value).split()) if value is not None else ""
    if required and not text:
        raise _fail(path, key, "empty reply")
    return text


#: Replies the guide needs (`replies:` in guide.yaml).
#: (Besides these, one per intent of `rules.reply`.)
NEEDED_REPLIES = ("got_in", "prevention_intro", "didnt_catch", "did_you_mean", "confirm_no",
                  "back_first", "help_more", "let_go")


def _load_guide(path: Path, problems: Problems) -> GuideData:
    doc = _load_yaml(path)
    steps: dict[str, Step] = {}
    with problems.each():
        raw_steps = doc.get("steps")
        if not isinstance(raw_steps, dict):
            raise _fail(path, "steps", "missing or not a mapping")
        for name, body in raw_steps.items():
            with problems.each():
                steps[str(name)] = _step(path, str(name), body, problems)
        for name in STEPS:
            if name not in raw_steps:
                problems.add(str(_fail(path, f"steps.{name}", "missing")))
    tips: list[tuple[str, str]] = []
    with problems.each():
        raw_tips = _mapping(path, "tips", doc.get("tips"))
        if list(raw_tips) != list(TIP_INTENTS):
            problems.add(str(_fail(path, "tips", f"must list exactly {', '.join(TIP_INTENTS)} "
                                                 "in that order")))
        for k, v in raw_tips.items():
            with problems.each():
                tips.append((str(k), _text(path, f"tips.{k}", v)))
    replies = _texts(path, "replies", doc.get("replies"), problems)
    rules = Rules((), (), (), (), ())
    with problems.each():
        rules = _rules(path, doc.get("rules"), problems)
    for needed in (*NEEDED_REPLIES, *rules.reply):
        if needed not in replies:  # (an empty one is reported once: the same line)
            problems.add(str(_fail(path, f"replies.{needed}", "empty reply")))
    labels = _texts(path, "labels", doc.get("labels"), problems)
    for intent in INTENTS:
        if intent != "none" and intent not in (doc.get("labels") or {}):
            problems.add(str(_fail(path, f"labels.{intent}", "missing")))
    bonus: float | None = 0.0
    let_go = LetGo()
    with problems.each():
        bonus = _bonus(path, "expect_bonus", doc.get("expect_bonus", 0.0))
    with problems.each():
        let_go = _let_go(path, doc.get("let_go"), problems)
        for name in let_go.under_way_at:
            if name not in steps:
                problems.add(str(_fail(path, "let_go.under_way_at", f"unknown step {name!r}")))
    leads_on: tuple[str, ...] = ()
    with problems.each():
        leads_on = tuple(_text(path, f"leads_on[{i}]", w)
                         for i, w in enumerate(_sequence(path, "leads_on", doc.get("leads_on"))))
    corrections: tuple[str, ...] = ()
    with problems.each():
        corrections = tuple(
            _text(path, f"corrections[{i}]", w)
            for i, w in enumerate(_sequence(path, "corrections", doc.get("corrections"))))
    return GuideData(steps, tuple(tips), replies, labels, rules, bonus or 0.0, let_go, leads_on,
                     corrections)


def _texts(path: Path, key: str, raw: Any, problems: Problems) -> dict[str, str]:
    """A mapping of names to texts (replies, labels); every bad entry is reported."""
    out: dict[str, str] = {}
    with problems.each():
        for k, v in _mapping(path, key, raw).items():
            with problems.each():
                out[str(k)] = _text(path, f"{key}.{k}", v)
    return out


def _step(path: Path, name: str, body: Any, problems: Problems) -> Step:
    key = f"steps.{name}"
    if name not in STEPS:
        raise _fail(path, key, "unknown step name")
    body = _mapping(path, key, body)
    silent = name in ("idle", "end")
    say: list[str] = []
    with problems.each():
        for i, s in enumerate(_sequence(path, f"{key}.say", body.get("say"))):
            with problems.each():
                say.append(_text(path, f"{key}.say[{i}]", s))
    transitions: dict[str, str] = {}
    for answer in ("yes", "no", "next"):
        target = body.get(answer)
        if target is None:
            if not silent:
                problems.add(str(_fail(path, f"{key}.{answer}", "missing transition")))
        elif target not in TARGETS:
            problems.add(str(_fail(path, f"{key}.{answer}", f"unknown step {target!r}")))
        else:
            transitions[answer] = str(target)
    if name == "end" and not say:
        problems.add(str(_fail(path, f"{key}.say", "empty reply")))
    if "stay" in transitions.values() and not body.get("stay"):
        problems.add(str(_fail(path, f"{key}.stay", "empty reply")))
    fields: dict[str, Any] = {}
    for field, required in (("question", not silent), ("reprompt", not silent),
                            ("help", not silent), ("contact", False),
                            ("question_last", name == "prevention"), ("stay", False)):
        fields[field] = ""
        with problems.each():
            fields[field] = _text(path, f"{key}.{field}", body.get(field), required=required)
    fields["expects"], fields["expect_bonus"] = (), None
    with problems.each():
        fields["expects"] = _intent_names(path, f"{key}.expects", body.get("expects"))
    with problems.each():
        fields["expect_bonus"] = _bonus(path, f"{key}.expect_bonus", body.get("expect_bonus"))
    fields["asks_about"] = ()
    with problems.each():
        fields["asks_about"] = _intent_names(path, f"{key}.asks_about", body.get("asks_about"))
    only = body.get("only_expected", False)
    if not isinstance(only, bool):
        problems.add(str(_fail(path, f"{key}.only_expected", "must be true or false")))
        only = False
    fields["only_expected"] = only
    taken_back = body.get("taken_back", "")
    if taken_back not in ("", "yes", "no"):
        problems.add(str(_fail(path, f"{key}.taken_back", "must be yes or no")))
        taken_back = ""
    fields["taken_back"] = taken_back
    return Step(name=name, say=tuple(say), transitions=transitions, **fields)


def _bonus(path: Path, key: str, value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 0.5:
        raise _fail(path, key, f"must be a number in [0, 0.5), got {value!r}")
    return float(value)


def _intent_names(path: Path, key: str, value: Any) -> tuple[str, ...]:
    names = tuple(str(v) for v in _sequence(path, key, value))
    wrong = [name for name in names if name not in INTENTS or name == "none"]
    if wrong:
        raise _fail(path, key, f"unknown intent {', '.join(map(repr, wrong))}")
    return names


def _rules(path: Path, raw: Any, problems: Problems) -> Rules:
    """`rules:`: each rule a list of intent names; every wrong or missing one is reported."""
    raw = _mapping(path, "rules", raw)
    for key in raw:
        if key not in RULES:
            problems.add(str(_fail(path, f"rules.{key}", f"unknown rule (one of "
                                                         f"{', '.join(RULES)})")))
    found: dict[str, tuple[str, ...]] = {}
    for key in RULES:
        found[key] = ()
        if key not in raw:
            problems.add(str(_fail(path, f"rules.{key}", "missing")))
            continue
        with problems.each():
            found[key] = _intent_names(path, f"rules.{key}", raw[key])
    return Rules(**found)


def _let_go(path: Path, raw: Any, problems: Problems) -> LetGo:
    raw = _mapping(path, "let_go", raw)
    after, below = raw.get("after", LetGo.after), raw.get("evidence_below", LetGo.evidence_below)
    answered = raw.get("after_answered", LetGo.after_answered)
    for key, value in (("after", after), ("after_answered", answered)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.add(str(_fail(path, f"let_go.{key}",
                                   f"must be a whole number >= 1, got {value!r}")))
    if not isinstance(below, int | float) or isinstance(below, bool) or not 0 < below <= 1:
        problems.add(str(_fail(path, "let_go.evidence_below",
                               f"must be a number in (0, 1], got {below!r}")))
        below = LetGo.evidence_below
    under_way = raw.get("under_way_at", list(LetGo.under_way_at))
    if not isinstance(under_way, list) or not all(isinstance(x, str) for x in under_way):
        problems.add(str(_fail(path, "let_go.under_way_at",
                               f"must be a list of step names, got {under_way!r}")))
        under_way = list(LetGo.under_way_at)
    return LetGo(after, float(below), answered, tuple(under_way))


def load(data_dir: Path | None = None) -> Data:
    """Load `intents.yaml`, `guide.yaml` and `chatter.txt` from `data_dir` (default:
    intents/en). Every mistake in them is reported together: DataError, one line each."""
    folder = data_dir or DATA_DIR / DEFAULT_LANG
    problems = Problems()
    intents: dict[str, Intent] = {}
    guide: GuideData | None = None
    chatter: tuple[str, ...] = ()
    with problems.each():
        intents = _load_intents(folder / "intents.yaml", problems)
    with problems.each():
        guide = _load_guide(folder / "guide.yaml", problems)
    with problems.each():
        chatter = _load_chatter(folder / "chatter.txt")
    problems.raise_if_any(DataError)
    assert guide is not None
    return Data(intents=intents, guide=guide, source=folder, chatter=chatter)


def _load_chatter(path: Path) -> tuple[str, ...]:
    """Optional: one everyday sentence per line, `#` comments; for the speech engines only."""
    if not path.exists():
        return ()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    return tuple(spoken_form(x) for x in lines if x.strip() and not x.lstrip().startswith("#"))


@cache
def default() -> Data:
    """The shipped English data, loaded once per process."""
    return load()
