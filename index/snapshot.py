"""Index generations on disk: a manifest, the chunk texts and the BM25 index, swapped atomically.

A rebuild writes a complete new generation next to the current one, then points `CURRENT` at it
with one `os.replace`. A reader therefore always loads a whole generation, old or new; and a
rebuild killed at any moment leaves `CURRENT` naming a generation whose vectors are all stored.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np

from index.dates import span_of
from index.lexical import BM25Index

@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk: its id in Chroma, its text and where it sits in its article's body."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int
    # Its quoted sentences: [start, end, name, key] each, offsets in the article body.
    speakers: tuple[tuple[int, int, str, str], ...] = ()
    # The dates its sentences speak of (`index.dates`): [sentence start, sentence end (offsets in the
    # article body), first day "YYYY-MM-DD", last day (inclusive), precision] each.
    dates: tuple[tuple[int, int, str, str, str], ...] = ()
    story: str = ""  # the story its article belongs to (`index.stories`); "" before ingest version 4
    # The whole sentences of the article body it holds or holds a piece of, and what each states
    # (`index.facts.stated_facts`, computed once at ingestion): [start, end (offsets in the article
    # body), [[kind, start, end (offsets in the sentence)], …]] each; () before ingest version 5.
    sentences: tuple[tuple[int, int, tuple[tuple[str, int, int], ...]], ...] = ()


@dataclass
class Snapshot:
    """One loaded generation: what the index holds and the BM25 index over it."""

    generation: str
    manifest: dict
    chunks: dict[str, ChunkRecord]
    bm25: BM25Index

    @property
    def articles(self) -> dict[str, dict]:
        """Article metadata by id (no body)."""
        return self.manifest["articles"]

    @cached_property
    def stories(self) -> dict[str, list[str]]:
        """Story id -> its article ids, representative first (an article of an index built before
        stories is a story of its own)."""
        from index.stories import story_groups

        return story_groups(self.articles)

    @cached_property
    def quoting(self) -> dict[str, tuple[str, ...]]:
        """Speaker key -> the ids of the chunks that quote them (who-said-what retrieval)."""
        found: dict[str, list[str]] = {}
        for rec in self.chunks.values():
            for key in dict.fromkeys(key for _, _, _, key in rec.speakers):
                found.setdefault(key, []).append(rec.id)
        return {key: tuple(ids) for key, ids in found.items()}

    @cached_property
    def _periods(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every dated period of the generation as days since 1970: (first, last, chunk position), and
        the chunk ids positions point at. A chunk has one row for its article's publication
        period and one per date its sentences mention."""
        ids = list(self.chunks)
        position = {cid: i for i, cid in enumerate(ids)}
        first: list[str] = []
        last: list[str] = []
        owner: list[int] = []
        for entry in self.articles.values():
            span = span_of(entry.get("date") or "")
            if span is None:
                continue
            mine = [position[cid] for cid in entry.get("chunk_ids", ()) if cid in position]
            first += [span.start.isoformat()] * len(mine)
            last += [span.end.isoformat()] * len(mine)
            owner += mine
        for i, rec in enumerate(self.chunks.values()):
            if rec.dates:
                for _, _, start, end, _ in rec.dates:
                    first.append(start)
                    last.append(end)
                    owner.append(i)
        return (
            np.asarray(first, dtype="datetime64[D]").astype(np.int64),
            np.asarray(last, dtype="datetime64[D]").astype(np.int64),
            np.asarray(owner, dtype=np.int64),
            np.asarray(ids, dtype=object),
        )

    def dated(self, lo: date, hi: date) -> frozenset[str]:
        """Ids of the chunks whose article was published within [lo, hi] (both inclusive; a month-
        dated article counts for its whole month) or that mention a date overlapping it.

        The first call on a generation builds arrays of every period (0.2-0.3 s at 50,000 chunks of
        10,000 articles each of a different day, on the shared machine under load); each call after
        is one vectorised comparison: under 1 ms for a day, a week or a year at 50,000 chunks, about
        10 ms when the period holds most of the corpus (building the set of ids)."""
        first, last, owner, ids = self._periods
        lo_day = np.datetime64(lo, "D").astype(np.int64)
        hi_day = np.datetime64(hi, "D").astype(np.int64)
        flags = np.zeros(len(ids), dtype=bool)
        flags[owner[(first <= hi_day) & (last >= lo_day)]] = True
        return frozenset(ids[np.flatnonzero(flags)].tolist())

    @cached_property
    def _newest(self) -> str | None:
        best: tuple[date, int, str] | None = None
        for entry in self.articles.values():
            iso = entry.get("date") or ""
            span = span_of(iso)
            if span is not None:
                # Latest first day; between equal starts, the finer date ("2026-03-10" over "2026-03").
                key = (span.start, -("day", "month", "year").index(span.precision), iso)
                best = key if best is None or key > best else best
        return best[2] if best else None

    def newest_date(self) -> str | None:
        """The publication date (ISO, as the manifest holds it) of the newest dated article, or None."""
        return self._newest

    @property
    def collection(self) -> str:
        """The Chroma collection holding this generation's vectors."""
        return self.manifest["collection"]


