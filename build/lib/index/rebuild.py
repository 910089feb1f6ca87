"""Incremental, crash-safe rebuilds: embed only what changed, then swap generations atomically."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from chromadb.api import ClientAPI

from config.settings import Settings
from index.articles import scan_articles
from index.chunking import chunk_article
from index.embeddings import Embedder
from index.errors import DepecheError
from index.models import Article, RebuildReport
from index.snapshot import ChunkRecord, Snapshot, load_snapshot, prune_generations, write_snapshot
from index.store import VectorStore, collection_name, describe

log = logging.getLogger(__name__)

EMBED_BATCH = 256  # vectors reach Chroma batch by batch, so a killed rebuild keeps its progress


class RebuildInProgress(DepecheError):
    """Another process is rebuilding the same index."""


class Progress(Protocol):
    """What a rebuild reports progress to (tqdm fits)."""

    def update(self, n: int) -> object: ...

    def close(self) -> object: ...


ProgressFactory = Callable[[int], Progress]


def index_fingerprint(embedder: Embedder, settings: Settings) -> str:
    """Identifies vectors that can live together: same model, prefixes and chunking."""
    chunking = settings.chunking
    raw = f"{embedder.fingerprint}|{chunking.max_words}|{chunking.overlap_sentences}"
    return hashlib.sha256(raw.encode()).hexdigest()[:10]


@contextmanager
def rebuild_lock(data_dir: Path) -> Iterator[None]:
    """One rebuild at a time per data dir; the lock dies with its process, even on SIGKILL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "rebuild.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RebuildInProgress(
                "Another rebuild of this index is running; try again when it has finished."
            ) from None
        yield


def rebuild(
    settings: Settings,
    client: ClientAPI,
    embedder: Embedder,
    seeds_dir: Path | None = None,
    full: bool = False,
    progress: ProgressFactory | None = None,
) -> RebuildReport:
    """Bring the index in line with the seeds dir; returns what was added, updated, removed."""
    with rebuild_lock(settings.data_dir):
        return _rebuild(settings, client, embedder, seeds_dir or settings.seeds_dir, full, progress)


