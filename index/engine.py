"""The one entry to the core: search, ask, status, rebuild. The CLI, the bot and the evals call this.

The engine wires the stages of a question's route, each in its own module, called once, in order:
`questions` (checks, language, follow-ups) → `retrieval` → `answers` (sentence selection and
abstention) → `llm` (optional generation). The loaded generation and the Chroma client belong to
an `IndexHandle`.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from chromadb.api import ClientAPI

from config.settings import Settings
from index.answers import Evidence
from index.conversation import Conversation
from index.handle import IndexHandle, LoadedIndex
from index.models import Answer, ArticleInfo, Hit, IndexStatus, RebuildReport
from index.questions import Question, check_question, prepare
from index.rebuild import ProgressFactory, index_fingerprint, rebuild
from index.retrieval import HybridRetriever, Retrieval, Timings
from index.snapshot import current_generation, current_manifest
from index.store import open_client

log = logging.getLogger(__name__)


class Traced(NamedTuple):
    """An answer with what produced it: seconds per stage and the evidence abstention weighed."""

    answer: Answer
    timings: Timings
    evidence: Evidence


class Engine:
    """Answers questions from the current index generation; reloads by itself after a rebuild."""

    def __init__(self, settings: Settings, client: ClientAPI, embedder, llm: object | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.llm = llm
        self.handle = IndexHandle(settings, client, embedder, index_fingerprint(embedder, settings))
        if settings.clock:
            log.warning("the clock is pinned to %s (%s): relative dates are read against it, not today",
                        settings.clock, settings.timezone)

    @classmethod
    def open(cls, settings: Settings, build_if_missing: bool = False) -> Engine:
        """Load the model, connect to Chroma and, if asked, build the index when there is none."""
        from index.embeddings import Embedder

        llm = None
        if settings.llm.provider != "none":
            from index.llm import make_llm

            llm = make_llm(settings.llm)
        embedder = Embedder(settings.embedding)
        engine = cls(settings, open_client(settings.chroma, settings.data_dir), embedder, llm)
        if build_if_missing and settings.index.role != "reader" and current_generation(settings.data_dir) is None:
            log.info("no index yet: building it from %s", settings.seeds_dir)
            engine.rebuild()
        return engine

    def stale(self) -> str | None:
        """Why the current generation cannot serve this process (another encoder or chunking), or None."""
        manifest = current_manifest(self.settings.data_dir)
        if manifest is None or manifest.get("fingerprint") == self.handle.fingerprint:
            return None
        return (
            f"the index was built with {manifest.get('model')} and other model or chunking "
            f"settings than {self.embedder.name}"
        )

    @property
    def client(self) -> ClientAPI:
        """The Chroma client in use (replaced when another process's rebuild is picked up)."""
        return self.handle.client

    def close(self) -> None:
        """Release the Chroma client."""
        self.handle.close()

    # --- the index -----------------------------------------------------------------------

    def rebuild(
        self, seeds_dir: Path | None = None, full: bool = False, progress: ProgressFactory | None = None
    ) -> RebuildReport:
        """Incremental rebuild from the seeds dir (see `index.rebuild`)."""
        with self.handle.writing() as client:
            report = rebuild(self.settings, client, self.embedder, seeds_dir, full, progress)
            self.handle.written(current_generation(self.settings.data_dir))
        self.handle.current()  # pick up the new generation now rather than on the next question
        return report

    def status(self) -> IndexStatus:
        """What the current generation holds."""
        from index.store import vectors_present

        loaded = self.handle.current()
        snapshot = loaded.snapshot
        articles = snapshot.articles
        dates = sorted(a["date"] for a in articles.values() if a["date"])
        return IndexStatus(
            articles=len(articles),
            chunks=len(snapshot.chunks),
            date_min=dates[0] if dates else None,
            date_max=dates[-1] if dates else None,
            undated=sum(1 for a in articles.values() if not a["date"]),
            model=snapshot.manifest["model"],
            collection=snapshot.collection,
            last_rebuilt=snapshot.manifest["created"],
            generation=snapshot.generation,
            vectors_present=vectors_present(loaded.store, snapshot.chunks),
            vectors_expected=len(snapshot.chunks),
            sentence_vectors_present=self.handle.sentence_vectors_present(snapshot),
            sentence_vectors_expected=snapshot.manifest.get("sentence_vectors"),
            stories=len(snapshot.stories) if any("story" in a for a in articles.values()) else None,
        )

    def articles(self) -> list[ArticleInfo]:
        """Indexed articles, a story once (its representative, with its number of outlets), newest
        first, undated last."""
        snapshot = self.handle.current().snapshot
        infos = []
        for members in snapshot.stories.values():
            a = snapshot.articles[members[0]]
            infos.append(
                ArticleInfo(members[0], a["title"], a["date"], a["date_precision"], a["outlet"], len(a["chunk_ids"]),
                            outlets=len(members))
            )
        return sorted(infos, key=lambda info: (info.date is not None, info.date or "", info.id), reverse=True)

    def loaded(self) -> LoadedIndex:
        """The generation questions are answered from now (the eval's baselines read its store and chunks)."""
        return self.handle.current()

    # --- questions -----------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        """Clean a question, or raise `BadQuestion` with a message for the person who asked."""
        return check_question(question, self.settings.max_question_chars)

    def now(self) -> datetime:
        """Now, in the bot's time zone: the pinned `clock` setting or the system clock."""
        from index.timeask import now

        return now(self.settings.clock, self.settings.timezone)

    def understand(
        self, question: str, conversation: Conversation | None = None, now: datetime | date | None = None
    ) -> Question:
        """The checked, parsed question (language, terms, fact, speaker and time asked); `now` overrides the clock."""
        return prepare(question, conversation, self.settings.max_question_chars, self.llm, self._today(now))

    def _today(self, now: datetime | date | None) -> date:
        """The day of `now` (an eval case's own), or today by the clock."""
        return now.date() if isinstance(now, datetime) else now or self.now().date()

    def search(self, question: str, top_k: int | None = None) -> list[Hit]:
        """The best passages for a question."""
        return self.search_understood(question, top_k)[1]

    def search_understood(
        self, question: str, top_k: int | None = None, now: datetime | date | None = None
    ) -> tuple[Question, list[Hit]]:
        """The parsed question and its best passages (a period asked restricts them, as in `ask`)."""
        asked = self.understand(question, None, now)
        with self.handle.using() as loaded:
            return asked, loaded.retriever.retrieve_hits(asked.standalone, top_k, asked).hits

    def retrieve(self, query: str, top_k: int | None = None, mode: str = "hybrid") -> Retrieval:
        """Hits, the best dense similarity and stage timings for an already checked query.

        `mode` "dense" or "bm25" runs one half of the hybrid alone (the eval's baselines).
        """
        with self.handle.using() as loaded:
            retriever = loaded.retriever
            if mode != retriever.mode:
                retriever = HybridRetriever(loaded.snapshot, loaded.store, self.embedder, self.settings.retrieval, mode)
            return retriever.retrieve_hits(query, top_k)

    def ask(self, question: str, conversation: Conversation | None = None, now: datetime | date | None = None) -> Answer:
        """Answer with cited sentences, or abstain; `conversation` makes follow-ups standalone; `now`
        overrides the clock (an eval case's own)."""
        return self.ask_traced(question, conversation, now).answer

    def ask_timed(self, question: str, conversation: Conversation | None = None) -> tuple[Answer, Timings]:
        """`ask`, with the seconds spent in each stage."""
        traced = self.ask_traced(question, conversation)
        return traced.answer, traced.timings

    def ask_traced(
        self, question: str, conversation: Conversation | None = None, now: datetime | date | None = None
    ) -> Traced:
        """`ask`, with each stage's seconds and the evidence abstention decided on."""
        started = time.perf_counter()
        asked = self.understand(question, conversation, now)
        understood = time.perf_counter() - started
        if asked.time.kind == "digest":
            return self._digest(asked, understood)
        with self.handle.using() as loaded:  # one generation for the whole question
            retrieval = self.settings.retrieval
            result = loaded.retriever.retrieve_hits(asked.standalone, max(retrieval.top_k, retrieval.answer_k), asked)
            timings = result.timings
            timings.add("understand", understood)
            started = time.perf_counter()
            answer, evidence = loaded.extractor.answer(asked, result)
            timings.add("answer", time.perf_counter() - started)
        if self.llm is not None and not answer.abstained:
            from index.llm import generate

            started = time.perf_counter()
            hits = result.hits[: self.settings.retrieval.top_k]
            answer = generate(self.llm, asked.text, asked.standalone, asked.language, hits) or answer
            timings.add("llm", time.perf_counter() - started)
        return Traced(answer, timings, evidence)

    def latest(self, topic: str = "", language: str = "fr", now: datetime | date | None = None) -> Answer:
        """What's new (`/latest [topic]`): the newest stories of the last days, on `topic` if given."""
        from index.digest import digest
        from index.timeask import digest_window

        topic = self.check_question(topic) if topic.strip() else ""
        today = self._today(now)
        asked = Question(f"/latest {topic}".strip(), language, topic, time=digest_window(today), today=today)
        with self.handle.using() as loaded:
            return digest(asked, loaded.retriever, today, topic)

    def _digest(self, asked: Question, understood: float) -> Traced:
        """What's new: the digest of the newest stories (`index.digest`)."""
        from index.digest import digest

        timings = Timings()
        timings.add("understand", understood)
        started = time.perf_counter()
        with self.handle.using() as loaded:
            answer = digest(asked, loaded.retriever, asked.today or self.now().date())
        timings.add("digest", time.perf_counter() - started)
        return Traced(answer, timings, Evidence(1.0, 1.0, asked.language))
