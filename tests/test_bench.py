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


def test_the_fixtures_are_found_in_the_checkout_or_named() -> None:
    from pathlib import Path

    from voice_assistant import bench, locations

    here = locations.fixtures_dir()
    assert here is not None and bench.fixtures_problem(here) is None
    source, texts = bench._match_texts(here)  # the held-out paraphrases beside them
    assert source == "heldout_paraphrases.tsv" and len(texts) > 200
    missing = bench.fixtures_problem(None)
    assert "--fixtures DIR" in missing and "\n" not in missing
    assert "no manifest.yaml" in bench.fixtures_problem(Path("/nonexistent"))


def test_bench_with_a_wrong_fixtures_folder_is_one_line_exit_2(tmp_path) -> None:
    p = subprocess.run([sys.executable, "-m", "voice_assistant", "bench", "--fixtures",
                        str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    (line,) = p.stderr.splitlines()
    assert f"--fixtures {tmp_path}: no manifest.yaml there" in line
