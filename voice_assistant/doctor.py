"""`lockout-assistant doctor`: check everything the hands-free assistant needs, one line each.

Each check prints `ok   <what>: <detail>` or `FIX: <what>: <problem>: <the fix>`; the result is
0 when every check passes, else 1. A check never raises: whatever goes wrong is its line.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO

log = logging.getLogger(__name__)

TTS_TIMEOUT = 40.0  # seconds; a hung speech synthesiser must not hang doctor
TTS_SENTENCE = "The lockout assistant can speak."
FETCH_FIX = "run `lockout-assistant fetch-model`"


@dataclass(frozen=True)
class Check:
    what: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FIX:'} {self.what}: {' '.join(self.detail.split())}"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


#: 32-bit ARM userlands: pocketsphinx (and CTranslate2) publish no wheels for them.
ARM32 = ("armv6l", "armv7l", "armv8l", "armhf", "arm")
DEVICE_MODEL = Path("/proc/device-tree/model")  # "Raspberry Pi 4 Model B Rev 1.4" on a Pi


def check_machine(machine: str | None = None, model_file: Path = DEVICE_MODEL) -> Check:
    """The architecture (and the board, where the kernel names it): 64-bit is required."""
    machine = machine or platform.machine() or "unknown"
    try:
        board = model_file.read_text(encoding="utf-8", errors="replace").strip("\0 \n")
    except OSError:
        board = ""
    detail = ", ".join(x for x in (machine, board, f"{os.cpu_count() or 1} core(s)",
                                   f"Python {platform.python_version()}") if x)
    if machine in ARM32:
        return Check("machine", False, f"{detail}: 32-bit ARM has no wheels for the speech "
                     "engines: install 64-bit Raspberry Pi OS")
    return Check("machine", True, detail)


def check_settings(config: Path | None) -> tuple[Check, Any]:
    """The settings check, and the settings (None when they are invalid)."""
    from voice_assistant import settings

    try:
        loaded = settings.load(config)
    except settings.SettingsError as exc:
        fix = "correct that line" if len(exc.problems) == 1 else "correct those lines"
        return Check("settings", False, f"{_one_line('; '.join(exc.problems))}: {fix}, or "
                     "pass --config with another file"), None
    if loaded.source is None:
        return Check("settings", True, "no settings file, using the defaults (optional: "
                     f"{settings.default_path()})"), loaded
    return Check("settings", True, str(loaded.source)), loaded


def check_microphone(device: str | None) -> Check:
    from voice_assistant.devices import AudioUnavailable, resolve_input

    try:
        mic = resolve_input(device)
    except AudioUnavailable as exc:
        return Check("microphone", False, _one_line(exc))
    chosen = "default" if device in (None, "") else f"--device {device}"
    return Check("microphone", True, f"{mic.label()} ({chosen}), {mic.inputs} channel(s), "
                 f"{mic.default_rate:.0f} Hz")


def check_speaker() -> Check:
    from voice_assistant.devices import AudioUnavailable, list_devices

    try:
        outputs = [d for d in list_devices() if d.outputs > 0]
    except AudioUnavailable as exc:
        return Check("speaker", False, _one_line(exc))
    if not outputs:
        return Check("speaker", False, "no audio output device: connect a USB speaker, an audio "
                     "HAT or headphones, then see `lockout-assistant devices`")
    out = next((d for d in outputs if d.is_default_output), outputs[0])
    return Check("speaker", True, f"{out.label()}, {out.outputs} channel(s)")


def check_voice(voice: Any = None, timeout: float = TTS_TIMEOUT,
                worker: Callable[[Connection], None] | None = None) -> Check:
    """Render one sentence with the configured voice (tts.VoiceSettings; default: the default
    voice) in the speech worker the assistant uses (`tts.Synthesizer`; `worker`: another, for
    the tests), tried once and killed after `timeout`."""
    from voice_assistant import voices
    from voice_assistant.tts import Synthesizer, VoiceFault, VoiceSettings, joined

    voice = voice or VoiceSettings()
    engine = voices.ENGINES[voice.engine]
    fix = engine.fix
    try:
        with Synthesizer(voice, timeout_base=timeout, timeout_per_char=0.0, start_allowance=0.0,
                         worker=worker, retry=False) as synth:
            seconds = joined(list(synth.render_reply(TTS_SENTENCE))).seconds
    except VoiceFault as exc:
        if exc.kind == "hung":
            return Check("voice", False, f"the speech synthesiser hung for {timeout:g} s: "
                         f"reinstall it ({fix})")
        if exc.kind == "silent":
            return Check("voice", False, f"{engine.name} wrote no usable audio "
                         f"({_one_line(exc)}): {fix}")
        return Check("voice", False, f"{engine.name} cannot speak ({exc.detail}): {fix}")
    except OSError as exc:
        return Check("voice", False, f"cannot start Python for the voice check "
                     f"({_one_line(exc)}): reinstall with scripts/setup")
    if seconds < 0.2:
        return Check("voice", False, f"{engine.name} wrote only {seconds:.2f} s of audio: {fix}")
    return Check("voice", True, f"{engine.describe} ({_voice_label(voice)}) rendered a test "
                 f"sentence ({seconds:.1f} s)")


def _voice_label(voice: Any) -> str:
    name = f"{voice.voice}, " if voice.voice else ""
    return f"{name}{voice.rate} wpm, volume {voice.volume:g}"


def check_clarity(voice: Any = None) -> Check:
    """The intelligibility check, short: a few of the hardest replies rendered with the
    configured voice and transcribed by Whisper tiny.en."""
    from voice_assistant import intelligibility
    from voice_assistant.stt import EngineError
    from voice_assistant.tts import TTSError, VoiceSettings

    voice = voice or VoiceSettings()
    try:
        report = intelligibility.report(voice, intelligibility.SHORT)
    except EngineError as exc:
        return Check("voice clarity", True, f"not measured: {_one_line(exc)}")
    except TTSError as exc:
        return Check("voice clarity", False, _one_line(exc))
    verdict = intelligibility.verdict(report.wer)
    detail = (f"{verdict}: Whisper tiny.en misheard {report.wer:.0%} of the words of "
              f"{len(report.scores)} replies ({_voice_label(voice)}; level "
              f"{report.level_dbfs:.0f} dBFS)")
    worst = report.worst(1)
    if worst:
        detail += f"; worst: {worst[0].text!r} heard as {worst[0].heard!r}"
    if report.wer > intelligibility.DOCTOR_LIMIT:
        return Check("voice clarity", False, f"{detail}: remove [voice] name and rate from the "
                     "settings (the tuned voice), or set [voice] engine = \"piper\"")
    return Check("voice clarity", True, detail)


def check_barge_in() -> Check:
    """Echo cancellation is what lets the person interrupt; without it, half-duplex."""
    import numpy as np

    from voice_assistant import echo

    reason = echo.unavailable_reason()
    if reason is not None:  # a working fallback, not a fault: the line says what is lost
        return Check("barge-in", True, f"off, half-duplex: {reason}")
    try:
        echo.EchoCanceller().process(np.zeros(1600, np.int16), np.zeros(1600, np.int16))
    except Exception as exc:  # a broken native library: the loop falls back the same way
        return Check("barge-in", True, f"off, half-duplex: the echo canceller failed "
                     f"({_one_line(exc)}); reinstall with scripts/setup")
    return Check("barge-in", True, "available with `listen --barge-in` (experimental): WebRTC "
                 "echo cancellation (livekit); without it, half-duplex")


def check_engine(engine: str, model: Path | None) -> Check:
    from voice_assistant import data, stt

    try:
        rec = stt.load_recognizer(engine, data.default(), model=model)
    except stt.EngineError as exc:
        return Check("speech engine", False, _one_line(exc))
    except data.DataError as exc:
        return Check("speech engine", False, f"invalid data: {_one_line('; '.join(exc.problems))}"
                     ": restore the intents/ folder from the release")
    return Check("speech engine", True, f"{rec.name} loaded (--engine {engine})")


def check_engines(engine: str) -> Check:
    """Which engines can run here, and which one `auto` picks."""
    from voice_assistant.stt import engines

    here = engines.available()
    auto = engines.pick("auto")
    parts = [f"{name} {'yes' if why is None else 'no'}" for name, why in here.items()]
    missing = [why for name, why in here.items() if why is not None and name != "vosk"]
    detail = f"{', '.join(parts)}; auto picks {auto}"
    if engine == "auto" and auto != engines.AUTO_ORDER[0]:
        return Check("speech engines", False, f"{detail}: {missing[0] if missing else ''}"
                     .rstrip(": "))
    return Check("speech engines", True, detail)


def check_vosk_model(engine: str, model: Path | None) -> Check:
    from voice_assistant.model_fetch import looks_like_model
    from voice_assistant.stt.models import find_vosk_model, looks_like_whisper_model

    if engine in ("whisper", "pocketsphinx"):
        return Check("Vosk model", True, f"not needed with --engine {engine}")
    if model is not None and looks_like_whisper_model(model):
        model = None  # `--engine auto --model` naming a Whisper model
    path, why = find_vosk_model(model)
    if path is not None and looks_like_model(path):
        return Check("Vosk model", True, f"{path} ({why})")
    if path is not None:
        return Check("Vosk model", False, f"{path} ({why}) is not a Vosk model folder (no am/ "
                     f"and conf/): point to the unpacked model, or {FETCH_FIX}")
    if engine == "auto":
        return Check("Vosk model", True, f"{why}: optional, Whisper is used; to add Vosk, "
                     f"{FETCH_FIX} (needs internet once)")
    return Check("Vosk model", False, f"{why}: {FETCH_FIX} (needs internet once)")


def _guarded(what: str, fn: Callable[[], Check]) -> Check:
    try:
        return fn()
    except Exception as exc:  # a doctor reports, it never crashes
        log.debug("%s check failed", what, exc_info=True)
        return Check(what, False, f"unexpected {type(exc).__name__}: {_one_line(exc)}: "
                     "run again with -v and report it")


def run_doctor(config: Path | None, engine: str, model: Path | None, device: str | None,
               out: TextIO | None = None, voice: str | None = None) -> int:
    """Run every check, printing one line each to `out` (stdout); 0 if all pass, else 1."""
    stream = out or sys.stdout
    loaded: list[Any] = [None]

    def settings_check() -> Check:
        check, loaded[0] = check_settings(config)
        return check

    def voice_settings() -> Any:  # tts.VoiceSettings: --voice, else the settings' [voice]
        from voice_assistant.settings import Settings
        from voice_assistant.tts import VoiceSettings

        return VoiceSettings.configured((loaded[0] or Settings()).voice, voice)

    def mic_check() -> Check:
        # Without --device, check the microphone the settings choose ([listen] device).
        listen = getattr(loaded[0], "listen", None)
        chosen = device if device not in (None, "") else getattr(listen, "device", None)
        return check_microphone(chosen or None)

    checks: list[tuple[str, Callable[[], Check]]] = [
        ("machine", check_machine),
        ("settings", settings_check),
        ("microphone", mic_check),
        ("speaker", check_speaker),
        ("voice", lambda: check_voice(voice_settings())),
        ("voice clarity", lambda: check_clarity(voice_settings())),
        ("barge-in", check_barge_in),
        ("speech engines", lambda: check_engines(engine)),
        ("speech engine", lambda: check_engine(engine, model)),
        ("Vosk model", lambda: check_vosk_model(engine, model)),
    ]
    failed = 0
    for what, fn in checks:
        check = _guarded(what, fn)
        failed += not check.ok
        print(check.line(), file=stream, flush=True)
    return 1 if failed else 0
