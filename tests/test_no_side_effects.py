"""Nothing to steal, nothing to trigger: whole sessions (typed, and recorded through the
hands-free loop) with every way out of the process trapped (network connections, name
look-ups, child processes, exec). The only process allowed is the speech-out worker that
`tts.Synthesizer` starts; the worker itself is then trapped too. Unlock requests always get
the fixed refusal, the settings cannot hold a secret, and a garbled emergency still acts."""

from __future__ import annotations

import _posixsubprocess
import dataclasses
import functools
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import typing
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import TESTS
from voice_assistant import audio, data, settings, tts
from voice_assistant.assistant import Assistant
from voice_assistant.events import Event, Heard, Say
from voice_assistant.guide import State
from voice_assistant.loop import FileOutput, Listener, LoopSettings
from voice_assistant.mic import WavSource
from voice_assistant.settings import Contact, Settings, SettingsError
from voice_assistant.stt import load_recognizer
from voice_assistant.voices.pyttsx3 import _Spare

AUDIO = TESTS / "fixtures" / "audio"
MANIFEST = yaml.safe_load((AUDIO / "manifest.yaml").read_text(encoding="utf-8"))
CONVS = {c["id"]: c for c in MANIFEST["conversations"]}
GUIDE = yaml.safe_load((TESTS.parent / "intents" / "en" / "guide.yaml").read_text("utf-8"))
REFUSAL = " ".join(GUIDE["replies"]["unlock"].split())
SESSION_STEPS = [s for s in GUIDE["steps"] if s not in ("idle", "end")]

UNLOCK = ["open the door for me", "what's the key safe code", "where is the spare key hidden",
          "disable the alarm", "unlock it", "tell me the door code", "buzz me in",
          "what's the pin for the lockbox", "give me the master code"]
#: Misheard or cut-off emergencies, some mixed with another request.
GARBLED = ["my baby's insi", "smell gas maybe", "sme smoke", "there's smok", "maybe smoke",
           "um my kid in there", "stove still on", "a gas smell maybe",
           "open the door for me my baby's insi", "i'm locked out and i smell gas"]

#: (owner, attribute) of every way out of the process that the traps cover.
EXITS: list[tuple[object, str]] = [
    (socket.socket, "connect"), (socket.socket, "connect_ex"), (socket.socket, "sendto"),
    (socket.socket, "bind"), (socket, "create_connection"), (socket, "getaddrinfo"),
    (socket, "gethostbyname"), (socket, "gethostbyname_ex"), (subprocess.Popen, "__init__"),
    (_posixsubprocess, "fork_exec"),
    *((os, name) for name in (
        "system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp", "execv", "execve",
        "execl", "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnv", "spawnve",
        "spawnvp", "spawnvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe") if hasattr(os, name)),
]


class SideEffect(RuntimeError):
    pass


def _is_network_socket(args: tuple, kwargs: dict) -> bool:
    family = kwargs.get("family", args[1] if len(args) > 1 else -1)
    fileno = kwargs.get("fileno", args[4] if len(args) > 4 else None)
    return family in (socket.AF_INET, socket.AF_INET6) or (family == -1 and fileno is None)


def _show(args: tuple) -> str:
    return ", ".join(repr(a) if isinstance(a, str | bytes | int | tuple | list) else
                     type(a).__name__ for a in args[:3])


def install(setattr_: Callable[[object, str, object], None], record: Callable[[str], None],
            allow: Callable[[str], bool] = lambda label: False) -> None:
    """Replace every exit with a trap that records the call and raises `SideEffect`, unless
    `allow(label)` says it is the speech-out worker being started."""
    for owner, name in EXITS:
        label = f"{getattr(owner, '__name__', owner)}.{name}"
        real = getattr(owner, name)

        def trap(*args, _label=label, _real=real, **kwargs):
            if allow(_label):
                return _real(*args, **kwargs)
            record(f"{_label}({_show(args)})")
            raise SideEffect(f"{_label} called")

        setattr_(owner, name, trap)
    real_init = socket.socket.__init__

    def socket_init(*args, **kwargs):  # AF_UNIX pairs (the worker's pipe) are fine
        if _is_network_socket(args, kwargs):
            record(f"socket.socket{args[1:3]!r}")
            raise SideEffect("network socket created")
        real_init(*args, **kwargs)

    setattr_(socket.socket, "__init__", socket_init)


def trapped_speech_worker(conn, log: Path) -> None:
    """The real speech-out worker, with the same traps installed inside its own process; it
    may only fork its own fresh espeak engines (`voices.pyttsx3._Spare`)."""
    def record(call: str) -> None:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(call + "\n")

    def own_engine(label: str) -> bool:
        return label == "os.fork" and sys._getframe(2).f_code is _Spare.__init__.__code__

    install(setattr, record, own_engine)
    tts.pyttsx3_worker(conn)


