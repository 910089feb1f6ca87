"""Hybrid retrieval: dense search in Chroma fused with French BM25, overlapping chunks merged."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from config.settings import RetrievalSettings
from index.embeddings import Embedder
from index.facts import asked_fact, speaks_for_a_state
from index.language import detect_language
from index.models import AlsoIn, Hit, SpeakerInfo
from index.quotes import keys_naming
from index.snapshot import Snapshot
from index.store import VectorStore
from index.text import fold
from index.timeask import period_words, published_in, published_span

if TYPE_CHECKING:
    from index.questions import Question


@dataclass
class Timings:
    """Seconds spent in each stage of the last search (for the benchmarks)."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


# A story's representative stands for it when its best chunk scores at least this share of the
# story's best: near-identical copies take adjacent places in the fused ranking (RRF scores of
# adjacent places among the first ten differ by under 2 %); set by hand, not tuned.
REPRESENTATIVE_RATIO = 0.95
# A period of more chunks than this is filtered in memory from WIDE_FACTOR × dense_k nearest chunks
# rather than passed to Chroma as an id list (an id filter over tens of thousands of ids costs
# Chroma 80-220 ms at 50,000 chunks, against 2-4 ms unfiltered; figures from issue 16).
AMONG_IN_MEMORY = 2000
WIDE_FACTOR = 5
# A period of at most this many chunks has its vectors fetched and compared in memory: measured at
# 50,000 chunks (benchmarks/time_costs.py), fetching 20 / 150 / 600 vectors cost 1 / 6 / 23 ms and
# Chroma's id filter over the same ids 71 / 34 / 54 ms.
AMONG_FETCHED = 800


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

    def retrieve_hits(self, query: str, top_k: int | None = None, question: Question | None = None) -> Retrieval:
        """Hits with what abstention needs (the best dense similarity) and each stage's time.

        question: the understood question `query` comes from (`questions.prepare`): its language and
        speaker are read from it, a period restricts the candidates to the period's passages before
        the top-k cut, and a question about what holds now puts the newest relevant passages first.
        """
        timings = Timings()
        among = None
        if question is not None and question.time.dated:
            started = time.perf_counter()
            among = dated_chunks(self.snapshot, question.time.start, question.time.end)
            timings.add("dates", time.perf_counter() - started)
            if not among:
                return Retrieval([], 0.0, timings, None)
            # An undated article may be from the period: one that names the period's months or
            # years (« ce vendredi 17 mars » for March 2023) is searched too, every passage of it.
            words = period_words(question.time.start, question.time.end)
            among = among | {cid for ids, found in self._undated for cid in ids if words & found}
        elif question is not None and question.time.kind == "recent" and question.today is not None:
            # What holds now is not read in an article that is not out yet (a pinned clock replays
            # an old corpus); left out before the top-k cut, so the answer still fills.
            future = self._published_after(question.today)
            if future:
                among = frozenset(self.snapshot.chunks).difference(future)
        vector = self.embed(query, timings) if self.mode in ("hybrid", "dense") else None
        ranked, dense_best = self.rank_chunks(query, timings, vector, question, among)
        started = time.perf_counter()
        hits = self._merge(ranked, top_k or self.settings.top_k)
        if question is not None and question.time.kind == "recent":
            hits = newest_first(hits, self.settings.top_k)
        timings.add("merge", time.perf_counter() - started)
        return Retrieval(hits, dense_best, timings, vector)

    def embed(self, query: str, timings: Timings) -> np.ndarray:
        """The query's vector, timed."""
        started = time.perf_counter()
        vector = self.embedder.encode_query(query)
        timings.add("embed_query", time.perf_counter() - started)
        return vector

    def rank_chunks(
        self,
        query: str,
        timings: Timings | None = None,
        vector: np.ndarray | None = None,
        question: Question | None = None,
        among: frozenset[str] | None = None,
    ) -> tuple[list[tuple[str, float]], float]:
        """Chunk ids of the current generation with fused scores, best first, and the best cosine;
        only the chunks of `among`, when given (a period's), are ranked."""
        timings = timings or Timings()
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "dense"):
            if vector is None:
                vector = self.embed(query, timings)
            started = time.perf_counter()
            dense = self._dense(vector, among)
            timings.add("dense", time.perf_counter() - started)
        if self.mode in ("hybrid", "bm25"):
            started = time.perf_counter()
            lexical = self._lexical(query, among)
            timings.add("bm25", time.perf_counter() - started)
        dense_best = max((score for _, score in dense), default=0.0)
        if self.mode == "dense":
            return dense, dense_best
        if self.mode == "bm25":
            return lexical, dense_best
        language = question.language if question is not None else detect_language(query)
        rankings = [
            ([cid for cid, _ in dense], self._dense_weight(language)),
            ([cid for cid, _ in lexical], self.settings.bm25_weight),
        ]
        quoting = self._quoting(question.speaker if question is not None else asked_fact(query).speaker)
        if among is not None:
            quoting = [cid for cid in quoting if cid in among]
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

    def _dense(self, vector: np.ndarray, among: frozenset[str] | None) -> list[tuple[str, float]]:
        """The nearest chunks of the generation (of `among` only, when given), nearest first.

        An id list makes Chroma slow: a short period's vectors are fetched and compared here, a
        period holding many chunks is filtered in memory from a wider unrestricted search, and only
        a middling list (or a wide search that kept too few) is passed to Chroma.
        """
        live = self.snapshot.chunks  # vectors of another generation may linger until a rebuild collects them
        k = self.settings.dense_k
        if among is None:
            return [(cid, s) for cid, s in self.store.query(vector, k) if cid in live]
        if len(among) <= AMONG_FETCHED:
            ids, vectors = self.store.vectors(sorted(cid for cid in among if cid in live))
            if not ids:
                return []
            norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(vector) or 1.0)
            cosines = (vectors @ vector) / np.where(norms > 0, norms, 1.0)
            top = np.argsort(-cosines, kind="stable")[:k]
            return [(ids[i], float(cosines[i])) for i in top]
        if len(among) > AMONG_IN_MEMORY:
            wide = [(cid, s) for cid, s in self.store.query(vector, k * WIDE_FACTOR) if cid in among and cid in live]
            if len(wide) >= k:
                return wide[:k]
        return [(cid, s) for cid, s in self.store.query(vector, k, among=sorted(among)) if cid in live]

    def _published_after(self, day: date) -> set[str]:
        """The chunk ids of the articles published after `day` (none, unless the clock is pinned)."""
        newest = published_span(self.snapshot.newest_date())  # cached per generation
        if newest is None or newest[0] <= day:
            return set()  # the usual case: no scan of the articles on every "what holds now" question
        return {
            cid
            for entry in self.snapshot.articles.values()
            if (span := published_span(entry.get("date"))) is not None and span[0] > day
            for cid in entry.get("chunk_ids") or ()
        }

    @cached_property
    def _undated(self) -> list[tuple[tuple[str, ...], frozenset[str]]]:
        """The generation's articles without a publication date: their chunk ids, and their folded words."""
        chunks = self.snapshot.chunks
        found = []
        for entry in self.snapshot.articles.values():
            if published_span(entry.get("date")) is None:
                ids = tuple(cid for cid in entry.get("chunk_ids") or () if cid in chunks)
                words = frozenset(w for cid in ids for w in re.findall(r"\w+", fold(chunks[cid].text.lower())))
                found.append((ids, words))
        return found

    def _lexical(self, query: str, among: frozenset[str] | None) -> list[tuple[str, float]]:
        """BM25's best chunks of the generation (of `among` only, when given), best first."""
        live = self.snapshot.chunks
        k = self.settings.bm25_k
        # A period's chunks may rank below the first k of the whole corpus: they compete among
        # themselves, before the cut (masking the scores costs a few ms at 50,000 chunks, where
        # sorting every scored chunk cost 80-150 ms).
        return [(cid, s) for cid, s in self.snapshot.bm25.search(query, k, among) if cid in live]

    def _quoting(self, speaker: str | None) -> list[str]:
        """The chunks quoting the person a who-said-what question names (not a government: "Selon
        Pékin" is mostly reported unquoted), or none."""
        if speaker is None or speaks_for_a_state(speaker):
            return []
        quoting = self.snapshot.quoting
        return sorted({cid for key in keys_naming(speaker, quoting) for cid in quoting[key]})

    def _dense_weight(self, language: str) -> float:
        """English questions over French articles lean on the multilingual encoder, not on BM25."""
        if language == "en":
            return self.settings.english_dense_weight
        return self.settings.dense_weight

    def _merge(self, ranked: list[tuple[str, float]], top_k: int) -> list[Hit]:
        """Fold overlapping chunks of one article into one passage, keeping the better score; copies
        of one story take one place: the first of its articles to rank stands for it, the chunks of
        its other copies are dropped before the top-k cut."""
        spans: list[dict] = []
        claimed = self._standing(ranked)  # story -> the article standing for it
        for chunk_id, score in ranked:
            rec = self.snapshot.chunks[chunk_id]
            if claimed.get(rec.story or rec.article_id, rec.article_id) != rec.article_id:
                continue
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
                    dates=tuple(sorted({d for cid in span["ids"] for d in self.snapshot.chunks[cid].dates})),
                    story=self.snapshot.chunks[span["ids"][0]].story,
                    url=meta.get("url"),
                    also_in=self._also_in(span["article_id"], self.snapshot.chunks[span["ids"][0]].story),
                )
            )
        return hits

    def _standing(self, ranked: list[tuple[str, float]]) -> dict[str, str]:
        """Story -> the article standing for it: the best-ranked copy, unless the story's
        representative (earliest, the agency's own) scores nearly as well — the same text ranks
        at adjacent places, and the original is the one to cite."""
        best: dict[str, tuple[float, str]] = {}
        scores: dict[tuple[str, str], float] = {}
        for chunk_id, score in ranked:
            rec = self.snapshot.chunks[chunk_id]
            story = rec.story or rec.article_id  # an index built before stories: each article alone
            best.setdefault(story, (score, rec.article_id))
            scores.setdefault((story, rec.article_id), score)
        stories = self.snapshot.stories
        standing = {}
        for story, (top, article_id) in best.items():
            members = stories.get(story)
            first = members[0] if members else article_id
            near = scores.get((story, first))
            standing[story] = first if near is not None and near >= REPRESENTATIVE_RATIO * top else article_id
        return standing

    def _also_in(self, article_id: str, story: str) -> tuple[AlsoIn, ...]:
        """The other copies of an article's story, representative first."""
        if not story:
            return ()
        articles = self.snapshot.articles
        return tuple(
            AlsoIn(other, articles[other]["outlet"], articles[other]["date"], articles[other].get("url"))
            for other in self.snapshot.stories.get(story, ())
            if other != article_id
        )

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


