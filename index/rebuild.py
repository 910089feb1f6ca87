"""Incremental, crash-safe rebuilds: embed only what changed, then swap generations atomically."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Protocol

import numpy as np
from chromadb.api import ClientAPI

from config.settings import Settings
from index.articles import scan_articles
from index.chunking import chunk_article
from index.dates import sentence_dates, span_of, ymd
from index.embeddings import Embedder
from index.errors import DepecheError
from index.facts import stated_facts
from index.models import Article, GarbageReport, RebuildReport
from index.quotes import attribute_quotes, fuller, speaker_titles
from index.publish import (
    Lease, Server, collect_published, publish, published_of_other_fingerprints, pull_sentences, writer_lease,
)
from index.sentences import FILE_NAME as SENTENCES_FILE
from index.sentences import SentenceVectors, as_read, embed_sentences
from index.snapshot import ChunkRecord, Snapshot, index_dir, load_snapshot, prune_generations, write_snapshot
from index.stories import StoryIndex, story_groups
from index.store import VectorStore, collection_name, deployment_collections, describe, drop_collection
from index.text import split_sentences

log = logging.getLogger(__name__)

# Bump when ingestion or chunking code changes what a file yields: the next rebuild parses and
# chunks every file again, even where its bytes are unchanged. 2: quoted sentences get a speaker.
# 3: sentences get the dates they speak of, chunks date metadata (written without re-embedding).
# 4: articles get their story (`index.stories`), chunks a `story` metadata (same path, no re-embedding).
# 5: chunks carry their article's whole sentences and the facts each states (`index.facts`), so
#    answers quote whole sentences and look up what a sentence states instead of parsing it per question.
# 6: photo captions (« Vladimir Poutine (à gauche) et… ») and newsletter invitations leave the body (`index.boilerplate`).
# 7: a short paragraph ending with its picture's bare credit (« …Malouda. BELGA_AFP », « … © Belga ») is a caption too,
#    and a promotion for the print edition (« Découvrez … chez votre libraire ! ») leaves the body.
INGEST_VERSION = 7  # vectors reach Chroma batch by batch, so a killed rebuild keeps its progress


class RebuildInProgress(DepecheError):
    """Another process is rebuilding the same index."""


class Progress(Protocol):
    """What a rebuild reports progress to (tqdm fits)."""

    def update(self, n: int) -> object: ...

    def close(self) -> object: ...


# Called with the total (None when not known ahead) and what is counted ("chunk", "sentence").
ProgressFactory = Callable[[int | None, str], Progress]


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
    if settings.index.role == "reader":
        raise DepecheError(
            "This machine is a reader (DEPECHE_INDEX__ROLE=reader): it answers from what the writer publishes "
            "and never rebuilds. Rebuild on the writer, or make this machine the writer (docs/scaling.md)."
        )
    with rebuild_lock(settings.data_dir), writer_lease(settings, client) as lease:
        report = _rebuild(settings, client, embedder, seeds_dir or settings.seeds_dir, full, progress, lease)
        if lease is not None:
            _publish(settings, client, embedder, lease, full)
        return report


def _publish(settings: Settings, client: ClientAPI, embedder: Embedder, lease: Lease, full: bool) -> None:
    """Publish the current generation to the server unless it already is (a writer killed midway
    publishes on its next rebuild, even when nothing changed); `--full` looks every record up."""
    snapshot = load_snapshot(settings.data_dir)
    if snapshot is None:
        return
    path = index_dir(settings.data_dir) / SENTENCES_FILE
    with closing(SentenceVectors(path, embedder.dimension)) as sentences:
        publish(Server(client, settings), lease, snapshot, sentences, index_fingerprint(embedder, settings),
                trust_published=not full)


def _rebuild(
    settings: Settings,
    client: ClientAPI,
    embedder: Embedder,
    seeds_dir: Path,
    full: bool,
    progress: ProgressFactory | None,
    lease: Lease | None = None,
) -> RebuildReport:
    started = time.perf_counter()
    report = RebuildReport(full=full)
    if not seeds_dir.is_dir():
        raise DepecheError(f"The seeds folder {seeds_dir} does not exist.")
    scan = scan_articles(seeds_dir, max_bytes=settings.sources.max_bytes)
    log.info("parsed %d article files in %.1f s", len(scan.articles), time.perf_counter() - started)
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
    deployment = settings.chroma.deployment_name
    name = collection_name(deployment, fingerprint)
    store = VectorStore.open(
        client, name, _collection_metadata(embedder, settings, fingerprint), create=True,
        where=describe(settings.chroma, settings.data_dir),
    )
    # The store, not the manifest, says which vectors exist: a deleted store or a fresh server
    # behind an unchanged manifest must be refilled, not trusted.
    stored = store.all_ids()

    reparse = previous is not None and previous.manifest.get("ingest_version") != INGEST_VERSION
    if reparse and not report.reason:
        report.reason = (
            f"ingestion changed (version {previous.manifest.get('ingest_version', 1)} → {INGEST_VERSION}): "
            "every file is parsed again; only chunks whose text changed are re-embedded"
        )
    reusable = previous.articles if previous is not None and not full and not reparse else {}
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
        records = _records(article, settings)
        articles[article.id] = _article_entry(article, records)
        chunks.extend(records)
        fresh.extend(records)
        before = known.get(article.id)
        same = reparse and before is not None and before["content_hash"] == article.content_hash
        if same and all(_same_text(rec, previous) for rec in records):
            report.unchanged.append(article.id)  # parsed again, to the same chunks
        else:
            (report.updated if article.id in known else report.added).append(article.id)

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

    chunks, restoried = _stories(settings, scan.articles, articles, chunks, report)
    fresh_ids = {rec.id for rec in fresh}
    # --full re-embeds every chunk even where a vector is stored (same ids: content hashes).
    # A file parsed again after an ingestion change keeps its chunk ids (they hash the file's
    # bytes): a chunk whose text changed under the same id is re-embedded in place.
    todo = chunks if full else [rec for rec in chunks if rec.id not in stored or not _same_text(rec, previous)]
    report.vectors_restored = sum(1 for rec in todo if rec.id not in fresh_ids and rec.id not in stored)
    if report.vectors_restored:
        log.warning(
            "%d vectors of unchanged articles were missing from %s; re-embedding them",
            report.vectors_restored, store.where,
        )
    stage = time.perf_counter()
    by_text: dict[str, np.ndarray] = {}
    report.chunks_embedded = _embed(
        store, embedder, todo, articles, progress, by_text, settings.embedding.commit_batch
    )
    log.info("embedded %d of %d chunks in %.1f s", len(todo), len(chunks), time.perf_counter() - stage)
    if (reparse or restoried) and not full:
        # Chunks parsed again to the same text keep their vectors; what ingestion now says of them
        # (their dates, their story) still has to reach their Chroma metadata.
        embedded = {rec.id for rec in todo}
        kept = [
            rec for rec in chunks
            if rec.id not in embedded and rec.id in stored and (reparse or rec.id in restoried)
        ]
        store.update_metadata([rec.id for rec in kept], [_chunk_metadata(rec, articles[rec.article_id]) for rec in kept])
        report.metadata_updated = len(kept)
    stage = time.perf_counter()
    sentences_path = index_dir(settings.data_dir) / SENTENCES_FILE
    with closing(SentenceVectors(sentences_path, embedder.dimension)) as sentences:
        if lease is not None:  # a writer after a failover re-encodes nothing the server holds
            pulled = pull_sentences(Server(client, settings), sentences, fingerprint, chunks)
            if pulled:
                log.info("copied %d sentence vectors from the server", pulled)
        report.sentences_embedded, needed, shared = _embed_sentences(
            sentences, embedder, fingerprint, chunks, full, progress, by_text
        )
    del by_text
    log.info(
        "encoded %d sentences in %.1f s (%d of them: the vector of a chunk with the same text)",
        report.sentences_embedded, time.perf_counter() - stage, shared,
    )
    stage = time.perf_counter()
    manifest = {
        "collection": name,
        "deployment": deployment,
        "fingerprint": fingerprint,
        "model": embedder.name,
        "dimension": embedder.dimension,
        "chunking": settings.chunking.model_dump(),
        "ingest_version": INGEST_VERSION,
        "sentence_vectors": len(needed),  # what `index status` compares the sentence file with
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "articles": articles,
    }
    # Restored vectors get a new generation too: readers in other processes reopen the store on a
    # new generation, and only then see vectors written since they opened it.
    changed = (
        report.added or report.updated or report.removed or previous is None or report.vectors_restored or reparse
        or restoried
        or previous.manifest.get("sentence_vectors") != len(needed)
    )
    if changed or previous.collection != name:
        write_snapshot(settings.data_dir, manifest, chunks)
    # Vectors of sentences no longer indexed go once the new generation is current (a reader still
    # on the old one encodes what it misses).
    with closing(SentenceVectors(sentences_path, embedder.dimension)) as sentences:
        if sentences.count() > len(needed):
            sentences.retain(needed)
    live = {rec.id for rec in chunks}
    if lease is not None and previous is not None:
        # Readers answer from the previously published generation until they poll: its vectors stay.
        live |= set(previous.chunks)
    _remove_stale(store, stored, live)
    prune_generations(settings.data_dir)
    log.info("wrote the index generation and pruned old ones in %.1f s", time.perf_counter() - stage)
    report.chunks_total = len(chunks)
    report.seconds = time.perf_counter() - started
    log.info("rebuild done: %s", report.to_dict())
    return report


def _stories(
    settings: Settings,
    scanned: list[Article],
    articles: dict[str, dict],
    chunks: list[ChunkRecord],
    report: RebuildReport,
) -> tuple[list[ChunkRecord], set[str]]:
    """Give every article its story (signing only the new and changed ones) and every chunk its
    article's; returns the chunks and the ids of those whose story changed."""
    started = time.perf_counter()
    readable = {a.id for a in scanned}
    with closing(StoryIndex.open(index_dir(settings.data_dir))) as stories:
        update = stories.update(scanned, keep=set(articles) - readable)
    for article_id, entry in articles.items():
        # An unreadable file the story file never saw (an upgrade while it was broken) stands alone.
        articles[article_id] = {**entry, "story": update.stories.get(article_id) or f"alone:{article_id}"}
    groups = story_groups(articles)
    report.stories = len(groups)
    report.stories_signed = update.signed
    report.stories_seconds = time.perf_counter() - started  # the file's first creation included
    report.joined = [
        {"article_id": aid, "story": story, "representative": groups[story][0]}
        for aid, story in update.joined
        if aid in articles
    ]
    restoried: set[str] = set()
    out = []
    for rec in chunks:
        story = articles[rec.article_id]["story"]
        if rec.story != story:
            restoried.add(rec.id)
            rec = replace(rec, story=story)
        out.append(rec)
    return out, restoried


