"""Download, verify and install a model (standard library only): the English Vosk model (one
zip), or a Whisper model (the official CTranslate2 conversion's files from Hugging Face).

Everything is streamed into ``.partial-*`` / ``.unpack-*`` inside the models folder; the model
appears under its real name only through ``os.replace``, and every failure removes both.
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
    """Where `fetch-model` installs: the first folder models are looked for in
    (`$LOCKOUT_MODELS_DIR`, else a checkout's `models/`, else the user data folder's)."""
    from voice_assistant.locations import models_dirs

    return models_dirs()[0]


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
    if _installed(target, force, looks_like_model, "Vosk",
                  "run `lockout-assistant fetch-model --force` to replace it"):
        return target
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


#: Whisper sizes that `fetch-model --engine whisper --size` offers (English-only models).
WHISPER_SIZES = ("tiny.en", "base.en", "small.en")
WHISPER_REPO = "https://huggingface.co/Systran/faster-whisper-{size}/resolve/main/{file}"
WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.txt", "model.bin")


def fetch_whisper(models_dir: Path, size: str = "base.en", *, url: str = WHISPER_REPO,
                  progress: Progress | None = None, timeout: float = 30.0,
                  force: bool = False) -> Path:
    """Install Systran's CTranslate2 conversion of Whisper `size` as
    ``models_dir/faster-whisper-<size>`` (found there by the Whisper engine).

    No checksums for these files can be pinned from this offline build machine, so each file
    is checked against the size and SHA-256 that the server publishes for it (Hugging Face's
    ``X-Linked-Size`` / ``X-Linked-Etag``, the git-lfs object id) and must not be empty."""
    from voice_assistant.stt.models import looks_like_whisper_model

    if size not in WHISPER_SIZES:
        raise FetchError(f"Unknown Whisper size {size!r}: choose one of "
                         f"{', '.join(WHISPER_SIZES)}.")
    name = f"faster-whisper-{size}"
    target = models_dir / name
    again = f"run `lockout-assistant fetch-model --engine whisper --size {size}` again"
    if _installed(target, force, looks_like_whisper_model, "Whisper", f"{again} with --force"):
        return target
    staging: Path | None = None
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".unpack-{name}-", dir=models_dir))
        new = staging / "new"
        new.mkdir()
        for file in WHISPER_FILES:
            source = ModelSource(f"{name}/{file}", url.format(size=size, file=file),
                                 size=None, md5=None)
            with (new / file).open("wb") as out:
                _download(source, out, progress if file == "model.bin" else None, timeout,
                          published=True, retry=again)
            if (new / file).stat().st_size == 0:
                raise FetchError(f"The server sent an empty {file} for {name}: {again}.")
        _install(new, target, staging / "old")
    except OSError as exc:
        raise FetchError(f"Could not write the model into {models_dir} "
                         f"({exc.strerror or exc}): free some disk space or fix the folder's "
                         f"permissions, then {again}.") from exc
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    log.info("Installed Whisper model %s at %s", size, target)
    return target


def _installed(target: Path, force: bool, complete: Callable[[Path], bool], kind: str,
               fix: str) -> bool:
    """True when a complete model is already at `target` (and not `force`); a folder that is
    not one is an error naming `fix`."""
    if not target.exists() or force:
        return False
    if complete(target):
        log.info("%s model already installed at %s", kind, target)
        return True
    raise FetchError(f"{target} exists but is not a complete {kind} model: remove it, or "
                     f"{fix}.")


class _Published(urllib.request.HTTPRedirectHandler):
    """Keeps what a redirecting server publishes about the file (Hugging Face sends the
    git-lfs SHA-256 and size on the redirect to its download host)."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        for key in ("X-Linked-Etag", "X-Linked-Size"):
            if headers.get(key):
                self.headers[key] = headers[key]
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _published(source: ModelSource, found: dict[str, str]) -> ModelSource:
    etag = found.get("X-Linked-Etag", "").strip().strip('"').removeprefix("W/").strip('"')
    size = found.get("X-Linked-Size", "")
    sha = etag.lower() if len(etag) == 64 and all(c in "0123456789abcdef" for c in
                                                  etag.lower()) else None
    return ModelSource(source.name, source.url,
                       size=source.size or (int(size) if size.isdigit() else None),
                       md5=source.md5, sha256=source.sha256 or sha)


def _download(source: ModelSource, out: BinaryIO, progress: Progress | None,
              timeout: float, published: bool = False, retry: str = RETRY) -> None:
    host = urlsplit(source.url).hostname or source.url
    log.info("Downloading %s from %s", source.name, source.url)
    seen = _Published()
    try:
        response = urllib.request.build_opener(seen).open(source.url, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise FetchError(f"{host} answered HTTP {exc.code} for {source.name}: the installed "
                         f"speech engine is used meanwhile; {retry} later.") from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError, refused, timeout
        raise FetchError(f"Could not reach {host} (no network?): the installed speech "
                         f"engine is used meanwhile; {retry} when online.") from exc
    if published:  # check against what the server says the file is
        source = _published(source, {**dict(response.headers.items()), **seen.headers})
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
                                 f"({type(exc).__name__}): {retry}.") from exc
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
                         f"{retry}.")
    if progress and total is None:
        progress(done, done)  # the size is only known now; lets a progress bar finish
    got = {"size": done} | {algo: digest.hexdigest() for algo, digest in hashes.items()}
    for what, value in got.items():
        expected = getattr(source, what)
        if expected is not None and str(expected).lower() != str(value):
            raise FetchError(f"The downloaded {source.name} is damaged ({what} expected "
                             f"{expected}, got {value}): {retry}.")


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
