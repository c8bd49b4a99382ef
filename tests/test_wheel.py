"""The package works wherever it is installed: the wheel is built, installed into a fresh
virtual environment outside the checkout, and run from another folder.

The wheel is built from a copy of what it is made of (so no `build/` folder in the checkout
can leak stale files into it) and installed with `--no-deps`; its dependencies come from this
environment's site-packages (a `.pth` line), so nothing but the build backend is fetched (by
pip, from the package registry) and the test takes well under a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import TIME_SCALE
from voice_assistant import data as data_mod
from voice_assistant.graph import mermaid

ROOT = Path(__file__).resolve().parent.parent
#: what the wheel is built from
SOURCES = ("pyproject.toml", "README.md", "voice_assistant", "intents")
pytestmark = pytest.mark.wheel


def _run(cmd: list[str], cwd: Path, env: dict[str, str],
         timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout * TIME_SCALE)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(the wheel, the fresh environment's bin folder, an environment for running it)."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LOCKOUT_CONFIG", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"),
               XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")))
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                  "--disable-pip-version-check", "--wheel-dir", str(tmp / "dist"), str(source)],
                 tmp, env, 300)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (tmp / "dist").glob("lockout_assistant-*.whl")
    fresh = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    bin_dir = fresh / "bin"
    site = Path(_run([str(bin_dir / "python"), "-c", "import sysconfig; "
                      "print(sysconfig.get_paths()['purelib'])"], tmp, env, 60).stdout.strip())
    # the dependencies: this environment's packages, after the fresh one's own
    here = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "deps.pth").write_text("".join(f"{path}\n" for path in here))
    install = _run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install",
                    "--no-deps", "--no-index", "--quiet", "--disable-pip-version-check",
                    str(wheel)], tmp, env, 300)
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return wheel, bin_dir, env | {"PWD": str(elsewhere)}


def _elsewhere(env: dict[str, str]) -> Path:
    return Path(env["PWD"])


def test_the_wheel_holds_every_module_and_data_file(installed) -> None:
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "voice_assistant").rglob("*.py")}
    data = {f"voice_assistant/{p.relative_to(ROOT).as_posix()}"
            for p in (ROOT / "intents").rglob("*") if p.is_file()}
    assert modules - names == set()
    assert data and data - names == set()


def test_installed_it_reads_its_own_data_not_the_checkout(installed) -> None:
    _, bin_dir, env = installed
    p = _run([str(bin_dir / "python"), "-c", "from voice_assistant import locations as l; "
              "print(l.intents_dir()); print(l.checkout()); print(l.models_dirs()[0])"],
             _elsewhere(env), env, 60)
    assert p.returncode == 0, p.stderr
    intents, checkout, models = p.stdout.splitlines()
    assert Path(intents).is_relative_to(bin_dir.parent) and intents.endswith("intents")
    assert checkout == "None"
    assert Path(models) == Path(env["XDG_DATA_HOME"]) / "lockout-assistant" / "models"


def test_converse_json_from_another_folder(installed) -> None:
    _, bin_dir, env = installed
    p = _run([str(bin_dir / "lockout-assistant"), "converse", "--json", "i'm locked out"],
             _elsewhere(env), env, 120)
    assert p.returncode == 0, p.stderr
    (line,) = p.stdout.splitlines()
    turn = json.loads(line)
    assert list(turn) == ["turn", "input", "heard", "intent", "confidence", "step", "say"]
    assert turn["turn"] == 1 and turn["input"] == "text" and turn["heard"] == "i'm locked out"
    assert turn["intent"] == "locked_out" and turn["step"] == "assess"
    assert 0.0 <= turn["confidence"] <= 1.0 and "breath" in turn["say"]


def test_graph_from_another_folder(installed) -> None:
    _, bin_dir, env = installed
    p = _run([str(bin_dir / "lockout-assistant"), "graph"], _elsewhere(env), env, 60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == mermaid(data_mod.default())  # the same data as the checkout's


def test_bench_without_a_checkout_asks_for_the_fixtures_in_one_line(installed) -> None:
    _, bin_dir, env = installed
    p = _run([str(bin_dir / "lockout-assistant"), "bench", "--json"], _elsewhere(env), env, 60)
    assert p.returncode == 2 and p.stdout == ""
    (line,) = p.stderr.splitlines()
    assert "--fixtures DIR" in line
