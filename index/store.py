"""The Chroma side of the index: the client, the collection for one embedding model, vector I/O."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Collection as Sized, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.base_http_client import BaseHTTPClient
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaClientSettings

from config.settings import ChromaSettings
from index.errors import StoreUnavailable

log = logging.getLogger(__name__)

BATCH = 1000  # Chroma caps one request; stay well under it.
# Pauses before each retry of a request whose connection failed or dropped: a `chroma run` being
# restarted is back within about two seconds. Timeouts are not retried: a hung server would then
# hold a chat for several `chroma.timeout`s instead of one.
RETRY_BACKOFF = (0.3, 1.5)
_TRANSIENT = (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
_FINGERPRINT = r"[0-9a-f]{10}"  # index_fingerprint(): 10 hex digits

T = TypeVar("T")


def open_client(settings: ChromaSettings, data_dir: Path) -> ClientAPI:
    """An embedded store under the data dir, or a `chroma run` server when a host is set."""
    client_settings = ChromaClientSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.host:
        return _open_server(settings, data_dir, client_settings)
    try:
        path = data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=client_settings)
    except Exception as exc:  # chromadb raises bare ValueError/RuntimeError/... here
        raise StoreUnavailable(_unreachable(settings, data_dir, exc)) from exc


def server_headers(settings: ChromaSettings) -> dict[str, str]:
    """The credential header sent with every request to the server (none without a token)."""
    token = settings.token.get_secret_value()
    if not token:
        return {}
    value = f"Bearer {token}" if settings.token_header.lower() == "authorization" else token
    return {settings.token_header: value}


def _open_server(settings: ChromaSettings, data_dir: Path, client_settings: ChromaClientSettings) -> ClientAPI:
    headers = server_headers(settings)
    # chromadb's client talks to the server while it is being built, with no timeout at all
    # (`httpx.Client(timeout=None)` in chromadb/api/fastapi.py): ask first, with ours, so a hung
    # server or a refused token is reported before chromadb gets the chance to hang.
    url = BaseHTTPClient.resolve_url(settings.host, settings.ssl, "/api/v2", settings.port)
    with httpx.Client(headers=headers, timeout=settings.timeout) as probe:
        # An authenticated endpoint: proxies often leave the heartbeat open to health checks.
        response = call_with_retry(
            lambda: probe.get(f"{url}/auth/identity"), lambda exc: _failure(settings, data_dir, exc)
        )
    if response.status_code in (401, 403):
        raise StoreUnavailable(_refused(settings, data_dir, response.status_code))
    client = _within(
        settings.timeout,
        lambda: chromadb.HttpClient(
            host=settings.host, port=settings.port, ssl=settings.ssl, headers=headers, settings=client_settings
        ),
        lambda exc: _failure(settings, data_dir, exc),
    )
    _bound_requests(client, settings.timeout)
    return client


def _within(seconds: float, build: Callable[[], T], explain: Callable[[BaseException], str]) -> T:
    """`build()` with a deadline: chromadb's client makes its first requests, untimed, while built.

    Past the deadline the worker is left behind (a daemon thread, blocked on the hung socket
    until the server closes it); the caller gets `StoreUnavailable` now.
    """
    outcome: list = []

    def work() -> None:
        try:
            outcome.append((True, build()))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append((False, exc))

    worker = threading.Thread(target=work, name="chroma-connect", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        raise StoreUnavailable(explain(httpx.ReadTimeout("no answer while connecting")))
    ok, value = outcome[0]
    if not ok:
        raise StoreUnavailable(explain(value)) from value
    return value


def _bound_requests(client: ClientAPI, timeout: float) -> None:
    """Give the client's HTTP session a timeout (chromadb 1.x builds it with none)."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        # The chromadb range in pyproject is the one whose client keeps its session here.
        raise StoreUnavailable(
            f"This chromadb version ({chromadb.__version__}) is not supported: its HTTP client cannot be "
            "given a timeout. Install the version pyproject.toml asks for."
        )
    session.timeout = httpx.Timeout(timeout)


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


