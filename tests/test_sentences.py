"""Sentence vectors stored at ingestion (`index.sentences`): the SQLite store, the sentence before
each sentence, what rebuilds encode and drop, answers without stored vectors, and a SIGKILLed rebuild
that keeps the batches it committed. Real encoder, real embedded Chroma, real processes."""

from __future__ import annotations

import json
import logging
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from index.articles import read_article
from index.chunking import chunk_article
from index.engine import Engine
from index.rebuild import index_fingerprint
from index.sentences import (
    FILE_NAME,
    SentenceLookup,
    SentenceVectors,
    as_read,
    in_context,
    keys_of,
    sentences_of,
    vector_key,
)
from index.snapshot import ChunkRecord, current_generation, index_dir, load_snapshot
from index.store import open_client
from index.text import split_sentences
from conftest import DEPECHE, SEEDS, cli_env, make_settings, run_cli  # tests/ is on sys.path

pytestmark = pytest.mark.slow

SEED_FILES = sorted(SEEDS.glob("*.txt"))
NO_VECTOR = "have no stored vector"


def records_of(path: Path, settings) -> list[ChunkRecord]:
    """The chunk records a rebuild makes of one seed file (ids aside), in article order."""
    article, _ = read_article(path)
    return [
        ChunkRecord(f"{article.id}:{c.index}", article.id, c.index, c.text, c.start, c.end)
        for c in chunk_article(
            article, max_words=settings.chunking.max_words, overlap_sentences=settings.chunking.overlap_sentences
        )
    ]


def stored_keys(data_dir: Path) -> set[bytes]:
    """Every key in the sentence file, read as another process would."""
    with sqlite3.connect(index_dir(data_dir) / FILE_NAME) as db:
        return {key for (key,) in db.execute("SELECT key FROM vectors")}


def needed_keys(settings, embedder) -> set[bytes]:
    """The keys the current generation's sentences need."""
    snapshot = load_snapshot(settings.data_dir)
    return set(keys_of(index_fingerprint(embedder, settings), sentences_of(snapshot.chunks.values())))


def engine_for(settings, embedder) -> Engine:
    return Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)


