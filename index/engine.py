"""The one entry to the core: search, ask, status, rebuild. The CLI, the bot and the evals call this."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from chromadb.api import ClientAPI

from config.settings import Settings
from index.answers import Extractor, abstain, compose
from index.conversation import Conversation
from index.embeddings import Embedder
from index.errors import BadQuestion, IndexNotBuilt
from index.language import Language, detect_language, phrase
from index.lexical import content_words, document_frequencies, fold
from index.models import Answer, ArticleInfo, Hit, IndexStatus, RebuildReport, Source
from index.rebuild import ProgressFactory, index_fingerprint, rebuild
from index.retrieval import HybridRetriever, Retrieval, Timings
from index.snapshot import Snapshot, current_generation, load_snapshot
from index.store import VectorStore, describe, open_client, reopen_client

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f]")
# Follow-ups lean on the previous turn: they open with a connective ("Et pour les citoyens
# chinois ?") or refer back with a pronoun ("Quand l'a-t-il dit ?" is not one: "-t-il" is inversion).
_FOLLOW_UP = re.compile(
    r"^\s*(et|mais|alors|aussi|puis|and|but|what about|how about|also)\b|"
    r"(?<![-\w])(il|elle|ils|elles|lui|leur|cela|ça|celui-ci|celle-ci|ce dernier|cette date|"
    r"he|she|they|it|that|this|those|them)(?![-\w])",
    re.IGNORECASE,
)
MAX_CARRIED_TERMS = 8


@dataclass
class _Loaded:
    """Everything bound to one index generation."""

    snapshot: Snapshot
    retriever: HybridRetriever
    extractor: Extractor


class Engine:
    """Answers questions from the current index generation; reloads by itself after a rebuild."""

    def __init__(self, settings: Settings, client: ClientAPI, embedder: Embedder, llm: object | None = None) -> None:
        self.settings = settings
        self.client = client
        self.embedder = embedder
        self.llm = llm
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._generation: str | None = None

    @classmethod
    def open(cls, settings: Settings, build_if_missing: bool = False) -> Engine:
        """Load the model, connect to Chroma and, if asked, build the index when there is none."""
        from index.llm import make_llm

        embedder = Embedder(settings.embedding)
        engine = cls(settings, open_client(settings.chroma, settings.data_dir), embedder, make_llm(settings.llm))
        if build_if_missing and current_generation(settings.data_dir) is None:
            log.info("no index yet: building it from %s", settings.seeds_dir)
            engine.rebuild()
        return engine

    # --- the index -----------------------------------------------------------------------

    def rebuild(
        self, seeds_dir: Path | None = None, full: bool = False, progress: ProgressFactory | None = None
    ) -> RebuildReport:
        """Incremental rebuild from the seeds dir (see `index.rebuild`)."""
        report = rebuild(self.settings, self.client, self.embedder, seeds_dir, full, progress)
        self._current()  # pick up the new generation now rather than on the next question
        return report

    def status(self) -> IndexStatus:
        """What the current generation holds."""
        from index.store import vectors_present

        loaded = self._current()
        articles = loaded.snapshot.articles
        dates = sorted(a["date"] for a in articles.values() if a["date"])
        return IndexStatus(
            articles=len(articles),
            chunks=len(loaded.snapshot.chunks),
            date_min=dates[0] if dates else None,
            date_max=dates[-1] if dates else None,
            undated=sum(1 for a in articles.values() if not a["date"]),
            model=loaded.snapshot.manifest["model"],
            collection=loaded.snapshot.collection,
            last_rebuilt=loaded.snapshot.manifest["created"],
            generation=loaded.snapshot.generation,
            vectors_present=vectors_present(loaded.retriever.store, loaded.snapshot.chunks),
            vectors_expected=len(loaded.snapshot.chunks),
        )

    def articles(self) -> list[ArticleInfo]:
        """Indexed articles, newest first, undated last."""
        infos = [
            ArticleInfo(aid, a["title"], a["date"], a["date_precision"], a["outlet"], len(a["chunk_ids"]))
            for aid, a in self._current().snapshot.articles.items()
        ]
        return sorted(infos, key=lambda info: (info.date is not None, info.date or "", info.id), reverse=True)

    # --- questions -----------------------------------------------------------------------

    def search(self, question: str, top_k: int | None = None) -> list[Hit]:
        """The best passages for a question."""
        return self.retrieve(self.check_question(question), top_k).hits

    def retrieve(self, query: str, top_k: int | None = None, mode: str = "hybrid") -> Retrieval:
        """Hits, the best dense similarity and stage timings for an already checked query."""
        return self._retrieve(self._current(), query, top_k, mode)

    def _retrieve(self, loaded: _Loaded, query: str, top_k: int | None = None, mode: str = "hybrid") -> Retrieval:
        retriever = loaded.retriever
        if mode != retriever.mode:
            retriever = HybridRetriever(retriever.snapshot, retriever.store, self.embedder, self.settings.retrieval, mode)
        return retriever.retrieve_hits(query, top_k)

    def ask(self, question: str, conversation: Conversation | None = None) -> Answer:
        """Answer with cited sentences, or abstain; `conversation` makes follow-ups standalone."""
        return self.ask_timed(question, conversation)[0]

    def ask_timed(self, question: str, conversation: Conversation | None = None) -> tuple[Answer, Timings]:
        """`ask`, with the seconds spent in each stage."""
        question = self.check_question(question)
        language = detect_language(question)
        standalone = self.standalone_query(question, conversation)
        loaded = self._current()  # one generation for the whole question, read once
        result = self._retrieve(loaded, standalone)
        timings = result.timings
        started = time.perf_counter()
        answer = self._extractive(question, standalone, language, result, loaded)
        timings.add("answer", time.perf_counter() - started)
        if self.llm is not None and not answer.abstained:
            started = time.perf_counter()
            answer = self._generated(question, standalone, language, result.hits) or answer
            timings.add("llm", time.perf_counter() - started)
        return answer, timings

    def check_question(self, question: str) -> str:
        """Clean a question, or raise `BadQuestion` with a message for the person who asked."""
        return check_question(question, self.settings.max_question_chars)

    def standalone_query(self, question: str, conversation: Conversation | None) -> str:
        """Rewrite a follow-up into a question that stands alone (LLM if configured, else a rule)."""
        history = conversation.recent_queries() if conversation else []
        if not history:
            return question
        if self.llm is not None:
            from index.llm import LLMFailed, rewrite_followup

            try:
                return rewrite_followup(self.llm, history, question)
            except LLMFailed as exc:
                log.warning("follow-up rewrite by the LLM failed (%s); using the rule", exc)
        return carry_terms(question, history[-1])

    # --- internals -----------------------------------------------------------------------

    def _extractive(self, question: str, standalone: str, language: Language, result: Retrieval, loaded: _Loaded) -> Answer:
        hits = result.hits
        if not hits:
            return abstain(question, language, standalone)
        evidence = loaded.extractor.evidence(standalone, hits, result.dense_best)
        if self._should_abstain(evidence):
            log.info("abstaining: coverage %.2f, dense %.2f", evidence.coverage, evidence.dense)
            return abstain(question, language, standalone)
        candidates = loaded.extractor.candidates(standalone, hits, focus=question)
        weight = self.settings.retrieval.sentence_dense_weight
        if weight > 0 and candidates:
            # Only the lexical front-runners are embedded: encoding every sentence of every hit
            # cost most of an ask's time (about 14 ms a sentence on 2 cores).
            head = candidates[: self.settings.retrieval.sentence_rerank_depth]
            vectors = self.embedder.encode_sentences([c.text for c in head])
            query_vector = result.query_vector if result.query_vector is not None else self.embedder.encode_query(standalone)
            candidates = Extractor.rerank(candidates, vectors @ query_vector, weight)
        return compose(question, loaded.extractor.select(candidates), language, standalone)

    def _should_abstain(self, evidence) -> bool:
        settings = self.settings.retrieval
        return evidence.coverage < settings.min_coverage and evidence.dense < settings.min_dense

    def _generated(self, question: str, standalone: str, language: Language, hits: list[Hit]) -> Answer | None:
        from index.llm import LLMFailed, generate_answer

        sources = [
            Source(i, h.article_id, h.title, h.date, h.outlet, h.text, h.start, h.end, h.date_precision)
            for i, h in enumerate(hits, start=1)
        ]
        try:
            text = generate_answer(self.llm, standalone, sources, language)
        except LLMFailed as exc:
            log.warning("generated answer unavailable (%s); answering extractively", exc)
            return None
        text, kept = renumber(text, sources)
        return Answer(question, text, kept, False, language, standalone, generated=True)

    def _current(self) -> _Loaded:
        """The loaded generation, reloaded when another process has swapped in a new one."""
        generation = current_generation(self.settings.data_dir)
        with self._lock:
            if self._loaded is not None and generation == self._generation:
                return self._loaded
            snapshot = load_snapshot(self.settings.data_dir)
            if snapshot is None:
                raise IndexNotBuilt(
                    f"There is no index in {self.settings.data_dir} yet: run `depeche index rebuild`."
                )
            expected = index_fingerprint(self.embedder, self.settings)
            if snapshot.manifest.get("fingerprint") != expected:
                raise IndexNotBuilt(
                    f"The index was built with {snapshot.manifest.get('model')} and other chunking or "
                    f"model settings than this process uses ({self.embedder.name}): run `depeche index rebuild`."
                )
            if self._loaded is not None:
                # A rebuild elsewhere wrote to Chroma: an embedded client only sees it when reopened.
                self.client = reopen_client(self.settings.chroma, self.settings.data_dir)
            store = VectorStore.open(
                self.client, snapshot.collection, where=describe(self.settings.chroma, self.settings.data_dir)
            )
            df, n_docs = document_frequencies(snapshot.bm25)
            self._loaded = _Loaded(
                snapshot,
                HybridRetriever(snapshot, store, self.embedder, self.settings.retrieval),
                Extractor(df, n_docs),
            )
            self._generation = snapshot.generation
            log.info("using index generation %s (%d chunks)", snapshot.generation, len(snapshot.chunks))
            return self._loaded


def check_question(question: object, limit: int) -> str:
    """Clean a question (control characters, spaces), or raise `BadQuestion` saying what to fix."""
    if not isinstance(question, str):
        raise BadQuestion(phrase("empty_question", "fr"))
    cleaned = unicodedata.normalize("NFC", _CONTROL.sub(" ", question))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    language = detect_language(cleaned)
    if not re.search(r"\w", cleaned):
        raise BadQuestion(phrase("empty_question", language))
    if len(cleaned) > limit:
        raise BadQuestion(phrase("long_question", language, length=len(cleaned), limit=limit))
    return cleaned


def carry_terms(question: str, previous: str) -> str:
    """The deterministic follow-up rule: short or anaphoric questions borrow the previous key terms."""
    own = content_words(question)
    names = [w for w in own[1:] if w[:1].isupper()]
    short = len(own) <= 2 and not names
    if not short and not _FOLLOW_UP.search(question):
        return question
    seen = {fold(w.lower()) for w in own}
    carried = []
    for word in content_words(previous):
        key = fold(word.lower())
        if key not in seen and len(word) > 1:
            carried.append(word)
            seen.add(key)
    carried = carried[:MAX_CARRIED_TERMS]
    return f"{question} {' '.join(carried)}".strip() if carried else question


def renumber(text: str, sources: list[Source]) -> tuple[str, list[Source]]:
    """Keep only the cited sources, numbered 1..n in order of first citation."""
    order: dict[int, int] = {}
    for match in re.finditer(r"\[(\d+)\]", text):
        n = int(match.group(1))
        if 1 <= n <= len(sources) and n not in order:
            order[n] = len(order) + 1
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{order[int(m.group(1))]}]" if int(m.group(1)) in order else "", text)
    kept = [replace(sources[old - 1], n=new) for old, new in order.items()]
    return text, kept
