"""The Chroma side of the index: the client, the collection for one embedding model, vector I/O."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaClientSettings

from config.settings import ChromaSettings
from index.errors import StoreUnavailable

log = logging.getLogger(__name__)

BATCH = 1000  # Chroma caps one request; stay well under it.


def open_client(settings: ChromaSettings, data_dir: Path) -> ClientAPI:
    """An embedded store under the data dir, or a `chroma run` server when a host is set."""
    client_settings = ChromaClientSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.host:
            client = chromadb.HttpClient(
                host=settings.host, port=settings.port, ssl=settings.ssl, settings=client_settings
            )
            client.heartbeat()
            return client
        path = data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=client_settings)
    except StoreUnavailable:
        raise
    except Exception as exc:  # chromadb raises bare ValueError/ConnectError/... here
        raise StoreUnavailable(_unreachable(settings, data_dir, exc)) from exc


def reopen_client(settings: ChromaSettings, data_dir: Path) -> ClientAPI:
    """A client that sees what other processes wrote since this one opened the store."""
    if not settings.host:
        # The embedded client caches segments per process; only a fresh system reads the disk again.
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    return open_client(settings, data_dir)


def describe(settings: ChromaSettings, data_dir: Path) -> str:
    """Where the vectors live, in words for an error message."""
    if settings.host:
        return f"The Chroma server at {settings.host}:{settings.port}"
    return f"The Chroma store under {data_dir / 'chroma'}"


def _unreachable(settings: ChromaSettings, data_dir: Path, exc: Exception) -> str:
    if settings.host:
        return (
            f"{describe(settings, data_dir)} cannot be reached "
            f"({type(exc).__name__}). Start it (`chroma run`) or unset DEPECHE_CHROMA__HOST."
        )
    return f"{describe(settings, data_dir)} cannot be opened: {exc}"


def collection_name(base: str, fingerprint: str) -> str:
    """One collection per model and chunking, so vectors of two models never mix."""
    return f"{base}-{fingerprint}"


class VectorStore:
    """One Chroma collection of chunk vectors, created with no embedding function of its own.

    Every call turns a failure of Chroma (a server that went away, a broken store) into
    `StoreUnavailable` naming `where`, so callers report it instead of a transport error.
    """

    def __init__(self, collection: Collection, where: str = "The Chroma store") -> None:
        self.collection = collection
        self.where = where

    @classmethod
    def open(
        cls,
        client: ClientAPI,
        name: str,
        metadata: dict | None = None,
        create: bool = False,
        where: str = "The Chroma store",
    ) -> VectorStore:
        """Open (or create) the collection; `metadata` records the model and chunking."""
        try:
            if create:
                meta = {"hnsw:space": "cosine", **(metadata or {})}
                collection = client.get_or_create_collection(name, metadata=meta, embedding_function=None)
            else:
                collection = client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if exc.__class__.__name__ == "NotFoundError":
                raise
            raise StoreUnavailable(f"{where}: the collection {name!r} cannot be opened ({type(exc).__name__}).") from exc
        return cls(collection, where)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            raise StoreUnavailable(f"{self.where} failed or cannot be reached ({type(exc).__name__}).") from exc

    def existing(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids are already stored (a killed rebuild leaves some behind)."""
        with self._guard():
            found: set[str] = set()
            for batch in _batches(list(ids)):
                found.update(self.collection.get(ids=batch, include=[])["ids"])
            return found

    def add(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Store vectors with their text and metadata (upsert, so a retried rebuild is idempotent)."""
        with self._guard():
            for start in range(0, len(ids), BATCH):
                end = start + BATCH
                self.collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=vectors[start:end].tolist(),
                    documents=list(texts[start:end]),
                    metadatas=list(metadatas[start:end]),
                )

    def delete(self, ids: Iterable[str]) -> None:
        """Remove chunks by id."""
        with self._guard():
            for batch in _batches(list(ids)):
                self.collection.delete(ids=batch)

    def all_ids(self) -> set[str]:
        """Every id stored, page by page."""
        with self._guard():
            ids: set[str] = set()
            offset = 0
            while True:
                page = self.collection.get(include=[], limit=BATCH * 5, offset=offset)["ids"]
                ids.update(page)
                if len(page) < BATCH * 5:
                    return ids
                offset += len(page)

    def count(self) -> int:
        """Number of stored chunks."""
        with self._guard():
            return self.collection.count()

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity (1 - cosine distance)."""
        # No count() first: Chroma 1.x returns fewer results (or none) when asked for more than it
        # holds, and every call is an HTTP round trip in server mode.
        with self._guard():
            result = self.collection.query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"])
            return [(cid, 1.0 - float(dist)) for cid, dist in zip(result["ids"][0], result["distances"][0])]


def _batches(items: list[str], size: int = BATCH) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
