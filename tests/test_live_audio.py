"""The hands-free loop on real PortAudio devices: a PulseAudio server with virtual devices
(`sound_server.py`), `lockout-assistant listen` on the default device, recorded voices
played into the microphone and the speaker recorded. Timing is reported by
`scripts/virtual-audio bench`, never asserted here; every wait is bounded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.sound_server import Listen, MicFormat, SoundServer, SoundServerUnavailable, converse

AUDIO = Path(__file__).resolve().parent / "fixtures" / "audio"
MANIFEST = yaml.safe_load((AUDIO / "manifest.yaml").read_text(encoding="utf-8"))
CONVERSATIONS = {c["id"]: c for c in MANIFEST["conversations"]}


def _turns(conv_id: str) -> tuple[list[Path], list[str]]:
    turns = CONVERSATIONS[conv_id]["turns"]
    return [AUDIO / t["file"] for t in turns], [t["step"] for t in turns]


@pytest.fixture(scope="module")
def server():
    try:
        s = SoundServer().start()
    except SoundServerUnavailable as exc:
        pytest.skip(f"no sound server can start here: {exc}")
    yield s
    s.stop()


@pytest.fixture
def listen(server):
    started: list[Listen] = []

    def start(*args: str) -> Listen:
        server.no_echo()
        proc = Listen(server, *args)
        started.append(proc)
        assert proc.ready(server), (proc.events, "".join(proc.stderr)[-2000:])
        return proc

    yield start
    for proc in started:
        assert proc.stop() == 0, "".join(proc.stderr)[-2000:]


def test_the_default_devices_are_the_virtual_ones(server):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "voice_assistant", "devices"], env=server.env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "default" in out.stdout and "pulse" in out.stdout


def test_a_recorded_conversation_reaches_its_steps(server, listen):
    files, steps = _turns("conv_other_entry_fails")
    proc = listen()
    assert converse(server, proc, files) == steps, proc.events
    assert [e for e in proc.events if e["event"] == "say"]  # it answered aloud


@pytest.mark.parametrize(("first", "second"), [
    (MicFormat(44100, 1), MicFormat(48000, 2)),
    (MicFormat(48000, 1), MicFormat(44100, 2)),
], ids=["44k-mono-then-48k-stereo", "48k-mono-then-44k-stereo"])
def test_microphone_pulled_out_and_plugged_in_again(server, listen, first, second):
    """The microphone at its own rate and channel count; unplugged mid-session and plugged in
    again (in another format): `mic_error`, then `mic_recovered`, and the session goes on."""
    files, steps = _turns("conv_spare_key")
    server.unload_mic()
    server.load_mic(first)
    proc = listen()
    assert converse(server, proc, files[:1]) == steps[:1], proc.events
    server.unload_mic()
    assert proc.wait_for("mic_error", 60), "no mic_error after the microphone was removed"
    server.load_mic(second)
    assert proc.wait_for("mic_recovered", 60), "no mic_recovered after it came back"
    server.wait_until_heard(60)
    assert converse(server, proc, files[1:]) == steps[1:]


def test_its_own_voice_looped_back_is_never_the_person(server, listen):
    files, steps = _turns("conv_spare_key")
    proc = listen()
    server.echo(delay_ms=200, gain=0.6)
    try:
        assert converse(server, proc, files) == steps
    finally:
        server.no_echo()
    heard = [e for e in proc.events if e["event"] == "heard"]
    assert len(heard) == len(files), heard  # nothing heard but the person's turns
    assert not [e for e in proc.events if e["event"] == "barge_in"]
