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
from functools import cached_property
from pathlib import Path

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
    def quoting(self) -> dict[str, tuple[str, ...]]:
        """Speaker key -> the ids of the chunks that quote them (who-said-what retrieval)."""
        found: dict[str, list[str]] = {}
        for rec in self.chunks.values():
            for key in dict.fromkeys(key for _, _, _, key in rec.speakers):
                found.setdefault(key, []).append(rec.id)
        return {key: tuple(ids) for key, ids in found.items()}

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
        chunks = {rec.id: rec for rec in (ChunkRecord(**json.loads(line)) for line in lines)}
    return Snapshot(name, _manifest(folder), chunks, BM25Index.load(folder / "bm25"))


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
