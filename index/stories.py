"""Stories: the copies of one text (an agency dispatch republished by many outlets) grouped at ingestion.

A new or changed article is signed (a MinHash of the word shingles of its clean body, `datasketch`),
its signature's LSH bands are looked up in a SQLite file under the index dir to find candidates at a
low Jaccard threshold, and exact shingle containment decides: |A ∩ B| / min(|A|, |B|). Containment,
not Jaccard, because a copy cut to half its length has Jaccard 0.5 but containment 1.0, and an
agency's update of its own dispatch (new paragraphs added) contains all of the first version.

The SQLite file is the state: band hashes → article, each article's shingles and story. A one-shot
`index add` looks its new article up there without building an LSH in memory; a rebuild signs only
articles whose bytes changed. Story ids are stable: a story is named after the article that founded
it and keeps that name while any member remains, whatever arrives later. The representative (which
copy is cited) is computed on reading: the earliest published, an agency's own when dates tie.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from pathlib import Path

import numpy as np

from index.articles import AGENCY_NAMES
from index.dates import span_of
from index.models import Article
from index.text import fold

log = logging.getLogger(__name__)

FILE_NAME = "stories.sqlite3"
SHINGLE_WORDS = 5  # word 5-grams: a shared long quotation shares some, a copy nearly all
NUM_PERM = 128
SEED = 1
MINHASH_SCHEME = "affine32"  # datasketch 2's default; stored so a later datasketch cannot mix schemes
# Candidates from Jaccard ≥ ~0.15 (datasketch's optimal bands for it: 51 × 2 rows): a copy cut to a
# quarter of its length (Jaccard 0.25) is still found 96 % of the time; unrelated articles (Jaccard
# ≈ 0) almost never are, so few exact comparisons are made.
CANDIDATE_THRESHOLD = 0.15
# Containment from which two texts are copies. Set on the grouping eval (tests/test_stories.py,
# benchmarks/stories.py): copies with edits score 0.8-1.0, two dispatches sharing a long quotation
# 0.1-0.3.
COPY_CONTAINMENT = 0.5
MIN_NARRATIVE_WORDS = 40  # fewer words outside quotations: shingle the whole text
MIN_SHARED = 8  # shingles: a two-line brief does not join a story on a shared sentence or two
# What the stored signatures were made with; a mismatch re-signs every article.
SCHEME = (
    f"shingles=words{SHINGLE_WORDS},fold,unquoted{MIN_NARRATIVE_WORDS},crc32-poly64|minhash=datasketch:{MINHASH_SCHEME}:"
    f"seed{SEED}:perm{NUM_PERM}|lsh-threshold={CANDIDATE_THRESHOLD}"
)

_WORD = re.compile(r"\w+")
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd: the golden-ratio constant of Fibonacci hashing
# A quotation: what is between French guillemets, curly or straight double quotes (one paragraph).
_QUOTATION = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"\n]*\"")


@dataclass(frozen=True)
class Signature:
    """What an article is compared with: its sorted unique shingle hashes and their MinHash."""

    shingles: np.ndarray  # uint32, sorted, unique
    minhash: np.ndarray  # uint32[NUM_PERM]


@dataclass
class StoryUpdate:
    """What `StoryIndex.update` decided."""

    stories: dict[str, str] = field(default_factory=dict)  # article id -> story id, every article
    # New or changed articles that joined a story holding other articles: (article id, story id).
    joined: list[tuple[str, str]] = field(default_factory=list)
    signed: int = 0
    seconds: float = 0.0


def shingles(body: str) -> np.ndarray:
    """The sorted unique 32-bit hashes of the word 5-grams of `body` (lower-cased, accents folded),
    quotations left out: two dispatches quoting one long statement share its words without being
    copies, while copies share their narrative too. A text that is mostly quotation keeps it."""
    words = _WORD.findall(_QUOTATION.sub(" ", body).lower())
    if len(words) < MIN_NARRATIVE_WORDS:
        words = _WORD.findall(body.lower())
    if not words:
        return np.zeros(0, dtype=np.uint32)
    hashed = np.fromiter((_word_hash(w) for w in words), dtype=np.uint64, count=len(words))
    k = min(SHINGLE_WORDS, len(hashed))
    grams = np.zeros(len(hashed) - k + 1, dtype=np.uint64)
    for j in range(k):  # a polynomial over the 5 word hashes, wrapping mod 2^64
        grams = grams * _MULTIPLIER + hashed[j : len(hashed) - k + 1 + j]
    return np.unique(((grams >> np.uint64(32)) ^ grams).astype(np.uint32))


@lru_cache(maxsize=200_000)
def _word_hash(word: str) -> int:
    # Folded once per distinct word (a corpus repeats its words): accents do not part copies.
    return zlib.crc32(fold(word).encode())


@dataclass(frozen=True)
class Hashing:
    """The MinHash permutations and LSH bands signatures are made with, as datasketch made them.

    Made once by the library (`from_datasketch`) and stored in the SQLite file with the signatures:
    importing datasketch costs 1-2 s on the shared machine (it imports scipy), more than a one-shot
    `index add` may spend, so signing applies the stored permutations with numpy, the way
    datasketch's "affine32" scheme does (`MinHash.update_batch`; tests/test_stories.py checks that
    both give the same values)."""

    a: np.ndarray  # uint32[NUM_PERM], odd
    b: np.ndarray  # uint32[NUM_PERM]
    bands: int
    rows: int

    @classmethod
    def from_datasketch(cls) -> Hashing:
        """The permutations of MinHash(NUM_PERM, SEED, MINHASH_SCHEME) and the bands MinHashLSH picks
        for CANDIDATE_THRESHOLD."""
        from datasketch import MinHash, MinHashLSH

        a, b = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=MINHASH_SCHEME).permutations
        lsh = MinHashLSH(threshold=CANDIDATE_THRESHOLD, num_perm=NUM_PERM)
        return cls(np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32), lsh.b, lsh.r)

    def sign(self, body: str) -> Signature:
        """The signature of an article body."""
        values = shingles(body)
        if not values.size:
            return Signature(values, np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32))
        mixed = _fmix32(values.astype(np.uint32)).reshape(-1, 1)
        return Signature(values, (mixed * self.a + self.b).min(axis=0).astype(np.uint32))

    def keys(self, minhash: np.ndarray) -> list[tuple[int, int]]:
        """(band, key) of each LSH band: its rows' bytes as datasketch's MinHashLSH hashes them
        (byte-swapped), folded to a signed 64-bit int (SQLite's integer)."""
        if self.rows * 4 == 8:  # two uint32 rows: the band's 8 bytes are the key
            swapped = np.ascontiguousarray(minhash[: self.bands * self.rows].byteswap())
            return list(enumerate(np.frombuffer(swapped.tobytes(), dtype=">i8").tolist()))
        keys = []
        for band in range(self.bands):
            raw = minhash[band * self.rows : (band + 1) * self.rows].byteswap().tobytes()
            if len(raw) > 8:
                raw = hashlib.blake2b(raw, digest_size=8).digest()
            keys.append((band, int.from_bytes(raw.rjust(8, b"\0"), "big", signed=True)))
        return keys


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch pre-mixes input hashes (uint32 wraps around)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def containment(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """(|a ∩ b| / min(|a|, |b|), |a ∩ b|) of two sorted unique shingle arrays."""
    if not a.size or not b.size:
        return 0.0, 0
    shared = int(np.intersect1d(a, b, assume_unique=True).size)
    return shared / min(a.size, b.size), shared


def is_copy(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two shingle sets are copies of one text."""
    ratio, shared = containment(a, b)
    return ratio >= COPY_CONTAINMENT and shared >= min(MIN_SHARED, a.size, b.size)


def representative(members: Iterable[tuple[str, str | None, str | None]]) -> str:
    """The article a story is cited by, of (article id, ISO date, outlet) members: the earliest
    published, an agency's own when dates tie, then the smallest id (undated ones come last)."""
    return min(members, key=_seniority)[0]


def _seniority(member: tuple[str, str | None, str | None]) -> tuple[date, int, str]:
    article_id, iso, outlet = member
    span = span_of(iso) if iso else None
    return (span.start if span else date.max, 0 if outlet in AGENCY_NAMES else 1, article_id)


def new_story_id(article_id: str, content_hash: str) -> str:
    """The id of a story founded by this version of this article."""
    return "s" + hashlib.sha256(f"{article_id}\0{content_hash}".encode()).hexdigest()[:12]


class StoryIndex:
    """The persisted story state of one data dir (one SQLite file); not shared across threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS articles (
                n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, content_hash TEXT NOT NULL,
                story TEXT NOT NULL, date TEXT, outlet TEXT, shingles BLOB NOT NULL, minhash BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS articles_story ON articles (story);
            CREATE TABLE IF NOT EXISTS bands (
                band INTEGER, key INTEGER, n INTEGER, PRIMARY KEY (band, key, n)) WITHOUT ROWID;
            """
        )
        stored = dict(self.db.execute("SELECT name, value FROM meta").fetchall())
        if stored.get("scheme") != SCHEME:
            if stored:
                log.warning("story signatures were made with %s; every article is signed again", stored.get("scheme"))
            made = Hashing.from_datasketch()
            with self.db:
                self.db.execute("DELETE FROM articles")
                self.db.execute("DELETE FROM bands")
                self.db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [("scheme", SCHEME), ("bands", str(made.bands)), ("rows", str(made.rows)),
                     ("perm_a", made.a.tobytes().hex()), ("perm_b", made.b.tobytes().hex())],
                )  # fmt: skip
            stored = dict(self.db.execute("SELECT name, value FROM meta").fetchall())
        self.hashing = Hashing(
            np.frombuffer(bytes.fromhex(stored["perm_a"]), dtype=np.uint32),
            np.frombuffer(bytes.fromhex(stored["perm_b"]), dtype=np.uint32),
            int(stored["bands"]),
            int(stored["rows"]),
        )

    @classmethod
    def open(cls, index_folder: Path) -> StoryIndex:
        """The story state kept in this index folder (created empty when missing)."""
        return cls(index_folder / FILE_NAME)

    def close(self) -> None:
        self.db.close()

    def update(self, articles: Iterable[Article], keep: Iterable[str] = ()) -> StoryUpdate:
        """Bring the stories in line with `articles` (every article of the index, bodies parsed):
        sign new and changed ones and find their story; forget the ones gone. Articles in `keep`
        (still indexed, not readable now) keep what they had. Returns every article's story."""
        started = time.perf_counter()
        current = {a.id: a for a in articles}
        keep = set(keep) - set(current)
        known = {row[0]: row[1:] for row in self.db.execute("SELECT id, n, content_hash, story FROM articles")}
        result = StoryUpdate()
        with self.db:
            for article_id in set(known) - set(current) - keep:
                self._forget(known[article_id][0])
            todo = [a for a in current.values() if a.id not in known or known[a.id][1] != a.content_hash]
            for article in todo:
                if article.id in known:
                    self._forget(known[article.id][0])
            # Earliest first, so that within one batch the earliest copy founds the story.
            todo.sort(key=lambda a: _seniority((a.id, a.date, a.outlet)))
            for article in todo:
                before = known.get(article.id)
                story, matched = self._place(article, before[2] if before else None)
                if matched:
                    result.joined.append((article.id, story))
                result.signed += 1
        result.stories = {aid: story for aid, story in self.db.execute("SELECT id, story FROM articles")}
        result.seconds = time.perf_counter() - started
        return result

    def add(self, article: Article) -> tuple[str, bool]:
        """Sign one new or changed article and put it in its story; returns (story, whether it joined
        other articles). What a process that keeps the index open does per article."""
        with self.db:
            row = self.db.execute("SELECT n, story FROM articles WHERE id = ?", (article.id,)).fetchone()
            if row is not None:
                self._forget(row[0])
            return self._place(article, row[1] if row else None)

    def story_of(self, article_id: str) -> str | None:
        """The story id of an article, or None when it is not known."""
        row = self.db.execute("SELECT story FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def members(self, story: str) -> list[tuple[str, str | None, str | None]]:
        """(article id, date, outlet) of every article of a story."""
        return self.db.execute("SELECT id, date, outlet FROM articles WHERE story = ? ORDER BY id", (story,)).fetchall()

    def candidates(self, signature: Signature, keys: list[tuple[int, int]] | None = None) -> list[tuple[str, str, np.ndarray]]:
        """(article id, story, shingles) of the stored articles sharing at least one band with it."""
        keys = keys or self.hashing.keys(signature.minhash)
        values = ",".join("(?, ?)" for _ in keys)
        rows = self.db.execute(
            f"SELECT a.id, a.story, a.shingles FROM articles a WHERE a.n IN ("
            f"SELECT b.n FROM bands b JOIN (VALUES {values}) v ON b.band = v.column1 AND b.key = v.column2)",
            [x for key in keys for x in key],
        ).fetchall()
        return [(aid, story, np.frombuffer(blob, dtype=np.uint32)) for aid, story, blob in rows]

    def copies(self, signature: Signature, keys: list[tuple[int, int]] | None = None) -> list[tuple[float, str, str]]:
        """(containment, article id, story) of the stored articles this signature is a copy of, best first."""
        found = []
        for aid, story, other in self.candidates(signature, keys):
            if is_copy(signature.shingles, other):
                found.append((containment(signature.shingles, other)[0], aid, story))
        return sorted(found, key=lambda x: (-x[0], x[2], x[1]))

    def _place(self, article: Article, old_story: str | None) -> tuple[str, bool]:
        """Sign and store one article in its story; returns (story, whether it joined other articles)."""
        signature = self.hashing.sign(article.body)
        keys = self.hashing.keys(signature.minhash)
        copies = self.copies(signature, keys)
        stories = [story for _, _, story in copies]
        if old_story is not None and old_story in stories:
            story = old_story  # an edited article still a copy of its story stays in it
        elif stories:
            story = stories[0]  # the story it is the closest copy of; stories are never merged (stable ids)
        elif old_story is not None and not self.db.execute(
            "SELECT 1 FROM articles WHERE story = ? LIMIT 1", (old_story,)
        ).fetchone():
            story = old_story  # alone before, alone now
        else:
            story = new_story_id(article.id, article.content_hash)
        cursor = self.db.execute(
            "INSERT INTO articles (id, content_hash, story, date, outlet, shingles, minhash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (article.id, article.content_hash, story, article.date, article.outlet,
             signature.shingles.tobytes(), signature.minhash.tobytes()),
        )  # fmt: skip
        n = cursor.lastrowid
        self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?, ?)", [(b, k, n) for b, k in keys])
        return story, bool(stories)

    def _forget(self, n: int) -> None:
        row = self.db.execute("SELECT minhash FROM articles WHERE n = ?", (n,)).fetchone()
        if row is None:
            return
        minhash = np.frombuffer(row[0], dtype=np.uint32)
        self.db.executemany("DELETE FROM bands WHERE band = ? AND key = ? AND n = ?", [(b, k, n) for b, k in self.hashing.keys(minhash)])
        self.db.execute("DELETE FROM articles WHERE n = ?", (n,))


def story_groups(articles: Mapping[str, dict]) -> dict[str, list[str]]:
    """Story id -> its article ids, representative first, of a manifest's article entries."""
    groups: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for article_id, entry in articles.items():
        story = entry.get("story") or article_id
        groups.setdefault(story, []).append((article_id, entry.get("date"), entry.get("outlet")))
    return {story: [m[0] for m in sorted(members, key=_seniority)] for story, members in groups.items()}
