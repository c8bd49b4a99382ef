"""User settings from an optional TOML file; nothing needs configuring to run.

    emergency_number = "911"

    [landlord]
    name = "Sam"
    phone = "555 0123"

    [locksmith]
    name = "Key Pros"
    phone = "+1 555 0199"

    [voice]            # speech out
    engine = "pyttsx3" # pyttsx3 (espeak-ng, the default) or piper (neural; the [piper] extra)
    name = ""          # pyttsx3 voice, e.g. "en-us+m3"; "" = the engine's tuned voice
    rate = 0           # words per minute; 0 = the engine's tuned rate
    volume = 1.0       # of the normalised speech level

    [listen]
    device = ""        # input device index or name part; "" = default microphone
    trailing_silence = 0.4
    reprompt_after = 8.0
    end_after = 8.0

Invalid settings raise `SettingsError`, with every mistake in the file (`problems`), each one
line naming the file and the key. The file is read
only if it is a regular file of at most `MAX_BYTES` (a FIFO, a device such as /dev/zero, a
directory or a symlink loop is refused by its type, before reading).
"""

from __future__ import annotations

import os
import reprlib
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from voice_assistant import phone, voices
from voice_assistant.oneline import shorten
from voice_assistant.problems import Invalid, Problems
from voice_assistant.userfile import UnusableFile, read_capped

APP_NAME = "lockout-assistant"
ENV_VAR = "LOCKOUT_CONFIG"
MAX_BYTES = 64 * 1024  # a settings file is a few hundred bytes
_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string"}
_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxstring, _SHOW.maxother, _SHOW.maxlist = 2, 40, 40, 4


class SettingsError(Invalid):
    """Invalid settings; each of its `problems` is one line naming the file and the key."""


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.phone)


# These tables are where the defaults are declared, once: the settings the code runs with
# (tts.VoiceSettings, vad.VadSettings, loop.LoopSettings) take theirs from here.


@dataclass(frozen=True)
class Voice:
    engine: str = voices.DEFAULT  # a name in voices.ENGINES
    name: str = ""  # a voice id or part of its name; "" = the engine's tuned voice
    rate: int = 0  # words per minute; 0 = the engine's tuned rate
    volume: float = 1.0  # of the normalised speech level


@dataclass(frozen=True)
class Listen:
    device: str = ""  # input device index or part of its name; "" = the default microphone
    trailing_silence: float = 0.4
    reprompt_after: float = 8.0
    end_after: float = 8.0


@dataclass(frozen=True)
class Settings:
    emergency_number: str = "911"
    landlord: Contact = field(default_factory=Contact)
    locksmith: Contact = field(default_factory=Contact)
    voice: Voice = field(default_factory=Voice)
    listen: Listen = field(default_factory=Listen)
    source: Path | None = None


def _show(value: Any) -> str:
    """A value from the file, as a short one-line repr (deep or long values cut)."""
    return shorten(_SHOW.repr(value))


def env_path() -> Path | None:
    """The file `$LOCKOUT_CONFIG` names (an empty value counts as unset)."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else None


def default_path() -> Path:
    """`$LOCKOUT_CONFIG`, else `settings.toml` in the user's config directory."""
    env = env_path()
    if env is not None:
        return env
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "settings.toml"


