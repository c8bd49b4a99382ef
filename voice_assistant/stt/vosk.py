"""The Vosk engine: a local model folder only (the library never downloads anything here).

Lookahead models (`graph/HCLr.fst` + `graph/Gr.fst`, like the small English model) take a
runtime grammar: our domain phrases, generated from `intents/`, plus `[unk]` so that
out-of-domain speech is not forced into the nearest phrase. Models with a static `HCLG.fst`
cannot take a grammar and decode freely. This is the only module that imports vosk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voice_assistant.data import Data
from voice_assistant.model_fetch import looks_like_model
from voice_assistant.stt.base import EngineError, Transcript

log = logging.getLogger(__name__)

UNK = "[unk]"
#: Long-running Kaldi recognisers are known to grow; a fresh one every so many utterances.
RECREATE_EVERY = 200


def takes_grammar(path: Path) -> bool:
    graph = path / "graph"
    return (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()


def parse_result(raw: str) -> tuple[str, float, int]:
    """A Vosk result JSON → (text without [unk], mean word confidence, number of [unk] words)."""
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError:
        log.warning("vosk returned unreadable JSON; treating it as silence")
        return "", 0.0, 0
    words = doc.get("result") or []
    if words:
        kept = [w for w in words if w.get("word") != UNK]
        confs = [float(w.get("conf", 0.0)) for w in kept]
        unk = len(words) - len(kept)
        text = " ".join(str(w.get("word", "")) for w in kept)
        return text, (sum(confs) / len(words)) if words else 0.0, unk
    text = " ".join(t for t in str(doc.get("text", "")).split() if t != UNK)
    unk = str(doc.get("text", "")).split().count(UNK)
    return text, (1.0 if text else 0.0), unk


class VoskRecognizer:
    name = "vosk"

    def __init__(self, path: Path, data: Data | None = None,
                 phrases: Sequence[str] | None = None, rate: int = 16000) -> None:
        import vosk

        vosk.SetLogLevel(-1)
        path = Path(path)
        if not path.is_dir():
            raise EngineError(f"{path}: no such Vosk model folder; run `lockout-assistant "
                              "fetch-model` or pass --model PATH")
        if not looks_like_model(path):
            raise EngineError(f"{path}: not a Vosk model (a model folder has am/ and conf/)")
        try:
            self._model = vosk.Model(str(path))
        except Exception:  # vosk raises a bare Exception when Kaldi refuses the files
            raise EngineError(f"{path}: Vosk could not load this model (damaged or "
                              "incompatible files)") from None
        self.path, self.rate = path, rate
        self.grammar: list[str] | None = None
        if takes_grammar(path):
            wanted = list(phrases) if phrases is not None else (
                data.speech_corpus() if data is not None else [])
            self.grammar = self._in_vocabulary(wanted) if wanted else None
        else:
            log.info("vosk: %s has a static graph (HCLG.fst) and cannot take a grammar; "
                     "decoding freely", path)
        self._vosk = vosk
        self._utterances = 0
        self._segments: list[tuple[str, float, int]] = []
        self._rec = self._new_recognizer()

    def _in_vocabulary(self, phrases: Sequence[str]) -> list[str]:
        known: dict[str, bool] = {}
        kept, missing = [], set()
        for phrase in phrases:
            words = phrase.split()
            for w in words:
                if w not in known:
                    known[w] = self._model.vosk_model_find_word(w) != -1
                    if not known[w]:
                        missing.add(w)
            if words and all(known[w] for w in words):
                kept.append(phrase)
        if missing:
            log.debug("vosk: %d grammar words are not in the model's vocabulary and are left "
                     "out: %s", len(missing), " ".join(sorted(missing)[:40]))
        if self._model.vosk_model_find_word(UNK) != -1:
            kept.append(UNK)
        return list(dict.fromkeys(kept))

    def _new_recognizer(self):  # -> vosk.KaldiRecognizer
        if self.grammar:
            rec = self._vosk.KaldiRecognizer(self._model, self.rate,
                                             json.dumps(self.grammar, ensure_ascii=False))
        else:
            rec = self._vosk.KaldiRecognizer(self._model, self.rate)
        rec.SetWords(True)
        return rec

    def start(self, source_rate: int = 16000) -> None:
        self._utterances += 1
        if self._utterances % RECREATE_EVERY == 0:
            self._rec = self._new_recognizer()
        else:
            self._rec.Reset()
        self._segments = []

    def feed(self, pcm: np.ndarray) -> str:
        data = np.ascontiguousarray(pcm, dtype="<i2").tobytes()
        if self._rec.AcceptWaveform(data):  # Vosk's own endpoint inside our utterance
            self._segments.append(parse_result(self._rec.Result()))
            partial = ""
        else:
            try:
                partial = str(json.loads(self._rec.PartialResult()).get("partial", ""))
            except json.JSONDecodeError:
                partial = ""
        words = [s[0] for s in self._segments if s[0]] + [partial]
        return " ".join(w for w in words if w and w != UNK).strip()

    def pause(self) -> None:
        """Streaming: nothing to start early."""

    def resume(self) -> None:
        """Streaming: nothing to discard."""

    def cancel(self) -> None:
        self.finish()

    def finish(self) -> Transcript:
        self._segments.append(parse_result(self._rec.FinalResult()))
        texts = [s[0] for s in self._segments if s[0]]
        scored = [s for s in self._segments if s[0] or s[2]]
        conf = sum(s[1] for s in scored) / len(scored) if scored else 0.0
        self._segments = []
        return Transcript(" ".join(texts), max(0.0, min(1.0, conf)), self.name)
