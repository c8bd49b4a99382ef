"""The command line's grammar: commands, their options and defaults (the CLI runs them).

Every option is accepted before or after the command's name, and with no command `listen`
runs with `listen`'s options (`lockout-assistant --device 2`). Usage errors are one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from voice_assistant import __version__
from voice_assistant.model_fetch import WHISPER_SIZES
from voice_assistant.oneline import one_line
from voice_assistant.stt.engines import CHOICES as ENGINE_CHOICES
from voice_assistant.stt.engines import ENGINES
from voice_assistant.voices import DEFAULT as DEFAULT_VOICE
from voice_assistant.voices import ENGINES as VOICES

PROG = "lockout-assistant"
ENGINE_NAMES = tuple(ENGINES)


class UsageError(Exception):
    """A user mistake: one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see --help)\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="settings TOML file (default: $LOCKOUT_CONFIG, "
                   "else the user config dir)")
    p.add_argument("-v", "--verbose", action="store_true", help="show debug logging")


class Commands:
    """The parser, and each command's own parser and defaults.

    Every option is accepted before or after the command's name: the subcommands' parsers
    leave options that were not given unset (argparse would otherwise overwrite a value given
    before the command with the subcommand's default), and `parse` fills in the defaults of
    the command that runs. With no command, `listen` runs, with `listen`'s options."""

    def __init__(self) -> None:
        ap = _Parser(prog=PROG, description="An offline voice assistant for renters locked out "
                     "of their home. With no command, listens on the microphone: `listen`, "
                     "whose options it takes (e.g. `lockout-assistant --device 2`).")
        ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
        _common(ap)
        bare = ap.add_argument_group("with no command: the options of listen")
        _listen_args(bare)  # type: ignore[arg-type]
        self.bare = {a.dest: a.option_strings[-1] for a in bare._group_actions}
        for action in bare._group_actions:
            action.default = argparse.SUPPRESS
        self.parser = ap
        self.defaults: dict[str, dict[str, object]] = {}
        sub = ap.add_subparsers(dest="command", parser_class=_Parser)
        for name, (help_text, add) in _COMMAND_ARGS.items():
            p = sub.add_parser(name, help=help_text)
            _common(p)
            add(p)
            self.defaults[name] = {a.dest: a.default for a in p._actions
                                   if a.option_strings and a.dest != "help"}
            for action in p._actions:
                if action.option_strings and action.dest != "help":
                    action.default = argparse.SUPPRESS

    def parse(self, argv: Sequence[str] | None) -> argparse.Namespace:
        args = self.parser.parse_args(argv)
        command = args.command or "listen"
        own = self.defaults[command]
        stray = [self.bare[d] for d in self.bare if hasattr(args, d) and d not in own]
        if stray:
            raise UsageError(f"{stray[0]} is an option of listen, not of {command}")
        for dest, default in own.items():
            if not hasattr(args, dest):
                setattr(args, dest, default)
        args.command = command
        return args


def build_parser() -> argparse.ArgumentParser:
    return Commands().parser


def _converse_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON object per turn")
    _engine_args(p)
    p.add_argument("turns", nargs="+", metavar="TURN", help="typed text, or a .wav file")


def _doctor_args(p: argparse.ArgumentParser) -> None:
    _engine_args(p)
    _voice_arg(p)
    p.add_argument("--device", help="input device index or name part")


def _bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--engine", choices=("all", *ENGINE_NAMES), default="all")
    p.add_argument("--voice", choices=("all", *VOICES), default="all",
                   help="speech-out voices to measure (first audio, CPU per second of speech)")
    p.add_argument("--fixtures", type=Path, metavar="DIR",
                   help="the recorded fixtures (a folder with manifest.yaml; default: "
                        "tests/fixtures/audio of the source checkout)")


def _fetch_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("vosk", "whisper"), default="vosk",
                   help="vosk: the small English Vosk model; whisper: a Whisper model")
    p.add_argument("--size", choices=WHISPER_SIZES, default="base.en",
                   help="with --engine whisper: which model (default base.en)")
    p.add_argument("--force", action="store_true", help="download again even if installed")
    p.add_argument("--models-dir", type=Path,
                   help="where to install (default: models/ in a source checkout, else in the "
                        "user data folder)")


def _no_args(p: argparse.ArgumentParser) -> None:
    """Only the global options."""


def _engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                   help="speech engine (auto: the best one installed; see `doctor`)")
    p.add_argument("--model", type=Path, help="the engine's model folder (Whisper or Vosk)")


def _voice_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--voice", choices=tuple(VOICES),
                   help="speech-out engine (default: [voice] engine in the settings, else "
                        f"{DEFAULT_VOICE})")


def _listen_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", help="input device index or name part (see `devices`)")
    p.add_argument("--input-wav", type=Path, metavar="FILE",
                   help="listen to a WAV file instead of the microphone")
    p.add_argument("--fast", action="store_true",
                   help="with --input-wav: run on a simulated clock, not in real time")
    p.add_argument("--tts-out", type=Path, metavar="DIR",
                   help="render each reply to a numbered WAV in DIR instead of the speaker")
    p.add_argument("--json", action="store_true", help="one JSON event per line")
    _engine_args(p)
    _voice_arg(p)
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


_COMMAND_ARGS = {
    "chat": ("a typed conversation with the guide", _no_args),
    "converse": ("run one session from typed turns and WAV files", _converse_args),
    "listen": ("the hands-free loop (the default command)", _listen_args),
    "devices": ("list audio input and output devices", _no_args),
    "doctor": ("check audio, voice, speech engine and settings", _doctor_args),
    "bench": ("measure speed and memory on the committed fixtures", _bench_args),
    "graph": ("print the guide's flow as a Mermaid diagram", _no_args),
    "fetch-model": ("download a speech model (optional: Whisper tiny.en is "
                    "installed by setup)", _fetch_args),
}