# A date a sentence speaks of counts for a period asked only when it is not much wider: "cette
# année" in an article does not make it speak of yesterday. Set by hand on the time eval.
MENTION_WIDTH = 4  # times the period's length…
MENTION_MIN_DAYS = 31  # …or a month, whichever is longer


def dated_chunks(snapshot: Snapshot, start: date, end: date) -> frozenset[str]:
    """The chunk ids whose article was published in [start, end] or one of whose sentences speaks
    of a date in it (no much wider than it: `mentions_period`)."""
    found = snapshot.dated(start, end)
    kept = set()
    published: dict[str, bool] = {}  # per article: a year holds thousands of chunks of hundreds of articles
    for cid in found:
        rec = snapshot.chunks[cid]
        within = published.get(rec.article_id)
        if within is None:
            within = published[rec.article_id] = published_in(snapshot.articles[rec.article_id].get("date"), start, end)
        if within or any(mentions_period(first, last, start, end) for _, _, first, last, _ in rec.dates):
            kept.add(cid)
    return frozenset(kept)


def mentions_period(first: str, last: str, start: date, end: date) -> bool:
    """Whether a date spoken of, [first, last] (ISO days), falls in the period [start, end] and is
    not much wider than it."""
    if first > end.isoformat() or last < start.isoformat():
        return False
    days = (date.fromisoformat(last) - date.fromisoformat(first)).days + 1
    return days <= max(MENTION_WIDTH * ((end - start).days + 1), MENTION_MIN_DAYS)


def newest_first(hits: list[Hit], relevant: int) -> list[Hit]:
    """The first `relevant` hits reordered newest first (undated last), the rest after them: what
    holds now is read in the newest relevant passage, and a recent passage outside the relevant
    ones never jumps ahead of them."""
    head, tail = hits[:relevant], hits[relevant:]
    head = sorted(head, key=lambda h: (-_ordinal(h.date), h.rank))
    return [replace(hit, rank=rank) for rank, hit in enumerate(head + tail, start=1)]


def _ordinal(iso: str | None) -> int:
    """A sortable day number for an article date (its first day); 0 for undated."""
    span = published_span(iso)
    return span[0].toordinal() if span else 0