def _embed_sentences(
    sentences: SentenceVectors,
    embedder: Embedder,
    fingerprint: str,
    chunks: list[ChunkRecord],
    full: bool,
    progress: ProgressFactory | None,
    by_text: dict[str, np.ndarray],
) -> tuple[int, set[bytes], int]:
    """The sentence vectors answer selection reads (`index.sentences`), with a progress bar of their own."""
    bar = None

    def advance(n: int) -> None:
        nonlocal bar
        if progress is not None:
            if bar is None:  # not `bar or …`: a tqdm without a total refuses bool()
                bar = progress(None, "sentence")  # how many lack a vector is known inside only
            bar.update(n)

    try:
        return embed_sentences(sentences, embedder, fingerprint, chunks, full, advance, by_text)
    finally:
        if bar is not None:
            bar.close()


def _same_text(rec: ChunkRecord, previous: Snapshot | None) -> bool:
    """Whether the previous generation holds this chunk id with the same text."""
    old = previous.chunks.get(rec.id) if previous is not None else None
    return old is None or old.text == rec.text


def _records(article: Article, settings: Settings) -> list[ChunkRecord]:
    # The content hash in the id keeps an old and a new version of an article apart until the swap.
    version = article.content_hash[:12]
    spans = split_sentences(article.body)
    quoted = _quoted_sentences(article, spans)
    dated = sentence_dates(article.body, spans, article.date, article.date_precision)
    stated = [
        (start, end, tuple((m.kind, m.start, m.end) for m in stated_facts(article.body[start:end]).mentions))
        for start, end in spans
    ]
    return [
        ChunkRecord(
            f"{article.id}:{version}:{c.index}", article.id, c.index, c.text, c.start, c.end,
            tuple(q for q in quoted if c.start <= q[0] and q[1] <= c.end),
            # A sentence cut into pieces across chunks dates every chunk holding a piece of it.
            tuple(d for d in dated if d[0] < c.end and c.start < d[1]),
            # Every whole sentence it holds a piece of: answers quote the sentence, not the piece.
            sentences=tuple(row for row in stated if row[0] < c.end and c.start < row[1]),
        )
        for c in chunk_article(
            article,
            max_words=settings.chunking.max_words,
            overlap_sentences=settings.chunking.overlap_sentences,
        )
    ]


