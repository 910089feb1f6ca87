"""One writer, many readers through a Chroma server: the writer's lease, publication and `gc`.

The writer (`index.role = writer`, the machine with the seeds) rebuilds as before, then publishes
the generation to the server next to the chunk vectors, so readers need nothing but the server:

- `<deployment>-<fingerprint>-records`: content-addressed records, one per article entry of the
  manifest and one per chunk record (id: a hash of its JSON, document: the JSON). Records are shared
  between generations: a publication uploads only what changed.
- `<deployment>-<fingerprint>-records`, kind `page`: a generation is a manifest of record ids, in
  pages (`g:<generation>:<n>`): page 0 holds the manifest without its articles, the others the ids
  of the article and chunk records in the writer's order (a reader's BM25 is built in that order);
  pages `g:<generation>:s<n>` list the keys of the sentence vectors it needs.
- `<deployment>-<fingerprint>-sentences`: the sentence vectors (`index.sentences`), keyed like the
  local file (the key in hex), float16-rounded as the writer reads them; an l2 collection, whose
  `get()` returns vectors bit for bit (a cosine one perturbs the last digit).
- `<deployment>-control`: immutable control records `<epoch>-<sequence>` naming the current
  generation; readers follow the highest. Written last, so a writer killed midway leaves readers
  on the previous generation.
- `<deployment>-lease-<epoch>`: the writer's lease (see `Lease`).

Records and control records carry a 1-dimension dummy vector: chromadb 1.5.9 calls its default ONNX
embedder (and downloads a model) on `add` without vectors, even with `embedding_function=None`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TypeVar

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from config.settings import Settings
from index.errors import DepecheError, IndexNotBuilt
from index.lexical import BM25Index
from index.sentences import SentenceVectors, keys_of, sentences_of
from index.snapshot import ChunkRecord, Snapshot, _record
from index.store import _all_collections, _store_failure, call_with_retry, describe

log = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds a writer's lease lasts without renewal; renewed every third of it while the writer writes.
# A minute: long enough that a busy 2-core machine renews in time, short enough for a failover.
LEASE_SECONDS = 60.0
PAGE_IDS = 2000  # record ids per manifest page (a page is one document)
GET_BATCH = 1000  # ids per get(): under `get_max_batch_size()` (5,461) and SQLite's 32,766 variables
DUMMY = [1.0]  # the 1-dimension vector of records that hold no vector
KEEP_CONTROL = 10  # control records kept by each publication (gc keeps those of the two generations)


class WriterRefused(DepecheError):
    """Another writer holds this deployment's lease."""


class NotPublished(IndexNotBuilt):
    """The server holds no published generation this reader can use."""


def records_name(deployment: str, fingerprint: str) -> str:
    """The collection of a deployment's published records and generation pages."""
    return f"{deployment}-{fingerprint}-records"


def sentences_name(deployment: str, fingerprint: str) -> str:
    """The collection of a deployment's sentence vectors."""
    return f"{deployment}-{fingerprint}-sentences"


def control_name(deployment: str) -> str:
    """The collection of a deployment's control records."""
    return f"{deployment}-control"


def lease_name(deployment: str, epoch: int) -> str:
    """The collection that is the lease of one epoch."""
    return f"{deployment}-lease-{epoch:010d}"


def this_host() -> str:
    """How a writer names its machine to the others."""
    return socket.gethostname()


