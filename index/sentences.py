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
from bisect import bisect_left
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


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article: its offsets in the body, its text and the sentence before it."""

    article_id: str
    start: int
    end: int
    text: str
    previous: str  # "" for an article's first sentence


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
    chunks' sentences; `SentenceLookup.previous` finds the same neighbour at question time.
    """
    spans: dict[str, dict[tuple[int, int], str]] = defaultdict(dict)
    for rec in chunks:
        for start, end in split_sentences(rec.text):
            spans[rec.article_id][(rec.start + start, rec.start + end)] = rec.text[start:end]
    out: list[Sentence] = []
    for article_id, found in spans.items():
        previous, previous_end = "", -1
        for (start, end), text in sorted(found.items()):
            if start < previous_end:  # a cut piece overlapping the sentence it was cut from
                continue
            out.append(Sentence(article_id, start, end, text, previous))
            previous, previous_end = text, end
    return out


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
) -> tuple[int, set[bytes]]:
    """Encode and store the vectors these chunks' sentences lack (all of them with `full`), a batch
    committed at a time; returns how many were encoded and every key the chunks need."""
    needed = keys_of(fingerprint, sentences_of(chunks))
    todo = list(needed) if full else vectors.missing(needed)
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        vectors.add(batch, embedder.encode_passages([needed[key] for key in batch]))
        if progress:
            progress(len(batch))
    return len(todo), set(needed)


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
