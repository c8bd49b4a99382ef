"""The default voice: pyttsx3 driving espeak-ng, run inside the speech worker process.

The only module that imports pyttsx3. `worker(conn)` receives `(text, settings)` and answers
`("ok", pcm bytes, rate, warning)` or `("error", message)`; None or a closed pipe ends it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import wave
from collections.abc import Sequence
from contextlib import suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

RATE = 22050  # what pyttsx3's espeak driver writes
_WORDGAP = 7  # espeak_PARAMETER espeakWORDGAP: pause between words, in units of 10 ms


def pick_voice(voices: Sequence[Any], wanted: str) -> str | None:
    """The voice id for `wanted`: an id, an id without its family ("en-us"), or a name part;
    an espeak variant after "+" is kept ("en-us+m3" → "gmw/en-us+m3")."""
    base, plus, variant = wanted.partition("+")
    w = base.casefold()
    known = [(v.id, v.id.casefold(), (v.name or "").casefold()) for v in voices]
    found = next((vid for vid, i, n in known if w in (i, i.rsplit("/", 1)[-1], n)), None)
    found = found or next((vid for vid, i, n in known if w in i or w in n), None)
    if found is None or (plus and not variant.isalnum()):
        return None
    return f"{found}{plus}{variant}"


def _apply(engine: Any, settings: Any) -> str | None:  # tts.VoiceSettings
    """Set rate, voice and word gap; returns a warning if the voice is unknown. The volume is
    not set here: every voice renders at full level and the parent scales it (loudness)."""
    from pyttsx3.drivers import _espeak

    engine.setProperty("rate", int(settings.rate))
    engine.setProperty("volume", 1.0)
    note = None
    if settings.voice:
        voice_id = pick_voice(engine.getProperty("voices"), settings.voice)
        if voice_id is None:
            note = f"no speech voice matches {settings.voice!r}; using the default voice"
        else:
            engine.setProperty("voice", voice_id)
    _espeak.SetParameter(_WORDGAP, round(settings.word_gap * 100), 0)
    return note


def worker(conn: Connection) -> None:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the espeak driver prints per file
    import pyttsx3

    engine = pyttsx3.init()
    done = threading.Event()  # pyttsx3 2.99's runAndWait returns before espeak has finished
    engine.connect("finished-utterance", lambda name, completed: done.set())
    with tempfile.TemporaryDirectory(prefix="tts-") as tmp, suppress(EOFError):
        out = Path(tmp) / "sentence.wav"
        while (request := conn.recv()) is not None:
            text, settings = request
            try:
                # Every time: espeak carries state from one text to the next (the same
                # sentence came out a few samples different); a fresh voice makes the same
                # sentence the same audio, whatever was said before.
                note = _apply(engine, settings)
                out.unlink(missing_ok=True)
                done.clear()
                engine.save_to_file(text, str(out))
                engine.runAndWait()
                if not done.wait(120):
                    raise TimeoutError("espeak never finished")
                with wave.open(str(out), "rb") as w:
                    reply = ("ok", w.readframes(w.getnframes()), w.getframerate(), note)
            except Exception as exc:  # reported; the parent then replaces this worker
                reply = ("error", f"{type(exc).__name__}: {exc}")
            conn.send(reply)
