"""devices: sounddevice faked at the hardware edge (a fake module with a Raspberry Pi's devices),
plus the real PortAudio of this machine, which has no sound card."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from voice_assistant.devices import AudioUnavailable, format_devices, list_devices, resolve_input


def _dev(name: str, ins: int, outs: int, rate: float = 44100.0) -> dict[str, Any]:
    return {"name": name, "hostapi": 0, "max_input_channels": ins,
            "max_output_channels": outs, "default_samplerate": rate}


# What sounddevice reports on a Raspberry Pi 4 with a USB microphone, over ALSA.
PI = [
    _dev("bcm2835 Headphones: - (hw:0,0)", 0, 8),
    _dev("USB PnP Sound Device: Audio (hw:1,0)", 1, 0, 48000.0),
    _dev("vc4-hdmi-0: MAI PCM i2s-hifi-0 (hw:2,0)", 0, 2, 48000.0),
    _dev("sysdefault", 0, 128),
    _dev("default", 128, 128),
]


class FakePortAudioError(Exception):
    pass


def fake_sounddevice(monkeypatch: pytest.MonkeyPatch, devs: list[dict[str, Any]],
                     default: Any = (-1, -1), error: Exception | None = None) -> None:
    def query_devices() -> list[dict[str, Any]]:
        if error is not None:
            raise error
        return [dict(d, index=i) for i, d in enumerate(devs)]

    fake = SimpleNamespace(query_devices=query_devices, default=SimpleNamespace(device=default),
                           PortAudioError=FakePortAudioError)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)


def one_line_error(spec: str | int | None) -> str:
    with pytest.raises(AudioUnavailable) as info:
        resolve_input(spec)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_list_devices_maps_fields_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, default=[1, 0])
    devs = list_devices()
    assert [d.index for d in devs] == [0, 1, 2, 3, 4]
    usb = devs[1]
    assert (usb.name, usb.inputs, usb.outputs, usb.default_rate) == (
        "USB PnP Sound Device: Audio (hw:1,0)", 1, 0, 48000.0)
    assert [d.index for d in devs if d.is_default_input] == [1]
    assert [d.index for d in devs if d.is_default_output] == [0]


def test_default_set_by_name_in_sounddevice(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, default=["usb pnp", "headphones"])
    devs = list_devices()
    assert [d.index for d in devs if d.is_default_input] == [1]
    assert [d.index for d in devs if d.is_default_output] == [0]


@pytest.mark.parametrize("spec", [None, "", "  "])
def test_default_input(monkeypatch: pytest.MonkeyPatch, spec: str | None) -> None:
    fake_sounddevice(monkeypatch, PI, default=[4, 4])
    assert resolve_input(spec).name == "default"


def test_no_default_input_falls_back_to_the_first_microphone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, default=[-1, 0])
    assert resolve_input(None).index == 1


@pytest.mark.parametrize("spec", [1, "1", " 1 "])
def test_by_index(monkeypatch: pytest.MonkeyPatch, spec: str | int) -> None:
    fake_sounddevice(monkeypatch, PI, default=[4, 4])
    assert resolve_input(spec).name.startswith("USB PnP")


@pytest.mark.parametrize("spec", ["usb", "USB PnP Sound", "hw:1,0"])
def test_by_name_part_any_case(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    fake_sounddevice(monkeypatch, PI, default=[4, 4])
    assert resolve_input(spec).index == 1


def test_exact_name_beats_a_longer_match(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, [*PI, _dev("default mic array", 4, 0)], default=[4, 4])
    assert resolve_input("Default").index == 4


def test_missing_index_lists_the_microphones(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, default=[4, 4])
    text = one_line_error(7)
    assert "#7" in text and "USB PnP Sound Device" in text
    assert "lockout-assistant devices" in text


def test_an_output_is_not_a_microphone(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, default=[4, 4])
    for spec in (0, "headphones"):
        text = one_line_error(spec)
        assert "bcm2835 Headphones" in text and "not an input" in text
        assert "#1 'USB PnP Sound Device: Audio (hw:1,0)'" in text
        assert "lockout-assistant devices" in text


def test_unknown_name(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, default=[4, 4])
    text = one_line_error("respeaker")
    assert "'respeaker'" in text and "USB PnP" in text and "lockout-assistant devices" in text


def test_an_ambiguous_name_asks_for_the_number(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, [_dev("USB mic A", 1, 0), _dev("USB mic B", 1, 0)])
    text = one_line_error("usb mic")
    assert "#0" in text and "#1" in text and "device number" in text


def test_no_input_devices_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, [PI[0]], default=[-1, 0])
    text = one_line_error(None)
    assert "no microphone" in text and "bcm2835 Headphones" in text
    assert "lockout-assistant devices" in text
    fake_sounddevice(monkeypatch, [])
    text = one_line_error(None)
    assert "no audio devices" in text and "lockout-assistant devices" in text


def test_long_device_lists_stay_short(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, [_dev(f"mic {i}", 1, 0) for i in range(40)])
    text = one_line_error("speaker")
    assert "and 34 more" in text and len(text) < 300


def test_format_devices_none() -> None:
    text = format_devices([])
    assert "\n" not in text and text.startswith("No audio devices found")
    assert "lockout-assistant chat" in text
    assert "lockout-assistant listen --input-wav FILE" in text


def test_format_devices_table(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, default=[1, 0])
    lines = format_devices(list_devices()).splitlines()
    header, rows, footer = lines[0], lines[1:-1], lines[-1]
    assert header.split() == ["#", "in", "out", "rate", "name"]
    assert len(rows) == len(PI)
    usb = rows[1].split()
    assert usb[:4] == ["1", "1*", "0", "48000"] and rows[1].endswith(PI[1]["name"])
    assert rows[0].split()[:3] == ["0", "0", "8*"]
    assert sum(row.count("*") for row in rows) == 2
    assert "--device" in footer


def test_portaudio_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real sounddevice import, on a machine where the PortAudio library cannot be found."""
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(AudioUnavailable) as info:
        list_devices()
    assert str(info.value) == "PortAudio is not installed: sudo apt-get install libportaudio2"
    with pytest.raises(AudioUnavailable):
        resolve_input(None)


def test_portaudio_failing_to_list(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, PI, error=FakePortAudioError("Error querying device -1"))
    with pytest.raises(AudioUnavailable) as info:
        list_devices()
    assert "\n" not in str(info.value) and "arecord -l" in str(info.value)


def test_this_machine_has_no_sound_card() -> None:
    """Real PortAudio here (a build box without audio): nothing listed, a clear error."""
    pytest.importorskip("sounddevice", exc_type=OSError)
    devs = list_devices()
    if devs:
        pytest.skip("this machine has audio devices")
    assert "No audio devices found" in format_devices(devs)
    assert "PortAudio sees no audio devices" in one_line_error(None)


def test_importing_devices_does_not_load_portaudio() -> None:
    code = "import sys, voice_assistant.devices; print('sounddevice' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert proc.stdout.strip() == "False"