def _unreachable(settings: ChromaSettings, data_dir: Path, exc: BaseException) -> str:
    if settings.host:
        return (
            f"{describe(settings, data_dir)} cannot be reached "
            f"({type(exc).__name__}). Start it (`chroma run`) or unset DEPECHE_CHROMA__HOST."
        )
    return f"{describe(settings, data_dir)} cannot be opened: {exc}"


def _refused(settings: ChromaSettings, data_dir: Path, status: int) -> str:
    # Names the setting, never its value: the token must not reach a log or a chat.
    header = settings.token_header
    if not settings.token.get_secret_value():
        problem = "requires a token and none is set"
    else:
        problem = f"refused the token sent in the {header} header"
    return (
        f"{describe(settings, data_dir)} {problem} (HTTP {status}). Set DEPECHE_CHROMA__TOKEN (chroma.token) "
        "to the token its proxy expects"
        + ("." if header == "Authorization" else ", and DEPECHE_CHROMA__TOKEN_HEADER (chroma.token_header) to its header.")
    )


def _failure(settings: ChromaSettings, data_dir: Path, exc: BaseException) -> str:
    status = http_status(exc)
    if status in (401, 403):
        return _refused(settings, data_dir, status)
    if _in_chain(exc, httpx.TimeoutException):
        return (
            f"{describe(settings, data_dir)} did not answer within {settings.timeout:g} s "
            f"(DEPECHE_CHROMA__TIMEOUT); it may be overloaded or hung."
        )
    return _unreachable(settings, data_dir, exc)


def http_status(exc: BaseException) -> int | None:
    """The HTTP status behind a chromadb failure, if the server answered with one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx.HTTPStatusError):
            return seen.response.status_code
        code = getattr(seen, "code", None)
        if seen.__class__.__module__.startswith("chromadb") and callable(code):
            return int(code())
        seen = seen.__cause__ or seen.__context__
    return None


def call_with_retry(call: Callable[[], T], explain: Callable[[BaseException], str]) -> T:
    """Run one request to the store, retrying dropped connections; failures become `StoreUnavailable`.

    chromadb's NotFoundError passes through: a missing collection is an answer, not a failure.
    """
    attempt = 0
    while True:
        try:
            return call()
        except StoreUnavailable:
            raise
        except Exception as exc:
            if exc.__class__.__name__ == "NotFoundError":
                raise
            if attempt == len(RETRY_BACKOFF) or not _in_chain(exc, _TRANSIENT):
                raise StoreUnavailable(explain(exc)) from exc
            log.info("a Chroma request failed (%s); retrying", type(exc).__name__)
            time.sleep(RETRY_BACKOFF[attempt])
            attempt += 1


def _in_chain(exc: BaseException, kinds: type[BaseException] | tuple[type[BaseException], ...]) -> bool:
    """Whether `exc` or an exception it was raised from or during is one of `kinds`."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kinds):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def collection_name(deployment: str, fingerprint: str) -> str:
    """One collection per deployment, model and chunking, so vectors of two models never mix."""
    return f"{deployment}-{fingerprint}"


def deployment_collections(
    client: ClientAPI, deployment: str, where: str = "The Chroma store"
) -> tuple[list[Collection], list[str]]:
    """The collections this deployment owns (its name and its label), and unlabelled look-alikes.

    A collection is owned when its name is `<deployment>-<fingerprint>` and its metadata says
    `deployment`; one with the name but no label predates deployments and is only reported.
    """
    pattern = re.compile(re.escape(deployment) + "-" + _FINGERPRINT)
    owned: list[Collection] = []
    unlabelled: list[str] = []
    for collection in _all_collections(client, where):
        if not pattern.fullmatch(collection.name):
            continue
        label = (collection.metadata or {}).get("deployment")
        if label == deployment:
            owned.append(collection)
        elif label is None:
            unlabelled.append(collection.name)
    return owned, unlabelled


