"""Dépêche against a real `chroma run` server: rebuild, search, incremental rebuild and status; and a
message that says what to do, never a traceback, once the server is gone."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from config.settings import ChromaSettings
from index.engine import Engine
from index.errors import StoreUnavailable
from index.snapshot import load_snapshot
from index.store import open_client
from conftest import cli_env, make_settings, run_cli  # tests/ is on sys.path

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromaServer:
    """A `chroma run` process on a free port, its output in a log file."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.log_path = root / "chroma.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(root / "store"), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"chroma run did not come up on port {self.port}:\n{self.log_path.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


@pytest.fixture
def chroma_server(tmp_path):
    server = ChromaServer(tmp_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_rebuild_search_and_status_through_a_chroma_server(chroma_server, tmp_path, embedder, seeds_copy):
    settings = make_settings(
        tmp_path / "data", seeds_copy, chroma=ChromaSettings(host="127.0.0.1", port=chroma_server.port)
    )
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    report = engine.rebuild()
    assert len(report.added) == 5 and report.chunks_embedded == report.chunks_total > 0
    assert not (settings.data_dir / "chroma").exists(), "vectors must go to the server, not an embedded store"
    collection = engine.client.get_collection(engine.status().collection)
    assert collection.count() == report.chunks_total

    assert engine.search("Rossiya-24")[0].article_id == "002_83c3c266e9f4ddcc"
    answer = engine.ask("Jusqu'à quand le régime sans visa chinois est-il valable ?")
    assert "14 septembre 2026" in answer.text and answer.sources[0].article_id == "002_83c3c266e9f4ddcc"

    edited = "000_232c08492062af93"
    with (seeds_copy / f"{edited}.txt").open("a", encoding="utf-8") as f:
        f.write("\n\nLe Kremlin a précisé que la rencontre aurait lieu dans la station balnéaire de Quilbéronde.\n")
    report = engine.rebuild()
    assert report.updated == [edited] and len(report.unchanged) == 4
    new_ids = load_snapshot(settings.data_dir).articles[edited]["chunk_ids"]
    assert report.chunks_embedded == len(new_ids)
    assert engine.search("station balnéaire de Quilbéronde")[0].article_id == edited
    assert engine.client.get_collection(engine.status().collection).count() == report.chunks_total

    status = engine.status()
    assert status.articles == 5 and status.chunks == report.chunks_total
    assert (status.date_min, status.date_max) == ("2023-09", "2026-02-04")

    # The server goes away under a running engine (the bot): a clear error, not a transport one.
    chroma_server.stop()
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{chroma_server.port}"):
        engine.search("Rossiya-24")


def test_a_stopped_server_is_reported_with_a_fix(chroma_server, tmp_path):
    chroma = ChromaSettings(host="127.0.0.1", port=chroma_server.port)
    open_client(chroma, tmp_path / "data").heartbeat()
    chroma_server.stop()

    with pytest.raises(StoreUnavailable) as caught:
        open_client(chroma, tmp_path / "data")
    message = str(caught.value)
    assert f"127.0.0.1:{chroma_server.port}" in message
    assert "chroma run" in message and "DEPECHE_CHROMA__HOST" in message

    env = cli_env(
        tmp_path / "data", DEPECHE_CHROMA__HOST="127.0.0.1", DEPECHE_CHROMA__PORT=str(chroma_server.port)
    )
    done = run_cli("index", "status", env=env)
    assert done.returncode != 0
    assert done.stderr.startswith(f"depeche: The Chroma server at 127.0.0.1:{chroma_server.port} cannot be reached")
    assert "chroma run" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
