"""The benchmark command runs and reports every field (a smoke test: figures are for
`lockout-assistant bench`, not for timed unit tests on a shared box)."""

import json
import subprocess
import sys

ENGINE_FIELDS = {"startup_s", "rtf", "endpoint_ms", "reply_ms", "tts_first_audio_ms",
                 "match_ms", "peak_rss_mb", "pinned_one_core"}


def test_bench_json_reports_every_field() -> None:
    p = subprocess.run([sys.executable, "-m", "voice_assistant", "bench", "--json",
                        "--engine", "pocketsphinx", "--voice", "pyttsx3"], capture_output=True,
                       text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    assert {"cpu", "cores", "python", "versions"} <= set(result["machine"])
    engine = result["engines"]["pocketsphinx"]
    assert set(engine) >= ENGINE_FIELDS
    assert ENGINE_FIELDS - {"pinned_one_core"} <= set(engine["pinned_one_core"])
    for key in ("endpoint_ms", "reply_ms"):
        assert set(engine[key]) == {"p50", "p95"} and engine[key]["p50"] > 0
    assert 0 < engine["rtf"] < 1 and engine["peak_rss_mb"] > 10 and engine["startup_s"] > 0
    assert result["auto"] == "whisper+pocketsphinx"  # SPEC §3: what `--engine auto` picks
    voice = result["voices"]["pyttsx3"]
    for figures in (voice, voice["pinned_one_core"]):
        assert set(figures["first_audio_ms"]) == {"p50", "p95"}
        assert 0 < figures["first_audio_ms"]["p50"] <= figures["first_audio_ms"]["p95"]
        assert 0 < figures["cpu_s_per_speech_s"] < 2 and figures["speech_s"] > 30
    assert set(result["voices"]) == {"pyttsx3"}
