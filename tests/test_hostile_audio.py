"""Hostile and broken audio, through `converse` and `listen --input-wav`: the right result or
one clear line and exit 2, never a traceback (the README's reliability table lists them)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ENV, TESTS
from tests.wavs import tone, wav_bytes
from voice_assistant.audio import AudioError, read_pcm16

SPEECH = TESTS / "fixtures" / "audio" / "locked_out_01__clean.wav"
RNG = np.random.default_rng(7)


def _header_claims_more() -> bytes:
    data = bytearray(SPEECH.read_bytes())
    i = data.index(b"data")
    data[i + 4 : i + 8] = struct.pack("<I", 10_000_000)
    return bytes(data)


def _zero_channels() -> bytes:
    data = bytearray(wav_bytes(tone(0.5), 16000))
    data[22:24] = b"\0\0"
    return bytes(data)


def _square(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * 16000)) / 16000
    return np.clip(4 * np.sign(np.sin(2 * np.pi * 220 * t)), -1, 1).astype(np.float32)


def _speech(rate: int, **kw) -> bytes:
    import soxr

    from voice_assistant import audio

    pcm = audio.read_pcm16(SPEECH)[0].astype(np.float32) / 32768
    return wav_bytes(soxr.resample(pcm, 16000, rate) if rate != 16000 else pcm, rate, **kw)


# case -> (bytes, expected exit code, what must be in the outcome)
CASES = {
    "not a WAV": (b"ID3\x03\x00 an mp3 file really" * 10, 2, "not a WAV file"),
    "truncated header": (SPEECH.read_bytes()[:30], 2, "broken WAV header"),
    "zero bytes": (b"", 2, "empty"),
    "header claims more data": (_header_claims_more(), 0, "locked_out"),
    "zero channels": (_zero_channels(), 2, "no channels"),
    "96 kHz": (_speech(96000), 0, "locked_out"),
    "6 channels": (_speech(16000, channels=6), 0, "locked_out"),
    "32-bit float": (_speech(16000, bits=32, encoding="float"), 0, "locked_out"),
    "A-law": (_speech(8000, bits=8, encoding="alaw"), 0, '"input": "audio"'),
    "µ-law": (_speech(8000, bits=8, encoding="mulaw"), 0, '"input": "audio"'),
    "ten minutes of silence": (wav_bytes(np.zeros(16000 * 600, np.float32), 16000), 0,
                               '"step": "idle"'),
    "white noise": (wav_bytes(RNG.normal(0, 0.3, 16000 * 20).clip(-1, 1).astype(np.float32),
                              16000), 0, '"step": "idle"'),
    "clipped square wave": (wav_bytes(_square(20), 16000), 0, '"step": "idle"'),
}


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voice_assistant", *args],
                          capture_output=True, text=True, timeout=600, env=ENV)


@pytest.mark.parametrize("case", CASES)
def test_converse(tmp_path: Path, case: str) -> None:
    data, code, expect = CASES[case]
    wav = tmp_path / "in.wav"
    wav.write_bytes(data)
    p = _run("converse", "--json", "--engine", "pocketsphinx", str(wav))
    assert p.returncode == code, p.stderr
    assert "Traceback" not in p.stderr
    if code == 2:
        assert len(p.stderr.strip().splitlines()) == 1 and expect in p.stderr
    else:
        out = json.loads(p.stdout)
        assert expect in json.dumps(out), out


@pytest.mark.parametrize("case", CASES)
def test_listen(tmp_path: Path, case: str) -> None:
    data, code, expect = CASES[case]
    wav = tmp_path / "in.wav"
    wav.write_bytes(data)
    p = _run("listen", "--input-wav", str(wav), "--fast", "--json", "--engine",
             "pocketsphinx", "--tts-out", str(tmp_path / "out"))
    assert p.returncode == code, p.stderr
    assert "Traceback" not in p.stderr
    if code == 2:
        assert len(p.stderr.strip().splitlines()) == 1 and expect in p.stderr
        return
    events = [json.loads(x) for x in p.stdout.splitlines()]
    assert events[0]["event"] == "listening"
    if "idle" in expect:  # noise and silence start no session
        assert not [e for e in events if e["event"] in ("say", "reprompt")]
    elif "locked_out" in expect:
        assert any(e["event"] == "heard" and e["intent"] == "locked_out" for e in events)


def test_one_hour_file(tmp_path: Path) -> None:
    wav = tmp_path / "hour.wav"
    quiet = (RNG.normal(0, 0.001, 8000 * 60)).astype(np.float32)
    with wav.open("wb") as fh:  # one hour at 8 kHz, written a minute at a time
        minute = wav_bytes(quiet, 8000)
        body = minute[minute.index(b"data") + 8 :]
        header = wav_bytes(np.zeros(0, np.float32), 8000)
        header = header[: header.index(b"data")] + b"data" + struct.pack("<I", len(body) * 60)
        fh.write(header[:4] + struct.pack("<I", len(header) - 8 + len(body) * 60) + header[8:])
        for _ in range(60):
            fh.write(body)
    p = _run("converse", "--json", str(wav))
    assert p.returncode == 0 and "first 60 s" in p.stderr
    assert json.loads(p.stdout)["step"] == "idle"
    p = _run("listen", "--input-wav", str(wav), "--fast", "--json", "--tts-out",
             str(tmp_path / "o"))
    assert p.returncode == 0, p.stderr
    events = [json.loads(x) for x in p.stdout.splitlines()]
    assert events[0]["event"] == "listening"
    assert not [e for e in events if e["event"] in ("heard", "say", "reprompt")]


@settings(max_examples=300, deadline=None)
@given(head=st.sampled_from([b"", b"RIFF\x24\x00\x00\x00WAVE", b"RIFF\xff\xff\xff\xffWAVE"]),
       fmt=st.binary(max_size=40), tail=st.binary(max_size=400), with_fmt=st.booleans())
def test_any_bytes_decode_or_give_one_line(tmp_path_factory, head, fmt, tail, with_fmt) -> None:
    body = (b"fmt " + struct.pack("<I", len(fmt)) + fmt if with_fmt else b"") + tail
    path = tmp_path_factory.mktemp("h") / "x.wav"
    path.write_bytes(head + body)
    try:
        pcm, f = read_pcm16(path)
    except AudioError as exc:
        assert "\n" not in str(exc)
        return
    assert pcm.dtype == np.int16 and f.channels > 0 and f.rate > 0
