"""The default voice: pyttsx3 driving espeak-ng, run inside the speech worker process.

The only module that imports pyttsx3. `worker(conn)` receives `(text, settings)` and answers
`("ok", pcm bytes, rate, warning)` or `("error", message)`; None or a closed pipe ends it.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import threading
import time
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
    """Set voice, rate and word gap; returns a warning if the voice is unknown. The volume is
    not set here: every voice renders at full level and the parent scales it (loudness).

    Straight to espeak, in this order, then wait until espeak has taken them: pyttsx3 queues
    its own setProperty calls until runAndWait, and choosing a voice resets the rate and the
    word gap, so a word gap set beside them was sometimes lost (the same sentence then came
    out faster)."""
    from pyttsx3.drivers import _espeak

    note = None
    if settings.voice:
        voice_id = pick_voice(engine.getProperty("voices"), settings.voice)
        if voice_id is None:
            note = f"no speech voice matches {settings.voice!r}; using the default voice"
        elif _espeak.SetVoiceByName(voice_id.encode("utf-8")) != 0:
            note = f"espeak-ng could not load the voice {voice_id!r}; using the default voice"
    _espeak.SetParameter(_espeak.RATE, int(settings.rate), 0)
    _espeak.SetParameter(_espeak.VOLUME, 100, 0)
    _espeak.SetParameter(_WORDGAP, round(settings.word_gap * 100), 0)
    _espeak.Synchronize()
    return note


def _die_with_parent() -> None:
    """Linux: this process is killed when its parent (the worker) dies."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _one_text(conn: Connection, settings: Any, out: Path) -> None:
    """A fresh engine for one text: start espeak, set the voice, wait for the text, say it
    to `out`, answer (warning or None, or the error) and end."""
    _die_with_parent()
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the espeak driver prints per file
    import pyttsx3

    try:
        engine = pyttsx3.init()
        done = threading.Event()  # pyttsx3 2.99's runAndWait returns before espeak is done
        engine.connect("finished-utterance", lambda name, completed: done.set())
        note = _apply(engine, settings)
        text = conn.recv()
        ctypes.CDLL(None).srand(1)  # espeak's noise comes from rand(), seeded with the time
        engine.save_to_file(text, str(out))
        engine.runAndWait()
        if not done.wait(120):
            raise TimeoutError("espeak never finished")
        conn.send(("ok", note))
    except EOFError:  # the worker is done with this spare
        pass
    except Exception as exc:
        with suppress(OSError):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Spare:
    """A forked process with espeak started and the voice set, waiting for its one text.

    espeak-ng keeps state from one text to the next (its pitch flutter and gain run on), so
    the same sentence came out differently after different sentences; a fresh engine for
    each text says it the same way every time (measured: the same samples). The next one is
    started as soon as a text is said, while it plays, so the wait for it is hidden."""

    def __init__(self, settings: Any, folder: Path, n: int) -> None:
        self.settings, self.out = settings, folder / f"text{n % 2}.wav"
        self.conn, child = mp.Pipe()
        self.pid = os.fork()  # this worker has no threads and no engine: forking is safe
        if self.pid == 0:
            code = 1
            try:
                self.conn.close()
                _one_text(child, settings, self.out)
                code = 0
            finally:
                os._exit(code)  # no Python clean-up of the worker's state in the copy
        child.close()
        self._status: int | None = None

    def _wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self._status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._status = status
            elif time.monotonic() > deadline:
                break
            else:
                time.sleep(0.005)
        return self._status

    def say(self, text: str) -> tuple[bytes, int, str | None]:
        self.out.unlink(missing_ok=True)
        self.conn.send(text)
        try:
            reply = self.conn.recv()
        except EOFError:
            raise RuntimeError(f"espeak stopped (status {self._wait(1.0)})") from None
        finally:
            self._wait(5.0)
        if reply[0] != "ok":
            raise RuntimeError(reply[1])
        with wave.open(str(self.out), "rb") as w:
            return w.readframes(w.getnframes()), w.getframerate(), reply[1]

    def close(self) -> None:
        self.conn.close()  # it ends on end-of-file
        if self._wait(1.0) is None:
            os.kill(self.pid, signal.SIGKILL)
            self._wait(1.0)


def worker(conn: Connection) -> None:
    spare: _Spare | None = None
    count = 0
    with tempfile.TemporaryDirectory(prefix="tts-") as tmp, suppress(EOFError):
        folder = Path(tmp)
        try:
            while (request := conn.recv()) is not None:
                text, settings = request
                try:
                    if spare is None or spare.settings != settings:
                        if spare is not None:
                            spare.close()
                        spare = _Spare(settings, folder, count)
                        count += 1
                    current, spare = spare, None
                    pcm, rate, note = current.say(text)
                    reply = ("ok", pcm, rate, note)
                except Exception as exc:  # reported; the parent then replaces this worker
                    reply = ("error", f"{type(exc).__name__}: {exc}")
                conn.send(reply)
                if spare is None:  # the next engine starts while this sentence plays
                    spare = _Spare(settings, folder, count)
                    count += 1
        finally:
            if spare is not None:
                spare.close()