def two_seeds(tmp_path: Path, embedder):
    """A seeds folder holding the first two seeds, settings over it, and an engine (no index yet)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in SEED_FILES[:2]:
        shutil.copy(path, seeds)
    settings = make_settings(tmp_path / "data", seeds)
    return seeds, settings, engine_for(settings, embedder)


# --- the store ---------------------------------------------------------------------------------


def test_vectors_round_trip_retain_and_are_seen_by_another_connection(tmp_path, embedder):
    path = tmp_path / "index" / FILE_NAME
    texts = [
        "Le pont a été inauguré en 2019.",
        "Il a coûté 19 milliards de roubles.",
        "La centrale sera construite sur la Lune.",
        "Le tigre a traversé le fleuve Amour.",
    ]
    vectors = embedder.encode_passages(texts)
    keys = [vector_key("fp", text) for text in texts]
    store = SentenceVectors(path, embedder.dimension)
    other = None
    try:
        assert store.count() == 0 and store.missing(keys) == keys
        store.add(keys[:3], vectors[:3])
        assert store.count() == 3
        assert store.missing(keys + keys[:1]) == [keys[3]]  # in order, each once
        got = store.get(keys)
        assert set(got) == set(keys[:3])
        for key, vec in zip(keys[:3], vectors[:3]):
            assert got[key].dtype == np.float32 and got[key].shape == (embedder.dimension,)
            np.testing.assert_allclose(got[key], vec, atol=1e-3)  # stored as float16

        # A second connection on the same file, as another process would hold, sees the commits.
        other = SentenceVectors(path, embedder.dimension)
        assert other.count() == 3 and other.missing(keys) == [keys[3]]
        store.add(keys[3:], vectors[3:])
        assert other.count() == 4 and set(other.get(keys)) == set(keys)
        # Replacing a vector keeps one row per key.
        store.add(keys[:1], vectors[1:2])
        assert other.count() == 4
        np.testing.assert_allclose(other.get(keys[:1])[keys[0]], vectors[1], atol=1e-3)

        assert store.retain(keys[1:3]) == 2  # keys[0] and keys[3] go
        assert store.count() == 2 and store.missing(keys) == [keys[0], keys[3]]
        assert other.count() == 2
        np.testing.assert_allclose(other.get(keys)[keys[2]], vectors[2], atol=1e-3)
        assert store.retain(keys) == 0  # nothing outside the kept set: nothing removed
    finally:
        store.close()
        if other is not None:
            other.close()

    reopened = SentenceVectors(path, embedder.dimension)
    try:
        assert reopened.count() == 2
        got = reopened.get(keys)
        assert set(got) == {keys[1], keys[2]}
        np.testing.assert_allclose(got[keys[1]], vectors[1], atol=1e-3)
    finally:
        reopened.close()


# --- the sentence before -----------------------------------------------------------------------


def test_previous_sentence_matches_the_article_and_the_question_time_lookup(tmp_path, embedder):
    settings = make_settings(tmp_path / "data")
    several_chunks = 0
    for path in SEED_FILES:
        article, _ = read_article(path)
        records = records_of(path, settings)
        spans = split_sentences(article.body)
        sentences = sentences_of(records)
        assert [(s.start, s.end) for s in sentences] == spans, path.name
        for i, sentence in enumerate(sentences):
            assert sentence.article_id == article.id
            assert sentence.text == article.body[sentence.start : sentence.end]
            expected = article.body[spans[i - 1][0] : spans[i - 1][1]] if i else ""
            assert sentence.previous == expected, (path.name, i)
        keys = keys_of("fp", sentences)
        for sentence in sentences:  # each sentence alone, and after the one before when it has one
            assert keys[vector_key("fp", sentence.text)] == sentence.text
            if sentence.previous:
                assert keys[vector_key("fp", sentence.text, sentence.previous)] == in_context(sentence.previous, sentence.text)

        by_start = {s.start: s for s in sentences}
        lookup = SentenceLookup(
            None, embedder, "fp", {rec.id: rec for rec in records}, {article.id: [rec.id for rec in records]}
        )
        assert lookup.previous(article.id, records[0].start) == ""
        for rec in records[1:]:
            assert rec.start in by_start, "a chunk starts on a sentence"
            assert lookup.previous(article.id, rec.start) == by_start[rec.start].previous != ""
        several_chunks += len(records) > 1
    assert several_chunks >= 3, "the seeds must exercise chunk boundaries"


# --- rebuilds ----------------------------------------------------------------------------------


def test_rebuilds_encode_only_new_sentences_and_drop_removed_ones(tmp_path, embedder):
    seeds, settings, engine = two_seeds(tmp_path, embedder)
    fingerprint = index_fingerprint(embedder, settings)
    try:
        first = engine.rebuild()
        needed = needed_keys(settings, embedder)
        assert first.sentences_embedded == len(needed) > 0
        assert stored_keys(settings.data_dir) == needed
        assert first.to_dict()["sentences_embedded"] == first.sentences_embedded

        again = engine.rebuild()
        assert again.sentences_embedded == 0 and again.chunks_embedded == 0
        assert stored_keys(settings.data_dir) == needed

        third = SEED_FILES[2]
        shutil.copy(third, seeds)
        added = engine.rebuild()
        assert added.added == [third.stem]
        own = set(keys_of(fingerprint, sentences_of(records_of(third, settings))))
        # A sentence the new article shares word for word with another one is already stored.
        assert added.sentences_embedded == len(own - needed) > 0
        grown = needed_keys(settings, embedder)
        assert own <= grown and stored_keys(settings.data_dir) == grown

        (seeds / SEED_FILES[0].name).unlink()
        removed = engine.rebuild()
        assert removed.removed == [SEED_FILES[0].stem] and removed.sentences_embedded == 0
        remaining = needed_keys(settings, embedder)
        assert len(remaining) < len(grown)
        assert stored_keys(settings.data_dir) == remaining

        full = engine.rebuild(full=True)
        assert full.sentences_embedded == len(remaining)
        assert stored_keys(settings.data_dir) == remaining
    finally:
        engine.close()


# --- question time -----------------------------------------------------------------------------


def test_answers_are_the_same_without_stored_vectors_and_the_operator_is_told_once(tmp_path, embedder, caplog):
    seeds, settings, engine = two_seeds(tmp_path, embedder)
    question = "Qui est Iouri Ouchakov ?"
    try:
        engine.rebuild()
        caplog.set_level(logging.WARNING, logger="index.sentences")
        stored = engine.ask(question)
        assert not stored.abstained and stored.text
        assert not [r for r in caplog.records if NO_VECTOR in r.getMessage()]
        status = engine.status()
        assert status.sentence_vectors_present == status.sentence_vectors_expected == len(needed_keys(settings, embedder))

        # Emptied by another connection, as another process would: the engine's open file sees it.
        other = SentenceVectors(index_dir(settings.data_dir) / FILE_NAME, embedder.dimension)
        try:
            assert other.retain(set()) > 0 and other.count() == 0
        finally:
            other.close()
        caplog.clear()
        answers = [engine.ask(question) for _ in range(2)]
        assert [a.text for a in answers] == [stored.text, stored.text]
        assert [a.quoted for a in answers] == [stored.quoted, stored.quoted]
        warnings = [r for r in caplog.records if NO_VECTOR in r.getMessage()]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert warnings[0].levelno == logging.WARNING and "depeche index rebuild" in warnings[0].getMessage()
        # `index status` tells the operator too, and a rebuild stores them again.
        assert engine.status().sentence_vectors_present == 0
        assert engine.rebuild().sentences_embedded == status.sentence_vectors_expected
        assert engine.status().sentence_vectors_present == status.sentence_vectors_expected
    finally:
        engine.close()


def test_a_rebuild_encodes_each_text_once_and_short_chunks_give_their_vectors(tmp_path, embedder):
    """The encoder reads whitespace runs as one space, so a chunk of one sentence is that sentence
    and a chunk of two is its second sentence in context: the rebuild encodes each text once, and
    the sentence vectors stored are the chunks' own."""
    from config.settings import ChunkingSettings

    text = "Le pont de Blagovechtchensk\na été  inauguré en 2019."
    assert as_read(text) == "Le pont de Blagovechtchensk a été inauguré en 2019."
    a, b = embedder.encode_passages([text, as_read(text)])
    assert float(a @ b) > 0.99999

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED_FILES[0], seeds)
    # Chunks of at most 40 words, no overlap: many hold one or two sentences (longer ones are cut).
    settings = make_settings(tmp_path / "data", seeds, chunking=ChunkingSettings(max_words=40, overlap_sentences=0))
    engine = engine_for(settings, embedder)
    seen: list[str] = []
    encode = embedder.encode_passages

    def spy(texts, progress=None):
        seen.extend(texts)
        return encode(texts, progress)

    embedder.encode_passages = spy
    try:
        report = engine.rebuild()
    finally:
        embedder.encode_passages = encode
        engine.close()
    snapshot = load_snapshot(settings.data_dir)
    fingerprint = index_fingerprint(embedder, settings)
    # The sentence key whose text each short chunk is.
    short: dict[str, bytes] = {}
    for rec in snapshot.chunks.values():
        whole = sentences_of([rec])
        if len(rec.sentences) == 1 and len(whole) == 1 and as_read(rec.text) == as_read(whole[0].text):
            short[rec.id] = vector_key(fingerprint, whole[0].text)
    every = sentences_of(snapshot.chunks.values())
    pairs = {as_read(in_context(s.previous, s.text)): vector_key(fingerprint, s.text, s.previous) for s in every if s.previous}
    for rec in snapshot.chunks.values():
        if len(rec.sentences) == 2 and as_read(rec.text) in pairs:
            short[rec.id] = pairs[as_read(rec.text)]
    assert len(short) >= 3, "the corpus must hold chunks of one or two whole sentences"
    assert len(seen) == len({as_read(t) for t in seen}), "a text encoded twice"
    needed = needed_keys(settings, embedder)
    assert report.sentences_embedded == len(needed)
    assert len(seen) == report.chunks_embedded + len(needed) - len(short)
    client = open_client(settings.chroma, settings.data_dir)
    stored_chunks = client.get_collection(snapshot.collection).get(ids=list(short), include=["embeddings"])
    vectors = SentenceVectors(index_dir(settings.data_dir) / FILE_NAME, embedder.dimension)
    try:
        stored = vectors.get(list(short.values()))
        for chunk_id, chunk_vector in zip(stored_chunks["ids"], stored_chunks["embeddings"]):
            assert np.allclose(stored[short[chunk_id]], np.asarray(chunk_vector), atol=1e-3)
    finally:
        vectors.close()


