"""Hybrid retrieval: dense search in Chroma fused with French BM25, overlapping chunks merged."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from config.settings import RetrievalSettings
from index.embeddings import Embedder
from index.facts import asked_fact, speaks_for_a_state
from index.language import detect_language
from index.models import Hit, SpeakerInfo
from index.quotes import keys_naming
from index.snapshot import Snapshot
from index.store import VectorStore


@dataclass
class Timings:
    """Seconds spent in each stage of the last search (for the benchmarks)."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


def weighted_rrf(
    rankings: list[tuple[list[str], float]], k: int
) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion: sum of weight / (k + rank) over the rankings."""
    scores: dict[str, float] = defaultdict(float)
    for ranking, weight in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] += weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


@dataclass
class Retrieval:
    """What one search found."""

    hits: list[Hit]
    dense_best: float
    timings: Timings
    query_vector: np.ndarray | None = None  # reused to rank answer sentences


class HybridRetriever:
    """Dense + BM25 over one index generation.

    A plain class, not a LlamaIndex `BaseRetriever`: importing llama_index.core costs about a
    second, which every one-shot command paid; the eval's LlamaIndex baselines import it there.
    """

    def __init__(
        self,
        snapshot: Snapshot,
        store: VectorStore,
        embedder: Embedder,
        settings: RetrievalSettings,
        mode: str = "hybrid",
    ) -> None:
        self.snapshot = snapshot
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.mode = mode  # "hybrid", "dense" or "bm25": the last two are the eval's baselines

    def search(self, query: str, top_k: int | None = None) -> list[Hit]:
        """The best passages for a query, one per stretch of article text, best first."""
        return self.retrieve_hits(query, top_k).hits

    def retrieve_hits(self, query: str, top_k: int | None = None) -> Retrieval:
        """Hits with what abstention needs (the best dense similarity) and each stage's time."""
        timings = Timings()
        vector = self.embed(query, timings) if self.mode in ("hybrid", "dense") else None
        ranked, dense_best = self.rank_chunks(query, timings, vector)
        started = time.perf_counter()
        hits = self._merge(ranked, top_k or self.settings.top_k)
        timings.add("merge", time.perf_counter() - started)
        return Retrieval(hits, dense_best, timings, vector)

    def embed(self, query: str, timings: Timings) -> np.ndarray:
        """The query's vector, timed."""
        started = time.perf_counter()
        vector = self.embedder.encode_query(query)
        timings.add("embed_query", time.perf_counter() - started)
        return vector

    def rank_chunks(
        self, query: str, timings: Timings | None = None, vector: np.ndarray | None = None
    ) -> tuple[list[tuple[str, float]], float]:
        """Chunk ids of the current generation with fused scores, best first, and the best cosine."""
        timings = timings or Timings()
        live = self.snapshot.chunks
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "dense"):
            if vector is None:
                vector = self.embed(query, timings)
            started = time.perf_counter()
            # Vectors of another generation may linger until a rebuild collects them: skip them.
            dense = [(cid, s) for cid, s in self.store.query(vector, self.settings.dense_k) if cid in live]
            timings.add("dense", time.perf_counter() - started)
        if self.mode in ("hybrid", "bm25"):
            started = time.perf_counter()
            lexical = [(cid, s) for cid, s in self.snapshot.bm25.search(query, self.settings.bm25_k) if cid in live]
            timings.add("bm25", time.perf_counter() - started)
        dense_best = max((score for _, score in dense), default=0.0)
        if self.mode == "dense":
            return dense, dense_best
        if self.mode == "bm25":
            return lexical, dense_best
        rankings = [
            ([cid for cid, _ in dense], self._dense_weight(query)),
            ([cid for cid, _ in lexical], self.settings.bm25_weight),
        ]
        quoting = self._quoting(query)
        if quoting:
            # "Qu'a dit Poutine…": the passages where Putin is quoted, nearest first, are a ranking of
            # their own, or his quotes lose to passages that only speak of him.
            started = time.perf_counter()
            speaker = [cid for cid, _ in self.store.query(vector, self.settings.dense_k, among=quoting)]
            rankings.append((speaker, self.settings.speaker_weight))
            timings.add("dense", time.perf_counter() - started)
        started = time.perf_counter()
        fused = weighted_rrf(rankings, self.settings.rrf_k)
        timings.add("fusion", time.perf_counter() - started)
        return fused, dense_best

    def _quoting(self, query: str) -> list[str]:
        """The chunks quoting the person a who-said-what question names (not a government: "Selon
        Pékin" is mostly reported unquoted), or none."""
        speaker = asked_fact(query).speaker
        if speaker is None or speaks_for_a_state(speaker):
            return []
        quoting = self.snapshot.quoting
        return sorted({cid for key in keys_naming(speaker, quoting) for cid in quoting[key]})

    def _dense_weight(self, query: str) -> float:
        """English questions over French articles lean on the multilingual encoder, not on BM25."""
        if detect_language(query) == "en":
            return self.settings.english_dense_weight
        return self.settings.dense_weight

    def _merge(self, ranked: list[tuple[str, float]], top_k: int) -> list[Hit]:
        """Fold overlapping chunks of one article into one passage, keeping the better score."""
        spans: list[dict] = []
        for chunk_id, score in ranked:
            rec = self.snapshot.chunks[chunk_id]
            for span in spans:
                if span["article_id"] == rec.article_id and rec.start < span["end"] and span["start"] < rec.end:
                    _extend(span, rec)
                    break
            else:
                if len(spans) == top_k:
                    continue
                spans.append(
                    {"article_id": rec.article_id, "start": rec.start, "end": rec.end,
                     "text": rec.text, "score": score, "ids": [chunk_id]}
                )
        hits = []
        for rank, span in enumerate(spans, start=1):
            meta = self.snapshot.articles[span["article_id"]]
            hits.append(
                Hit(
                    rank=rank,
                    article_id=span["article_id"],
                    title=meta["title"],
                    date=meta["date"],
                    date_precision=meta["date_precision"],
                    outlet=meta["outlet"],
                    text=span["text"],
                    score=span["score"],
                    start=span["start"],
                    end=span["end"],
                    chunk_ids=tuple(span["ids"]),
                    speakers=self._speakers(span["ids"]),
                )
            )
        return hits

    def _speakers(self, chunk_ids: list[str]) -> tuple[SpeakerInfo, ...]:
        """The attributed sentences of the merged chunks, once each, in text order."""
        found = {
            (start, end): SpeakerInfo(name, key, start, end)
            for cid in chunk_ids
            for start, end, name, key in self.snapshot.chunks[cid].speakers
        }
        return tuple(found[span] for span in sorted(found))


def _extend(span: dict, rec) -> None:
    """Grow a span by an overlapping chunk, stitching the texts at their shared offsets."""
    if rec.start < span["start"]:
        span["text"] = rec.text[: span["start"] - rec.start] + span["text"]
        span["start"] = rec.start
    if rec.end > span["end"]:
        span["text"] = span["text"] + rec.text[len(rec.text) - (rec.end - span["end"]):]
        span["end"] = rec.end
    span["ids"].append(rec.id)
