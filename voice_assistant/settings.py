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

Invalid settings raise `SettingsError`: one line naming the file and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from voice_assistant import voices

APP_NAME = "lockout-assistant"
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*$")


class SettingsError(ValueError):
    """Invalid settings; the message is one line naming the file and key."""


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.phone)


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


def default_path() -> Path:
    """`$LOCKOUT_CONFIG`, else `settings.toml` in the user's config directory."""
    env = os.environ.get("LOCKOUT_CONFIG")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "settings.toml"


def spoken_digits(number: str) -> str:
    """A phone number as separate digits, groups kept: "555-0123" → "5 5 5, 0 1 2 3"."""
    groups = [g for g in re.split(r"[^0-9+]+", number) if g.strip("+")]
    spoken = [" ".join("plus" if ch == "+" else ch for ch in g) for g in groups]
    return ", ".join(spoken)


def _phone(path: Path, key: str, value: Any, *, min_digits: int) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise SettingsError(f"{path}: {key}: must be a string like \"555 0123\"")
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if not _PHONE.match(text) or not min_digits <= len(digits) <= 15:
        raise SettingsError(
            f"{path}: {key}: {text!r} is not a phone number ({min_digits}-15 digits, "
            "spaces, dashes, brackets and a leading + allowed)"
        )
    return text


def _contact(path: Path, key: str, raw: Any) -> Contact:
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: {key}: must be a table like [{key}] with name and phone")
    known = {f.name for f in fields(Contact)}
    for k in raw:
        if k not in known:
            raise SettingsError(f"{path}: {key}.{k}: unknown key (expected name, phone)")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise SettingsError(f"{path}: {key}.name: must be a string")
    phone = _phone(path, f"{key}.phone", raw["phone"], min_digits=3) if "phone" in raw else ""
    return Contact(name=" ".join(name.split()), phone=phone)


_RANGES: dict[str, tuple[float, float]] = {
    "voice.rate": (0, 400), "voice.volume": (0.0, 1.0), "listen.trailing_silence": (0.1, 3.0),
    "listen.reprompt_after": (1.0, 120.0), "listen.end_after": (1.0, 120.0),
}


def _table(path: Path, key: str, raw: Any, cls: type) -> Any:
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: {key}: must be a table like [{key}]")
    defaults = cls()
    values: dict[str, Any] = {}
    for k, v in raw.items():
        if not hasattr(defaults, k):
            names = ", ".join(f.name for f in fields(cls))
            raise SettingsError(f"{path}: {key}.{k}: unknown key (expected {names})")
        want = type(getattr(defaults, k))
        if want is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if want is str and isinstance(v, int) and not isinstance(v, bool):
            v = str(v)  # a device index
        if not isinstance(v, want) or isinstance(v, bool):
            raise SettingsError(f"{path}: {key}.{k}: must be a {want.__name__}, got {v!r}")
        if f"{key}.{k}" == "voice.engine" and v not in voices.ENGINES:
            raise SettingsError(f"{path}: voice.engine: {v!r} is not a voice engine (expected "
                                f"{', '.join(voices.ENGINES)})")
        if f"{key}.{k}" == "voice.rate" and 0 < v < 60:
            raise SettingsError(f"{path}: voice.rate: {v} is outside 60-400 (or 0 for the "
                                "engine's tuned rate)")
        low, high = _RANGES.get(f"{key}.{k}", (None, None))
        if low is not None and not low <= v <= high:
            raise SettingsError(f"{path}: {key}.{k}: {v} is outside {low}-{high}")
        values[k] = v
    return cls(**values)


def parse(doc: dict[str, Any], path: Path) -> Settings:
    allowed = {"emergency_number", "landlord", "locksmith", "voice", "listen"}
    for key in doc:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise SettingsError(f"{path}: {key}: unknown key (expected {expected})")
    emergency = "911"
    if "emergency_number" in doc:
        emergency = _phone(path, "emergency_number", doc["emergency_number"], min_digits=2)
    return Settings(
        emergency_number=emergency,
        landlord=_contact(path, "landlord", doc.get("landlord", {})),
        locksmith=_contact(path, "locksmith", doc.get("locksmith", {})),
        voice=_table(path, "voice", doc.get("voice", {}), Voice),
        listen=_table(path, "listen", doc.get("listen", {}), Listen),
        source=path,
    )


def load(path: Path | None = None) -> Settings:
    """Settings from `path` (must exist), or from the default path when it exists, else defaults."""
    explicit = path is not None
    path = path if explicit else default_path()
    assert path is not None
    if not path.exists():
        if explicit:
            raise SettingsError(f"{path}: no such settings file")
        return Settings()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML: {exc}") from None
    return parse(doc, path)