def _rebuild(
    settings: Settings,
    client: ClientAPI,
    embedder: Embedder,
    seeds_dir: Path,
    full: bool,
    progress: ProgressFactory | None,
) -> RebuildReport:
    started = time.perf_counter()
    report = RebuildReport(full=full)
    if not seeds_dir.is_dir():
        raise DepecheError(f"The seeds folder {seeds_dir} does not exist.")
    scan = scan_articles(seeds_dir)
    report.notices = [str(notice) for notice in scan.notices]
    report.skipped = [str(n) for n in scan.notices if n.kind in ("skipped", "duplicate")]

    previous = load_snapshot(settings.data_dir)
    fingerprint = index_fingerprint(embedder, settings)
    if previous is None:
        report.reason = "no index yet: every article is embedded"
    elif previous.manifest.get("fingerprint") != fingerprint:
        full = True
        report.reason = (
            f"the embedding model or chunking changed ({previous.manifest.get('model')} → "
            f"{embedder.name}): every article is re-embedded"
        )
    elif full:
        report.reason = "--full: every article is re-embedded"
    report.full = full
    name = collection_name(settings.chroma.collection, fingerprint)
    store = VectorStore.open(
        client, name, _collection_metadata(embedder, settings), create=True,
        where=describe(settings.chroma, settings.data_dir),
    )

    reusable = previous.articles if previous is not None and not full else {}
    known = previous.articles if previous is not None else {}
    articles: dict[str, dict] = {}
    chunks: list[ChunkRecord] = []
    fresh: list[ChunkRecord] = []
    for article in scan.articles:
        old = reusable.get(article.id)
        if old is not None and old["content_hash"] == article.content_hash:
            report.unchanged.append(article.id)
            articles[article.id] = old
            chunks.extend(previous.chunks[cid] for cid in old["chunk_ids"])
            continue
        (report.updated if article.id in known else report.added).append(article.id)
        records = _records(article, settings)
        articles[article.id] = _article_entry(article, records)
        chunks.extend(records)
        fresh.extend(records)

    # A file that is still there but unreadable now keeps its previous version: nothing is lost.
    unreadable = {n.article_id for n in scan.notices if n.kind == "skipped"}
    for article_id, entry in known.items():
        if article_id in articles:
            continue
        if article_id in unreadable and previous is not None:
            kept = [previous.chunks[cid] for cid in entry["chunk_ids"]]
            articles[article_id] = entry
            chunks.extend(kept)
            if full:
                fresh.extend(kept)
            report.unchanged.append(article_id)
            report.notices.append(f"{article_id}: kept the previously indexed version")
        else:
            report.removed.append(article_id)

    report.chunks_embedded = _embed_missing(store, embedder, fresh, articles, progress)
    manifest = {
        "collection": name,
        "fingerprint": fingerprint,
        "model": embedder.name,
        "dimension": embedder.dimension,
        "chunking": settings.chunking.model_dump(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "articles": articles,
    }
    changed = report.added or report.updated or report.removed or previous is None
    if changed or previous.collection != name:
        write_snapshot(settings.data_dir, manifest, chunks)
    _collect_garbage(client, store, {rec.id for rec in chunks}, settings.chroma.collection, name)
    prune_generations(settings.data_dir)
    report.chunks_total = len(chunks)
    report.seconds = time.perf_counter() - started
    log.info("rebuild done: %s", report.to_dict())
    return report


def _records(article: Article, settings: Settings) -> list[ChunkRecord]:
    # The content hash in the id keeps an old and a new version of an article apart until the swap.
    version = article.content_hash[:12]
    return [
        ChunkRecord(f"{article.id}:{version}:{c.index}", article.id, c.index, c.text, c.start, c.end)
        for c in chunk_article(
            article,
            max_words=settings.chunking.max_words,
            overlap_sentences=settings.chunking.overlap_sentences,
        )
    ]


def _article_entry(article: Article, records: list[ChunkRecord]) -> dict:
    return {
        "title": article.title,
        "date": article.date,
        "date_precision": article.date_precision,
        "outlet": article.outlet,
        "url": article.url,
        "path": article.path,
        "content_hash": article.content_hash,
        "chunk_ids": [rec.id for rec in records],
    }


def _embed_missing(
    store: VectorStore,
    embedder: Embedder,
    records: list[ChunkRecord],
    articles: dict[str, dict],
    progress: ProgressFactory | None,
) -> int:
    """Embed and store the chunks not already in the collection; returns how many were embedded."""
    present = store.existing([rec.id for rec in records])
    todo = [rec for rec in records if rec.id not in present]
    bar = progress(len(todo)) if progress and todo else None
    try:
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            vectors = embedder.encode_passages([rec.text for rec in batch])
            store.add(
                [rec.id for rec in batch],
                vectors,
                [rec.text for rec in batch],
                [_chunk_metadata(rec, articles[rec.article_id]) for rec in batch],
            )
            if bar:
                bar.update(len(batch))
    finally:
        if bar:
            bar.close()
    return len(todo)


def _chunk_metadata(rec: ChunkRecord, article: dict) -> dict:
    # Chroma metadata takes no None: empty strings stand for "unknown".
    return {
        "article_id": rec.article_id,
        "chunk_index": rec.index,
        "start": rec.start,
        "end": rec.end,
        "title": article["title"] or "",
        "date": article["date"] or "",
        "outlet": article["outlet"] or "",
        "content_hash": article["content_hash"],
    }


def _collection_metadata(embedder: Embedder, settings: Settings) -> dict:
    return {
        "model": embedder.name,
        "dimension": embedder.dimension,
        "query_prefix": embedder.settings.query_prefix,
        "passage_prefix": embedder.settings.passage_prefix,
        "chunk_max_words": settings.chunking.max_words,
        "chunk_overlap_sentences": settings.chunking.overlap_sentences,
    }


def _collect_garbage(client: ClientAPI, store: VectorStore, live: set[str], base: str, current: str) -> None:
    """Drop vectors no generation needs: old versions, removed articles, other models' collections."""
    if store.count() != len(live):
        stale = store.all_ids() - live
        if stale:
            log.info("removing %d stale chunks", len(stale))
            store.delete(stale)
    for collection in client.list_collections():
        other = getattr(collection, "name", collection)
        if other != current and other.startswith(f"{base}-") and len(other) == len(current):
            log.info("removing collection %s of a previous model or chunking", other)
            client.delete_collection(other)