def index_dir(data_dir: Path) -> Path:
    """Where generations live under the data dir."""
    return data_dir / "index"


def current_generation(data_dir: Path) -> str | None:
    """The name of the generation readers should use, or None before the first rebuild."""
    try:
        return (index_dir(data_dir) / "CURRENT").read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def load_snapshot(data_dir: Path) -> Snapshot | None:
    """Load the current generation, or None when there is none."""
    return _read_current(data_dir, _load)


def current_manifest(data_dir: Path) -> dict | None:
    """The current generation's manifest alone (no chunks, no BM25), or None when there is none."""
    return _read_current(data_dir, lambda name, folder: _manifest(folder))


def _read_current(data_dir: Path, read):
    for _ in range(3):  # a rebuild may prune a generation between reading CURRENT and opening it
        name = current_generation(data_dir)
        if name is None:
            return None
        try:
            return read(name, index_dir(data_dir) / "generations" / name)
        except FileNotFoundError:
            time.sleep(0.05)
    return None


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _load(name: str, folder: Path) -> Snapshot:
    with (folder / "chunks.jsonl").open(encoding="utf-8") as lines:
        chunks = {rec.id: rec for rec in (_record(json.loads(line)) for line in lines)}
    return Snapshot(name, _manifest(folder), chunks, BM25Index.load(folder / "bm25"))


def _record(data: dict) -> ChunkRecord:
    # Generations written before dates were stored have none; JSON gives lists, the record tuples.
    data["dates"] = tuple(tuple(d) for d in data.get("dates", ()))
    data["speakers"] = tuple(tuple(q) for q in data.get("speakers", ()))
    data["sentences"] = tuple(
        (start, end, tuple(tuple(m) for m in facts)) for start, end, facts in data.get("sentences", ())
    )
    return ChunkRecord(**data)


def write_snapshot(data_dir: Path, manifest: dict, chunks: list[ChunkRecord]) -> str:
    """Write a complete generation, then make it current in one atomic step; returns its name."""
    root = index_dir(data_dir) / "generations"
    root.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    staging = root / f".{name}.tmp"
    staging.mkdir()
    manifest = {**manifest, "generation": name}
    _write_durably(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    _write_durably(
        staging / "chunks.jsonl",
        "".join(json.dumps(asdict(rec), ensure_ascii=False) + "\n" for rec in chunks),
    )
    BM25Index.build([rec.id for rec in chunks], [rec.text for rec in chunks]).save(staging / "bm25")
    for file in (staging / "bm25").iterdir():
        _fsync(file)
    _fsync(staging / "bm25")
    _fsync(staging)
    os.rename(staging, root / name)
    _fsync(root)
    pointer = index_dir(data_dir) / "CURRENT"
    _write_durably(pointer.with_suffix(".tmp"), name)
    os.replace(pointer.with_suffix(".tmp"), pointer)
    _fsync(index_dir(data_dir))
    return name


def prune_generations(data_dir: Path, keep: int = 2) -> None:
    """Delete all but the newest `keep` generations (the previous one stays for slow readers)."""
    root = index_dir(data_dir) / "generations"
    if not root.exists():
        return
    current = current_generation(data_dir)
    names = sorted(p.name for p in root.iterdir() if p.is_dir())
    for stale in [n for n in names if n.startswith(".")] + [n for n in names if not n.startswith(".")][:-keep]:
        if stale != current:
            shutil.rmtree(root / stale, ignore_errors=True)


def _write_durably(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