def _quoted_sentences(article: Article, spans: list[tuple[int, int]]) -> list[tuple[int, int, str, str]]:
    """[start, end, name, key] of every sentence of the article that quotes or reports someone."""
    return [
        (start, end, speaker.name, speaker.key)
        for (start, end), speaker in zip(spans, attribute_quotes(article.body, spans))
        if speaker is not None
    ]


def _article_entry(article: Article, records: list[ChunkRecord]) -> dict:
    # Who the article quotes (the fullest name of each) and the titles it gives them: what a
    # who-said-what question is resolved against.
    speakers: dict[str, str] = {}
    for rec in records:
        for _, _, name, key in rec.speakers:
            if fuller(name, speakers.get(key, "")):
                speakers[key] = name
    return {
        "speakers": speakers,
        "titles": {key: list(titles) for key, titles in speaker_titles(article.body).items()},
        "title": article.title,
        "date": article.date,
        "date_precision": article.date_precision,
        "outlet": article.outlet,
        "url": article.url,
        "path": article.path,
        "content_hash": article.content_hash,
        "chunk_ids": [rec.id for rec in records],
    }


def _embed(
    store: VectorStore,
    embedder: Embedder,
    todo: list[ChunkRecord],
    articles: dict[str, dict],
    progress: ProgressFactory | None,
    by_text: dict[str, np.ndarray],
    commit_batch: int,
) -> int:
    """Embed and store these chunks, `commit_batch` at a time; returns how many were embedded. The vectors of
    chunks of one or two sentences go into `by_text` (by `as_read` text): such a chunk is a
    sentence, or a sentence read after the one before it, and `embed_sentences` takes its vector
    instead of encoding it again (on press articles, about half the chunks)."""
    bar = progress(len(todo), "chunk") if progress and todo else None
    # The bar counts chunks stored (a killed rebuild keeps those); a bar that takes a postfix (tqdm)
    # also shows the ones encoded in the batch under way, so a first batch does not sit at 0 for long.
    postfix = getattr(bar, "set_postfix_str", None)
    encoded = 0

    def tick(n: int) -> None:
        nonlocal encoded
        encoded += n
        postfix(f"{encoded} encoded")

    try:
        for start in range(0, len(todo), commit_batch):
            batch = todo[start : start + commit_batch]
            vectors = embedder.encode_passages([rec.text for rec in batch], progress=tick if postfix else None)
            by_text.update((as_read(rec.text), vec) for rec, vec in zip(batch, vectors) if len(rec.sentences) <= 2)
            store.add(
                [rec.id for rec in batch],
                vectors,
                [rec.text for rec in batch],
                [_chunk_metadata(rec, articles[rec.article_id]) for rec in batch],
            )
            if bar is not None:
                bar.update(len(batch))
    finally:
        if bar is not None:
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
        "story": rec.story,
        **_date_metadata(rec, article),
    }


