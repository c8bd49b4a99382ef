"""Where the package finds what it needs besides its code, installed or in a source checkout.

- The data (`intents/`): inside the installed package (`voice_assistant/intents`, copied in
  by the wheel build from the top-level `intents/`, the source of truth), else the
  checkout's `intents/` (a checkout runs without a build).
- Speech models: `$LOCKOUT_MODELS_DIR` alone when set; else the checkout's `models/` (in a
  checkout) and `models/` in the user data folder (platformdirs), in that order.
  `fetch-model` installs into the first of them.
- The recorded fixtures (`bench`): only in a checkout (`tests/fixtures/audio`, 24 MB, not
  shipped in the wheel); elsewhere `bench --fixtures DIR` names them.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

APP_NAME = "lockout-assistant"
MODELS_ENV = "LOCKOUT_MODELS_DIR"
_PACKAGE = "voice_assistant"


def checkout() -> Path | None:
    """The source checkout the package runs from (an editable install, or `python -m` in the
    repository), or None when it is installed."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "intents").is_dir():
        return root
    return None


def intents_dir() -> Path:
    """The `intents/` folder: the installed package's copy, else the checkout's. (When both
    are missing, the package's path: loading the data then says which file is missing.)"""
    packaged = Path(str(importlib.resources.files(_PACKAGE).joinpath("intents")))
    root = checkout()
    if not packaged.is_dir() and root is not None:
        return root / "intents"
    return packaged


def user_models_dir() -> Path:
    """`models/` in the user's data folder (e.g. ~/.local/share/lockout-assistant/models)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "models"


def models_dirs() -> tuple[Path, ...]:
    """Where speech models are looked for, in order (see the module docstring)."""
    override = os.environ.get(MODELS_ENV)
    if override:
        return (Path(override),)
    root = checkout()
    return ((root / "models",) if root is not None else ()) + (user_models_dir(),)


def fixtures_dir() -> Path | None:
    """The recorded fixtures of a checkout (`tests/fixtures/audio`), or None."""
    root = checkout()
    folder = root / "tests" / "fixtures" / "audio" if root is not None else None
    return folder if folder is not None and (folder / "manifest.yaml").is_file() else None
