"""A real sound server with virtual devices, for end-to-end tests of the hands-free loop.

PulseAudio runs as an ordinary foreground process with its own config, socket and runtime
folder (nothing of the machine's own sound setup is touched). Its devices:

    probe    a 2-channel null sink: left = what the microphone hears, right = the speaker
    micsink  a mono sink feeding probe's left channel: play the person's voice here
    speaker  a mono sink feeding probe's right channel: the default output (the assistant)
    mic      a source on probe.monitor's left channel: the default input (the assistant)

So one recording of `probe.monitor` holds the microphone stream and the speaker on one clock:
latency is measured from the audio itself. `echo()` loops the speaker back into the
microphone (`module-loopback`, with a delay and a gain), `unload_mic()`/`load_mic()` pull
the microphone out and plug it back in.

    with SoundServer() as server:
        subprocess.run(cmd, env=server.env)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class SoundServerUnavailable(RuntimeError):
    """No sound server can start here; the message says why."""


@dataclass(frozen=True)
class MicFormat:
    rate: int = 48000
    channels: int = 1


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise SoundServerUnavailable(f"{what} did not happen within {timeout:.0f} s")


class SoundServer:
    def __init__(self, mic: MicFormat = MicFormat(), probe_rate: int = 48000) -> None:
        self.mic_format, self.probe_rate = mic, probe_rate
        self.dir = Path(tempfile.mkdtemp(prefix="virtual-audio-"))
        self.socket = self.dir / "native"
        self.env = {**os.environ, "PULSE_SERVER": f"unix:{self.socket}",
                    "PULSE_RUNTIME_PATH": str(self.dir / "runtime"),
                    "PULSE_STATE_PATH": str(self.dir / "state"),
                    "PULSE_COOKIE": str(self.dir / "cookie")}
        self.env.pop("PULSE_SINK", None)
        # The microphone by name, as a deployment names its one microphone: PulseAudio then
        # ends the stream when it is unplugged (as bare ALSA on the Pi does) instead of
        # moving it to another source, such as the speaker's monitor.
        self.env["PULSE_SOURCE"] = "mic"
        self._proc: subprocess.Popen[bytes] | None = None
        self._mic_module: int | None = None
        self._echo_module: int | None = None
        self._recorder: subprocess.Popen[bytes] | None = None
        self._record_file: Path | None = None

    # -- life -------------------------------------------------------------------------------
    def start(self) -> SoundServer:
        exe = shutil.which("pulseaudio")
        if exe is None or shutil.which("pactl") is None:
            raise SoundServerUnavailable(
                "pulseaudio is not installed: apt-get install pulseaudio pulseaudio-utils "
                "libasound2-plugins")
        (self.dir / "runtime").mkdir(exist_ok=True)
        r = self.probe_rate
        cfg = self.dir / "server.pa"
        cfg.write_text("\n".join([
            f"load-module module-native-protocol-unix auth-anonymous=1 socket={self.socket}",
            f"load-module module-cli-protocol-unix socket={self.dir / 'runtime' / 'cli'}",
            f"load-module module-null-sink sink_name=probe rate={r} channels=2 "
            "channel_map=front-left,front-right",
            "load-module module-remap-sink sink_name=micsink master=probe channels=1 "
            "channel_map=mono master_channel_map=front-left remix=no",
            "load-module module-remap-sink sink_name=speaker master=probe channels=1 "
            "channel_map=mono master_channel_map=front-right remix=no",
            "set-default-sink speaker",
            "",
        ]))
        log = (self.dir / "server.log").open("wb")
        self._proc = subprocess.Popen(
            [exe, "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
             "--system=false", "-n", "-F", str(cfg), "--log-target=stderr"],
            env=self.env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        try:
            _wait(lambda: self._proc.poll() is not None or self._pactl_ok("info"), 15,
                  "the sound server's start")
            if self._proc.poll() is not None:
                tail = (self.dir / "server.log").read_text(errors="replace").strip()[-300:]
                raise SoundServerUnavailable(f"pulseaudio exited at start: {tail}")
            self.load_mic()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.stop_recording()
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> SoundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control ----------------------------------------------------------------------------
    def _pactl_ok(self, *args: str) -> bool:
        return subprocess.run(["pactl", *args], env=self.env, capture_output=True,
                              timeout=10).returncode == 0

    def pactl(self, *args: str) -> str:
        p = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True,
                           timeout=10)
        if p.returncode:
            raise RuntimeError(f"pactl {' '.join(args)}: {p.stderr.strip()}")
        return p.stdout.strip()

    def cli(self, command: str) -> str:
        """One command on the server's command-line socket (what `pacmd` speaks)."""
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(str(self.dir / "runtime" / "cli"))
            sock.sendall(command.encode() + b"\n")  # never "exit": it ends the daemon
            sock.shutdown(socket.SHUT_WR)
            out = b""
            with contextlib.suppress(TimeoutError):
                while chunk := sock.recv(4096):
                    out += chunk
        return out.decode(errors="replace")

    def load_mic(self, fmt: MicFormat | None = None) -> None:
        """Plug the microphone in (again), `fmt` its own rate and channels."""
        fmt = fmt or self.mic_format
        self.mic_format = fmt
        self.unload_mic()
        chan_map = "mono" if fmt.channels == 1 else "front-left,front-right"
        master_map = ",".join(["front-left"] * fmt.channels)
        self._mic_module = int(self.pactl(
            "load-module", "module-remap-source", "source_name=mic", "master=probe.monitor",
            f"rate={fmt.rate}", f"channels={fmt.channels}", f"channel_map={chan_map}",
            f"master_channel_map={master_map}", "remix=no"))
        self.pactl("set-default-source", "mic")

    @property
    def mic_plugged(self) -> bool:
        return self._mic_module is not None

    def unload_mic(self) -> None:
        """Pull the microphone out. PulseAudio may move a stream whose source vanished to
        another source (a monitor, here); the streams are ended instead, as bare ALSA ends
        them on the Pi when its USB microphone is pulled out."""
        if self._mic_module is None:
            return
        probe = next(line.split("\t")[0] for line in
                     self.pactl("list", "short", "sources").splitlines()
                     if line.split("\t")[1] == "probe.monitor")
        self.pactl("unload-module", str(self._mic_module))
        self._mic_module = None
        for line in self.pactl("list", "short", "source-outputs").splitlines():
            index, source = line.split("\t")[:2]
            if source != probe and "protocol-native" in line:  # pactl cannot kill; pacmd can
                self.cli(f"kill-source-output {index}")

    def wait_until_heard(self, timeout: float = 60.0) -> None:
        """Wait until a client records from the microphone (the assistant has opened it)."""
        def recording() -> bool:
            sources = {line.split("\t")[1]: line.split("\t")[0]
                       for line in self.pactl("list", "short", "sources").splitlines()}
            outputs = self.pactl("list", "short", "source-outputs").splitlines()
            mic = sources.get("mic")
            return mic is not None and any(
                o.split("\t")[1] == mic and "protocol-native" in o for o in outputs)
        _wait(recording, timeout, "the microphone's opening")

    def echo(self, delay_ms: int = 150, gain: float = 0.5) -> None:
        """Loop the speaker back into the microphone, `delay_ms` late, at `gain` (0..1)."""
        self.no_echo()
        self._echo_module = int(self.pactl(
            "load-module", "module-loopback", "source=speaker.monitor", "sink=micsink",
            f"latency_msec={delay_ms}", "source_dont_move=true", "sink_dont_move=true",
            "sink_input_properties=media.name=echo"))
        volume = round(max(0.0, min(1.0, gain)) ** (1 / 3) * 65536)  # PulseAudio's cubic scale
        for line in self.pactl("list", "short", "sink-inputs").splitlines():
            index, owner = line.split("\t")[:2]
            if owner == str(self._echo_module):
                self.pactl("set-sink-input-volume", index, str(volume))

    def no_echo(self) -> None:
        if self._echo_module is not None:
            self.pactl("unload-module", str(self._echo_module))
            self._echo_module = None

    # -- sound ------------------------------------------------------------------------------
    def play(self, path: str | Path, *, wait: bool = True) -> subprocess.Popen[bytes]:
        """The person says `path` into the microphone."""
        p = subprocess.Popen(["paplay", "--device=micsink", str(path)], env=self.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait:
            p.wait(120)
        return p

    def start_recording(self) -> None:
        """Record the microphone stream (left) and the speaker (right) on one clock."""
        self.stop_recording()
        self._record_file = self.dir / "probe.raw"
        out = self._record_file.open("wb")
        self._recorder = subprocess.Popen(
            ["parec", "--device=probe.monitor", "--raw", "--format=s16le",
             f"--rate={self.probe_rate}", "--channels=2", "--latency-msec=10"],
            env=self.env, stdout=out, stderr=subprocess.DEVNULL)
        out.close()

    def stop_recording(self) -> np.ndarray:
        """The recording so far as int16 (frames, 2): [:, 0] the microphone, [:, 1] the
        speaker; empty when nothing was recorded."""
        rec, self._recorder = self._recorder, None
        if rec is not None:
            rec.terminate()
            rec.wait(5)
        if self._record_file is None or not self._record_file.exists():
            return np.zeros((0, 2), np.int16)
        raw = np.fromfile(self._record_file, "<i2")
        return raw[: len(raw) // 2 * 2].reshape(-1, 2)


def write_wav(path: Path, pcm: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, "<i2").tobytes())
    return path


# -- measuring from the recording ----------------------------------------------------------
FRAME_S = 0.01


def active(pcm: np.ndarray, rate: int, threshold_db: float = -45.0) -> np.ndarray:
    """Per 10 ms frame: is there sound above `threshold_db` dBFS?"""
    n = int(rate * FRAME_S)
    frames = pcm[: len(pcm) // n * n].astype(np.float64).reshape(-1, n) / 32768
    rms = np.sqrt((frames ** 2).mean(axis=1) + 1e-12)
    return 20 * np.log10(rms) > threshold_db


def onsets(flags: np.ndarray, min_gap_s: float = 0.5) -> list[int]:
    """Frames where sound starts after at least `min_gap_s` of quiet."""
    gap = int(min_gap_s / FRAME_S)
    out, quiet = [], gap
    for i, on in enumerate(flags):
        if on and quiet >= gap:
            out.append(i)
        quiet = 0 if on else quiet + 1
    return out


def reply_latencies(rec: np.ndarray, rate: int) -> list[float]:
    """For each reply (speaker onset after a quiet spell), seconds from the last voice in
    the microphone stream before it to its first sample. Replies with no voice in the
    microphone since the previous reply (reprompts, goodbyes on a timer) are skipped."""
    mic, spk = active(rec[:, 0], rate), active(rec[:, 1], rate)
    out, prev = [], 0
    for on in onsets(spk):
        voiced = np.flatnonzero(mic[prev:on])
        if len(voiced):
            out.append((on - (prev + voiced[-1] + 1)) * FRAME_S)
        prev = on
        while prev < len(spk) and spk[prev]:  # the reply's own echo is not the person
            prev += 1
    return out


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "n": 0}
    a = np.asarray(values) * 1000
    return {"p50": round(float(np.percentile(a, 50))), "p95": round(float(np.percentile(a, 95))),
            "n": len(values)}


# -- the assistant and the person ----------------------------------------------------------
class Listen:
    """`lockout-assistant listen --json` on the server's default devices, its events read
    on a thread."""

    def __init__(self, server: SoundServer, *args: str, engine: str = "auto") -> None:
        import queue
        import sys
        import threading

        self.events: list[dict] = []
        self._q: queue.Queue[dict] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voice_assistant", "listen", "--json", "--engine", engine,
             *args], env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self) -> None:
        import json

        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self.events.append(event)
            self._q.put(event)

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def wait_for(self, kinds: str | tuple[str, ...], timeout: float) -> dict | None:
        """The next event of one of `kinds` (others are skipped), or None after `timeout`."""
        import queue

        kinds = (kinds,) if isinstance(kinds, str) else kinds
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._q.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.proc.poll() is not None and self._q.empty():
                    return None
                continue
            if event["event"] in kinds:
                return event
        return None

    def ready(self, server: SoundServer, timeout: float = 120.0) -> bool:
        """Wait until the assistant listens and its microphone has delivered audio (an
        opened stream may stall before its first audio: the assistant reopens it)."""
        if not self.wait_for("listening", timeout):
            return False
        if not self.wait_for(("mic_ready", "mic_recovered"), 60):
            return False
        server.wait_until_heard(60)
        return True

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the assistant has finished answering (or was silent)."""
        heard = self.wait_for("heard", timeout)
        if heard is None or (heard["step"] == "idle" and heard["intent"] != "emergency"):
            return
        self.wait_for("spoken", timeout)

    def stop(self) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def converse(server: SoundServer, listen: Listen, turns: list[Path], *,
             pause: float = 0.7, timeout: float = 60.0,
             interrupt_after: float | None = None) -> list[str]:
    """The person says each turn after the assistant has answered the previous one (or
    `interrupt_after` seconds into that answer); returns the step after each turn as heard by
    the assistant."""
    start = len([e for e in listen.events if e["event"] == "heard"])
    for i, turn in enumerate(turns):
        server.play(turn)
        if interrupt_after is not None and i < len(turns) - 1:
            heard = listen.wait_for("heard", timeout)
            if heard is not None and listen.wait_for(("say", "spoken"), timeout):
                time.sleep(interrupt_after)
            continue
        listen.settle(timeout)
        time.sleep(pause)
    return [e["step"] for e in listen.events if e["event"] == "heard"][start:]