def _digest(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def article_record_id(article_id: str, entry: dict) -> str:
    """Content address of a manifest's article entry."""
    return "a:" + _digest([article_id, entry])


def chunk_record_id(rec: ChunkRecord) -> str:
    """Content address of a chunk record (its text, offsets, speakers, dates, story)."""
    return "c:" + _digest(asdict(rec))


class Server:
    """The Chroma server as the writer and readers of one deployment use it; failures are `StoreUnavailable`."""

    def __init__(self, client: ClientAPI, settings: Settings) -> None:
        self.client = client
        self.deployment = settings.chroma.deployment_name
        self.where = describe(settings.chroma, settings.data_dir)

    def call(self, call: Callable[[], T]) -> T:
        """One request, retried when its connection drops."""
        return call_with_retry(call, lambda exc: _store_failure(self.where, exc))

    def collection(self, name: str, create: bool = False, metadata: dict | None = None) -> Collection | None:
        """A collection by name (created if asked), or None when it does not exist."""
        if create:
            meta = {"deployment": self.deployment, **(metadata or {})}
            return self.call(lambda: self.client.get_or_create_collection(name, metadata=meta, embedding_function=None))
        try:
            return self.call(lambda: self.client.get_collection(name, embedding_function=None))
        except Exception as exc:
            if exc.__class__.__name__ != "NotFoundError":
                raise
            return None

    def now_ns(self) -> int:
        """The server's clock (leases expire on it, not on any machine's own)."""
        return int(self.call(self.client.heartbeat))

    def existing(self, collection: Collection, ids: Sequence[str]) -> set[str]:
        """Which of these ids the collection holds."""
        found: set[str] = set()
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), GET_BATCH):
            part = list(ids[start : start + GET_BATCH])
            found.update(self.call(lambda: collection.get(ids=part, include=[]))["ids"])
        return found

    def documents(self, collection: Collection, ids: Sequence[str]) -> dict[str, str]:
        """The documents of these ids (absent ones left out)."""
        found: dict[str, str] = {}
        ids = list(dict.fromkeys(ids))  # Chroma refuses a get() naming an id twice
        for start in range(0, len(ids), GET_BATCH):
            part = list(ids[start : start + GET_BATCH])
            got = self.call(lambda: collection.get(ids=part, include=["documents"]))
            found.update(zip(got["ids"], got["documents"]))
        return found

    def all_ids(self, collection: Collection, where: dict | None = None, metadatas: bool = False) -> dict[str, dict]:
        """Every id of the collection (matching `where`), with its metadata if asked, page by page."""
        found: dict[str, dict] = {}
        page = GET_BATCH * 5
        while True:
            got = self.call(
                lambda: collection.get(where=where, include=["metadatas"] if metadatas else [], limit=page, offset=len(found))
            )
            metas = got.get("metadatas") or [{}] * len(got["ids"])
            found.update(zip(got["ids"], (m or {} for m in metas)))
            if len(got["ids"]) < page:
                return found

    def put(self, collection: Collection, ids: Sequence[str], documents: Sequence[str] | None = None,
            metadatas: Sequence[dict] | None = None, vectors: np.ndarray | None = None) -> None:
        """Upsert records, a batch at a time; without `vectors` each gets the dummy vector."""
        for start in range(0, len(ids), GET_BATCH):
            end = start + GET_BATCH
            part = list(ids[start:end])
            embeddings = vectors[start:end].tolist() if vectors is not None else [DUMMY] * len(part)
            self.call(
                lambda: collection.upsert(
                    ids=part,
                    embeddings=embeddings,
                    documents=list(documents[start:end]) if documents is not None else None,
                    metadatas=list(metadatas[start:end]) if metadatas is not None else None,
                )
            )

    def delete(self, collection: Collection, ids: Iterable[str]) -> None:
        """Remove records by id."""
        ids = list(ids)
        for start in range(0, len(ids), GET_BATCH):
            part = ids[start : start + GET_BATCH]
            self.call(lambda: collection.delete(ids=part))


# --- the writer's lease --------------------------------------------------------------------------


@dataclass
class Holder:
    """Who holds (or held) a lease epoch."""

    epoch: int
    host: str
    pid: int
    expires_ns: int


