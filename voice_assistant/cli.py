"""The `lockout-assistant` command line (contracts in SPEC §3)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from voice_assistant.commands import PROG, Commands, UsageError, build_parser
from voice_assistant.oneline import one_line, shorten

if TYPE_CHECKING:
    from voice_assistant.settings import Listen

log = logging.getLogger("lockout-assistant")
__all__ = ["PROG", "UsageError", "build_parser", "main"]


def _settings(args: argparse.Namespace):  # -> Settings
    from voice_assistant import settings

    return settings.load(args.config)


def cmd_converse(args: argparse.Namespace) -> int:
    from voice_assistant import converse, data, stt
    from voice_assistant.assistant import Assistant

    assistant = Assistant(settings=_settings(args))
    turns = converse.prepare(args.turns)

    def recognizer() -> stt.Recognizer:
        return stt.load_recognizer(args.engine, data.default(), model=args.model)

    for out in converse.run(turns, assistant, recognizer):
        if args.json:
            print(json.dumps(out), flush=True)
        else:
            print(f"you ({out['turn']}, {out['input']}): {out['heard']}")
            print(f"  [{out['intent']} {out['confidence']:.2f} -> {out['step']}]")
            print(f"assistant: {out['say'] or '(silent)'}", flush=True)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from voice_assistant.assistant import Assistant

    assistant = Assistant(settings=_settings(args))
    print("Typed chat with the lockout guide. Say \"I'm locked out\" to start; "
          "Ctrl-D or \"stop\" to leave.")
    while True:
        try:
            text = _read_line("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not text.strip():
            continue
        result = assistant.turn(text)
        if args.verbose:  # why: which evidence decided, and how strong it was
            m = result.match
            print(f"  [{m.intent} {m.decision} {m.confidence:.2f} by {m.decided_by or '-'}: "
                  f"{'; '.join(m.reasons)}]")
        if result.say:
            print(f"assistant> {result.say}")
        else:
            print("assistant> (silent: nothing has started. Say \"I'm locked out\" to begin.)")
        if result.step == "end":
            return 0


MAX_LINE = 4096  # characters in one typed turn


def _read_line(prompt: str) -> str:
    """One typed line: from a terminal with line editing; from a pipe or file, at most
    `MAX_LINE` characters of UTF-8 text (so `chat < /dev/zero` cannot fill memory)."""
    stdin = sys.stdin
    if stdin is None:
        raise EOFError
    if stdin.isatty():
        return input(prompt)
    print(prompt, end="", flush=True)
    raw = stdin.buffer.readline(MAX_LINE * 4 + 1)
    if not raw:
        raise EOFError
    if b"\0" in raw:
        raise UsageError("the typed input is not text (it has NUL bytes)")
    if len(raw) > MAX_LINE * 4:
        raise UsageError(f"a typed line is longer than {MAX_LINE} characters")
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise UsageError("the typed input is not UTF-8 text") from None
    if len(text) > MAX_LINE:
        raise UsageError(f"a typed line is longer than {MAX_LINE} characters")
    return text


def cmd_graph(args: argparse.Namespace) -> int:
    from voice_assistant import data
    from voice_assistant.graph import mermaid

    sys.stdout.write(mermaid(data.default()))
    return 0


def cmd_fetch_model(args: argparse.Namespace) -> int:
    from voice_assistant import model_fetch

    models = args.models_dir or model_fetch.default_models_dir()
    try:
        if args.engine == "whisper":
            path = model_fetch.fetch_whisper(models, args.size, force=args.force,
                                             progress=model_fetch.text_progress())
        else:
            path = model_fetch.fetch_model(models, force=args.force,
                                           progress=model_fetch.text_progress())
    except model_fetch.FetchError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    print(f"installed {path}")
    return 0


def _printer(as_json: bool, transcripts: Path | None):  # -> Callable[[events.Event], None]
    """Events to stdout. Privacy: what people said is printed only with --json or to a
    terminal (a service's stdout goes to the system journal, on disk), and written to a file
    only with --log-transcripts."""
    from voice_assistant import events as ev

    show_words = sys.stdout.isatty()

    def emit(event: ev.Event) -> None:
        if transcripts is not None and isinstance(event, ev.Heard):
            try:
                with transcripts.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(event.as_json()) + "\n")
            except OSError as exc:
                log.warning("cannot write transcripts to %s: %s", transcripts, exc.strerror)
        if as_json:
            print(json.dumps(event.as_json()), flush=True)
            return
        match event:
            case ev.Heard():
                words = (event.heard or "(nothing recognised)") if show_words else "…"
                line = f"you: {words}  [{event.intent} -> {event.step}]"
            case ev.Say() | ev.Reprompt():
                line = f"assistant: {event.say}"
            case ev.Listening() | ev.SessionEnd() | ev.MicReady() | ev.MicRecovered():
                line = f"({event.kind.replace('_', ' ')})"
            case ev.MicError():
                line = f"(mic error: {event.error})" if event.error else "(mic error)"
            case _:
                return
        print(f"[{event.t:7.1f}s] {line}", flush=True)

    return emit


#: `listen`'s options that override the keys of the same name in the settings' [listen] table
LISTEN_OPTIONS = ("device", "trailing_silence", "reprompt_after", "end_after")


def listen_settings(args: argparse.Namespace, table: Listen) -> Listen:
    """The settings file's [listen] table with the command line's options applied to it."""
    from voice_assistant import settings

    for name in LISTEN_OPTIONS[1:]:
        value = getattr(args, name)
        low, high = settings.RANGES[f"listen.{name}"]
        if value is not None and not low <= value <= high:
            raise UsageError(f"--{name.replace('_', '-')} must be between {low:g} and "
                             f"{high:g} seconds")
    return replace(table, **{name: getattr(args, name) for name in LISTEN_OPTIONS
                             if getattr(args, name)})


def cmd_listen(args: argparse.Namespace) -> int:
    import signal

    from voice_assistant import data, echo, mic, stt
    from voice_assistant.assistant import Assistant
    from voice_assistant.loop import FileOutput, Listener, LiveOutput, LoopSettings, SpeakerOutput
    from voice_assistant.tts import Speaker, StreamSpeaker, Synthesizer, VoiceSettings

    cfg = _settings(args)
    if args.fast and args.input_wav is None:
        raise UsageError("--fast needs --input-wav FILE")
    listen = listen_settings(args, cfg.listen)
    if args.tts_out is not None:
        _check_folder("--tts-out", args.tts_out)
    if args.log_transcripts is not None:
        _check_appendable("--log-transcripts", args.log_transcripts)
    source: mic.Source
    if args.input_wav is not None:
        source = mic.WavSource(args.input_wav, fast=args.fast)
    else:
        source = _microphone(listen.device or None, args.wait_for_mic)
        if source is None:
            return 1
    loop_settings = LoopSettings.configured(listen)
    recognizer = stt.GuardedRecognizer(
        lambda: stt.load_recognizer(args.engine, data.default(), model=args.model))
    synth = Synthesizer(VoiceSettings.configured(cfg.voice, args.voice))
    output: FileOutput | SpeakerOutput | LiveOutput
    canceller = None
    if args.tts_out:
        output = FileOutput(args.tts_out)
    elif args.input_wav is not None:  # a file has its own clock: play each reply, then go on
        output = SpeakerOutput(Speaker())
    elif args.barge_in:  # listen while speaking, interruptible where echo can be cancelled
        output = LiveOutput(StreamSpeaker())
        canceller = _echo_canceller(echo)
    else:
        output = SpeakerOutput(Speaker())
    listener = Listener(Assistant(settings=cfg), recognizer, synth, output, loop_settings,
                        _printer(args.json, args.log_transcripts), echo=canceller)

    def stop(signum: int, frame: object) -> None:
        listener.stop()
        source.close()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        listener.run(source)
    finally:
        source.close()
        if isinstance(output, LiveOutput):
            output.close()
        synth.close()
    return 0


def _check_folder(option: str, folder: Path) -> None:
    """`folder` is a directory we can write into, or can be made one."""
    from voice_assistant.userfile import exists

    if exists(folder) and not folder.is_dir():
        raise UsageError(f"{option} {shorten(folder)}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{option} {shorten(folder)}: cannot create the folder: "
                         f"{exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {shorten(folder)}: the folder is not writable")


def _check_appendable(option: str, path: Path) -> None:
    """`path` is a regular file, or nothing yet: never a FIFO (which would block) or a device."""
    import stat

    from voice_assistant.userfile import exists, kind

    if not exists(path):
        return
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UsageError(f"{option} {shorten(path)}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"{option} {shorten(path)}: {kind(mode)}, not a file")


def _echo_canceller(echo):  # -> echo.EchoCanceller | None
    reason = echo.unavailable_reason()
    if reason is None:
        try:
            return echo.EchoCanceller()
        except Exception as exc:  # a broken native library: half-duplex still works
            reason = f"the echo canceller failed to start ({exc})"
    log.warning("half-duplex: %s", reason)
    return None


def _microphone(device: str | None, wait: bool):  # -> mic.MicSource | None
    from voice_assistant import devices, mic

    try:
        dev = devices.resolve_input(device)
    except devices.AudioUnavailable as exc:
        print(f"{PROG}: no microphone: {exc}. Try `{PROG} chat` (typed) or "
              f"`{PROG} listen --input-wav FILE`.", file=sys.stderr)
        if not wait:
            return None
        # Unattended (the service): wait for a microphone to appear rather than exit.
        return mic.MicSource(int(device) if device and device.isdigit() else None)
    log.info("listening on %s (%d Hz)", dev.name, int(dev.default_rate))
    return mic.MicSource(dev.index, int(dev.default_rate))


def cmd_bench(args: argparse.Namespace) -> int:
    from voice_assistant import bench, locations

    fixtures = args.fixtures or locations.fixtures_dir()
    problem = bench.fixtures_problem(fixtures)
    if problem:
        raise UsageError(problem)
    try:
        result = bench.run(fixtures, args.engine, args.voice)
    except RuntimeError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
        return 0
    m = result["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}")
    rows = [("start-up (s)", "startup_s"), ("real-time factor", "rtf"),
            ("end of speech -> transcript p50/p95 (ms)", "endpoint_ms"),
            ("end of speech -> reply audio p50/p95 (ms)", "reply_ms"),
            ("speech out, first audio (ms)", "tts_first_audio_ms"),
            ("intent matching (ms/utterance)", "match_ms"), ("peak memory (MB)", "peak_rss_mb")]
    for engine, r in result["engines"].items():
        one = r["pinned_one_core"]
        print(f"\n{engine:44s} {'all cores':>14s} {'one core':>14s}")
        for label, key in rows:
            a, b = r[key], one[key]
            if isinstance(a, dict):
                a, b = f"{a['p50']:.0f}/{a['p95']:.0f}", f"{b['p50']:.0f}/{b['p95']:.0f}"
            print(f"  {label:42s} {a!s:>14s} {b!s:>14s}")
    for voice, r in result.get("voices", {}).items():
        print(f"\nvoice {voice:38s} {'all cores':>14s} {'one core':>14s}")
        if "unavailable" in r:
            print(f"  not measured: {r['unavailable']}")
            continue
        one = r["pinned_one_core"]
        for label, key in (("reply text -> first audio p50/p95 (ms)", "first_audio_ms"),
                           ("CPU s per second of speech", "cpu_s_per_speech_s"),
                           ("worker start, model load (s)", "voice_start_s")):
            a, b = r[key], one[key]
            if isinstance(a, dict):
                a, b = f"{a['p50']:.0f}/{a['p95']:.0f}", f"{b['p50']:.0f}/{b['p95']:.0f}"
            print(f"  {label:42s} {a!s:>14s} {b!s:>14s}")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from voice_assistant import devices

    try:
        print(devices.format_devices(devices.list_devices()))
    except devices.AudioUnavailable as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from voice_assistant.doctor import run_doctor

    return run_doctor(args.config, args.engine, args.model, args.device, voice=args.voice)


COMMANDS = {
    "listen": cmd_listen,
    "devices": cmd_devices,
    "bench": cmd_bench,
    "doctor": cmd_doctor,
    "chat": cmd_chat,
    "converse": cmd_converse,
    "graph": cmd_graph,
    "fetch-model": cmd_fetch_model,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = Commands().parse(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {one_line(exc)} (see --help)", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format=f"{PROG}: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(_one_line_records)
    from voice_assistant.audio import AudioError
    from voice_assistant.data import DataError
    from voice_assistant.problems import Invalid
    from voice_assistant.stt import EngineError

    try:
        return COMMANDS[args.command](args)
    except Invalid as exc:  # settings or data files: every mistake, one line each
        what = "invalid data: " if isinstance(exc, DataError) else ""
        for problem in exc.problems:
            print(f"{PROG}: {what}{one_line(problem)}", file=sys.stderr)
        return 2
    except (UsageError, AudioError, EngineError) as exc:
        print(f"{PROG}: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: still one line for the user; the details with -v
        log.debug("unexpected error", exc_info=True)
        print(f"{PROG}: unexpected error: {type(exc).__name__}: {one_line(exc)} (run with -v "
              "for details)", file=sys.stderr)
        return 1


def _one_line_records(record: logging.LogRecord) -> bool:
    """Log lines stay one line of a readable length, whatever a user's input put in them."""
    if record.exc_info is None:
        record.msg, record.args = one_line(record.getMessage(), 2000), None
    return True
