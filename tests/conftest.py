from __future__ import annotations

from pathlib import Path

import pytest

from voice_assistant import data as data_mod
from voice_assistant.assistant import Assistant

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"


@pytest.fixture(scope="session")
def data() -> data_mod.Data:
    return data_mod.default()


@pytest.fixture
def assistant() -> Assistant:
    return Assistant()
