"""Smoke suite on the sentence-transformers backend: rebuild the seeds, search, ask, switch back."""

from __future__ import annotations

import json

import pytest
from conftest import cli_env, make_settings, one_seed, run_cli

from config.settings import EmbeddingSettings
from index.engine import Engine
from index.errors import IndexNotBuilt
from index.store import open_client

pytestmark = pytest.mark.slow

VISA = "002_83c3c266e9f4ddcc"
ST = EmbeddingSettings(backend="sentence-transformers")


@pytest.fixture(scope="module")
def built(tmp_path_factory, st_embedder):
    """Settings of an index built once over the seeds with the sentence-transformers backend."""
    settings = make_settings(tmp_path_factory.mktemp("st") / "data", embedding=ST)
    report = Engine(settings, open_client(settings.chroma, settings.data_dir), st_embedder).rebuild()
    assert report.chunks_embedded == report.chunks_total > 0
    return settings


@pytest.fixture(scope="module")
def engine(built, st_embedder):
    return Engine(built, open_client(built.chroma, built.data_dir), st_embedder)


def test_status_names_the_sentence_transformers_model(engine):
    status = engine.status()
    assert status.articles == 5 and status.model == "all-MiniLM-L6-v2"


def test_search_finds_the_article(engine):
    hits = engine.search("Jusqu'à quand le régime sans visa chinois est-il valable ?")
    assert hits and hits[0].article_id == VISA


def test_ask_answers_with_the_fact_and_its_citation(engine):
    answer = engine.ask("Jusqu'à quand le régime sans visa chinois est-il valable ?")
    assert not answer.abstained
    assert "14 septembre 2026" in answer.text
    assert VISA in {source.article_id for source in answer.sources}


def test_an_index_built_by_one_backend_is_not_read_by_the_other(built, embedder):
    # The default backend sees another fingerprint: it asks for a rebuild instead of mixing vectors.
    other = Engine(built.model_copy(update={"embedding": EmbeddingSettings()}), open_client(built.chroma, built.data_dir), embedder)
    with pytest.raises(IndexNotBuilt, match="rebuild"):
        other.search("Jusqu'à quand le régime sans visa chinois est-il valable ?")


def test_a_model_that_cannot_load_offline_is_a_clear_error(tmp_path, st_embedder):
    from index.embeddings import Embedder
    from index.errors import EncoderUnavailable

    missing = tmp_path / "no-such-model"
    with pytest.raises(EncoderUnavailable, match="embedding.model") as caught:
        Embedder(EmbeddingSettings(backend="sentence-transformers", model=str(missing)))
    assert str(missing) in str(caught.value)


def test_the_chat_rebuilds_an_index_of_another_encoder_before_serving(tmp_path):
    """Every deployment after the encoder upgrade: the long-running front end re-embeds first.

    Over one seed article: what is checked is that the chat re-embeds before serving, not how long five take (two
    encoders over the five seeds made this one of the suite's slowest tests)."""
    seeds = one_seed(tmp_path)
    old = cli_env(tmp_path / "data", seeds, DEPECHE_EMBEDDING__BACKEND="sentence-transformers")
    assert run_cli("index", "rebuild", "--json", env=old).returncode == 0
    new = cli_env(tmp_path / "data", seeds)
    stale = run_cli("ask", "Jusqu'à quand le régime sans visa chinois est-il valable ?", env=new)
    assert stale.returncode == 1 and "rebuild" in stale.stderr  # one-shot commands only say so
    chat = run_cli("chat", env=new, stdin="/quit\n", timeout=600)
    assert chat.returncode == 0, chat.stderr[-2000:]
    assert "re-embedding every article" in chat.stderr
    status = json.loads(run_cli("index", "status", "--json", env=new).stdout)
    assert status["model"] == "multilingual-e5-small-q4"