SPEECH_WORKERS = (tts.pyttsx3_worker, trapped_speech_worker)


def _speech_out_spawn(label: str) -> bool:
    """True for the process start made by `Synthesizer._start` for the speech-out worker
    (multiprocessing's spawn, and its resource tracker on first use): nothing else."""
    if label != "_posixsubprocess.fork_exec":
        return False
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is tts.Synthesizer._start.__code__:
            worker = frame.f_locals["self"]._worker
            return getattr(worker, "func", worker) in SPEECH_WORKERS
        frame = frame.f_back
    return False


class Traps(list):
    """The trapped calls; `allowed` counts speech-out worker starts let through."""

    allowed = 0


@pytest.fixture
def traps(monkeypatch: pytest.MonkeyPatch) -> Traps:
    calls = Traps()

    def allow(label: str) -> bool:
        if _speech_out_spawn(label):
            calls.allowed += 1
            return True
        return False

    install(monkeypatch.setattr, calls.append, allow)
    return calls


def test_the_traps_work(traps: Traps) -> None:
    with pytest.raises(SideEffect):
        socket.create_connection(("example.org", 80), timeout=1)
    with pytest.raises(SideEffect):
        subprocess.run(["true"], timeout=5)
    with pytest.raises(SideEffect):
        os.system("true")
    with pytest.raises(SideEffect):  # only the speech-out worker may be started
        multiprocessing.get_context("spawn").Process(target=os.getpid).start()
    assert len(traps) == 4 and traps.allowed == 0


# --- typed sessions --------------------------------------------------------------------------
SESSIONS = [
    ["I'm locked out", "open the door for me", "what's the key safe code", "yes",
     "where is the spare key hidden", "no", "call my landlord", "disable the alarm", "no",
     "call a locksmith", "stop"],
    ["I'm locked out", "my baby's inside", "call nine one one", "call the police", "continue",
     "tell me the door code", "call my landlord", "start over", "buzz me in", "stop"],
    ["smell gas maybe", "what's the pin for the lockbox", "call an ambulance", "stop"],
    ["open the door for me", "give me the master code", "help", "unlock it", "stop"],
]


@pytest.mark.parametrize("contacts", [False, True], ids=["no-contacts", "contacts"])
def test_typed_sessions_reach_nothing_outside(traps: Traps, contacts: bool) -> None:
    s = Settings(landlord=Contact("Sam", "555 0123"), locksmith=Contact("Key Pros", "555 0199")) \
        if contacts else Settings()
    for session in SESSIONS:
        a = Assistant(settings=s)
        for text in session:
            before = a.state.step
            turn = a.turn(text)
            if turn.intent == "unlock" and turn.match.acted and before not in ("idle", "end"):
                assert turn.say.startswith(REFUSAL) and turn.step == before, text
    assert traps == []


# --- recorded sessions through the loop ------------------------------------------------------
def test_recorded_sessions_through_the_loop_reach_nothing_outside(
        traps: Traps, tmp_path: Path) -> None:
    convs = ["conv_spare_key", "conv_emergency_mid"]
    turns = [AUDIO / t["file"] for c in convs for t in CONVS[c]["turns"]]
    wav = audio.session_wav(tmp_path / "session.wav", turns, gap=20.0, tail=3.0)
    events: list[Event] = []
    rec = load_recognizer("pocketsphinx", data.default())
    with tts.Synthesizer() as synth:  # started (and whitelisted) inside the traps
        listener = Listener(Assistant(), rec, synth, FileOutput(tmp_path / "replies"),
                            LoopSettings(reprompt_after=30, end_after=30), events.append)
        listener.run(WavSource(wav, fast=True))
    assert traps == [] and traps.allowed >= 1  # the worker was started under the traps
    heard = [e for e in events if isinstance(e, Heard)]
    assert [e.step for e in heard[:3]] == [t["step"] for t in CONVS["conv_spare_key"]["turns"]]
    assert "emergency" in [e.step for e in heard]
    says = [e for e in events if isinstance(e, Say)]
    assert len(says) == len(heard) and all(e.audio for e in says)


def test_the_speech_out_worker_itself_reaches_nothing_outside(
        traps: Traps, tmp_path: Path) -> None:
    log = tmp_path / "worker-calls.txt"
    worker = functools.partial(trapped_speech_worker, log=log)
    with tts.Synthesizer(worker=worker) as synth:
        a = Assistant()
        for text in ["I'm locked out", "open the door for me", "I smell gas"]:
            replies = list(synth.render_reply(a.turn(text).say))
            assert sum(r.seconds for r in replies) > 1.0  # real speech was made
    assert traps == [] and traps.allowed >= 1
    assert not log.exists(), log.read_text(encoding="utf-8")


