"""Where the package finds its data, models and fixtures: in a checkout and installed
(installed for real: tests/test_wheel.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_assistant import locations
from voice_assistant.model_fetch import default_models_dir
from voice_assistant.stt.models import find_vosk_model, find_whisper_model

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """As if installed from the wheel (no checkout); the user data folder under tmp_path."""
    monkeypatch.setattr(locations, "checkout", lambda: None)
    monkeypatch.delenv(locations.MODELS_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "lockout-assistant" / "models"


def test_in_the_checkout_the_top_level_intents_are_read() -> None:
    assert locations.checkout() == ROOT
    assert locations.intents_dir() == ROOT / "intents"
    assert locations.fixtures_dir() == ROOT / "tests" / "fixtures" / "audio"


def test_models_are_looked_for_in_the_checkout_then_the_user_data_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(locations.MODELS_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    user = tmp_path / "lockout-assistant" / "models"
    assert locations.models_dirs() == (ROOT / "models", user)
    assert default_models_dir() == ROOT / "models"  # fetch-model installs into the first
    monkeypatch.setenv(locations.MODELS_ENV, str(tmp_path / "mine"))
    assert locations.models_dirs() == (tmp_path / "mine",)


def test_installed_models_live_in_the_user_data_folder(installed: Path) -> None:
    assert locations.models_dirs() == (installed,)
    assert default_models_dir() == installed
    assert locations.fixtures_dir() is None


def test_a_model_in_the_user_data_folder_is_found(
        installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCKOUT_VOSK_MODEL", raising=False)
    monkeypatch.delenv("LOCKOUT_WHISPER_MODEL", raising=False)
    assert find_vosk_model(None)[0] is None
    vosk = installed / "vosk-model-small-en-us-0.15"
    for sub in ("am", "conf"):
        (vosk / sub).mkdir(parents=True)
    whisper = installed / "faster-whisper-base.en"
    whisper.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (whisper / name).write_text("x")
    assert find_vosk_model(None) == (vosk, f"found in {installed}")
    assert find_whisper_model(None) == (whisper, f"found in {installed}")


def test_the_first_folder_with_a_model_wins(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCKOUT_VOSK_MODEL", raising=False)
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        for sub in ("am", "conf"):
            (folder / "vosk-model-en-x" / sub).mkdir(parents=True)
    assert find_vosk_model(None, (first, second)) == (first / "vosk-model-en-x",
                                                     f"found in {first}")
    path, why = find_vosk_model(None, (tmp_path / "none", tmp_path / "nothing"))
    assert path is None and f"{tmp_path / 'none'} or {tmp_path / 'nothing'}" in why
