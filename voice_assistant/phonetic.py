"""Recogniser near-homophones: words the domain does not know, respelled by how they sound.

A recogniser that writes fluent text writes *some* word for what it heard: "locks myth" for
locksmith, "land board" for landlord, "spre" for spare. `Respeller` replaces such words with
the domain word they sound like *and* are nearly spelled like (the same Metaphone code, via
jellyfish, and at most a third of the letters different), so keyword evidence can count
them, at a discount. Two written words, one of them unknown, are read as one domain word
when together they are it ("land lord") or sound and spell like it ("locks myth"). Words
the assistant knows (its phrasings and keywords) and everyday words it has seen (the chatter
list) are never respelled; an unknown word that is a domain word with its final g dropped
("burnin", "freezin") is read as that word; and codes shorter than `min_code` sounds never
match ("guess" and "gas" are both KS). Sound alone is not enough: "called" and "cold" share a
code (KLT) but not their letters, and were respelled in hallway talk before the spelling
check (measured).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jellyfish

from voice_assistant.textnorm import stem


@lru_cache(maxsize=8192)
def sound(word: str) -> str:
    """The Metaphone code of a word ('' for anything but letters)."""
    return jellyfish.metaphone(word) if word.isalpha() else ""


@dataclass(frozen=True)
class Respelled:
    tokens: tuple[str, ...]
    changes: tuple[tuple[str, str], ...] = ()  # (what was written, the domain word meant)
    respelled: frozenset[int] = frozenset()  # positions in `tokens` that were respelled


class Respeller:
    def __init__(self, domain: Iterable[str], known: Iterable[str], *, min_code: int = 3,
                 pair_min_code: int = 4) -> None:
        self.domain = frozenset(w for w in domain if w.isalpha())
        self.known = self.domain | frozenset(known)
        # a known word in another form ("pains" for "pain") is not respelled ("pins")
        self._known_stems = frozenset(stem(w) for w in self.known)
        self.min_code, self.pair_min_code = min_code, pair_min_code
        by_code: dict[str, list[str]] = {}
        for word in sorted(self.domain):
            code = sound(word)
            if len(code) >= min_code:
                by_code.setdefault(code, []).append(word)
        self._by_code = by_code

    def _closest(self, written: str, code: str) -> str | None:
        """The domain word with this code spelled most like `written`, if close enough."""
        best = None
        for word in self._by_code.get(code, ()):
            d = jellyfish.levenshtein_distance(word, written)
            if d <= max(1, len(word) // 3) and (best is None or d < best[0]):
                best = (d, word)
        return best[1] if best else None

    def respell(self, tokens: Sequence[str]) -> Respelled:
        out: list[str] = []
        changes: list[tuple[str, str]] = []
        respelled: set[int] = set()
        i = 0
        while i < len(tokens):
            word = tokens[i]
            if i + 1 < len(tokens):  # two written words for one domain word: "locks myth"
                nxt = tokens[i + 1]
                joined = word + nxt
                code = sound(joined)
                meant = None
                unknown = word not in self.known or nxt not in self.known
                if unknown and joined in self.domain and joined.isalpha():
                    meant = joined  # "land lord", "locks mith"
                elif unknown and len(code) >= self.pair_min_code and joined.isalpha():
                    meant = self._closest(joined, code)
                if meant is not None and meant not in (word, nxt):
                        respelled.add(len(out))
                        out.append(meant)
                        changes.append((f"{word} {nxt}", meant))
                        i += 2
                        continue
            if (word not in self.known and word.endswith("in") and len(word) > 4
                    and word + "g" in self.domain):  # "burnin", "freezin": a dropped g
                respelled.add(len(out))
                out.append(word + "g")
                changes.append((word, word + "g"))
                i += 1
                continue
            if word not in self.known and len(word) >= 3 and stem(word) not in self._known_stems:
                code = sound(word)
                meant = self._closest(word, code) if len(code) >= self.min_code else None
                if meant is not None:
                    respelled.add(len(out))
                    out.append(meant)
                    changes.append((word, meant))
                    i += 1
                    continue
            out.append(word)
            i += 1
        return Respelled(tuple(out), tuple(changes), frozenset(respelled))