def _phone(path: Path, key: str, value: Any, *, min_digits: int) -> str:
    """A phone number as written (checked by `phone.parse`, which spells it too)."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise SettingsError(f"{path}: {key}: must be a string like \"555 0123\"")
    text = " ".join(str(value).split())
    if phone.parse(text, min_keys=min_digits) is None:
        raise SettingsError(
            f"{path}: {key}: {_show(text)} is not a phone number ({min_digits}-15 digits, "
            "e.g. \"555 0123\", \"+44 20 7946 0018\", \"1-800-FLOWERS ext. 12\")"
        )
    return text


def _contact(path: Path, key: str, raw: Any, problems: Problems) -> Contact:
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: {key}: must be a table like [{key}] with name and phone")
    known = {f.name for f in fields(Contact)}
    for k in raw:
        if k not in known:
            problems.add(f"{path}: {key}.{shorten(k)}: unknown key (expected name, phone)")
    name, number = raw.get("name", ""), ""
    if not isinstance(name, str):
        problems.add(f"{path}: {key}.name: must be a string")
        name = ""
    with problems.each():
        if "phone" in raw:
            number = _phone(path, f"{key}.phone", raw["phone"], min_digits=3)
    return Contact(name=" ".join(name.split()), phone=number)


#: Allowed ranges, for the file and for the matching command-line options (voice.rate 0:
#: the voice engine's tuned rate).
RANGES: dict[str, tuple[float, float]] = {
    "voice.rate": (0, 400), "voice.volume": (0.0, 1.0), "listen.trailing_silence": (0.1, 3.0),
    "listen.reprompt_after": (1.0, 120.0), "listen.end_after": (1.0, 120.0),
}


def _table(path: Path, key: str, raw: Any, cls: type, problems: Problems) -> Any:
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: {key}: must be a table like [{key}]")
    values: dict[str, Any] = {}
    for k, v in raw.items():
        with problems.each():
            values[k] = _value(path, key, k, v, cls)
    return cls(**values)


def _value(path: Path, key: str, k: str, v: Any, cls: type) -> Any:
    """`v`, checked, for the key `k` of the table `key` (a `cls`)."""
    defaults = cls()
    if not hasattr(defaults, k):
        names = ", ".join(f.name for f in fields(cls))
        raise SettingsError(f"{path}: {key}.{shorten(k)}: unknown key (expected {names})")
    want = type(getattr(defaults, k))
    if want is float and isinstance(v, int) and not isinstance(v, bool):
        v = float(v)
    if want is str and isinstance(v, int) and not isinstance(v, bool):
        v = str(v)  # a device index
    if not isinstance(v, want) or isinstance(v, bool):
        raise SettingsError(f"{path}: {key}.{k}: must be {_TYPE_NAMES[want]}, got {_show(v)}")
    if f"{key}.{k}" == "voice.engine" and v not in voices.ENGINES:
        raise SettingsError(f"{path}: voice.engine: {_show(v)} is not a voice engine "
                            f"(expected {', '.join(voices.ENGINES)})")
    if f"{key}.{k}" == "voice.rate" and 0 < v < 60:
        raise SettingsError(f"{path}: voice.rate: {v} is outside 60-400 (or 0 for the "
                            "engine's tuned rate)")
    low, high = RANGES.get(f"{key}.{k}", (None, None))
    if low is not None and not low <= v <= high:
        raise SettingsError(f"{path}: {key}.{k}: {v} is outside {low}-{high}")
    return v


def parse(doc: dict[str, Any], path: Path) -> Settings:
    """The settings in `doc` (read from `path`); SettingsError with every mistake."""
    allowed = {"emergency_number", "landlord", "locksmith", "voice", "listen"}
    problems = Problems()
    for key in doc:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            problems.add(f"{path}: {shorten(key)}: unknown key (expected {expected})")
    parts: dict[str, Any] = {}
    with problems.each():
        if "emergency_number" in doc:
            parts["emergency_number"] = _phone(path, "emergency_number", doc["emergency_number"],
                                               min_digits=2)
    for key in ("landlord", "locksmith"):
        with problems.each():
            parts[key] = _contact(path, key, doc.get(key, {}), problems)
    for key, cls in (("voice", Voice), ("listen", Listen)):
        with problems.each():
            parts[key] = _table(path, key, doc.get(key, {}), cls, problems)
    problems.raise_if_any(SettingsError)
    return Settings(**parts, source=path)


def load(path: Path | None = None) -> Settings:
    """Settings from `path`, or from `$LOCKOUT_CONFIG` (either must exist), or from the user's
    settings file when there is one; else the defaults."""
    named_by = "--config"
    if path is None and env_path() is not None:
        path, named_by = env_path(), f"${ENV_VAR}"
    explicit = path is not None
    path = path if path is not None else default_path()
    name = Path(shorten(path))  # how the file is named in messages
    try:
        raw = read_capped(path, MAX_BYTES)
    except UnusableFile as exc:
        if not explicit and not os.path.lexists(path):
            return Settings()
        if not os.path.lexists(path):
            raise SettingsError(f"{name}: no such settings file (named by {named_by})") from None
        raise SettingsError(f"{name}: {exc.reason}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"{name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{name}: invalid TOML: {exc}") from None
    except RecursionError:
        raise SettingsError(f"{name}: invalid TOML: nested too deeply") from None
    return parse(doc, name)
