"""Load and validate the assistant's data (`intents/<lang>/*.yaml`) into frozen dataclasses.

Everything is checked once, at load: an unknown intent or step name, a missing transition or
an empty reply raises `DataError` with one line naming the file and the key.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from voice_assistant import locations
from voice_assistant.names import INTENTS, STEPS, TIP_INTENTS
from voice_assistant.textnorm import normalize, spoken_form, stem

#: `intents/`: inside the installed package, or the checkout's (see `locations`)
DATA_DIR = locations.intents_dir()
DEFAULT_LANG = "en"

#: Special transition targets besides step names.
TARGETS = frozenset(STEPS) | {"stay", "previous", "next_tip"}
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


class DataError(ValueError):
    """The data files are invalid; the message is one line naming the file and key."""


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


@dataclass(frozen=True)
class LetGo:
    """When a session started by mistake is let go: after `after` not-understood turns in a
    row, each without in-domain evidence (no keyword of any intent, and no intent scoring
    `evidence_below` or more from its phrasings), it says `replies.let_go` and ends the
    session."""

    after: int = 2
    evidence_below: float = 0.55


@dataclass(frozen=True)
class Guide:
    steps: dict[str, Step]
    tips: tuple[tuple[str, str], ...]  # (tip intent, text), in order
    replies: dict[str, str]
    labels: dict[str, str]
    expect_bonus: float = 0.0  # added to the evidence of the step's expected intents
    let_go: LetGo = LetGo()


@dataclass(frozen=True)
class Data:
    intents: dict[str, Intent]
    guide: Guide
    source: Path
    chatter: tuple[str, ...] = ()  # everyday talk that is not for us (see chatter.txt)

    def speech_corpus(self) -> list[str]:
        """What users say, as a recogniser writes it: every phrasing, and every keyword
        alternative (each `...` segment on its own). The speech engines' domain language
        model, grammar and vocabulary are generated from this."""
        out: list[str] = []
        for intent in self.intents.values():
            out.extend(intent.spoken)
            for kw in intent.keywords:
                for segment in kw.pattern.lstrip("^").rstrip("$").split("..."):
                    out.extend(_spoken_alternatives(segment))
        return list(dict.fromkeys(s for s in out if s))

    def vocabulary(self) -> list[str]:
        """Every word of `speech_corpus`, sorted."""
        return sorted({w for line in self.speech_corpus() for w in line.split()})


def _spoken_alternatives(segment: str) -> list[str]:
    parts = _GROUP.split(segment)
    choices = [part.split("|") if i % 2 else [part] for i, part in enumerate(parts)]
    return [spoken_form(" ".join(combo)) for combo in itertools.product(*choices)]


def _fail(path: Path, key: str, why: str) -> DataError:
    return DataError(f"{path}: {key}: {why}")


def _expand(segment: str) -> frozenset[tuple[str, ...]]:
    parts = _GROUP.split(segment)  # even indices: literal text; odd: "a|b|c"
    choices: list[list[str]] = []
    for i, part in enumerate(parts):
        choices.append(part.split("|") if i % 2 else [part])
    alts = set()
    for combo in itertools.product(*choices):
        tokens = tuple(stem(w) for w in normalize(" ".join(combo)).split())
        if tokens:
            alts.add(tokens)
    return frozenset(alts)


def _keyword(path: Path, key: str, pattern: Any, weight: Any) -> Keyword:
    if not isinstance(weight, int | float) or not 0 < weight <= 1:
        raise _fail(path, key, f"keyword weight must be a number in (0, 1], got {weight!r}")
    text = str(pattern).strip()
    if re.search(r"\([^)]*\(", text) or text.count("(") != text.count(")"):
        raise _fail(path, key, "keyword groups cannot nest: write (on his own|on her own)")
    anchored, anchored_end = text.startswith("^"), text.endswith("$")
    segments = tuple(_expand(seg) for seg in text.lstrip("^").rstrip("$").split("..."))
    if not segments or not all(segments):
        raise _fail(path, key, "keyword is empty")
    return Keyword(text, float(weight), segments, anchored, anchored_end)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        raise DataError(f"{path}: {where}: invalid YAML") from None
    if not isinstance(doc, dict):
        raise DataError(f"{path}: top level must be a mapping")
    return doc


def _load_intents(path: Path) -> dict[str, Intent]:
    raw = _load_yaml(path).get("intents")
    if not isinstance(raw, dict):
        raise _fail(path, "intents", "missing or not a mapping")
    intents: dict[str, Intent] = {}
    for name, body in raw.items():
        name = str(name)
        key = f"intents.{name}"
        if name not in INTENTS:
            raise _fail(path, key, "unknown intent name")
        body = body or {}
        phrases = tuple(dict.fromkeys(normalize(str(p)) for p in body.get("phrases") or ()))
        if name != "none" and not phrases:
            raise _fail(path, f"{key}.phrases", "no phrasings")
        if any(not p for p in phrases):
            raise _fail(path, f"{key}.phrases", "an empty phrasing")
        kws = tuple(
            _keyword(path, f"{key}.keywords.{pat}", pat, w)
            for pat, w in (body.get("keywords") or {}).items()
        )
        spoken = tuple(dict.fromkeys(spoken_form(str(p)) for p in body.get("phrases") or ()))
        requires, unless, situated = (
            tuple(_keyword(path, f"{key}.{field}.{pat}", pat, 1.0)
                  for pat in body.get(field) or ())
            for field in ("requires", "unless", "situated")
        )
        topics = frozenset(alt[0] for pat in body.get("topics") or ()
                           for seg in _keyword(path, f"{key}.topics", pat, 1.0).segments
                           for alt in seg if len(alt) == 1)
        intents[name] = Intent(name, phrases, kws, spoken, requires, unless, situated, topics)
    missing = [n for n in INTENTS if n != "none" and n not in intents]
    if missing:
        raise _fail(path, f"intents.{missing[0]}", "missing")
    intents.setdefault("none", Intent("none", (), ()))
    return intents


def _text(path: Path, key: str, value: Any, *, required: bool = True) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    if required and not text:
        raise _fail(path, key, "empty reply")
    return text


def _load_guide(path: Path) -> Guide:
    doc = _load_yaml(path)
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, dict):
        raise _fail(path, "steps", "missing or not a mapping")
    steps: dict[str, Step] = {}
    for name, body in raw_steps.items():
        key = f"steps.{name}"
        if name not in STEPS:
            raise _fail(path, key, "unknown step name")
        body = body or {}
        silent = name in ("idle", "end")
        say = tuple(_text(path, f"{key}.say", s) for s in body.get("say") or ())
        transitions: dict[str, str] = {}
        for answer in ("yes", "no", "next"):
            target = body.get(answer)
            if target is None:
                if not silent:
                    raise _fail(path, f"{key}.{answer}", "missing transition")
                continue
            if target not in TARGETS:
                raise _fail(path, f"{key}.{answer}", f"unknown step {target!r}")
            transitions[answer] = str(target)
        if name == "end" and not say:
            raise _fail(path, f"{key}.say", "empty reply")
        if "stay" in transitions.values() and not body.get("stay"):
            raise _fail(path, f"{key}.stay", "empty reply")
        steps[name] = Step(
            name=name,
            say=say,
            question=_text(path, f"{key}.question", body.get("question"), required=not silent),
            reprompt=_text(path, f"{key}.reprompt", body.get("reprompt"), required=not silent),
            help=_text(path, f"{key}.help", body.get("help"), required=not silent),
            transitions=transitions,
            contact=_text(path, f"{key}.contact", body.get("contact"), required=False),
            question_last=_text(path, f"{key}.question_last", body.get("question_last"),
                                required=name == "prevention"),
            stay=_text(path, f"{key}.stay", body.get("stay"), required=False),
            expects=_intent_names(path, f"{key}.expects", body.get("expects")),
            expect_bonus=_bonus(path, f"{key}.expect_bonus", body.get("expect_bonus")),
        )
    missing = [s for s in STEPS if s not in steps]
    if missing:
        raise _fail(path, f"steps.{missing[0]}", "missing")
    raw_tips = doc.get("tips") or {}
    if list(raw_tips) != list(TIP_INTENTS):
        raise _fail(path, "tips", f"must list exactly {', '.join(TIP_INTENTS)} in that order")
    tips = tuple((str(k), _text(path, f"tips.{k}", v)) for k, v in raw_tips.items())
    raw_replies = doc.get("replies") or {}
    replies = {str(k): _text(path, f"replies.{k}", v) for k, v in raw_replies.items()}
    for needed in ("got_in", "prevention_intro", "force_entry", "unlock",
                   "didnt_catch", "did_you_mean", "confirm_no", "back_first", "help_more"):
        if needed not in replies:
            raise _fail(path, f"replies.{needed}", "empty reply")
    labels = {str(k): _text(path, f"labels.{k}", v) for k, v in (doc.get("labels") or {}).items()}
    for intent in INTENTS:
        if intent != "none" and intent not in labels:
            raise _fail(path, f"labels.{intent}", "missing")
    if "let_go" not in replies:
        raise _fail(path, "replies.let_go", "empty reply")
    bonus = _bonus(path, "expect_bonus", doc.get("expect_bonus", 0.0)) or 0.0
    return Guide(steps, tips, replies, labels, bonus, _let_go(path, doc.get("let_go")))


def _bonus(path: Path, key: str, value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or not 0 <= value < 0.5:
        raise _fail(path, key, f"must be a number in [0, 0.5), got {value!r}")
    return float(value)


def _intent_names(path: Path, key: str, value: Any) -> tuple[str, ...]:
    names = tuple(str(v) for v in value or ())
    for name in names:
        if name not in INTENTS or name == "none":
            raise _fail(path, key, f"unknown intent {name!r}")
    return names


def _let_go(path: Path, raw: Any) -> LetGo:
    raw = raw or {}
    after, below = raw.get("after", LetGo.after), raw.get("evidence_below", LetGo.evidence_below)
    if not isinstance(after, int) or after < 1:
        raise _fail(path, "let_go.after", f"must be a whole number >= 1, got {after!r}")
    if not isinstance(below, int | float) or not 0 < below <= 1:
        raise _fail(path, "let_go.evidence_below", f"must be a number in (0, 1], got {below!r}")
    return LetGo(after, float(below))


def load(data_dir: Path | None = None) -> Data:
    """Load `intents.yaml` and `guide.yaml` from `data_dir` (default: intents/en)."""
    folder = data_dir or DATA_DIR / DEFAULT_LANG
    return Data(
        intents=_load_intents(folder / "intents.yaml"),
        guide=_load_guide(folder / "guide.yaml"),
        source=folder,
        chatter=_load_chatter(folder / "chatter.txt"),
    )


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