class Lease:
    """The right to write a deployment, for one epoch.

    Chroma has no compare-and-set, transaction or expiry, but `create_collection` is an atomic
    create-if-absent: the lease of epoch N is the collection `<deployment>-lease-N`, its metadata the
    holder (host, pid) and its expiry on the server's clock. Epoch N+1 may be taken once N has
    expired, or at once by N's host when N's process is gone (a writer killed midway and started
    again). The holder renews its expiry every third of `LEASE_SECONDS`; before it publishes it
    checks that nobody took the next epoch. A writer paused longer than the lease can still write
    chunk vectors and records (harmless: content-addressed), but no control record after the check.
    """

    def __init__(self, server: Server, epoch: int, host: str, seconds: float = LEASE_SECONDS) -> None:
        self.server = server
        self.epoch = epoch
        self.host = host
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def acquire(cls, server: Server, host: str | None = None, seconds: float = LEASE_SECONDS) -> Lease:
        """Take the next epoch, or raise `WriterRefused` naming the writer that holds the current one."""
        host = host or this_host()
        now = server.now_ns()
        current = latest_holder(server)
        if current is not None and current.expires_ns > now:
            gone = current.host == host and not _alive(current.pid)
            if not gone:
                raise WriterRefused(_refusal(server, current, now))
        epoch = (current.epoch if current else 0) + 1
        meta = {"deployment": server.deployment, "host": host, "pid": os.getpid(),
                "expires_ns": now + int(seconds * 1e9)}
        try:
            server.call(lambda: server.client.create_collection(lease_name(server.deployment, epoch), metadata=meta,
                                                                embedding_function=None))
        except Exception as exc:
            if "already exists" not in str(exc):
                raise
            winner = latest_holder(server)  # another writer took this epoch between our look and our take
            raise WriterRefused(_refusal(server, winner, now)) from None
        lease = cls(server, epoch, host, seconds)
        log.info("writer lease epoch %d of %s taken by %s", epoch, server.deployment, host)
        for old in _lease_epochs(server):
            if old < epoch - 1:  # the one before stays: it names who wrote last
                _drop(server, lease_name(server.deployment, old))
        return lease

    def renew(self) -> None:
        """Push the expiry a lease length ahead (raises `WriterRefused` if the lease was lost)."""
        self.check()
        collection = self.server.collection(lease_name(self.server.deployment, self.epoch))
        if collection is None:
            raise WriterRefused(f"{self.server.where}: this writer's lease (epoch {self.epoch}) was removed.")
        meta = {**(collection.metadata or {}), "expires_ns": self.server.now_ns() + int(self._seconds * 1e9)}
        self.server.call(lambda: collection.modify(metadata=meta))

    def check(self) -> None:
        """Raise `WriterRefused` if another writer took a later epoch (this one expired meanwhile)."""
        later = self.server.collection(lease_name(self.server.deployment, self.epoch + 1))
        if later is not None:
            meta = later.metadata or {}
            raise WriterRefused(
                f"This writer's lease on {self.server.deployment} expired and the writer on {meta.get('host', '?')} "
                "took it: nothing more is published from here. Run one writer per deployment (docs/scaling.md)."
            )

    def release(self) -> None:
        """Stop renewing and let the next writer take the next epoch at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            collection = self.server.collection(lease_name(self.server.deployment, self.epoch))
            if collection is not None:
                meta = {**(collection.metadata or {}), "expires_ns": 0}
                self.server.call(lambda: collection.modify(metadata=meta))
        except DepecheError as exc:  # the server went away: the lease expires by itself
            log.warning("could not release the writer lease: %s", exc)

    def keep_renewed(self) -> None:
        """Renew every third of the lease in a background thread until `release()`."""

        def run() -> None:
            while not self._stop.wait(self._seconds / 3):
                try:
                    self.renew()
                except DepecheError as exc:
                    log.warning("writer lease not renewed: %s", exc)

        self._thread = threading.Thread(target=run, name="writer-lease", daemon=True)
        self._thread.start()


def _lease_epochs(server: Server) -> list[int]:
    pattern = re.compile(re.escape(server.deployment) + r"-lease-(\d{10})")
    epochs = []
    for collection in _all_collections(server.client, server.where):
        match = pattern.fullmatch(collection.name)
        if match:
            epochs.append(int(match.group(1)))
    return sorted(epochs)


def latest_holder(server: Server) -> Holder | None:
    """The holder of the highest lease epoch, or None before any writer."""
    epochs = _lease_epochs(server)
    if not epochs:
        return None
    collection = server.collection(lease_name(server.deployment, epochs[-1]))
    meta = (collection.metadata or {}) if collection is not None else {}
    return Holder(epochs[-1], str(meta.get("host", "?")), int(meta.get("pid", 0)), int(meta.get("expires_ns", 0)))


def _refusal(server: Server, holder: Holder | None, now: int) -> str:
    if holder is None:
        return f"Another writer is taking the lease of deployment {server.deployment}; try again."
    left = max(0.0, (holder.expires_ns - now) / 1e9)
    return (
        f"Deployment {server.deployment} already has a writer: {holder.host} (pid {holder.pid}) holds its lease "
        f"for {left:.0f} s more. One machine writes a deployment: set DEPECHE_INDEX__ROLE=reader here, or stop "
        "that writer (its lease then expires, or is freed at once when it ends)."
    )


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop(server: Server, name: str) -> None:
    try:
        server.call(lambda: server.client.delete_collection(name))
    except Exception as exc:
        if exc.__class__.__name__ != "NotFoundError" and "does not exist" not in str(exc):
            raise


def is_writer(settings: Settings) -> bool:
    """Whether this machine publishes what it rebuilds (a writer of a Chroma server)."""
    return bool(settings.chroma.host) and settings.index.role == "writer"


@contextmanager
def writer_lease(settings: Settings, client: ClientAPI) -> Iterator[Lease | None]:
    """The deployment's lease, held and renewed for the block (None for an embedded store)."""
    if not is_writer(settings):
        yield None
        return
    lease = Lease.acquire(Server(client, settings))
    lease.keep_renewed()
    try:
        yield lease
    finally:
        lease.release()


