"""The matcher's learned signal: a naive Bayes classifier over word and character n-grams and
word sounds, trained from `intents/` when the matcher is built (a few tens of milliseconds).

It answers "which intent does this *look* like as a whole", which the phrase and keyword
evidence cannot: a sentence that shares many pieces with an intent's phrasings but is close
to none of them ("can you help me get into my place"), or one that is close to a phrasing by
characters but is about something else ("tell me the joke" ~ "tell me the code").

Features of a normalised utterance (see `features`):
- `w:` each word (stemmed) and `b:` each pair of neighbouring words;
- `c:` character 3- and 4-grams of the text with its spaces (so across word boundaries);
- `p:` the Metaphone code of each word and of each pair of neighbouring words written
  together, so a recogniser's near-homophones meet the word meant: "locks myth" and
  "locksmith" are both LKSM0, "spre" and "spare" both SPR.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from voice_assistant.phonetic import sound
from voice_assistant.textnorm import stem


@dataclass(frozen=True)
class NgramSettings:
    chars: tuple[int, ...] = (3, 4)
    phonetic: bool = True
    alpha: float = 0.05  # additive smoothing of the feature counts
    sharpness: float = 8.0  # softmax of the mean log-likelihood per feature


def features(text: str, settings: NgramSettings) -> list[str]:
    """The features of a normalised utterance (repeated features count repeatedly)."""
    words = text.split()
    if not words:
        return []
    stems = [stem(w) for w in words]
    out = [f"w:{s}" for s in stems]
    out += [f"b:{a}_{b}" for a, b in itertools.pairwise(stems)]
    padded = f" {text} "
    for n in settings.chars:
        out += [f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    if settings.phonetic:
        out += [f"p:{c}" for w in words if len(c := sound(w)) > 1]
        out += [f"p:{c}" for a, b in itertools.pairwise(words) if (c := sound(a + b))]
    return out


class NgramModel:
    """Multinomial naive Bayes with a uniform prior over the labels."""

    def __init__(self, docs: Iterable[tuple[str, str]], labels: Sequence[str],
                 settings: NgramSettings | None = None) -> None:
        self.settings = s = settings or NgramSettings()
        self.labels = tuple(labels)
        row = {label: i for i, label in enumerate(self.labels)}
        self._vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for label, text in docs:
            for f in features(text, s):
                rows.append(row[label])
                cols.append(self._vocab.setdefault(f, len(self._vocab)))
        counts = np.zeros((len(self.labels), len(self._vocab)), dtype=np.float32)
        np.add.at(counts, (np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)), 1.0)
        counts += s.alpha
        self._log = np.log(counts / counts.sum(axis=1, keepdims=True)).astype(np.float32)

    def known(self, text: str) -> list[int]:
        return [i for f in features(text, self.settings) if (i := self._vocab.get(f)) is not None]

    def probabilities(self, text: str) -> np.ndarray:
        """P(label | text) for every label, in `labels` order (uniform when nothing is known)."""
        idx = self.known(text)
        if not idx:
            return np.full(len(self.labels), 1 / len(self.labels))
        mean = self._log[:, idx].mean(axis=1) * self.settings.sharpness
        p = np.exp(mean - mean.max())
        return p / p.sum()