# --- SIGKILL while encoding sentences ----------------------------------------------------------


def _row_count(path: Path) -> int:
    """Committed vectors, read from outside the rebuild (0 while the file or table does not exist)."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # created but not yet holding the table


def test_a_rebuild_killed_while_encoding_sentences_keeps_its_committed_batches(tmp_path, embedder):
    settings = make_settings(tmp_path / "data")  # all the seeds: several batches of sentences
    fingerprint = index_fingerprint(embedder, settings)
    records = [rec for path in SEED_FILES for rec in records_of(path, settings)]
    total = len(keys_of(fingerprint, sentences_of(records)))
    assert total > 2 * 64, "more than two batches, so the kill lands between commits"
    path = index_dir(settings.data_dir) / FILE_NAME
    env = cli_env(settings.data_dir)
    log = (tmp_path / "killed.log").open("w")
    proc = subprocess.Popen(
        [str(DEPECHE), "index", "rebuild"], env=env, cwd=tmp_path,
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not 0 < _row_count(path) < total:
            assert proc.poll() is None, f"the rebuild exited ({proc.returncode}) before a first sentence batch"
            assert time.monotonic() < deadline, "no sentence batch was committed within 60 s"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        log.close()

    committed = stored_keys(settings.data_dir)
    assert 0 < len(committed) < total, "the kill must land while sentences are being encoded"
    assert current_generation(settings.data_dir) is None, "a killed first rebuild swaps in nothing"

    result = run_cli("index", "rebuild", "--json", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    needed = needed_keys(settings, embedder)
    assert len(needed) == total
    assert report["sentences_embedded"] == len(needed - committed) < total
    assert report["chunks_embedded"] == 0, "the killed run's chunk vectors were committed too"
    assert stored_keys(settings.data_dir) == needed
    # What the killed run committed is what the encoder gives (to float16), not a torn write.
    store = SentenceVectors(path, embedder.dimension)
    try:
        texts = keys_of(fingerprint, sentences_of(load_snapshot(settings.data_dir).chunks.values()))
        sample = sorted(committed)[:8]
        got = store.get(sample)
        np.testing.assert_allclose(
            np.vstack([got[k] for k in sample]), embedder.encode_passages([texts[k] for k in sample]), atol=1e-3
        )
    finally:
        store.close()


def test_an_engine_reads_the_sentence_file_a_rebuild_made_after_the_old_one_was_deleted(tmp_path, embedder, caplog):
    seeds, settings, engine = two_seeds(tmp_path, embedder)
    question = "Que dit Rossiya-24 ?"  # answered from the third seed once it is added
    try:
        engine.rebuild()
        engine.ask(question)  # the engine now holds the file open
        for path in index_dir(settings.data_dir).glob(f"{FILE_NAME}*"):
            path.unlink()  # what an operator resetting the vectors does
        shutil.copy(SEED_FILES[2], seeds)
        report = engine.rebuild()
        assert report.added == [SEED_FILES[2].stem]
        assert report.sentences_embedded == len(needed_keys(settings, embedder)), "a new file: all encoded"
        caplog.set_level(logging.WARNING, logger="index.sentences")
        answer = engine.ask(question)
        assert any(source.article_id == SEED_FILES[2].stem for source in answer.sources), answer
        # Still reading the deleted file, the engine would lack the new article's vectors.
        assert not [r for r in caplog.records if NO_VECTOR in r.getMessage()]
    finally:
        engine.close()


@pytest.mark.parametrize("overlap", [0, 1])
def test_whole_sentences_are_stitched_back_from_the_chunks_that_cut_them(tmp_path, overlap):
    """A sentence over `max_words` is cut across chunks; ingestion version 5 records say where it
    starts and ends, and the lookup gives it whole, with the sentence before it and its facts."""
    from index.models import Article
    from index.rebuild import _records

    long = ("Le pont, long de plus d'un kilomètre et construit par un consortium après des années de retards dus "
            "aux financements, a coûté 19 milliards de roubles selon les autorités régionales.")
    body = f"Les camions passent la frontière. {long} Sa capacité atteint 630 camions par jour."
    article = Article("pont", "Un pont", body, "2026-03-02", "day", "AFP", None, "pont.txt", "0" * 64)
    settings = make_settings(tmp_path / "data", chunking={"max_words": 12, "overlap_sentences": overlap})
    records = _records(article, settings)
    assert not any(long in rec.text for rec in records)  # cut
    lookup = SentenceLookup(None, None, "fp", {rec.id: rec for rec in records}, {"pont": [rec.id for rec in records]})
    middle = body.index("construit")
    found = lookup.overlapping("pont", middle, middle + 5)
    assert [s.text for s in found] == [long]
    assert found[0].previous == "Les camions passent la frontière." and (found[0].start, found[0].end) == (
        body.index(long), body.index(long) + len(long))
    assert ("amount", long.index("19 milliards"), long.index(" selon")) in found[0].facts
    assert [s.text for s in sentences_of(records)] == [body[a:b] for a, b in split_sentences(body)]
