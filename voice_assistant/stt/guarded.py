"""A recogniser in its own worker thread, so a failing engine costs one utterance."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from voice_assistant.stt.base import Recognizer, Transcript

log = logging.getLogger(__name__)


class GuardedRecognizer:
    """A recogniser run in its own worker thread, so a speech engine that raises or hangs
    costs one utterance, not the session: the worker is abandoned, the engine rebuilt with
    `factory`, and the utterance comes back empty (each incident logged once)."""

    def __init__(self, factory: Callable[[], Recognizer], timeout: float = 10.0) -> None:
        self._factory, self.timeout = factory, timeout
        self.restarts = 0
        self._spawn(factory())

    def _spawn(self, rec: Recognizer) -> None:
        self.name = rec.name
        self._jobs: queue.Queue[tuple[str, Any, queue.Queue[Any]]] = queue.Queue()
        self._failed: str | None = None  # why this utterance is lost
        threading.Thread(target=self._work, args=(rec, self._jobs), daemon=True,
                         name="recognizer").start()

    @staticmethod
    def _work(rec: Recognizer, jobs: queue.Queue) -> None:
        calls = {"start": rec.start, "feed": rec.feed, "finish": lambda _: rec.finish(),
                 "pause": lambda _: rec.pause(), "resume": lambda _: rec.resume(),
                 "cancel": lambda _: rec.cancel()}
        while True:
            op, arg, reply = jobs.get()
            try:
                reply.put(calls[op](arg))
            except Exception as exc:  # any engine failure is the caller's to report
                reply.put(exc)

    def _call(self, op: str, arg: Any) -> Any:
        if self._failed:
            return None
        reply: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._jobs.put((op, arg, reply))
        try:
            result = reply.get(timeout=self.timeout)
        except queue.Empty:
            result = TimeoutError(f"no answer in {self.timeout:.0f} s")
        if isinstance(result, BaseException):
            self._failed = f"{type(result).__name__}: {result}"
            return None
        return result

    def start(self, source_rate: int = 16000) -> None:
        self._failed = None
        self._call("start", source_rate)

    def feed(self, pcm: np.ndarray) -> str:
        return self._call("feed", pcm) or ""

    def pause(self) -> None:
        self._call("pause", None)

    def resume(self) -> None:
        self._call("resume", None)

    def cancel(self) -> None:
        self._call("cancel", None)

    def finish(self) -> Transcript:
        result = self._call("finish", None)
        if isinstance(result, Transcript):
            return result
        log.warning("speech engine %s failed (%s); starting a fresh one", self.name,
                    self._failed)
        self.restarts += 1
        try:
            self._spawn(self._factory())
        except Exception as exc:  # keep going with the old one rather than die
            log.warning("could not restart the speech engine: %s", exc)
            self._failed = None
        return Transcript("", 0.0, self.name)
