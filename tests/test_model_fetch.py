"""model_fetch against a real local HTTP server: installs, verifies, and never leaves debris."""

from __future__ import annotations

import errno
import hashlib
import io
import random
import socket
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from voice_assistant import model_fetch
from voice_assistant.model_fetch import (
    CHUNK_BYTES,
    FetchError,
    ModelSource,
    default_models_dir,
    fetch_model,
    text_progress,
)

NAME = "vosk-model-small-en-us-0.15"
TIMEOUT = 5.0
# Incompressible so the zip spans several download chunks.
MODEL_BYTES = random.Random(0).randbytes(3 * CHUNK_BYTES)


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


MODEL_ZIP = make_zip({
    f"{NAME}/am/final.mdl": MODEL_BYTES,
    f"{NAME}/conf/model.conf": b"--min-active=200\n",
    f"{NAME}/graph/Gr.fst": b"fst",
    f"{NAME}/README": b"fake model for tests\n",
})


@dataclass
class Route:
    body: bytes
    length: int | None = None  # Content-Length to announce; defaults to len(body)
    stall: bool = False  # after the body, hang until the test ends


@dataclass
class Server:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def serve(self, path: str, route: Route, **overrides: object) -> ModelSource:
        """Serve ``route`` at ``path``; return a source describing its body, then ``overrides``."""
        self.routes[path] = route
        size, md5 = len(route.body), hashlib.md5(route.body).hexdigest()
        return replace(ModelSource(NAME, self.base + path, size=size, md5=md5), **overrides)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler],
            monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A real HTTP server on a free loopback port (no proxy in the way); yields the port."""
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    handler.log_message = lambda self, *args: None  # type: ignore[method-assign]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(TIMEOUT)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    release = threading.Event()
    state: Server

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits.append(self.path)
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            length = len(route.body) if route.length is None else route.length
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(route.body)
            self.wfile.flush()
            if route.stall:
                release.wait(TIMEOUT)

    with serving(Handler, monkeypatch) as port:
        state = Server(f"http://127.0.0.1:{port}")
        try:
            yield state
        finally:
            release.set()


def contents(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def assert_fails(models_dir: Path, source: ModelSource, *needles: str, **kwargs: object) -> str:
    before = contents(models_dir)
    with pytest.raises(FetchError) as caught:
        fetch_model(models_dir, source, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    for needle in needles:
        assert needle in message
    assert contents(models_dir) == before, "a failed fetch left files behind"
    return message


def fake_installed_model(models_dir: Path, marker: str) -> Path:
    model = models_dir / NAME
    (model / "am").mkdir(parents=True)
    (model / "conf").mkdir()
    (model / marker).write_text("old")
    return model


def test_fetch_installs_model_and_reports_progress(server: Server, tmp_path: Path) -> None:
    sha256 = hashlib.sha256(MODEL_ZIP).hexdigest()
    source = server.serve("/model.zip", Route(MODEL_ZIP), sha256=sha256)
    calls: list[tuple[int, int | None]] = []

    model = fetch_model(tmp_path / "models", source, progress=lambda d, t: calls.append((d, t)),
                        timeout=TIMEOUT)

    assert model == tmp_path / "models" / NAME
    assert (model / "am" / "final.mdl").read_bytes() == MODEL_BYTES
    assert (model / "conf" / "model.conf").is_file()
    assert contents(tmp_path / "models") == {NAME}
    done = [d for d, _ in calls]
    assert len(calls) >= 4 and done == sorted(done) and len(set(done)) == len(done)
    assert {t for _, t in calls} == {len(MODEL_ZIP)}
    assert calls[-1] == (len(MODEL_ZIP), len(MODEL_ZIP))


def test_existing_model_is_not_downloaded_again(server: Server, tmp_path: Path) -> None:
    model = fake_installed_model(tmp_path, "old-marker")
    source = server.serve("/model.zip", Route(MODEL_ZIP))

    assert fetch_model(tmp_path, source, timeout=TIMEOUT) == model
    assert server.hits == []
    assert (model / "old-marker").exists()


def test_force_replaces_existing_model(server: Server, tmp_path: Path) -> None:
    fake_installed_model(tmp_path, "old-marker")
    source = server.serve("/model.zip", Route(MODEL_ZIP))

    model = fetch_model(tmp_path, source, timeout=TIMEOUT, force=True)

    assert not (model / "old-marker").exists()
    assert (model / "am" / "final.mdl").read_bytes() == MODEL_BYTES
    assert contents(tmp_path) == {NAME}


def test_failed_forced_fetch_keeps_existing_model(server: Server, tmp_path: Path) -> None:
    model = fake_installed_model(tmp_path, "old-marker")
    source = server.serve("/model.zip", Route(MODEL_ZIP), md5="0" * 32)

    assert_fails(tmp_path, source, "md5", force=True)
    assert (model / "old-marker").exists()


def test_folder_that_is_not_a_model_is_not_overwritten(server: Server, tmp_path: Path) -> None:
    (tmp_path / NAME).mkdir()
    source = server.serve("/model.zip", Route(MODEL_ZIP))

    assert_fails(tmp_path, source, "--force")
    assert server.hits == []


@pytest.mark.parametrize(("field_name", "wrong"), [
    ("md5", "0" * 32), ("sha256", "f" * 64), ("size", 123)])
def test_checksum_or_size_mismatch_is_rejected(
        server: Server, tmp_path: Path, field_name: str, wrong: object) -> None:
    source = server.serve("/model.zip", Route(MODEL_ZIP), **{field_name: wrong})
    real = {"md5": hashlib.md5(MODEL_ZIP).hexdigest(),
            "sha256": hashlib.sha256(MODEL_ZIP).hexdigest(), "size": len(MODEL_ZIP)}

    assert_fails(tmp_path / "models", source, f"expected {wrong}", f"got {real[field_name]}")


def test_interrupted_download_is_rejected(server: Server, tmp_path: Path) -> None:
    source = server.serve("/model.zip", Route(MODEL_ZIP[:100_000], length=len(MODEL_ZIP)))
    source = replace(source, size=None, md5=None)  # only the Content-Length can notice

    assert_fails(tmp_path / "models", source, f"100000 of {len(MODEL_ZIP)} bytes")


def test_stalled_download_times_out(server: Server, tmp_path: Path) -> None:
    source = server.serve("/model.zip", Route(MODEL_ZIP[:1000], length=len(MODEL_ZIP), stall=True))
    models_dir = tmp_path / "models"

    with pytest.raises(FetchError, match="stopped after 1000 bytes"):
        fetch_model(models_dir, source, timeout=0.3)
    assert contents(models_dir) == set()


def test_http_404_is_a_fetch_error(server: Server, tmp_path: Path) -> None:
    source = ModelSource(NAME, server.base + "/missing.zip", size=None, md5=None)

    assert_fails(tmp_path / "models", source, "HTTP 404", "fetch-model")


def test_unreachable_host_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that nothing listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    source = ModelSource(NAME, f"http://127.0.0.1:{port}/model.zip", size=None, md5=None)

    message = assert_fails(tmp_path / "models", source, "Could not reach 127.0.0.1", "fetch-model")
    assert "Traceback" not in message and "Errno" not in message


def test_not_a_zip_is_rejected(server: Server, tmp_path: Path) -> None:
    source = server.serve("/model.zip", Route(b"<html>Not here</html>"))

    assert_fails(tmp_path / "models", source, "not a valid zip")


@pytest.mark.parametrize("evil", ["../evil", f"{NAME}/../../evil", "/tmp/evil"])
def test_path_traversal_is_rejected(server: Server, tmp_path: Path, evil: str) -> None:
    body = make_zip({f"{NAME}/am/final.mdl": b"x", f"{NAME}/conf/model.conf": b"x", evil: b"!"})
    source = server.serve("/model.zip", Route(body))

    assert_fails(tmp_path / "models", source, "unsafe path")
    assert not (tmp_path / "evil").exists()


def test_zip_without_am_and_conf_is_rejected(server: Server, tmp_path: Path) -> None:
    body = make_zip({f"{NAME}/README": b"no model here"})
    source = server.serve("/model.zip", Route(body))

    assert_fails(tmp_path / "models", source, "am/ and conf/")


def test_default_models_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LOCKOUT_MODELS_DIR", raising=False)
    assert default_models_dir() == Path(__file__).resolve().parent.parent / "models"
    monkeypatch.setenv("LOCKOUT_MODELS_DIR", str(tmp_path))
    assert default_models_dir() == tmp_path


def test_text_progress_without_tty_prints_every_ten_percent() -> None:
    out = io.StringIO()
    show = text_progress(out)
    for done in range(0, 1001):
        show(done, 1000)

    lines = out.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[-1].startswith("[" + "#" * 30 + "]") and "100%" in lines[-1]


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_progress_on_tty_is_throttled_and_ends_with_newline() -> None:
    out, now = FakeTty(), [0.0]
    show = text_progress(out, clock=lambda: now[0])
    for done in range(0, 40_100_001, 100_000):  # 402 calls spread over 2 seconds
        now[0] = done / 20_000_000
        show(done, 40_100_000)

    text = out.getvalue()
    assert 15 <= text.count("\r") <= 22
    assert text.endswith("100% 40.1/40.1 MB\n") and text.count("\n") == 1


def test_disk_error_while_installing_keeps_old_model(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = fake_installed_model(tmp_path, "old-marker")
    source = server.serve("/model.zip", Route(MODEL_ZIP))
    real_replace = model_fetch.os.replace

    def replace_or_fail(src: Path, dst: Path) -> None:
        if Path(src).parent.name == "new":  # the freshly unpacked model
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(model_fetch.os, "replace", replace_or_fail)
    assert_fails(tmp_path, source, "No space left on device", "free some disk space", force=True)
    assert (model / "old-marker").exists()


# -- Whisper: the official CTranslate2 conversion's files, checked against what the server
# publishes on its redirect (as Hugging Face does: X-Linked-Etag = the git-lfs SHA-256).

WHISPER_FILES = {
    "config.json": b'{"alignment_heads": []}',
    "tokenizer.json": b'{"model": {}}',
    "vocabulary.txt": b"a\nb\n",
    "model.bin": MODEL_BYTES,
}


@pytest.fixture
def whisper_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    state: dict = {"files": dict(WHISPER_FILES), "etag": {}, "hits": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["hits"].append(self.path)
            parts = self.path.strip("/").split("/")
            if parts[0] == "cdn":  # the download host
                body = state["files"].get(parts[-1])
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            name = parts[-1]  # /<size>/<file>: redirect with the published checksum
            body = WHISPER_FILES.get(name)
            if body is None:
                self.send_error(404)
                return
            sha = state["etag"].get(name, hashlib.sha256(body).hexdigest())
            self.send_response(302)
            self.send_header("Location", f"/cdn/{name}")
            self.send_header("X-Linked-Etag", f'"{sha}"')
            self.send_header("X-Linked-Size", str(len(body)))
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving(Handler, monkeypatch) as port:
        state["url"] = f"http://127.0.0.1:{port}/{{size}}/{{file}}"
        yield state


def test_whisper_fetch_installs_a_model_the_engine_finds(whisper_server: dict,
                                                         tmp_path: Path) -> None:
    from voice_assistant.stt.models import find_whisper_model

    seen: list[tuple[int, int | None]] = []
    path = model_fetch.fetch_whisper(tmp_path, "base.en", url=whisper_server["url"],
                                     timeout=TIMEOUT, progress=lambda d, t: seen.append((d, t)))
    assert path == tmp_path / "faster-whisper-base.en"
    for name, body in WHISPER_FILES.items():
        assert (path / name).read_bytes() == body
    assert seen[-1] == (len(MODEL_BYTES), len(MODEL_BYTES))
    assert contents(tmp_path) == {"faster-whisper-base.en"}  # no debris
    assert find_whisper_model(None, tmp_path) == (path, f"found in {tmp_path}")
    # a second call finds it installed and downloads nothing
    hits = len(whisper_server["hits"])
    assert model_fetch.fetch_whisper(tmp_path, "base.en", url=whisper_server["url"]) == path
    assert len(whisper_server["hits"]) == hits


def test_whisper_fetch_refuses_a_file_that_differs_from_the_published_sum(
        whisper_server: dict, tmp_path: Path) -> None:
    whisper_server["files"]["model.bin"] = MODEL_BYTES[:-1] + b"\x00"  # corrupted in transit
    with pytest.raises(FetchError) as caught:
        model_fetch.fetch_whisper(tmp_path, "small.en", url=whisper_server["url"],
                                  timeout=TIMEOUT)
    message = str(caught.value)
    assert "damaged" in message and "sha256" in message and "\n" not in message
    assert "--engine whisper --size small.en" in message
    assert contents(tmp_path) == set()


def test_whisper_fetch_offline_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        model_fetch.fetch_whisper(tmp_path, "tiny.en", timeout=TIMEOUT,
                                  url=f"http://127.0.0.1:{port}/{{size}}/{{file}}")
    assert "Could not reach" in str(caught.value) and contents(tmp_path) == set()


def test_whisper_sizes_agree_with_the_command_line() -> None:
    from voice_assistant import cli

    sub = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    size = next(a for a in sub["fetch-model"]._actions if a.dest == "size")
    assert tuple(size.choices) == model_fetch.WHISPER_SIZES
