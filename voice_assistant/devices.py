"""Audio devices as PortAudio sees them: list them, pick the microphone, print a table.

sounddevice is imported lazily, inside `list_devices`, so everything else starts without
PortAudio. Every problem is an `AudioUnavailable` whose message is one line naming the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

LIST_HINT = "see `lockout-assistant devices`"
_SHOWN = 6  # devices named in an error line before "and N more"


class AudioUnavailable(RuntimeError):
    """No usable audio device (or no PortAudio); the message is one line naming the fix."""


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    inputs: int  # max input channels
    outputs: int  # max output channels
    default_rate: float  # Hz
    is_default_input: bool
    is_default_output: bool

    def label(self) -> str:
        return f"#{self.index} {self.name!r}"


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises "PortAudio library not found" at import
        raise AudioUnavailable(
            "PortAudio is not installed: sudo apt-get install libportaudio2") from exc
    except ImportError as exc:
        raise AudioUnavailable(
            "the sounddevice package is missing: run scripts/setup (pip install sounddevice)"
        ) from exc
    return sounddevice


def _default_index(value: Any, raw: Sequence[dict[str, Any]], channels_key: str) -> int:
    """sounddevice's default device for one direction: an index (-1 = none) or a name part."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value:
        for i, info in enumerate(raw):
            if value.lower() in str(info["name"]).lower() and info[channels_key] > 0:
                return i
    return -1


def list_devices() -> list[Device]:
    """Every audio device PortAudio knows, in its order; raises `AudioUnavailable`."""
    sd = _sounddevice()
    errors: tuple[type[BaseException], ...] = (OSError, getattr(sd, "PortAudioError", OSError))
    try:
        raw = [dict(info) for info in sd.query_devices()]
        pair = sd.default.device
        default_in, default_out = pair[0], pair[1]
    except errors as exc:
        raise AudioUnavailable(
            f"PortAudio cannot list audio devices ({' '.join(str(exc).split())}): "
            "check the sound card with `arecord -l` and `aplay -l`") from exc
    din = _default_index(default_in, raw, "max_input_channels")
    dout = _default_index(default_out, raw, "max_output_channels")
    return [
        Device(
            index=int(info.get("index", i)),
            name=str(info["name"]),
            inputs=int(info["max_input_channels"]),
            outputs=int(info["max_output_channels"]),
            default_rate=float(info["default_samplerate"]),
            is_default_input=i == din,
            is_default_output=i == dout,
        )
        for i, info in enumerate(raw)
    ]


def _some(devs: Sequence[Device]) -> str:
    shown = ", ".join(d.label() for d in devs[:_SHOWN])
    more = len(devs) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _inputs_line(devs: Sequence[Device]) -> str:
    """What exists, for an error line: the microphones, or that there are none."""
    inputs = [d for d in devs if d.inputs > 0]
    if inputs:
        return f"microphones: {_some(inputs)}"
    if devs:
        return f"no device has an input (only outputs: {_some(devs)})"
    return "PortAudio sees no audio devices at all"


def resolve_input(spec: str | int | None) -> Device:
    """The microphone to use: `None` (or "") → the default input; an int or a string of digits →
    that device index; any other string → the input whose name contains it (any case)."""
    devs = list_devices()
    inputs = [d for d in devs if d.inputs > 0]
    text = spec.strip() if isinstance(spec, str) else spec
    if text is None or text == "":
        if not inputs:
            raise AudioUnavailable(
                f"no microphone found ({_inputs_line(devs)}): plug in a USB microphone or an "
                f"audio HAT, then {LIST_HINT}")
        chosen = next((d for d in inputs if d.is_default_input), None)
        if chosen is None:
            chosen = inputs[0]
            log.info("no default input device; using %s", chosen.label())
        return chosen
    if isinstance(text, int) or text.isdigit():
        index = int(text)
        found = next((d for d in devs if d.index == index), None)
        if found is None:
            raise AudioUnavailable(
                f"there is no audio device #{index} ({_inputs_line(devs)}): {LIST_HINT}")
        if found.inputs == 0:
            raise AudioUnavailable(
                f"audio device {found.label()} is not an input ({_inputs_line(devs)}): "
                f"choose a microphone, {LIST_HINT}")
        return found
    needle = text.lower()
    exact = [d for d in inputs if d.name.lower() == needle]
    if exact:
        return exact[0]
    matches = [d for d in inputs if needle in d.name.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise AudioUnavailable(
            f"{text!r} matches several microphones ({_some(matches)}): pass the device number "
            f"instead, {LIST_HINT}")
    outputs = [d for d in devs if needle in d.name.lower()]
    if outputs:
        raise AudioUnavailable(
            f"{outputs[0].label()} matches {text!r} but is not an input ({_inputs_line(devs)}): "
            f"choose a microphone, {LIST_HINT}")
    raise AudioUnavailable(
        f"no microphone matches {text!r} ({_inputs_line(devs)}): {LIST_HINT}")


def format_devices(devs: Iterable[Device]) -> str:
    """A table of `devs` for people, `*` marking the default input and output (no final newline)."""
    devs = list(devs)
    if not devs:
        return ("No audio devices found (no microphone or speaker is visible to PortAudio). "
                "Without audio you can still use `lockout-assistant chat` (typed) or "
                "`lockout-assistant listen --input-wav FILE`.")
    rows = [f"{'#':>3}  {'in':>4}  {'out':>4}  {'rate':>8}  name"]
    for d in devs:
        ins = f"{d.inputs}{'*' if d.is_default_input else ' '}"
        outs = f"{d.outputs}{'*' if d.is_default_output else ' '}"
        rows.append(f"{d.index:>3}  {ins:>4}  {outs:>4}  {d.default_rate:>8.0f}  {d.name}")
    rows.append("in/out: channels; * the default input or output; rate in Hz. "
                "Choose a microphone with --device NUMBER or a part of its name.")
    return "\n".join(rows)
