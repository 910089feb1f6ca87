"""French-aware BM25: Snowball stemming, stop words, accent folding, over `bm25s`."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Collection, Sequence
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import Stemmer


def _import_bm25s():
    """bm25s, without the numba JIT it imports whenever numba is installed (ranx brings it).

    That import costs about 0.7 s, paid by every one-shot command, for a backend we never use:
    we score with `get_scores` (numpy). numba is hidden only while bm25s loads, so the eval's
    ranx can still import it.
    """
    missing = object()
    saved = sys.modules.get("numba", missing)
    if saved is missing:
        sys.modules["numba"] = None  # makes `import numba` raise ImportError
    try:
        import bm25s
        import bm25s.stopwords
    finally:
        if saved is missing:
            del sys.modules["numba"]
    return bm25s


bm25s = _import_bm25s()
STOPWORDS_EN, STOPWORDS_FRENCH = bm25s.stopwords.STOPWORDS_EN, bm25s.stopwords.STOPWORDS_FRENCH

from index.text import fold, split_elisions

# Importing bm25s sets its logger to DEBUG, overriding the level the CLI chose before the import:
# every `index rebuild --json` then wrote "DEBUG bm25s: Building index from tokens" to stderr.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Questions are asked in French and English over French text: both sets of function words go.
_STOP = frozenset(STOPWORDS_FRENCH) | frozenset(STOPWORDS_EN) | {
    "jusqu", "a", "à", "est", "sont", "été", "ont", "d", "l", "qu", "c", "j", "n", "s", "m", "t",
    "quel", "quelle", "quels", "quelles", "quand", "combien", "comment", "pourquoi", "où",
    "what", "when", "which", "who", "whom", "how", "many", "much", "did", "does",
    # Forms of "aller", which the French list lacks though it has "être" and "avoir": "Quand Poutine
    # ira-t-il en Chine ?" matched "Xi Jinping ira en Russie…" on "ira", its rarest word.
    "va", "vas", "vont", "allons", "allez", "allait", "allaient", "allé", "allée", "allés", "ira", "iras",
    "irons", "irez", "iront", "irait", "iraient", "aille", "aillent",
}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("french")


_FOLDED_STOP = frozenset(fold(word) for word in _STOP)


def content_words(text: str) -> list[str]:
    """The words of `text` that are not stop words, as written (elisions split off)."""
    return [w for w in _TOKEN.findall(split_elisions(text)) if fold(w.lower()) not in _FOLDED_STOP]


# `fold` per word, remembered: a corpus repeats few distinct words, and folding each occurrence
# again was most of building BM25 (50,000 chunks: 6.5 million calls, about half of a reader's start).
_fold_word = lru_cache(maxsize=1 << 18)(fold)


def tokenize(text: str) -> list[str]:
    """French analysis: split words and elisions, drop stop words, stem, then fold accents."""
    words = [w for w in _TOKEN.findall(split_elisions(text.lower())) if _fold_word(w) not in _FOLDED_STOP]
    return [_fold_word(stem) for stem in _stemmer().stemWords(words)]


class BM25Index:
    """A BM25 index over chunk ids; saved next to the index generation it belongs to."""

    def __init__(self, retriever: bm25s.BM25, chunk_ids: list[str]) -> None:
        self._retriever = retriever
        self.chunk_ids = chunk_ids

    @classmethod
    def build(cls, chunk_ids: Sequence[str], texts: Sequence[str]) -> BM25Index:
        """Index the texts (the chunk ids are kept in the same order)."""
        retriever = bm25s.BM25()
        if texts:
            retriever.index([tokenize(text) for text in texts], show_progress=False)
        return cls(retriever, list(chunk_ids))

    def save(self, directory: Path) -> None:
        """Write the index into a directory of its own."""
        directory.mkdir(parents=True, exist_ok=True)
        if self.chunk_ids:
            self._retriever.save(str(directory))
        (directory / "chunk_ids.json").write_text(json.dumps(self.chunk_ids), encoding="utf-8")

    @cached_property
    def _places(self) -> dict[str, int]:
        """Each chunk id's row in the index."""
        return {cid: i for i, cid in enumerate(self.chunk_ids)}

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read an index written by `save`, memory-mapped."""
        chunk_ids = json.loads((directory / "chunk_ids.json").read_text(encoding="utf-8"))
        if not chunk_ids:
            return cls(bm25s.BM25(), [])
        return cls(bm25s.BM25.load(str(directory), mmap=True), chunk_ids)

    def search(self, query: str, k: int, among: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The best `k` chunk ids with their BM25 scores; chunks that share no term are left out.
        With `among`, only those chunks (a period's) compete: the condition applies before the cut."""
        if not self.chunk_ids:
            return []
        tokens = [t for t in tokenize(query) if t in self._retriever.vocab_dict]
        if not tokens:
            return []
        scores = self._retriever.get_scores(tokens)
        if among is not None:
            kept = np.zeros_like(scores)
            places = [self._places[cid] for cid in among if cid in self._places]
            kept[places] = scores[places]
            scores = kept
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunk_ids[i], float(scores[i])) for i in top if scores[i] > 0]


def document_frequencies(index: BM25Index) -> tuple[dict[str, int], int]:
    """How many chunks hold each term, read off the BM25 matrix (one column per term)."""
    retriever = index._retriever
    if not index.chunk_ids:
        return {}, 0
    counts = np.diff(np.asarray(retriever.scores["indptr"]))
    # bm25s keeps an empty token in the vocabulary with no column of its own.
    return {t: int(counts[i]) for t, i in retriever.vocab_dict.items() if i < len(counts)}, len(index.chunk_ids)
