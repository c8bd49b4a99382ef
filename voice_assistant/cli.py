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
                 "their home. With no command, starts the typed chat.")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(ap)
    sub = ap.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("chat", help="a typed conversation with the guide")
    _common(p)

    p = sub.add_parser("converse", help="run one session from typed turns and WAV files")
    _common(p)
    p.add_argument("--json", action="store_true", help="one JSON object per turn")
    p.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), default="auto")
    p.add_argument("--model", type=Path, help="Vosk model folder")
    p.add_argument("turns", nargs="+", metavar="TURN", help="typed text, or a .wav file")

    p = sub.add_parser("graph", help="print the guide's flow as a Mermaid diagram")
    _common(p)

    p = sub.add_parser("fetch-model", help="download the English Vosk model into models/")
    _common(p)
    p.add_argument("--force", action="store_true", help="download again even if installed")
    p.add_argument("--models-dir", type=Path, help="where to install (default: models/)")
    return ap


def _settings(args: argparse.Namespace):  # -> Settings
    from voice_assistant import settings

    return settings.load(args.config)


def cmd_converse(args: argparse.Namespace) -> int:
    from voice_assistant import asr, converse, data
    from voice_assistant.assistant import Assistant

    assistant = Assistant(settings=_settings(args))
    turns = converse.prepare(args.turns)

    def recognizer() -> asr.Recognizer:
        return asr.load_recognizer(args.engine, data.default(), model=args.model)

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
        path = model_fetch.fetch_model(models, force=args.force,
                                       progress=model_fetch.text_progress())
    except model_fetch.FetchError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    print(f"installed {path}")
    return 0


COMMANDS = {
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
    from voice_assistant.asr import EngineError
    from voice_assistant.audio import AudioError
    from voice_assistant.data import DataError
    from voice_assistant.settings import SettingsError

    try:
        return COMMANDS[args.command or "chat"](args)
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
