"""A rebuild trusts the store, not the manifest: vectors the store lost are re-embedded and
counted, `index status` shows vectors present against expected, `--full` re-embeds every chunk.
Real embedded Chroma and the real model."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from conftest import cli_env, make_settings, one_seed, run_cli  # tests/ is on sys.path
from index.engine import Engine
from index.snapshot import load_snapshot
from index.store import VectorStore, open_client, warn_if_dense_missing

pytestmark = pytest.mark.slow

GONE = "002_83c3c266e9f4ddcc"  # the article whose vectors the store loses
QUERY = "Rossiya-24"  # a query only that article answers


def stored_vector(store: VectorStore, chunk_id: str) -> np.ndarray:
    return np.asarray(store.collection.get(ids=[chunk_id], include=["embeddings"])["embeddings"][0])


def test_full_rebuild_re_embeds_every_chunk(tmp_path, embedder):
    settings = make_settings(tmp_path / "data")
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    first = engine.rebuild()
    snapshot = load_snapshot(settings.data_dir)
    store = VectorStore.open(engine.client, snapshot.collection)
    chunk = next(iter(snapshot.chunks.values()))
    true_vector = embedder.encode_passages([chunk.text])[0]
    # A vector gone bad in place (a bug, a bad migration): the id is there, the content is not.
    store.collection.update(ids=[chunk.id], embeddings=[(-true_vector).tolist()])

    plain = engine.rebuild()
    assert plain.chunks_embedded == 0 and plain.vectors_restored == 0  # ids match: nothing to see
    assert np.allclose(stored_vector(store, chunk.id), -true_vector, atol=1e-5)

    full = engine.rebuild(full=True)
    assert full.full and full.reason == "--full: every article is re-embedded"
    assert full.chunks_embedded == full.chunks_total == first.chunks_total
    assert full.vectors_restored == 0
    assert np.allclose(stored_vector(store, chunk.id), true_vector, atol=1e-4)
    assert store.count() == full.chunks_total


def test_a_rebuild_refills_vectors_the_store_lost_and_status_counts_them(tmp_path, embedder, caplog):
    settings = make_settings(tmp_path / "data")
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    built = engine.rebuild()
    snapshot = load_snapshot(settings.data_dir)
    lost = snapshot.articles[GONE]["chunk_ids"]
    store = VectorStore.open(engine.client, snapshot.collection)
    store.delete(lost)

    status = engine.status()
    assert (status.vectors_present, status.vectors_expected) == (built.chunks_total - len(lost), built.chunks_total)

    caplog.set_level(logging.WARNING, logger="index.store")
    for _ in range(3):  # however often the engine checks, one warning per generation
        assert warn_if_dense_missing(store, snapshot.chunks, snapshot.generation) == built.chunks_total - len(lost)
    warnings = [r.getMessage() for r in caplog.records if r.name == "index.store"]
    assert len(warnings) == 1
    assert f"holds {built.chunks_total - len(lost)} of the {built.chunks_total} vectors" in warnings[0]
    assert snapshot.generation in warnings[0] and "depeche index rebuild" in warnings[0]

    report = engine.rebuild()
    assert report.vectors_restored == report.chunks_embedded == len(lost)
    assert len(report.unchanged) == 5 and report.added == report.updated == report.removed == []
    assert report.to_dict()["vectors_restored"] == len(lost)
    status = engine.status()
    assert status.vectors_present == status.vectors_expected == built.chunks_total
    # A new generation, so readers in other processes reopen the store and see the refilled vectors.
    assert status.generation != snapshot.generation
    assert store.existing(lost) == set(lost)
    caplog.clear()
    assert warn_if_dense_missing(store, snapshot.chunks, status.generation) == built.chunks_total
    assert not caplog.records

    again = engine.rebuild()
    assert again.vectors_restored == again.chunks_embedded == 0
    assert engine.status().generation == status.generation


def test_a_deleted_store_is_reported_and_refilled_by_the_cli(tmp_path, cli_index):
    # The session's seeds index, built by `depeche index rebuild --json`, copied: this test damages it.
    shared_env, shared = cli_index
    data = tmp_path / "data"
    shutil.copytree(shared_env["DEPECHE_DATA_DIR"], data)
    env = cli_env(data)
    built = json.loads(shared.stdout)
    total = built["chunks_total"]
    shutil.rmtree(data / "chroma")  # or a fresh server: the manifest still lists every chunk
    for file in (data / "index").glob("sentences.sqlite3*"):
        file.unlink()  # and the sentence vectors with it

    done = run_cli("index", "status", env=env)
    assert done.returncode == 0, done.stderr
    assert f"vectors: 0 of {total} present" in done.stdout
    assert "run `depeche index rebuild` to re-embed them" in done.stdout
    sentences = built["sentences_embedded"]
    assert f"sentence vectors: 0 of {sentences} present" in done.stdout
    assert "run `depeche index rebuild` to store them" in done.stdout

    done = run_cli("index", "rebuild", env=env)
    assert done.returncode == 0, done.stderr
    assert "unchanged 5" in done.stdout and f"{total} chunks embedded" in done.stdout
    assert f"{total} vectors were missing from the store and were re-embedded" in done.stdout

    status = json.loads(run_cli("index", "status", "--json", env=env).stdout)
    assert status["vectors_present"] == status["vectors_expected"] == total
    assert status["sentence_vectors_present"] == status["sentence_vectors_expected"] == sentences


def test_rebuild_full_through_the_cli_re_embeds_every_article(tmp_path):
    """`index rebuild --full` over one seed article (the five would take two full encodings, for the same check)."""
    env = cli_env(tmp_path / "data", one_seed(tmp_path))
    first = json.loads(run_cli("index", "rebuild", "--json", env=env).stdout)
    full = json.loads(run_cli("index", "rebuild", "--full", "--json", env=env).stdout)
    assert full["chunks_embedded"] == full["chunks_total"] == first["chunks_total"] > 0 and full["vectors_restored"] == 0
    assert full["reason"] == "--full: every article is re-embedded"