# --- publication (the writer) --------------------------------------------------------------------


def published_generation(server: Server, fingerprint: str | None = None) -> tuple[str, dict] | None:
    """The highest control record (of generations built with `fingerprint`, if given): (its id, its
    metadata), or None before any publication."""
    control = server.collection(control_name(server.deployment))
    if control is None:
        return None
    records = server.all_ids(control, metadatas=True)
    if fingerprint is not None:
        records = {cid: meta for cid, meta in records.items() if meta.get("fingerprint") == fingerprint}
    if not records:
        return None
    top = max(records)
    return top, records[top]


def publish(
    server: Server, lease: Lease, snapshot: Snapshot, sentences: SentenceVectors, fingerprint: str,
    trust_published: bool = True,
) -> bool:
    """Publish `snapshot` (the writer's current generation) unless it already is; True when it was.

    Order: records, sentence vectors, the generation's pages, then the control record: a reader
    sees a generation only once all of it is stored. With `trust_published`, the records and
    sentence vectors of the generation published now are taken as stored (gc keeps them) and only
    the others are looked up: at 50,000 chunks, looking every id up cost 34 s a publication.
    """
    current = published_generation(server)
    if current is not None and current[1].get("generation") == snapshot.generation:
        return False
    started = time.perf_counter()
    meta = {"fingerprint": fingerprint, "kind": "records"}
    records = server.collection(records_name(server.deployment, fingerprint), create=True, metadata=meta)
    known_records: set[str] = set()
    known_keys: set[str] = set()
    if trust_published and current is not None and current[1].get("fingerprint") == fingerprint:
        known_records, known_keys = _generation_ids(server, records, current[1]["generation"])
    entries = [(article_record_id(aid, entry), json.dumps([aid, entry], ensure_ascii=False), "article")
               for aid, entry in snapshot.articles.items()]
    entries += [(chunk_record_id(rec), json.dumps(asdict(rec), ensure_ascii=False), "chunk")
                for rec in snapshot.chunks.values()]
    ids = [rid for rid, _, _ in entries]
    have = known_records | server.existing(records, [rid for rid in ids if rid not in known_records])
    todo = [e for e in dict((e[0], e) for e in entries).values() if e[0] not in have]
    server.put(records, [e[0] for e in todo], [e[1] for e in todo], [{"kind": e[2]} for e in todo])
    keys = list(keys_of(fingerprint, sentences_of(snapshot.chunks.values())))
    uploaded = push_sentences(server, sentences, fingerprint, keys, known_keys)

    manifest = {k: v for k, v in snapshot.manifest.items() if k != "articles"}
    pages = [ids[start : start + PAGE_IDS] for start in range(0, len(ids), PAGE_IDS)]
    # The sentence-vector keys too: a reader then fetches them without splitting every chunk again.
    hexes = [key.hex() for key in keys]
    key_pages = [hexes[start : start + PAGE_IDS] for start in range(0, len(hexes), PAGE_IDS)]
    head = {"manifest": manifest, "articles": len(snapshot.articles), "chunks": len(snapshot.chunks),
            "pages": len(pages), "sentence_pages": len(key_pages)}
    page_ids = [f"g:{snapshot.generation}:{n}" for n in range(len(pages) + 1)]
    page_ids += [f"g:{snapshot.generation}:s{n}" for n in range(1, len(key_pages) + 1)]
    documents = [json.dumps(head, ensure_ascii=False)] + [json.dumps(page) for page in pages + key_pages]
    server.put(records, page_ids, documents, [{"kind": "page", "generation": snapshot.generation}] * len(page_ids))

    lease.check()  # a writer that lost its lease publishes nothing
    control = server.collection(control_name(server.deployment), create=True, metadata={"kind": "control"})
    mine = [cid for cid in server.all_ids(control) if cid.startswith(f"{lease.epoch:010d}-")]
    sequence = 1 + max((int(cid.split("-")[1]) for cid in mine), default=0)
    server.put(
        control, [f"{lease.epoch:010d}-{sequence:010d}"], [snapshot.generation],
        [{"generation": snapshot.generation, "fingerprint": fingerprint, "host": lease.host,
          "created": snapshot.manifest.get("created", "")}],
    )
    old = sorted(server.all_ids(control))[:-KEEP_CONTROL]
    if old:
        server.delete(control, old)
    log.info(
        "published generation %s: %d of %d records and %d sentence vectors uploaded in %.1f s",
        snapshot.generation, len(todo), len(ids), uploaded, time.perf_counter() - started,
    )
    return True