def _date_metadata(rec: ChunkRecord, article: dict) -> dict[str, int]:
    """What a dated search filters on, as YYYYMMDD ints (Chroma ranges work on scalars only; 0 when
    unknown): the article's publication period and the span of the dates the chunk mentions."""
    published = span_of(article["date"]) if article.get("date") else None
    mentions = [(date.fromisoformat(start), date.fromisoformat(end)) for _, _, start, end, _ in rec.dates]
    return {
        "published_from": ymd(published.start) if published else 0,
        "published_to": ymd(published.end) if published else 0,
        "mentions_from": ymd(min(start for start, _ in mentions)) if mentions else 0,
        "mentions_to": ymd(max(end for _, end in mentions)) if mentions else 0,
    }


def _collection_metadata(embedder: Embedder, settings: Settings, fingerprint: str) -> dict:
    return {
        "deployment": settings.chroma.deployment_name,  # what `depeche index gc` checks before dropping
        "fingerprint": fingerprint,
        "model": embedder.name,
        "dimension": embedder.dimension,
        "query_prefix": embedder.settings.query_prefix,
        "passage_prefix": embedder.settings.passage_prefix,
        "chunk_max_words": settings.chunking.max_words,
        "chunk_overlap_sentences": settings.chunking.overlap_sentences,
    }


