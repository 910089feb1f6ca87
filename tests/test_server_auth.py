"""Server mode behind a token-checking reverse proxy, against a real `chroma run`: the right token
works, a missing or wrong one gets a message naming the setting, the token never reaches a log or
an error; a server that hangs fails within `chroma.timeout`; a dropped connection is retried."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest
from pydantic import SecretStr

from chroma_helpers import SilentServer, TokenProxy  # tests/ is on sys.path
from conftest import cli_env, make_settings, run_cli
from config.settings import ChromaSettings
from index.engine import Engine
from index.errors import StoreUnavailable
from index.store import RETRY_BACKOFF, VectorStore, describe, open_client

pytestmark = pytest.mark.slow

TOKEN = "s3cr3t-Tok3n-7f9e2a41c8"
WRONG = "wr0ng-Tok3n-00d1e5b6"


@pytest.fixture
def proxy(chroma_server):
    proxy = TokenProxy(chroma_server.port, TOKEN)
    yield proxy
    proxy.close()


def via(proxy: TokenProxy, token: str | None = TOKEN, **extra) -> ChromaSettings:
    return ChromaSettings(
        host="127.0.0.1", port=proxy.port, token=SecretStr(token or ""), **{"timeout": 5.0, **extra}
    )


def small_store(settings: ChromaSettings, tmp_path) -> VectorStore:
    """A collection of a few random vectors, no model needed."""
    store = VectorStore.open(
        open_client(settings, tmp_path), "probe-0123456789", create=True, where=describe(settings, tmp_path)
    )
    vectors = np.random.default_rng(0).random((5, 8)).astype("float32")
    store.add([f"c{i}" for i in range(5)], vectors, [f"texte {i}" for i in range(5)], [{"i": i} for i in range(5)])
    return store


def test_the_right_token_reaches_the_server_and_never_a_log(proxy, tmp_path, embedder, seeds_copy, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, chromadb and httpx included
    settings = make_settings(tmp_path / "data", seeds_copy, chroma=via(proxy))
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    report = engine.rebuild()
    assert report.chunks_embedded == report.chunks_total > 0
    assert engine.search("Rossiya-24")[0].article_id == "002_83c3c266e9f4ddcc"
    assert engine.status().vectors_present == report.chunks_total
    assert proxy.seen["forwarded"] > 0 and proxy.seen["401"] == proxy.seen["403"] == 0
    assert TOKEN not in caplog.text and caplog.text  # something was logged, and never the token
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())


def test_a_missing_or_wrong_token_is_refused_with_the_setting_named(proxy, tmp_path):
    with pytest.raises(StoreUnavailable) as missing:
        open_client(via(proxy, token=None), tmp_path)
    message = str(missing.value)
    assert f"The Chroma server at 127.0.0.1:{proxy.port} requires a token and none is set (HTTP 401)" in message
    assert "DEPECHE_CHROMA__TOKEN" in message

    with pytest.raises(StoreUnavailable) as wrong:
        open_client(via(proxy, token=WRONG), tmp_path)
    message = str(wrong.value)
    assert "refused the token sent in the Authorization header (HTTP 403)" in message
    assert "DEPECHE_CHROMA__TOKEN" in message and WRONG not in message and TOKEN not in message
    assert proxy.seen["401"] == 1 and proxy.seen["403"] == 1 and proxy.seen["forwarded"] == 0

    # The CLI says the same, without a traceback and without the token, even when verbose.
    env = cli_env(
        tmp_path / "data", DEPECHE_CHROMA__HOST="127.0.0.1", DEPECHE_CHROMA__PORT=str(proxy.port),
        DEPECHE_CHROMA__TOKEN=WRONG,
    )
    done = run_cli("-v", "index", "status", env=env)
    assert done.returncode == 1
    last = done.stderr.splitlines()[-1]  # -v logs before it
    assert last.startswith(f"depeche: The Chroma server at 127.0.0.1:{proxy.port} refused the token")
    assert "DEPECHE_CHROMA__TOKEN" in done.stderr and "Traceback" not in done.stderr
    assert WRONG not in done.stderr + done.stdout


def test_a_token_in_a_custom_header(chroma_server, tmp_path):
    proxy = TokenProxy(chroma_server.port, TOKEN, header="X-Chroma-Token")
    try:
        store = small_store(via(proxy, token_header="X-Chroma-Token"), tmp_path)
        assert store.count() == 5 and proxy.seen["forwarded"] > 0
        with pytest.raises(StoreUnavailable, match="refused the token sent in the Authorization header") as caught:
            open_client(via(proxy), tmp_path)  # the token, in the header this proxy does not read
        assert "DEPECHE_CHROMA__TOKEN_HEADER" not in str(caught.value)  # the default header: only the token is named
        with pytest.raises(StoreUnavailable, match="DEPECHE_CHROMA__TOKEN_HEADER"):
            open_client(via(proxy, token=WRONG, token_header="X-Chroma-Token"), tmp_path)
        # The proxy's token is rotated under a running client: its next call says so, without a token.
        proxy.token = WRONG
        with pytest.raises(StoreUnavailable, match=r"refused the request \(HTTP 403\).*DEPECHE_CHROMA__TOKEN") as caught:
            store.count()
        assert TOKEN not in str(caught.value) and WRONG not in str(caught.value)
    finally:
        proxy.close()


def test_a_server_that_never_answers_fails_within_the_timeout(tmp_path):
    silent = SilentServer()
    try:
        chroma = ChromaSettings(host="127.0.0.1", port=silent.port, timeout=1.0)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            open_client(chroma, tmp_path)
        elapsed = time.monotonic() - started
        assert silent.accepted >= 1
        assert elapsed < 1.0 + 1.5, f"took {elapsed:.2f} s with a 1 s timeout"
        assert str(caught.value) == (
            f"The Chroma server at 127.0.0.1:{silent.port} did not answer within 1 s "
            "(DEPECHE_CHROMA__TIMEOUT); it may be overloaded or hung."
        )
        env = cli_env(
            tmp_path / "data", DEPECHE_CHROMA__HOST="127.0.0.1", DEPECHE_CHROMA__PORT=str(silent.port),
            DEPECHE_CHROMA__TIMEOUT="1",
        )
        done = run_cli("index", "status", env=env, timeout=60)
        assert done.returncode == 1 and "did not answer within 1 s" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        silent.close()


def test_a_server_that_hangs_while_the_client_is_built_fails_within_the_timeout(proxy, tmp_path):
    # Our probe is answered, then chromadb's own first requests (made while its client is built,
    # before any timeout can be set on it) are held.
    proxy.hang_after = 1
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"did not answer within 1\.5 s \(DEPECHE_CHROMA__TIMEOUT\)"):
        open_client(via(proxy, timeout=1.5), tmp_path)
    elapsed = time.monotonic() - started
    assert proxy.seen["forwarded"] == 1 and proxy.seen["held"] >= 1
    assert elapsed < 2 * 1.5 + 1.0, f"took {elapsed:.2f} s with a 1.5 s timeout"


def test_a_server_that_hangs_mid_session_fails_the_call_within_the_timeout(proxy, tmp_path):
    store = small_store(via(proxy, timeout=1.5), tmp_path)
    vector = np.ones(8, dtype="float32")
    assert store.query(vector, 3)  # answers while the server does
    proxy.hang = True
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="did not answer in time") as caught:
        store.query(vector, 3)
    elapsed = time.monotonic() - started
    # chromadb builds its HTTP session with no timeout; ours bounds every call, and a timeout is not retried.
    assert elapsed < 1.5 + 1.5, f"took {elapsed:.2f} s with a 1.5 s timeout"
    assert proxy.seen["held"] == 1
    assert f"127.0.0.1:{proxy.port}" in str(caught.value) and "DEPECHE_CHROMA__TIMEOUT" in str(caught.value)
    proxy.hang = False
    proxy.release()
    assert store.count() == 5  # the next call works again


def test_a_dropped_connection_is_retried_a_bounded_number_of_times(proxy, tmp_path):
    store = small_store(via(proxy), tmp_path)
    proxy.drop_next = 1
    assert store.count() == 5
    assert proxy.seen["dropped"] == 1

    proxy.drop_next = 100
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="failed or cannot be reached"):
        store.count()
    assert proxy.seen["dropped"] == 1 + len(RETRY_BACKOFF) + 1
    assert time.monotonic() - started < sum(RETRY_BACKOFF) + 2
    proxy.drop_next = 0
    assert store.count() == 5
