"""Golden: the loop's events as `listen` prints them, pinned before the events became typed.

A recorded session (a click too short to be speech, then `conv_spare_key`, then silence until
the reprompt and the goodbye) through `listen --input-wav … --fast --json`: every event's kind,
its keys in order, and the values that do not depend on the machine (intent, step, discarded,
interrupted, the reply file's name). Times and latencies vary: only their type is pinned. The
same session without `--json`, and `--log-transcripts`, must say the same thing; the
microphone's events, which a WAV cannot make, go through the same printer in process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ENV, TESTS, TIME_SCALE
from tests.wavs import wav_bytes, write
from voice_assistant import audio

AUDIO = TESTS / "fixtures" / "audio" / "conversations"
TURNS = [AUDIO / f"conv_spare_key__{n}.wav" for n in (1, 2, 3)]
FLAGS = ("--engine", "pocketsphinx", "--fast", "--reprompt-after", "10", "--end-after", "10")

SAY = ("event", "t", "say", "audio", "latency_ms")
HEARD = ("event", "t", "heard", "intent", "confidence", "step")
#: (keys in order, the values pinned) for every event of the session, in order.
GOLDEN: list[tuple[tuple[str, ...], dict[str, object]]] = [
    (("event", "t"), {"event": "listening"}),
    (("event", "t"), {"event": "speech_start"}),  # the click
    (("event", "t", "discarded"), {"event": "speech_end", "discarded": "too short"}),
    (("event", "t"), {"event": "speech_start"}),  # "i'm locked out"
    (("event", "t"), {"event": "speech_end"}),
    (HEARD, {"event": "heard", "intent": "locked_out", "step": "assess"}),
    (SAY, {"event": "say", "audio": "001.wav"}),
    (("event", "t", "interrupted"), {"event": "spoken", "interrupted": False}),
    (("event", "t"), {"event": "speech_start"}),  # "yes"
    (("event", "t"), {"event": "speech_end"}),
    (HEARD, {"event": "heard", "intent": "yes", "step": "spare_key"}),
    (SAY, {"event": "say", "audio": "002.wav"}),
    (("event", "t", "interrupted"), {"event": "spoken", "interrupted": False}),
    (("event", "t"), {"event": "speech_start"}),  # "yes i got it"
    (("event", "t"), {"event": "speech_end"}),
    (HEARD, {"event": "heard", "intent": "yes", "step": "prevention"}),
    (SAY, {"event": "say", "audio": "003.wav"}),
    (("event", "t", "interrupted"), {"event": "spoken", "interrupted": False}),
    (SAY, {"event": "reprompt", "audio": "004.wav"}),  # 10 s of silence
    (("event", "t", "interrupted"), {"event": "spoken", "interrupted": False}),
    (SAY, {"event": "say", "audio": "005.wav"}),  # 10 s more: goodbye
    (("event", "t", "interrupted"), {"event": "spoken", "interrupted": False}),
    (("event", "t"), {"event": "session_end"}),
]
TYPES: dict[str, type | tuple[type, ...]] = {
    "t": float, "latency_ms": int, "confidence": float, "heard": str, "say": str,
}


def _listen(wav: Path, out: Path, *extra: str) -> str:
    args = [sys.executable, "-m", "voice_assistant", "listen", "--input-wav", str(wav),
            "--tts-out", str(out), *FLAGS, *extra]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300 * TIME_SCALE, env=ENV)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    return p.stdout


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("golden")
    t = np.arange(int(0.12 * 16000)) / 16000  # a 120 ms click: voice, but too short
    click = write(tmp / "click.wav", wav_bytes(0.3 * np.sin(2 * np.pi * 300 * t), 16000))
    return audio.session_wav(tmp / "session.wav", [click, *TURNS], gap=20.0, tail=40.0)


@pytest.fixture(scope="module")
def json_run(session: Path, tmp_path_factory) -> tuple[str, Path, Path]:
    tmp = tmp_path_factory.mktemp("json")
    out, transcripts = tmp / "replies", tmp / "transcripts.jsonl"
    stdout = _listen(session, out, "--json", "--log-transcripts", str(transcripts))
    return stdout, out, transcripts


def test_listen_json_events_are_the_golden_ones(json_run) -> None:
    stdout, out, _ = json_run
    lines = stdout.splitlines()
    events = [json.loads(line) for line in lines]
    for line, e in zip(lines, events, strict=True):
        assert line == json.dumps(e)  # one object a line, json.dumps's own spacing
    assert [e["event"] for e in events] == [g["event"] for _, g in GOLDEN]
    for e, (keys, pinned) in zip(events, GOLDEN, strict=True):
        assert tuple(e) == keys, e
        for key, value in pinned.items():
            if key == "audio":
                assert Path(e["audio"]) == out / str(value), e
            else:
                assert e[key] == value, e
        for key, kind in TYPES.items():
            if key in e:
                assert isinstance(e[key], kind) and not isinstance(e[key], bool), e
        if "t" in e:
            assert e["t"] == round(e["t"], 3)
    ts = [e["t"] for e in events]
    assert ts == sorted(ts)


def test_log_transcripts_holds_the_heard_events_as_printed(json_run) -> None:
    stdout, _, transcripts = json_run
    heard = [line for line in stdout.splitlines() if json.loads(line)["event"] == "heard"]
    assert transcripts.read_text(encoding="utf-8").splitlines() == heard


def _human(event: dict) -> str | None:
    """The line `listen` prints for an event without --json, stdout not a terminal."""
    kind = event["event"]
    if kind == "heard":
        line = f"you: …  [{event['intent']} -> {event['step']}]"
    elif kind in ("say", "reprompt"):
        line = f"assistant: {event['say']}"
    elif kind in ("listening", "session_end", "mic_ready", "mic_error", "mic_recovered"):
        detail = f": {event['error']}" if "error" in event else ""
        line = f"({kind.replace('_', ' ')}{detail})"
    else:
        return None
    return f"[{event['t']:7.1f}s] {line}"


def test_listen_text_prints_the_same_events(session: Path, json_run, tmp_path: Path) -> None:
    stdout, _, _ = json_run
    want = [_human(json.loads(line)) for line in stdout.splitlines()]
    got = _listen(session, tmp_path / "replies").splitlines()
    time = re.compile(r"^\[ *\d+\.\d+s\] ")  # times differ between two runs
    assert [time.sub("[t] ", line) for line in got] == \
        [time.sub("[t] ", line) for line in want if line is not None]
    assert all(time.match(line) and len(line.split("] ")[0]) == 9 for line in got)


class MicEvents:
    """A microphone that only reports: ready, an error, recovered (with a silent chunk)."""

    def chunks(self):
        from voice_assistant.mic import AudioChunk, MicEvent

        yield MicEvent("mic_ready", 0.1)
        yield AudioChunk(np.zeros(1600, np.int16), 0.1)
        yield MicEvent("mic_error", 1.2344, "no audio")
        yield MicEvent("mic_recovered", 2.0)

    def close(self) -> None:
        pass


class QuietSynth:
    def render(self, text: str) -> None:
        pass


MIC_JSON = [
    '{"event": "listening", "t": 0.0}',
    '{"event": "mic_ready", "t": 0.1}',
    '{"event": "mic_error", "t": 1.234, "error": "no audio"}',
    '{"event": "mic_recovered", "t": 2.0}',
]
MIC_TEXT = [
    "[    0.0s] (listening)",
    "[    0.1s] (mic ready)",
    "[    1.2s] (mic error: no audio)",
    "[    2.0s] (mic recovered)",
]


@pytest.mark.parametrize(("as_json", "want"), [(True, MIC_JSON), (False, MIC_TEXT)])
def test_microphone_events_print_as_before(as_json: bool, want: list[str], capsys,
                                           tmp_path: Path) -> None:
    from voice_assistant.assistant import Assistant
    from voice_assistant.cli import _printer
    from voice_assistant.loop import FileOutput, Listener

    listener = Listener(Assistant(), None, QuietSynth(), FileOutput(tmp_path),  # type: ignore[arg-type]
                        emit=_printer(as_json, None))
    listener.run(MicEvents())
    assert capsys.readouterr().out.splitlines() == want
