"""What a voice is given to say: the written sentence in its spoken form.

Numbers of three or more digits (911, a phone number) are read digit by digit, spelled by the
same function that spells them in the reply text (`phone`), with a short pause before the
number and between digits; words a voice says badly are replaced by the
spoken forms in `intents/<lang>/pronounce.yaml` (data, not code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from voice_assistant.data import DATA_DIR, DEFAULT_LANG, DataError
from voice_assistant.phone import spell_numbers
from voice_assistant.problems import Problems

PRONOUNCE = DATA_DIR / DEFAULT_LANG / "pronounce.yaml"

# Digits as the guide writes a phone number: single digits, spaces, commas ("5 5 5, 0 1 2 3").
# A word before it gets a pause too: "call 9 1 1" → "call, 9, 1, 1".
_SPELLED = re.compile(r"(?P<word>(?<=[A-Za-z]) )?(?<![\w.,])\d(?:,? \d)+(?![\w]|[.,]\d)")


@dataclass(frozen=True)
class Lexicon:
    """Spoken forms per voice engine: (pattern, spoken) pairs, `all` first."""

    forms: dict[str, tuple[tuple[re.Pattern[str], str], ...]]

    def for_engine(self, engine: str) -> tuple[tuple[re.Pattern[str], str], ...]:
        return self.forms.get("all", ()) + self.forms.get(engine, ())


def _pattern(written: str) -> re.Pattern[str]:
    edge_l = r"(?<![\w'])" if written[:1].isalnum() else ""
    edge_r = r"(?![\w'])" if written[-1:].isalnum() else ""
    return re.compile(edge_l + re.escape(written) + edge_r, re.IGNORECASE)


@cache
def load_lexicon(path: Path = PRONOUNCE) -> Lexicon:
    """The spoken forms in `path`; DataError with every mistake (one line each) when the
    file is invalid."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read: {' '.join(str(exc).split())}") from None
    if not isinstance(doc, dict):
        raise DataError(f"{path}: must map a voice engine (all, pyttsx3, piper) to its forms")
    forms, problems = {}, Problems()
    for engine, table in doc.items():
        if not isinstance(table, dict):
            problems.add(f"{path}: {engine}: must map written words to spoken forms")
            continue
        pairs = []
        for written, said in table.items():
            if not isinstance(written, str) or not written.strip() or not isinstance(said, str) \
                    or not said.strip():
                problems.add(f"{path}: {engine}.{written}: both sides must be words")
                continue
            pairs.append((_pattern(written.strip()), " ".join(said.split())))
        forms[str(engine)] = tuple(pairs)
    problems.raise_if_any(DataError)
    return Lexicon(forms)


def _slowly(match: re.Match[str]) -> str:
    """Digit by digit with a pause between digits; a longer one between groups."""
    digits = match.group().strip()
    said = ". ".join(", ".join(g.split()) for g in digits.split(", "))
    return f", {said}" if match.group("word") else said


def _keep_case(said: str, written: str) -> str:
    return said[:1].upper() + said[1:] if written[:1].isupper() else said


def speech_text(sentence: str, engine: str = "pyttsx3", lexicon: Lexicon | None = None) -> str:
    """What the engine is given: "911" → "9, 1, 1", "555-0123" → "5, 5, 5. 0, 1, 2, 3",
    and the spoken forms of `lexicon` (default: the shipped pronounce.yaml) for `engine`."""
    for pattern, said in (lexicon or load_lexicon()).for_engine(engine):
        sentence = pattern.sub(lambda m, s=said: _keep_case(s, m.group()), sentence)
    return _SPELLED.sub(_slowly, spell_numbers(sentence))