def _all_collections(client: ClientAPI, where: str, page: int = 100) -> list[Collection]:
    # Paged: a shared server may hold more collections than one listing returns.
    found: list[Collection] = []
    while True:
        batch = call_with_retry(
            lambda: client.list_collections(limit=page, offset=len(found)), lambda exc: _store_failure(where, exc)
        )
        found.extend(batch)
        if len(batch) < page:
            return found


def drop_collection(client: ClientAPI, name: str, where: str = "The Chroma store") -> None:
    """Delete one collection and its vectors."""
    call_with_retry(lambda: client.delete_collection(name), lambda exc: _store_failure(where, exc))


def _store_failure(where: str, exc: BaseException) -> str:
    status = http_status(exc)
    if status in (401, 403):
        return (
            f"{where} refused the request (HTTP {status}): check DEPECHE_CHROMA__TOKEN (chroma.token) "
            "and DEPECHE_CHROMA__TOKEN_HEADER (chroma.token_header)."
        )
    if _in_chain(exc, httpx.TimeoutException):
        return f"{where} did not answer in time (DEPECHE_CHROMA__TIMEOUT); it may be overloaded or hung."
    return f"{where} failed or cannot be reached ({type(exc).__name__})."



class VectorStore:
    """One Chroma collection of chunk vectors, created with no embedding function of its own.

    Every request is retried when its connection drops, and a failure of Chroma (a server that
    went away, hangs or refuses the token, a broken store) becomes `StoreUnavailable` naming
    `where`, so callers report it instead of a transport error. `collection` is None when the
    collection does not exist (a fresh server, a deleted store): it then holds no vector, and
    searches fall back to BM25 (`warn_if_dense_missing` says so).
    """

    def __init__(self, collection: Collection | None, where: str = "The Chroma store", name: str = "") -> None:
        self.collection = collection
        self.where = where
        self.name = collection.name if collection is not None else name

    @classmethod
    def open(
        cls,
        client: ClientAPI,
        name: str,
        metadata: dict | None = None,
        create: bool = False,
        where: str = "The Chroma store",
    ) -> VectorStore:
        """Open (or create) the collection; `metadata` records the deployment, model and chunking."""
        explain = lambda exc: _store_failure(where, exc)  # noqa: E731
        if create:
            meta = {"hnsw:space": "cosine", **(metadata or {})}
            collection = call_with_retry(
                lambda: client.get_or_create_collection(name, metadata=meta, embedding_function=None), explain
            )
            store = cls(collection, where)
            store._label(metadata or {})
            return store
        try:
            collection = call_with_retry(lambda: client.get_collection(name, embedding_function=None), explain)
        except Exception as exc:
            if exc.__class__.__name__ != "NotFoundError":
                raise
            return cls(None, where, name)
        return cls(collection, where)

    def _label(self, metadata: dict) -> None:
        """Add missing labels to a collection made by an older version (get_or_create keeps its metadata)."""
        current = dict(self.collection.metadata or {})
        if all(current.get(k) == v for k, v in metadata.items()):
            return
        # modify() replaces the metadata; hnsw keys may not be resent (the distance lives in the
        # collection's configuration and stays cosine).
        kept = {k: v for k, v in current.items() if not k.startswith("hnsw:")}
        log.info("labelling collection %s with %s", self.name, sorted(metadata))
        self._call(lambda: self.collection.modify(metadata={**kept, **metadata}))

    def _call(self, call: Callable[[], T]) -> T:
        return call_with_retry(call, lambda exc: _store_failure(self.where, exc))

    def existing(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids are already stored (a killed rebuild leaves some behind)."""
        found: set[str] = set()
        if self.collection is None:
            return found
        for batch in _batches(list(ids)):
            found.update(self._call(lambda: self.collection.get(ids=batch, include=[]))["ids"])
        return found

    def add(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Store vectors with their text and metadata (upsert, so a retried request is idempotent)."""
        if self.collection is None:
            raise StoreUnavailable(f"{self.where}: the collection {self.name!r} does not exist.")
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            self._call(
                lambda: self.collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=vectors[start:end].tolist(),
                    documents=list(texts[start:end]),
                    metadatas=list(metadatas[start:end]),
                )
            )

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Rewrite the metadata of stored chunks, keeping their vectors (no re-embedding)."""
        if self.collection is None or not ids:
            return
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            self._call(
                lambda: self.collection.update(ids=list(ids[start:end]), metadatas=list(metadatas[start:end]))
            )

    def delete(self, ids: Iterable[str]) -> None:
        """Remove chunks by id."""
        if self.collection is None:
            return
        for batch in _batches(list(ids)):
            self._call(lambda: self.collection.delete(ids=batch))

    def all_ids(self) -> set[str]:
        """Every id stored, page by page."""
        ids: set[str] = set()
        if self.collection is None:
            return ids
        offset = 0
        while True:
            page = self._call(lambda: self.collection.get(include=[], limit=BATCH * 5, offset=offset))["ids"]
            ids.update(page)
            if len(page) < BATCH * 5:
                return ids
            offset += len(page)

    def count(self) -> int:
        """Number of stored chunks."""
        if self.collection is None:
            return 0
        return self._call(self.collection.count)

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The stored vectors of those of `ids` the collection holds, and their ids in the same order."""
        if self.collection is None or not ids:
            return [], np.zeros((0, 0), dtype=np.float32)
        result = self._call(lambda: self.collection.get(ids=list(ids), include=["embeddings"]))
        return list(result["ids"]), np.asarray(result["embeddings"], dtype=np.float32)

    def query(self, vector: np.ndarray, k: int, among: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity (1 - cosine distance), among the given ids if any."""
        # No count() first: Chroma 1.x returns fewer results (or none) when asked for more than it
        # holds, and every call is an HTTP round trip in server mode.
        if self.collection is None or (among is not None and not among):
            return []
        ids = list(among) if among is not None else None
        result = self._call(
            lambda: self.collection.query(
                query_embeddings=[vector.tolist()], n_results=k, ids=ids, include=["distances"]
            )
        )
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(result["ids"][0], result["distances"][0])]


def dated_where(lo: date, hi: date) -> dict:
    """A Chroma `where` for the chunks whose article was published in [lo, hi] (both inclusive) or
    whose mentioned dates reach into it, on the YYYYMMDD ints ingestion stores (0: unknown, never
    matched). Coarser than `Snapshot.dated`: a chunk's mentions are one min..max range."""
    from index.dates import ymd  # its patterns compile on import (~20 ms): only dated searches pay

    low, high = ymd(lo), ymd(hi)
    return {
        "$or": [
            {"$and": [{"published_from": {"$lte": high}}, {"published_to": {"$gte": low}}]},
            {"$and": [{"mentions_from": {"$lte": high}}, {"mentions_to": {"$gte": low}}]},
        ]
    }


def vectors_present(store: VectorStore, ids: Sized[str]) -> int:
    """How many of a generation's chunk ids have their vector in the store."""
    return len(store.existing(list(ids)))


_warned: set[tuple[str, str, str]] = set()
_warned_lock = threading.Lock()


def warn_if_dense_missing(store: VectorStore, ids: Sized[str], generation: str) -> int:
    """Log one warning when vectors of a generation are missing from the store; returns how many are present.

    Call it when a generation is loaded: a store deleted or a fresh server behind an old
    generation otherwise leaves search running on BM25 alone without a word. It warns once per
    store, collection and generation, however often it is called.
    """
    expected = len(ids)
    # count() is one cheap request; only a short count needs the id-by-id check.
    present = expected if store.count() >= expected else vectors_present(store, ids)
    if present < expected:
        key = (store.where, store.name, generation)
        with _warned_lock:
            first = key not in _warned
            _warned.add(key)
        if first:
            log.warning(
                "%s holds %d of the %d vectors of index generation %s (collection %s): search uses BM25 "
                "alone for the rest until `depeche index rebuild` re-embeds them.",
                store.where, present, expected, generation, store.name,
            )
    return present


def _batches(items: list[str], size: int = BATCH) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
