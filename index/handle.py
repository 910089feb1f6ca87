"""The index a process answers from: the current generation, its Chroma client, and their reloads.

Another process's rebuild swaps `CURRENT`; the next question picks the new generation up. An
embedded Chroma client only sees another process's writes through a new client, so the old one is
closed first — after the questions still using it are done — or every pickup would leak a whole
Chroma system (chromadb counts clients per path and stops a system when its last client closes).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from chromadb.api import ClientAPI

from config.settings import Settings
from index.answers import Extractor
from index.errors import IndexNotBuilt
from index.lexical import document_frequencies
from index.publish import MemoryVectors, NotPublished, Server, load_published, published_generation
from index.retrieval import HybridRetriever
from index.sentences import FILE_NAME as SENTENCES_FILE
from index.sentences import SentenceLookup, SentenceVectors, keys_of, sentences_of
from index.snapshot import Snapshot, current_generation, index_dir, load_snapshot
from index.store import VectorStore, describe, open_client, warn_if_dense_missing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedIndex:
    """Everything bound to one index generation: what it holds, its retriever and its extractor."""

    snapshot: Snapshot
    store: VectorStore
    retriever: HybridRetriever
    extractor: Extractor


class IndexHandle:
    """Owns the Chroma client and the loaded generation; reloads one at a time, never under a reader."""

    def __init__(self, settings: Settings, client: ClientAPI, embedder, fingerprint: str) -> None:
        self.settings = settings
        self.client = client
        self.embedder = embedder
        self.fingerprint = fingerprint
        self._reload_lock = threading.Lock()
        self._users = 0  # threads inside `using()`: a reload waits for them before closing the client
        self._idle = threading.Condition()
        self._loaded: LoadedIndex | None = None
        self._generation: str | None = None
        self._own_generation: str | None = None  # written through this very client: no reopen needed
        self._sentences: SentenceVectors | MemoryVectors | None = None  # one file for every generation
        # A reader (issue 20) loads what a writer published to the server, not `CURRENT`.
        self._reader = bool(settings.chroma.host) and settings.index.role == "reader"
        self._poller: threading.Thread | None = None  # a reader's: checks the server for new generations
        self._stop = threading.Event()

    @contextmanager
    def using(self) -> Iterator[LoadedIndex]:
        """The current generation, reloaded first if another process swapped in a new one.

        The client stays open until the block ends, even if a reload is waiting.
        """
        loaded = self.current()
        with self._idle:
            self._users += 1
        try:
            yield loaded
        finally:
            with self._idle:
                self._users -= 1
                self._idle.notify_all()

    @contextmanager
    def writing(self) -> Iterator[ClientAPI]:
        """The client, held open for a rebuild in this process."""
        with self._reload_lock, self._idle:
            self._users += 1
        try:
            yield self.client
        finally:
            with self._idle:
                self._users -= 1
                self._idle.notify_all()

    def written(self, generation: str | None) -> None:
        """Record that this process wrote `generation` through its own client (no reopen to see it)."""
        self._own_generation = generation

    def current(self) -> LoadedIndex:
        """The loaded generation, reloaded when `CURRENT` names another one (a reader: when the
        server names another published one)."""
        if self._reader:
            return self._current_published()
        with self._reload_lock:
            generation = current_generation(self.settings.data_dir)
            if self._loaded is not None and generation == self._generation:
                return self._loaded
            snapshot = load_snapshot(self.settings.data_dir)
            if snapshot is None:
                raise IndexNotBuilt(
                    f"There is no index in {self.settings.data_dir} yet: run `depeche index rebuild`."
                )
            if snapshot.manifest.get("fingerprint") != self.fingerprint:
                raise IndexNotBuilt(
                    f"The index was built with {snapshot.manifest.get('model')} and other chunking or "
                    f"model settings than this process uses ({self.embedder.name}): run `depeche index rebuild`."
                )
            if self._loaded is not None:
                self._wait_idle()  # nobody may be using the old generation's client from here on
                if snapshot.generation != self._own_generation:
                    self._reopen()
            store = VectorStore.open(
                self.client, snapshot.collection, where=describe(self.settings.chroma, self.settings.data_dir)
            )
            warn_if_dense_missing(store, snapshot.chunks, snapshot.generation)  # once per generation
            if self._sentences is not None and self._sentences.replaced():
                self._sentences.close()  # nobody uses the old generation's lookup any more
                self._sentences = None
            if self._sentences is None:
                self._sentences = SentenceVectors(index_dir(self.settings.data_dir) / SENTENCES_FILE, self.embedder.dimension)
            self._loaded = self._bind(snapshot, store, self._sentences)
            self._generation = snapshot.generation
            log.info("using index generation %s (%d chunks)", snapshot.generation, len(snapshot.chunks))
            return self._loaded

    def _bind(self, snapshot: Snapshot, store: VectorStore, vectors) -> LoadedIndex:
        """The retriever and extractor of one generation."""
        df, n_docs = document_frequencies(snapshot.bm25)
        sentences = SentenceLookup(
            vectors, self.embedder, self.fingerprint, snapshot.chunks,
            {aid: entry["chunk_ids"] for aid, entry in snapshot.articles.items()},
        )
        return LoadedIndex(
            snapshot,
            store,
            HybridRetriever(snapshot, store, self.embedder, self.settings.retrieval),
            Extractor(df, n_docs, self.embedder, self.settings.retrieval, snapshot.articles, sentences),
        )

    def _current_published(self) -> LoadedIndex:
        """A reader's generation: the one the server's control record names. The first is loaded
        before answering; from then on a poller thread asks the server every `index.poll_seconds`
        and loads a newer generation off the question path, swapped in by one assignment."""
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._reload_lock:
            if self._loaded is None:
                self._refresh_published()  # StoreUnavailable / NotPublished: the question is told
                self._poller = threading.Thread(target=self._poll_published, name="published-poll", daemon=True)
                self._poller.start()
            return self._loaded

    def _refresh_published(self) -> None:
        """Load the generation the server names if it is not the loaded one (under `_reload_lock`)."""
        server = Server(self.client, self.settings)
        # The newest generation built with this reader's model and chunking: during an upgrade a
        # reader not yet upgraded stays on the last one published for it (until `index gc`).
        top = published_generation(server, self.fingerprint)  # StoreUnavailable while the server is away
        if top is None:
            if published_generation(server) is not None:
                raise NotPublished(
                    f"The writer of deployment {server.deployment} publishes an index built with other model or "
                    f"chunking settings than this reader uses ({self.embedder.name}): give both the same "
                    "DEPECHE_EMBEDDING__* and DEPECHE_CHUNKING__* settings."
                )
            raise NotPublished(
                f"{server.where} holds no index published for deployment {server.deployment} yet: run "
                "`depeche index rebuild` on the writer (DEPECHE_INDEX__ROLE=writer)."
            )
        if top[1].get("generation") != self._generation:
            self._load_published(server, top[1]["generation"])

    def _poll_published(self) -> None:
        """The reader's poller: a failed check or load is logged once, and the next poll tries
        again; questions keep the loaded generation meanwhile (a server that is away fails them
        with the store's own error)."""
        failing = ""
        while not self._stop.wait(self.settings.index.poll_seconds):
            with self._reload_lock:
                if self._stop.is_set():
                    return
                try:
                    self._refresh_published()
                except Exception as exc:
                    if str(exc) != failing:
                        log.warning("could not check or load the published index (retrying every %g s): %s",
                                    self.settings.index.poll_seconds, exc)
                    failing = str(exc)
                    continue
            if failing:
                log.info("the published index is reachable again")
                failing = ""

    def _load_published(self, server: Server, generation: str) -> LoadedIndex:
        """Load a published generation and make it the one questions use (under `_reload_lock`)."""
        snapshot, vectors = load_published(server, self.fingerprint, generation)
        store = VectorStore.open(self.client, snapshot.collection, where=server.where)
        warn_if_dense_missing(store, snapshot.chunks, snapshot.generation)
        self._sentences = vectors
        self._loaded = self._bind(snapshot, store, vectors)
        self._generation = snapshot.generation
        log.info("using published generation %s (%d chunks)", snapshot.generation, len(snapshot.chunks))
        return self._loaded

    def sentence_vectors_present(self, snapshot: Snapshot) -> int | None:
        """How many of the sentence vectors `snapshot` needs are stored (None before any is)."""
        if self._sentences is None:
            return None
        expected = snapshot.manifest.get("sentence_vectors")
        if expected is not None and self._sentences.count() >= expected:
            return expected  # a rebuild keeps only the vectors its generation needs
        needed = keys_of(self.fingerprint, sentences_of(snapshot.chunks.values()))
        return len(needed) - len(self._sentences.missing(needed))

    def close(self) -> None:
        """Release the Chroma client (waits for the questions still using it, and stops a reader's poller)."""
        self._stop.set()
        with self._reload_lock:
            self._wait_idle()
            _close(self.client)
            if self._sentences is not None:
                self._sentences.close()
                self._sentences = None
            self._loaded = None
        if self._poller is not None:
            self._poller.join(timeout=5)  # it saw `_stop` once it had the lock

    def _reopen(self) -> None:
        """A new client that reads what other processes wrote; the old one is closed, not leaked."""
        if self.settings.chroma.host:
            return  # a server client always sees the server's current state
        _close(self.client)
        _return_freed_memory()
        self.client = open_client(self.settings.chroma, self.settings.data_dir)

    def _wait_idle(self) -> None:
        with self._idle:
            while self._users:
                self._idle.wait()


def _return_freed_memory() -> None:
    """Hand the memory a closed Chroma system freed back to the OS (glibc only).

    Measured with benchmarks/pickup.py: without it RSS grew 0.68 MB a pickup although Python's
    heap stayed flat (tracemalloc) and every system was stopped: glibc kept the freed native
    segments of each closed store. With `malloc_trim(0)` after each close, RSS stays flat.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to trim
    libc.malloc_trim(0)


def _close(client: ClientAPI) -> None:
    close = getattr(client, "close", None)  # chromadb >= 1.5.2
    if close is not None:
        close()
