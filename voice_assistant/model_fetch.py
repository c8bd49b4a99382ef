"""Download, verify and install a Vosk model zip (standard library only).

The zip is streamed to ``.partial-*`` and unpacked into ``.unpack-*`` inside the models folder;
the model appears under its real name only through ``os.replace``, and every failure removes both.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TextIO
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
CHUNK_BYTES = 64 * 1024
RETRY = "run `lockout-assistant fetch-model` again"


@dataclass(frozen=True)
class ModelSource:
    name: str
    url: str
    size: int | None
    md5: str | None
    sha256: str | None = None


# size: as published for this zip in https://alphacephei.com/vosk/models/model-list.json.
# md5: that list's value could not be found from this offline machine; left out, never guessed.
# sha256: the git-lfs oid of the byte-identical mirror huggingface.co/rhasspy/vosk-models
# (en/vosk-model-small-en-us-0.15.zip, same size), matching several independent pinned copies.
SMALL_EN_US = ModelSource(
    "vosk-model-small-en-us-0.15",
    "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
    size=41_205_931,
    md5=None,
    sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
)


class FetchError(Exception):
    """A model could not be fetched; ``str()`` is one user-facing sentence naming the fix."""


def looks_like_model(path: Path) -> bool:
    return (path / "am").is_dir() and (path / "conf").is_dir()


def default_models_dir() -> Path:
    override = os.environ.get("LOCKOUT_MODELS_DIR")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "models"


def fetch_model(
    models_dir: Path,
    source: ModelSource = SMALL_EN_US,
    *,
    progress: Progress | None = None,
    timeout: float = 30.0,
    force: bool = False,
) -> Path:
    """Return the installed model folder ``models_dir/source.name``, downloading it if needed."""
    target = models_dir / source.name
    if target.exists() and not force:
        if looks_like_model(target):
            log.info("Vosk model already installed at %s", target)
            return target
        raise FetchError(f"{target} exists but is not a complete Vosk model: remove it, or "
                         f"run `lockout-assistant fetch-model --force` to replace it.")
    staging: list[Path] = []
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".partial-{source.name}-", suffix=".zip",
                                    dir=models_dir)
        staging.append(Path(name))
        with os.fdopen(fd, "wb") as out:
            _download(source, out, progress, timeout)
        unpack = Path(tempfile.mkdtemp(prefix=f".unpack-{source.name}-", dir=models_dir))
        staging.append(unpack)
        _install(_unpack(staging[0], unpack / "new", source), target, unpack / "old")
    except OSError as exc:  # network errors are FetchErrors by now; this is the local disk
        raise FetchError(f"Could not write the model into {models_dir} "
                         f"({exc.strerror or exc}): free some disk space or fix the folder's "
                         f"permissions, then {RETRY}.") from exc
    finally:
        for path in staging:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    log.info("Installed Vosk model %s at %s", source.name, target)
    return target


def _download(source: ModelSource, out: BinaryIO, progress: Progress | None,
              timeout: float) -> None:
    host = urlsplit(source.url).hostname or source.url
    log.info("Downloading %s from %s", source.name, source.url)
    try:
        response = urllib.request.urlopen(source.url, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise FetchError(f"{host} answered HTTP {exc.code} for {source.name}: the built-in "
                         f"English engine will be used; {RETRY} later.") from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError, refused, timeout
        raise FetchError(f"Could not reach {host} (no network?): the built-in English engine "
                         f"will be used; {RETRY} when online.") from exc
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else source.size
        hashes = {algo: hashlib.new(algo) for algo in ("md5", "sha256") if getattr(source, algo)}
        done = 0
        if progress:
            progress(0, total)
        while True:
            try:
                chunk = response.read1(CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as exc:
                raise FetchError(f"The download from {host} stopped after {done} bytes "
                                 f"({type(exc).__name__}): {RETRY}.") from exc
            if not chunk:
                break
            out.write(chunk)
            for digest in hashes.values():
                digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    if total is not None and done < total:
        raise FetchError(f"The download from {host} was cut off after {done} of {total} bytes: "
                         f"{RETRY}.")
    if progress and total is None:
        progress(done, done)  # the size is only known now; lets a progress bar finish
    got = {"size": done} | {algo: digest.hexdigest() for algo, digest in hashes.items()}
    for what, value in got.items():
        expected = getattr(source, what)
        if expected is not None and str(expected).lower() != str(value):
            raise FetchError(f"The downloaded {source.name} is damaged ({what} expected "
                             f"{expected}, got {value}): {RETRY}.")


def _unpack(zip_path: Path, dest: Path, source: ModelSource) -> Path:
    """Extract safely into ``dest`` and return the single model folder inside it."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for member in archive.namelist():
                parts = PurePosixPath(member.replace("\\", "/")).parts
                if member.startswith(("/", "\\")) or ".." in parts:
                    raise FetchError(f"The {source.name} archive holds an unsafe path "
                                     f"({member!r}) and was not unpacked: check that "
                                     f"{source.url} is the official model address.")
            archive.extractall(dest)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise FetchError(f"The downloaded {source.name} is not a valid zip file ({exc}): "
                         f"{RETRY}.") from exc
    entries = list(dest.iterdir())
    if len(entries) != 1 or not looks_like_model(entries[0]):
        raise FetchError(f"The {source.name} archive does not hold one Vosk model folder with "
                         f"am/ and conf/: check that {source.url} is the right model address.")
    return entries[0]


def _install(new: Path, target: Path, trash: Path) -> None:
    """Move ``new`` to ``target``; an existing ``target`` is moved to ``trash`` first."""
    if not target.exists():
        os.replace(new, target)
        return
    os.replace(target, trash)  # a directory can't be renamed over a non-empty one
    try:
        os.replace(new, target)
    except BaseException:  # put the old model back, even on Ctrl-C
        os.replace(trash, target)
        raise


def text_progress(stream: TextIO | None = None, *, width: int = 30,
                  clock: Callable[[], float] = time.monotonic) -> Progress:
    """A progress callback drawing ``[#####     ] 45% 18.2/40.1 MB`` on ``stream`` (stderr).

    On a terminal the bar is redrawn in place at most ten times a second; otherwise one line
    is printed per 10 % (per 10 MB when the size is unknown).
    """
    out = stream if stream is not None else sys.stderr
    tty = out.isatty()
    shown_at, shown_step, finished = float("-inf"), -1, False

    def show(done: int, total: int | None) -> None:
        nonlocal shown_at, shown_step, finished
        end = total is not None and done >= total
        if finished:
            return
        if tty:
            if not end and clock() - shown_at < 0.1:
                return
            shown_at = clock()
            out.write("\r" + _bar(done, total, width) + ("\n" if end else ""))
        else:
            step = done * 10 // total if total else done // 10_000_000
            if step <= shown_step and not end:
                return
            shown_step = step
            out.write(_bar(done, total, width) + "\n")
        finished = end
        out.flush()

    return show


def _bar(done: int, total: int | None, width: int) -> str:
    if not total:
        return f"{done / 1e6:.1f} MB"
    fraction = min(done / total, 1.0)
    filled = int(fraction * width)
    return (f"[{'#' * filled}{' ' * (width - filled)}] {fraction:4.0%} "
            f"{done / 1e6:.1f}/{total / 1e6:.1f} MB")