def _generation_ids(server: Server, records: Collection, generation: str) -> tuple[set[str], set[str]]:
    """The record ids and sentence-vector keys (hex) a published generation lists in its pages."""
    head = server.documents(records, [f"g:{generation}:0"])
    if not head:
        return set(), set()
    data = json.loads(head[f"g:{generation}:0"])
    ids = [f"g:{generation}:{n}" for n in range(1, data["pages"] + 1)]
    keys = [f"g:{generation}:s{n}" for n in range(1, data.get("sentence_pages", 0) + 1)]
    pages = server.documents(records, ids + keys)
    if len(pages) < len(ids) + len(keys):
        return set(), set()  # incomplete: trust nothing
    return ({rid for pid in ids for rid in json.loads(pages[pid])},
            {key for pid in keys for key in json.loads(pages[pid])})


def push_sentences(
    server: Server, sentences: SentenceVectors, fingerprint: str, needed: Sequence[bytes], known: set[str] = frozenset()
) -> int:
    """Upload the sentence vectors of these keys that the server lacks (`known`: hex keys taken as
    stored); returns how many."""
    collection = sentences_collection(server, fingerprint, create=True)
    have = known | server.existing(collection, [key.hex() for key in needed if key.hex() not in known])
    todo = [key for key in needed if key.hex() not in have]
    for start in range(0, len(todo), GET_BATCH):
        part = todo[start : start + GET_BATCH]
        found = sentences.get(part)
        part = [key for key in part if key in found]
        if part:
            server.put(collection, [key.hex() for key in part], vectors=np.vstack([found[key] for key in part]))
    return len(todo)


