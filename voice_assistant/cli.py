"""The `lockout-assistant` command line (contracts in SPEC §3)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from voice_assistant import __version__
from voice_assistant.model_fetch import WHISPER_SIZES
from voice_assistant.stt.engines import CHOICES as ENGINE_CHOICES
from voice_assistant.stt.engines import ENGINES

ENGINE_NAMES = tuple(ENGINES)

log = logging.getLogger("lockout-assistant")
PROG = "lockout-assistant"


class UsageError(Exception):
    """A user mistake: one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="settings TOML file (default: user config dir)")
    p.add_argument("-v", "--verbose", action="store_true", help="show debug logging")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog=PROG, description="An offline voice assistant for renters locked out of "
                 "their home. With no command, listens on the microphone (`listen`).")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(ap)
    sub = ap.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("chat", help="a typed conversation with the guide")
    _common(p)

    p = sub.add_parser("converse", help="run one session from typed turns and WAV files")
    _common(p)
    p.add_argument("--json", action="store_true", help="one JSON object per turn")
    _engine_args(p)
    p.add_argument("turns", nargs="+", metavar="TURN", help="typed text, or a .wav file")

    p = sub.add_parser("listen", help="the hands-free loop (the default command)")
    _listen_args(p)

    p = sub.add_parser("devices", help="list audio input and output devices")
    _common(p)

    p = sub.add_parser("doctor", help="check audio, voice, speech engine and settings")
    _common(p)
    _engine_args(p)
    p.add_argument("--device", help="input device index or name part")

    p = sub.add_parser("bench", help="measure speed and memory on the committed fixtures")
    _common(p)
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--engine", choices=("all", *ENGINE_NAMES), default="all")

    p = sub.add_parser("graph", help="print the guide's flow as a Mermaid diagram")
    _common(p)

    p = sub.add_parser("fetch-model", help="download a speech model into models/ (optional: "
                       "Whisper tiny.en is installed by setup)")
    _common(p)
    p.add_argument("--engine", choices=("vosk", "whisper"), default="vosk",
                   help="vosk: the small English Vosk model; whisper: a Whisper model")
    p.add_argument("--size", choices=WHISPER_SIZES, default="base.en",
                   help="with --engine whisper: which model (default base.en)")
    p.add_argument("--force", action="store_true", help="download again even if installed")
    p.add_argument("--models-dir", type=Path, help="where to install (default: models/)")
    return ap


def _engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                   help="speech engine (auto: the best one installed; see `doctor`)")
    p.add_argument("--model", type=Path, help="the engine's model folder (Whisper or Vosk)")


def _listen_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--device", help="input device index or name part (see `devices`)")
    p.add_argument("--input-wav", type=Path, metavar="FILE",
                   help="listen to a WAV file instead of the microphone")
    p.add_argument("--fast", action="store_true",
                   help="with --input-wav: run on a simulated clock, not in real time")
    p.add_argument("--tts-out", type=Path, metavar="DIR",
                   help="render each reply to a numbered WAV in DIR instead of the speaker")
    p.add_argument("--json", action="store_true", help="one JSON event per line")
    _engine_args(p)
    p.add_argument("--reprompt-after", type=float, metavar="SECONDS")
    p.add_argument("--end-after", type=float, metavar="SECONDS")
    p.add_argument("--trailing-silence", type=float, metavar="SECONDS")
    p.add_argument("--log-transcripts", type=Path, metavar="FILE",
                   help="append what was heard to FILE (off by default: nothing heard is "
                        "written to disk)")
    p.add_argument("--barge-in", action="store_true",
                   help="experimental: keep listening while speaking, so the person can "
                        "interrupt (needs echo cancellation, see `doctor`); off: half-duplex")
    p.add_argument("--wait-for-mic", action="store_true",
                   help="with no microphone, keep waiting for one (for the service)")


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
            text = input("you> ")
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


def _printer(as_json: bool, transcripts: Path | None):  # -> Callable[[dict], None]
    """Events to stdout. Privacy: what people said is printed only with --json or to a
    terminal (a service's stdout goes to the system journal, on disk), and written to a file
    only with --log-transcripts."""
    show_words = sys.stdout.isatty()

    def emit(event: dict) -> None:
        if transcripts is not None and event["event"] == "heard":
            try:
                with transcripts.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(event) + "\n")
            except OSError as exc:
                log.warning("cannot write transcripts to %s: %s", transcripts, exc.strerror)
        if as_json:
            print(json.dumps(event), flush=True)
            return
        kind, t = event["event"], event["t"]
        if kind == "heard":
            words = (event["heard"] or "(nothing recognised)") if show_words else "…"
            line = f"you: {words}  [{event['intent']} -> {event['step']}]"
        elif kind in ("say", "reprompt"):
            line = f"assistant: {event['say']}"
        elif kind in ("listening", "session_end", "mic_error", "mic_recovered"):
            detail = f": {event['error']}" if "error" in event else ""
            line = f"({kind.replace('_', ' ')}{detail})"
        else:
            return
        print(f"[{t:7.1f}s] {line}", flush=True)

    return emit


def cmd_listen(args: argparse.Namespace) -> int:
    import signal

    from voice_assistant import data, echo, mic, stt
    from voice_assistant.assistant import Assistant
    from voice_assistant.loop import FileOutput, Listener, LiveOutput, LoopSettings, SpeakerOutput
    from voice_assistant.tts import Speaker, StreamSpeaker, Synthesizer, VoiceSettings
    from voice_assistant.vad import VadSettings

    cfg = _settings(args)
    if args.fast and args.input_wav is None:
        raise UsageError("--fast needs --input-wav FILE")
    for name in ("reprompt_after", "end_after", "trailing_silence"):
        value = getattr(args, name)
        if value is not None and not 0 < value <= 600:
            raise UsageError(f"--{name.replace('_', '-')} must be between 0 and 600 seconds")
    source: mic.Source
    if args.input_wav is not None:
        source = mic.WavSource(args.input_wav, fast=args.fast)
    else:
        source = _microphone(args.device or cfg.listen.device or None, args.wait_for_mic)
        if source is None:
            return 1
    loop_settings = LoopSettings(
        vad=VadSettings(trailing_silence=args.trailing_silence or cfg.listen.trailing_silence),
        reprompt_after=args.reprompt_after or cfg.listen.reprompt_after,
        end_after=args.end_after or cfg.listen.end_after,
    )
    recognizer = stt.GuardedRecognizer(
        lambda: stt.load_recognizer(args.engine, data.default(), model=args.model))
    voice = VoiceSettings(voice=cfg.voice.name or None, rate=cfg.voice.rate,
                          volume=cfg.voice.volume)
    synth = Synthesizer(voice)
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
    from voice_assistant import bench

    try:
        result = bench.run(args.engine)
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

    return run_doctor(args.config, args.engine, args.model, args.device)


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
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format=f"{PROG}: %(message)s",
        stream=sys.stderr,
    )
    from voice_assistant.audio import AudioError
    from voice_assistant.data import DataError
    from voice_assistant.settings import SettingsError
    from voice_assistant.stt import EngineError

    try:
        if args.command is None:  # the hands-free loop, with its defaults
            args = build_parser().parse_args(["listen", *(argv or sys.argv[1:])])
        return COMMANDS[args.command](args)
    except (UsageError, SettingsError, AudioError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except EngineError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except DataError as exc:
        print(f"{PROG}: invalid data: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
