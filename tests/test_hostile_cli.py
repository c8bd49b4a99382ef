"""Hostile command lines, settings files and special files, as a new user or a hostile tester
would try them: the right result, or one clear line with exit 2 (bad input or usage) or 1
(runtime), never a hang or a traceback, bounded memory.

Every case runs as a real process with a timeout. Their outcomes are recorded in
tests/data/figures/hostile_cli.json, which scripts/readme_figures.py turns into the README's
reliability table: this test fails when a case's outcome differs from the recorded one (after a
deliberate change, record again with `UPDATE_FIGURES=1 pytest tests/test_hostile_cli.py`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ENV, TESTS

FIGURES = TESTS / "data" / "figures" / "hostile_cli.json"
SPEECH = TESTS / "fixtures" / "audio" / "stop_01__clean.wav"
TIMEOUT = 120  # seconds; every case ends in a few (a hang fails the test)
MAX_LINE = 2000  # characters in any line on stderr


@dataclass(frozen=True)
class Case:
    """One hostile input: the command line (``{d}`` is a folder of prepared files), what it
    must do, and how the README shows it."""

    args: tuple[str, ...]
    code: int
    expect: str  # in stderr (or in stdout when `out` is set)
    out: bool = False  # `expect` is in stdout: the command did its job
    stdin: str | bytes | None = None  # text, or a device to read from ("/dev/zero")
    env: dict[str, str] = field(default_factory=dict)
    #: The message depends on this machine (its audio devices) or on random input: only
    #: `expect` is compared with the recorded outcome.
    varies: bool = False
    shown: str = ""  # the arguments as the README shows them, when they differ from `args`


def _files(d: Path) -> None:
    """The prepared files: a FIFO, a directory, a symlink loop, links to devices, settings."""
    for name in ("fifo.toml", "fifo.wav", "fifo.log"):
        os.mkfifo(d / name)
    (d / "dir.wav").mkdir()
    (d / "dir.toml").mkdir()
    (d / "loop.wav").symlink_to(d / "loop2.wav")
    (d / "loop2.wav").symlink_to(d / "loop.wav")
    (d / "zero.wav").symlink_to("/dev/zero")
    (d / "file").write_text("not a folder\n")
    (d / "my.toml").write_text('[landlord]\nname = "Sam Reyes"\nphone = "555 0123"\n')
    (d / "deep.toml").write_text("a=" + "[" * 100_000)
    (d / "deep60k.toml").write_text("a=" + "[" * 60_000)
    (d / "latin1.toml").write_bytes(b'[landlord]\nname = "Jos\xe9"\n')
    (d / "longphone.toml").write_text(f'[landlord]\nphone = "{"9" * 50_000}"\n')
    (d / "rate.toml").write_text('[voice]\nrate = "fast"\n')
    (d / "hugekey.toml").write_text(f'{"k" * 50_000} = 1\n')


LANDLORD_TURNS = "I'm locked out\nno\nno\n"
CASES: dict[str, Case] = {
    # Options before or after the command; the bare command is `listen`.
    "global --config before the command": Case(
        ("--config", "{d}/my.toml", "chat"), 0, "Sam Reyes", out=True, stdin=LANDLORD_TURNS),
    "global --config after the command": Case(
        ("chat", "--config", "{d}/my.toml"), 0, "Sam Reyes", out=True, stdin=LANDLORD_TURNS),
    "global -v before the command": Case(
        ("-v", "chat"), 0, "[locked_out act", out=True, stdin="I'm locked out\n"),
    "a listen option before another command": Case(
        ("--device", "2", "chat"), 2, "--device is an option of listen, not of chat"),
    "bare command with listen's options": Case(
        ("--device", "999"), 1, "#999", varies=True),
    "bare command, a WAV instead of the microphone": Case(
        ("--input-wav", str(SPEECH), "--fast", "--json", "--engine", "pocketsphinx",
         "--tts-out", "{d}/replies"), 0, '"event": "listening"', out=True,
        shown="--input-wav stop.wav --fast --json --engine pocketsphinx --tts-out DIR"),
    # Settings files
    "$LOCKOUT_CONFIG names a missing file": Case(
        ("converse", "hi"), 2, "no such settings file", env={"LOCKOUT_CONFIG": "/nope.toml"}),
    "--config names a missing file": Case(
        ("--config", "/nope.toml", "converse", "hi"), 2, "no such settings file"),
    "--config /dev/zero": Case(("--config", "/dev/zero", "chat"), 2, "a character device"),
    "--config /dev/urandom": Case(("--config", "/dev/urandom", "chat"), 2, "a character device"),
    "--config a FIFO": Case(("--config", "{d}/fifo.toml", "chat"), 2, "a pipe (FIFO)"),
    "--config a directory": Case(("--config", "{d}/dir.toml", "chat"), 2, "a directory"),
    "--config a symlink loop": Case(("--config", "{d}/loop.wav", "chat"), 2,
                                    "a symbolic link loop"),
    "settings: `a=` and 100 000 `[`": Case(("--config", "{d}/deep.toml", "chat"), 2,
                                           "larger than 64 KB"),
    "settings: `a=` and 60 000 `[` (under the size cap)": Case(
        ("--config", "{d}/deep60k.toml", "chat"), 2, "nested too deeply"),
    "settings: not UTF-8": Case(("--config", "{d}/latin1.toml", "chat"), 2, "not UTF-8"),
    "settings: a 50 KB phone number": Case(("--config", "{d}/longphone.toml", "chat"), 2,
                                           "is not a phone number"),
    "settings: a 50 KB key": Case(("--config", "{d}/hugekey.toml", "chat"), 2, "unknown key"),
    "settings: a word where a number belongs": Case(
        ("--config", "{d}/rate.toml", "chat"), 2, "voice.rate: must be an integer"),
    # Special files as audio
    "listen --input-wav a FIFO": Case(("listen", "--input-wav", "{d}/fifo.wav"), 2,
                                      "a pipe (FIFO)"),
    "listen --input-wav /dev/stdin from a pipe": Case(
        ("listen", "--input-wav", "/dev/stdin"), 2, "a pipe (FIFO)", stdin="RIFF...."),
    "listen --input-wav /proc/self/mem": Case(("listen", "--input-wav", "/proc/self/mem"), 2,
                                              "cannot read"),
    "listen --input-wav /dev/zero": Case(("listen", "--input-wav", "/dev/zero"), 2,
                                         "a character device"),
    "converse with a FIFO named .wav": Case(("converse", "{d}/fifo.wav"), 2, "a pipe (FIFO)"),
    "converse with a directory named .wav": Case(("converse", "{d}/dir.wav"), 2, "a directory"),
    "converse with a symlink loop named .wav": Case(("converse", "{d}/loop.wav"), 2,
                                                    "a symbolic link loop"),
    "converse with a link to /dev/zero named .wav": Case(("converse", "{d}/zero.wav"), 2,
                                                         "a character device"),
    "converse with a .wav that does not exist": Case(
        ("converse", "--json", "{d}/missing.wav"), 0, '"input": "text"', out=True),
    # Output paths
    "listen --tts-out an existing file": Case(
        ("listen", "--input-wav", str(SPEECH), "--fast", "--tts-out", "{d}/file"), 2,
        "exists and is not a folder", shown="listen --input-wav stop.wav --fast --tts-out FILE"),
    "listen --log-transcripts a FIFO": Case(
        ("listen", "--input-wav", str(SPEECH), "--fast", "--tts-out", "{d}/r",
         "--log-transcripts", "{d}/fifo.log"), 2, "a pipe (FIFO), not a file",
        shown="listen --input-wav stop.wav --fast --tts-out DIR --log-transcripts FIFO"),
    # Values
    "a 100 000-character --engine": Case(
        ("converse", "--engine", "x" * 100_000, "hi"), 2, "characters) (choose from",
        shown="converse --engine xxx…(100 000 characters) hi"),
    "--reprompt-after nan": Case(("listen", "--input-wav", str(SPEECH), "--reprompt-after",
                                  "nan"), 2, "--reprompt-after must be between 1 and 120",
                                 shown="listen --input-wav stop.wav --reprompt-after nan"),
    "--fast without --input-wav": Case(("listen", "--fast"), 2, "--fast needs --input-wav"),
    "an unknown command": Case(("frobnicate",), 2, "invalid choice: 'frobnicate'"),
    # Typed input
    "chat < /dev/zero": Case(("chat",), 2, "NUL bytes", stdin=b"/dev/zero"),
    "chat < /dev/urandom": Case(("chat",), 2, "the typed input is not", stdin=b"/dev/urandom",
                                varies=True),
    "chat, a 1 MB line": Case(("chat",), 2, "longer than 4096 characters",
                              stdin="x" * 1_000_000 + "\n"),
}


def run(args: list[str], *, stdin: str | bytes | None = None, env: dict[str, str] | None = None,
        timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """The command as a user runs it; `stdin` bytes name a device to read from."""
    cmd = [sys.executable, "-m", "voice_assistant", *args]
    full_env = {**ENV, **(env or {})}
    if isinstance(stdin, bytes):
        with open(stdin.decode(), "rb") as fh:
            return subprocess.run(cmd, stdin=fh, capture_output=True, timeout=timeout,
                                  env=full_env)
    return subprocess.run(cmd, input=None if stdin is None else stdin.encode(),
                          stdin=subprocess.DEVNULL if stdin is None else None,
                          capture_output=True, timeout=timeout, env=full_env)


def check_one_clear_outcome(p: subprocess.CompletedProcess, *, lines: int = 1
                            ) -> tuple[str, str]:
    """No traceback, no bug report, short lines, and on failure at most `lines` lines (the
    error, and the log lines before it); returns (stdout, stderr) as text."""
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode in (0, 1, 2), (p.returncode, err[-2000:])
    assert "Traceback" not in err and "unexpected error" not in err, err[-3000:]
    assert all(len(line) <= MAX_LINE for line in err.splitlines()), err[:3000]
    if p.returncode != 0:
        assert len(err.strip().splitlines()) <= lines, err[-3000:]
    return out, err


def outcome(name: str, case: Case, d: Path) -> dict[str, object]:
    args = [a.replace("{d}", str(d)) for a in case.args]
    p = run(args, stdin=case.stdin, env=case.env)
    out, err = check_one_clear_outcome(p)
    assert p.returncode == case.code, (name, err)
    assert case.expect in (out if case.out else err), (name, out[-500:], err)
    said = err.strip() if p.returncode else ""
    return {"case": name, "command": _shown(case), "exit": p.returncode,
            "says": said.replace(str(d), "DIR"), "expect": case.expect, "varies": case.varies}


def _shown(case: Case) -> str:
    """The command line as a user would type it (prepared files by their own names)."""
    def word(a: str) -> str:
        a = a.replace("{d}/", "")
        return f'"{a}"' if " " in a or not a else a

    env = "".join(f"{k}={v} " for k, v in case.env.items())
    line = f"{env}lockout-assistant {case.shown or ' '.join(word(a) for a in case.args)}"
    if isinstance(case.stdin, bytes):
        return f"{line} < {case.stdin.decode()}"
    if case.stdin is not None and len(case.stdin) > 200:
        return f"{line} < (a {len(case.stdin) // 1000} KB line)"
    return line


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    _files(d)
    return d


def recorded() -> dict[str, dict[str, object]]:
    rows = json.loads(FIGURES.read_text(encoding="utf-8"))["cases"]
    return {r["case"]: r for r in rows}


def test_every_case_matches_its_recorded_outcome(files: Path) -> None:
    rows = [outcome(name, case, files) for name, case in CASES.items()]
    if os.environ.get("UPDATE_FIGURES"):
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        FIGURES.write_text(json.dumps({"source": "tests/test_hostile_cli.py", "cases": rows},
                                      indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    saved = recorded()
    assert list(saved) == list(CASES), "record again: UPDATE_FIGURES=1 pytest " + __file__
    for row in rows:
        want = saved[row["case"]]
        if row["varies"]:
            assert (row["exit"], row["expect"]) == (want["exit"], want["expect"])
            assert str(row["expect"]) in str(want["says"])
        else:
            assert row == want, f"{row['case']}: now {row}, recorded {want}"


# Any command line: the hypothesis test. Values that a hostile tester would pick.
PATHS = ["{d}/fifo.wav", "{d}/dir.wav", "{d}/loop.wav", "{d}/zero.wav", "/dev/zero",
         "/dev/urandom", "/proc/self/mem", "{d}/missing.wav", "{d}/file", "{d}/my.toml",
         "{d}/deep60k.toml", "{d}/fifo.toml", str(SPEECH), "", "-", "x" * 5000]
NUMBERS = ["nan", "-1", "0", "1e309", "abc", "5", "0.3", "-inf", "9" * 400]
OPTIONS: dict[str, Callable[[], st.SearchStrategy[list[str]]]] = {
    "--config": lambda: st.sampled_from(PATHS).map(lambda p: ["--config", p]),
    "-v": lambda: st.just(["-v"]),
    "--json": lambda: st.just(["--json"]),
    "--engine": lambda: st.sampled_from(["pocketsphinx", "nope", "", "all", "x" * 3000])
    .map(lambda e: ["--engine", e]),
    "--model": lambda: st.sampled_from(PATHS).map(lambda p: ["--model", p]),
    "--device": lambda: st.sampled_from(["999", "-1", "", "USB", "x" * 3000])
    .map(lambda v: ["--device", v]),
    "--input-wav": lambda: st.sampled_from(PATHS).map(lambda p: ["--input-wav", p]),
    "--fast": lambda: st.just(["--fast"]),
    "--tts-out": lambda: st.sampled_from([*PATHS, "{d}/replies"]).map(lambda p: ["--tts-out", p]),
    "--log-transcripts": lambda: st.sampled_from(PATHS).map(lambda p: ["--log-transcripts", p]),
    "--reprompt-after": lambda: st.sampled_from(NUMBERS).map(lambda n: ["--reprompt-after", n]),
    "--trailing-silence": lambda: st.sampled_from(NUMBERS)
    .map(lambda n: ["--trailing-silence", n]),
    "--bogus": lambda: st.just(["--bogus"]),
}
COMMANDS = [None, "chat", "converse", "listen", "graph", "frobnicate", "devices"]
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
               max_size=40)


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[list[str], str | bytes]:
    def opts() -> list[str]:
        names = draw(st.lists(st.sampled_from(sorted(OPTIONS)), max_size=4))
        return [tok for n in names for tok in draw(OPTIONS[n]())]

    command = draw(st.sampled_from(COMMANDS))
    args = opts() + ([command] if command else []) + opts()
    if command in (None, "listen"):  # never the real microphone: a file, on a fast clock
        args += ["--input-wav", draw(st.sampled_from(PATHS)), "--fast", "--tts-out", "{d}/o"]
    if command == "converse":
        args += draw(st.lists(st.one_of(TEXT, st.sampled_from(PATHS)), min_size=1, max_size=3))
    stdin = draw(st.sampled_from(["I'm locked out\nno\nstop\n", "", b"/dev/zero",
                                  b"/dev/urandom"]))
    return args, stdin


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=command_lines())
def test_any_command_line_ends_cleanly(files: Path, line: tuple[list[str], str | bytes]) -> None:
    args, stdin = line
    argv = [a.replace("{d}", str(files)) for a in args]
    try:
        p = run(argv, stdin=stdin, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung: {args}")
    check_one_clear_outcome(p, lines=3)