def pull_sentences(server: Server, sentences: SentenceVectors, fingerprint: str, chunks: Iterable[ChunkRecord]) -> int:
    """Copy into the local file the vectors the server holds and it lacks (a new writer after a
    failover re-encodes nothing already stored); returns how many."""
    collection = sentences_collection(server, fingerprint)
    if collection is None:
        return 0
    missing = sentences.missing(keys_of(fingerprint, sentences_of(chunks)))
    got = fetch_vectors(server, collection, missing)
    if got:
        keys = list(got)
        sentences.add(keys, np.vstack([got[k] for k in keys]))
    return len(got)


def sentences_collection(server: Server, fingerprint: str, create: bool = False) -> Collection | None:
    """The sentence-vector collection (l2, so vectors come back bit for bit)."""
    return server.collection(sentences_name(server.deployment, fingerprint), create=create,
                             metadata={"fingerprint": fingerprint, "kind": "sentences"})


def fetch_vectors(server: Server, collection: Collection, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
    """The stored vectors of these keys, as float16 (what the writer's file holds)."""
    found: dict[bytes, np.ndarray] = {}
    for start in range(0, len(keys), GET_BATCH):
        part = [key.hex() for key in keys[start : start + GET_BATCH]]
        got = server.call(lambda: collection.get(ids=part, include=["embeddings"]))
        for rid, vector in zip(got["ids"], got["embeddings"]):
            found[bytes.fromhex(rid)] = np.asarray(vector, dtype=np.float32).astype(np.float16)
    return found


# --- reading a published generation (the readers) ------------------------------------------------


class MemoryVectors:
    """A reader's sentence vectors, held in memory as float16 (the `SentenceVectors.get` interface)."""

    def __init__(self, vectors: dict[bytes, np.ndarray]) -> None:
        self._vectors = vectors

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The stored vectors of these keys, as float32 (absent keys left out)."""
        return {key: self._vectors[key].astype(np.float32) for key in dict.fromkeys(keys) if key in self._vectors}

    def missing(self, keys: Iterable[bytes]) -> list[bytes]:
        """Keys with no vector, in order."""
        return [key for key in dict.fromkeys(keys) if key not in self._vectors]

    def count(self) -> int:
        """How many vectors are held."""
        return len(self._vectors)

    def replaced(self) -> bool:
        """A published generation's vectors never change under a reader."""
        return False

    def close(self) -> None:
        """Nothing to release."""


def load_published(server: Server, fingerprint: str, generation: str) -> tuple[Snapshot, MemoryVectors]:
    """A published generation as a reader answers from it: its snapshot (BM25 built in memory, in the
    writer's chunk order) and its sentence vectors in memory."""
    started = time.perf_counter()
    records = server.collection(records_name(server.deployment, fingerprint))
    head_text = server.documents(records, [f"g:{generation}:0"]) if records is not None else {}
    if not head_text:
        raise NotPublished(
            f"{server.where} names generation {generation} of deployment {server.deployment} as current, but its "
            "records are missing (garbage-collected, or another model's): run `depeche index rebuild` on the writer."
        )
    head = json.loads(head_text[f"g:{generation}:0"])
    page_ids = [f"g:{generation}:{n}" for n in range(1, head["pages"] + 1)]
    key_ids = [f"g:{generation}:s{n}" for n in range(1, head.get("sentence_pages", 0) + 1)]
    pages = server.documents(records, page_ids + key_ids)
    ids = [rid for pid in page_ids if pid in pages for rid in json.loads(pages[pid])]
    documents = server.documents(records, ids)
    absent = [rid for rid in ids if rid not in documents] + [pid for pid in page_ids + key_ids if pid not in pages]
    if absent:
        raise NotPublished(
            f"{server.where}: generation {generation} lacks {len(absent)} of its records (removed under it); "
            "the writer's next rebuild publishes a complete one."
        )
    articles: dict[str, dict] = {}
    chunks: dict[str, ChunkRecord] = {}
    for rid in ids:
        data = json.loads(documents[rid])
        if rid.startswith("a:"):
            articles[data[0]] = data[1]
        else:
            rec = _record(data)
            chunks[rec.id] = rec
    manifest = {**head["manifest"], "articles": articles}
    bm25 = BM25Index.build(list(chunks), [rec.text for rec in chunks.values()])
    snapshot = Snapshot(generation, manifest, chunks, bm25)
    loaded = time.perf_counter()
    if head.get("sentence_pages") is not None:
        keys = [bytes.fromhex(h) for pid in key_ids for h in json.loads(pages[pid])]
    else:
        keys = list(keys_of(fingerprint, sentences_of(chunks.values())))
    collection = sentences_collection(server, fingerprint)
    vectors = fetch_vectors(server, collection, keys) if collection is not None else {}
    log.info(
        "loaded published generation %s: %d articles, %d chunks in %.1f s; %d of %d sentence vectors in %.1f s",
        generation, len(articles), len(chunks), loaded - started, len(vectors), len(keys), time.perf_counter() - loaded,
    )
    return snapshot, MemoryVectors(vectors)


# --- garbage collection (the writer) -------------------------------------------------------------


def collect_published(server: Server, fingerprint: str, dry_run: bool = False) -> list[str]:
    """Remove published generations older than the current one and the one before, the records
    and sentence vectors only they used, and their control records; returns the generations removed.

    A reader may still be loading the one before the current one, never an older one.
    """
    control = server.collection(control_name(server.deployment))
    records = server.collection(records_name(server.deployment, fingerprint))
    if control is None or records is None:
        return []
    controls = server.all_ids(control, metadatas=True)
    order: list[str] = []
    for cid in sorted(controls, reverse=True):
        name = controls[cid].get("generation")
        if name and name not in order:
            order.append(name)
    keep = set(order[:2])
    pages = server.all_ids(records, where={"kind": "page"}, metadatas=True)
    stale = sorted({m.get("generation") for m in pages.values()} - keep - {None})
    if dry_run or not stale:
        return stale
    live: list[str] = []
    for name in keep:
        head = server.documents(records, [f"g:{name}:0"])
        if head:
            n = json.loads(head[f"g:{name}:0"])["pages"]
            for page in server.documents(records, [f"g:{name}:{i}" for i in range(1, n + 1)]).values():
                live.extend(json.loads(page))
    live_set = set(live)
    dead = [rid for rid, meta in server.all_ids(records, metadatas=True).items()
            if (meta.get("kind") == "page" and meta.get("generation") in stale)
            or (meta.get("kind") in ("article", "chunk") and rid not in live_set)]
    # Sentence vectors: those the kept generations' chunks need stay.
    chunk_texts = server.documents(records, [rid for rid in live if rid.startswith("c:")])
    needed = {key.hex() for key in keys_of(fingerprint, sentences_of(_record(json.loads(t)) for t in chunk_texts.values()))}
    sentences = sentences_collection(server, fingerprint)
    if sentences is not None:
        server.delete(sentences, [sid for sid in server.all_ids(sentences) if sid not in needed])
    server.delete(records, dead)
    server.delete(control, [cid for cid, meta in controls.items() if meta.get("generation") in stale])
    log.info("removed published generations %s (%d records)", stale, len(dead))
    return stale


def published_of_other_fingerprints(server: Server, fingerprint: str, dry_run: bool = False) -> list[str]:
    """Drop this deployment's record and sentence collections of other models or chunkings (by name
    and label, as `index gc` drops their vector collections); returns their names."""
    pattern = re.compile(re.escape(server.deployment) + r"-([0-9a-f]{10})-(records|sentences)")
    dropped = []
    for collection in _all_collections(server.client, server.where):
        match = pattern.fullmatch(collection.name)
        if not match or match.group(1) == fingerprint:
            continue
        if (collection.metadata or {}).get("deployment") != server.deployment:
            continue
        dropped.append(collection.name)
        if not dry_run:
            _drop(server, collection.name)
    return sorted(dropped)