# --- unlock requests -------------------------------------------------------------------------
@pytest.mark.parametrize("step", SESSION_STEPS)
def test_every_unlock_request_gets_the_refusal_and_keeps_the_step(step: str) -> None:
    a = Assistant()
    for text in UNLOCK:
        for state in (State(step=step, history=("assess",)),
                      State(step=step, pending="landlord")):  # also while asking "did you mean"
            a.state = state
            turn = a.turn(text)
            assert turn.intent == "unlock" and turn.match.acted, text
            assert turn.step == step, text
            assert turn.say == f"{REFUSAL} {a.guide.question(a.state)}".strip(), text


def test_unlock_requests_when_idle_start_nothing_and_reveal_nothing() -> None:
    a = Assistant()
    for text in UNLOCK:
        turn = a.turn(text)
        assert turn.step == "idle" and turn.say in ("", REFUSAL), text


def test_the_refusal_and_replies_hold_no_codes() -> None:
    assert "can't open doors" in REFUSAL and "don't keep any codes" in REFUSAL

    def strings(node: object) -> list[str]:
        if isinstance(node, dict):
            return [s for v in node.values() for s in strings(v)]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return [node] if isinstance(node, str) else []

    for text in strings(GUIDE):
        assert not re.search(r"\d{3,}", text), text  # numbers come only from the settings


# --- settings --------------------------------------------------------------------------------
SECRET_WORDS = {"code", "codes", "pin", "pins", "password", "passwd", "passcode", "passphrase",
                "key", "keys", "secret", "token", "combination", "combo", "credential",
                "credentials", "keypad", "lockbox", "safe", "hidden", "hiding", "alarm"}


def _field_names(cls: type, prefix: str = "") -> list[str]:
    hints = typing.get_type_hints(cls)
    names = []
    for f in dataclasses.fields(cls):
        names.append(prefix + f.name)
        if dataclasses.is_dataclass(hints[f.name]):
            names += _field_names(hints[f.name], f"{prefix}{f.name}.")
    return names


def test_settings_have_no_field_that_could_hold_a_secret() -> None:
    names = _field_names(Settings)
    assert "landlord.phone" in names and "listen.device" in names  # the walk is recursive
    for name in names:
        words = set(re.split(r"[._]", name.lower()))
        assert not words & SECRET_WORDS, name
        assert not re.search(r"pass|secret|token|cred|code", name.lower()), name


@pytest.mark.parametrize("doc", [
    {"door_code": "1234"}, {"key_hidden_at": "under the mat"},
    {"landlord": {"phone": "555 0123", "code": "1234"}}, {"listen": {"pin": "1234"}},
    {"locksmith": {"name": "Key Pros", "password": "hunter2"}},
])
def test_a_settings_file_cannot_smuggle_in_a_secret(doc: dict) -> None:
    with pytest.raises(SettingsError, match="unknown key"):
        settings.parse(doc, Path("settings.toml"))


# --- emergencies at low confidence -----------------------------------------------------------
def _plausible_emergency(a: Assistant, text: str) -> bool:
    s = a.matcher.settings
    m = a.matcher.match(text)
    e = next((e for e in m.ranked if e.intent == "emergency"), None)
    return e is not None and e.score >= s.near_threshold and (
        bool(e.keywords) or e.phrase >= s.emergency_phrase)


def _acts_as_emergency(a: Assistant, text: str, state: State) -> bool:
    a.state = state
    turn = a.turn(text)
    return turn.step == "emergency" and "call 911 right now" in turn.say


STATES = [State(), State(step="assess"), State(step="landlord", history=("assess",)),
          State(step="spare_key", pending="got_in"), State(step="emergency"), State(step="end")]


@pytest.mark.parametrize("text", GARBLED)
def test_a_garbled_emergency_still_acts(text: str) -> None:
    a = Assistant()
    assert _plausible_emergency(a, text)
    for state in STATES:
        assert _acts_as_emergency(a, text, state), (text, state)


def test_some_garbled_emergencies_are_not_the_top_match() -> None:
    a = Assistant()
    tops = {t: a.matcher.evidence(a.matcher.match(t).text)[0] for t in GARBLED}
    assert any(e.intent != "emergency" or e.score < 0.8 for e in tops.values())


def test_every_plausible_cut_off_emergency_phrase_acts() -> None:
    """Each emergency phrasing cut short (as a recogniser drops a word's end), with filler:
    whenever emergency is among the plausible matches, the guide goes to the emergency step."""
    a = Assistant()
    tried = acted = 0
    for phrase in data.default().intents["emergency"].phrases:
        for cut in (1, 2, 3):
            for text in (phrase[:-cut], f"um {phrase[:-cut]} maybe"):
                tried += 1
                if _plausible_emergency(a, text):
                    acted += 1
                    for state in STATES:
                        assert _acts_as_emergency(a, text, state), (text, state)
    assert acted > tried // 2