def _remove_stale(store: VectorStore, stored: set[str], live: set[str]) -> None:
    """Drop this collection's vectors no generation needs: old versions, removed articles.

    Only ids seen before this rebuild wrote, and only in its own collection: other collections
    (another model still queried by peers, another deployment) are never touched here.
    """
    stale = stored - live
    if stale:
        log.info("removing %d stale chunks from %s", len(stale), store.name)
        store.delete(stale)


def collect_garbage(settings: Settings, client: ClientAPI, dry_run: bool = False) -> GarbageReport:
    """Drop this deployment's collections of other models or chunkings (never another deployment's).

    Peers of the deployment still on the previous model query its collection until they rebuild:
    run this once every machine has rebuilt. Keeps the collection the current generation uses.
    """
    if settings.index.role == "reader":
        raise DepecheError(
            "This machine is a reader (DEPECHE_INDEX__ROLE=reader): readers never delete anything; run "
            "`depeche index gc` on the writer."
        )
    with rebuild_lock(settings.data_dir), writer_lease(settings, client) as lease:
        snapshot = load_snapshot(settings.data_dir)
        if snapshot is None:
            raise DepecheError(
                f"There is no index in {settings.data_dir}: garbage collection keeps the collection the "
                "current index uses, so run it where an index is built (`depeche index rebuild`)."
            )
        deployment = settings.chroma.deployment_name
        where = describe(settings.chroma, settings.data_dir)
        owned, unlabelled = deployment_collections(client, deployment, where)
        report = GarbageReport(deployment, snapshot.collection, dry_run=dry_run)
        report.unlabelled = sorted(n for n in unlabelled if n != snapshot.collection)
        for collection in sorted(owned, key=lambda c: c.name):
            if collection.name == snapshot.collection:
                continue
            report.dropped.append(collection.name)
            if not dry_run:
                log.info("dropping collection %s (%s)", collection.name, (collection.metadata or {}).get("model"))
                drop_collection(client, collection.name, where)
        if lease is not None:
            server = Server(client, settings)
            fingerprint = snapshot.manifest["fingerprint"]
            report.dropped += published_of_other_fingerprints(server, fingerprint, dry_run)
            report.generations = collect_published(server, fingerprint, dry_run)
        return report
