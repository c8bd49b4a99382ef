from __future__ import annotations

import os
from pathlib import Path

import pytest

from voice_assistant import data as data_mod
from voice_assistant.assistant import Assistant

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
#: The tests' own time limits (a child process, a speech-out worker) are multiplied by this.
#: scripts/check-arm64 sets it for the emulated arm64 run, many times slower than a real
#: machine: those limits guard against hangs, not speed.
TIME_SCALE = float(os.environ.get("LOCKOUT_TEST_TIME_SCALE", "1"))

#: A child process's environment with no user settings, whoever runs the tests: no
#: $LOCKOUT_CONFIG, and a user config dir where there is nothing.
ENV = {k: v for k, v in os.environ.items() if k != "LOCKOUT_CONFIG"}
ENV["XDG_CONFIG_HOME"] = "/nonexistent/config"


@pytest.fixture(scope="session")
def data() -> data_mod.Data:
    return data_mod.default()


@pytest.fixture
def assistant() -> Assistant:
    return Assistant()
