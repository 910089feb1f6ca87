"""The plain nouns every caller shares: articles, chunks, search hits, answers and their sources."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Literal

DatePrecision = Literal["day", "month", "year", "unknown"]


@dataclass(frozen=True)
class Article:
    """One parsed article file. `id` is the file stem; `body` is the clean text chunks point into."""

    id: str
    title: str
    body: str
    date: str | None  # ISO: "2026-02-04" (day), "2023-09" (month), "2023" (year); None when unknown
    date_precision: DatePrecision
    outlet: str | None
    url: str | None
    path: str
    content_hash: str  # sha256 of the file's bytes: what incremental rebuilds compare


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article; `start`/`end` are offsets into `Article.body`."""

    article_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SpeakerInfo:
    """Who a quoted sentence is by: the name as the article writes it, a key shared by every name
    of that person in the article ("Vladimir Poutine", "Poutine", "le président russe"), and the
    sentence's offsets in the article body."""

    name: str
    key: str
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class AlsoIn:
    """Another outlet's copy of a cited story (`index.stories`): who carried it, when, where."""

    article_id: str
    outlet: str | None
    date: str | None
    url: str | None = None


@dataclass(frozen=True)
class Hit:
    """One retrieved passage, with the article metadata a citation needs."""

    rank: int
    article_id: str
    title: str
    date: str | None
    date_precision: DatePrecision
    outlet: str | None
    text: str
    score: float
    start: int
    end: int
    chunk_ids: tuple[str, ...] = ()
    speakers: tuple[SpeakerInfo, ...] = ()  # the quoted sentences of the passage and who said them
    # The dates its sentences speak of: (sentence start, end — article body offsets —, first day,
    # last day — ISO, inclusive —, precision), as `index.dates` resolved them at ingestion.
    dates: tuple[tuple[int, int, str, str, str], ...] = ()
    story: str = ""  # its article's story; copies of one story take one hit (`retrieval`)
    url: str | None = None
    also_in: tuple[AlsoIn, ...] = ()  # the story's other copies, representative first


@dataclass(frozen=True)
class Source:
    """A numbered citation: `[n]` in the answer text points here."""

    n: int
    article_id: str
    title: str
    date: str | None
    outlet: str | None
    passage: str
    start: int = 0
    end: int = 0
    date_precision: DatePrecision = "unknown"
    speaker: SpeakerInfo | None = None  # who said the quoted sentence, when it is a quotation
    superseded: bool = False  # cited for a value a newer source replaced (`answers.compose`)
    url: str | None = None
    also_in: tuple[AlsoIn, ...] = ()  # the same story carried by other outlets
    # Every passage of the article the answer cites, in order of citation, `passage` first: one
    # article is one source number, even when two of its passages are quoted.
    passages: tuple[str, ...] = ()

    @property
    def all_passages(self) -> tuple[str, ...]:
        """The cited passages of this source (a source saved before `passages` existed has one)."""
        return self.passages or (self.passage,)

    def to_dict(self) -> dict:
        """A JSON-ready dict (what the bot's state store keeps)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Source:
        """The inverse of `to_dict`; keys this version does not know are ignored."""
        known = _known(cls, data)
        if isinstance(known.get("speaker"), dict):
            known["speaker"] = SpeakerInfo(**_known(SpeakerInfo, known["speaker"]))
        known["also_in"] = tuple(AlsoIn(**_known(AlsoIn, a)) for a in known.get("also_in") or ())
        known["passages"] = tuple(known.get("passages") or ())
        return cls(**known)


@dataclass(frozen=True)
class Answer:
    """What every front end shows: text with [n] citations, its sources, or a plain abstention."""

    question: str
    text: str
    sources: list[Source] = field(default_factory=list)
    abstained: bool = False
    language: Literal["fr", "en"] = "fr"
    standalone_query: str = ""
    generated: bool = False  # True when an LLM wrote the text
    quoted: tuple[str, ...] = ()  # the article sentences an extractive answer quotes
    # The time the question was understood to ask: {"kind", "from", "to", "phrase"} (`index.timeask`);
    # a follow-up keeps its period.
    time: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-ready dict, sources included (what the bot's state store keeps)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Answer:
        """The inverse of `to_dict`; keys this version does not know are ignored."""
        known = _known(cls, data)
        known["sources"] = [Source.from_dict(s) for s in known.get("sources", [])]
        known["quoted"] = tuple(known.get("quoted", ()))
        return cls(**known)


def _known(cls: type, data: dict) -> dict:
    """The items of `data` that are fields of dataclass `cls` (a newer writer may have added some)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article as listed to users (`/articles`, `index status`)."""

    id: str
    title: str
    date: str | None
    date_precision: DatePrecision
    outlet: str | None
    chunks: int
    outlets: int = 1  # how many articles carried its story (`index.stories`), itself included


@dataclass(frozen=True)
class IndexStatus:
    """What the index holds right now."""

    articles: int
    chunks: int
    date_min: str | None
    date_max: str | None
    undated: int
    model: str
    collection: str
    last_rebuilt: str | None  # ISO 8601 UTC
    generation: str | None
    # Chunks of the generation with their vector in the store, of how many it has; fewer means
    # searches run partly on BM25 alone until a rebuild re-embeds them.
    vectors_present: int | None = None
    vectors_expected: int | None = None
    # Sentence vectors (`index.sentences`) stored, of how many the generation needs; None expected
    # for an index built before them. Fewer means slower answers (missing ones are encoded per question).
    sentence_vectors_present: int | None = None
    sentence_vectors_expected: int | None = None
    # Stories (`index.stories`): copies of one text count once; None for an index built before them.
    stories: int | None = None


@dataclass
class RebuildReport:
    """What a rebuild did; `to_dict()` is the `--json` contract."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one clear line per skipped/odd file
    notices: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
    vectors_restored: int = 0  # of chunks_embedded: vectors of unchanged chunks the store had lost
    sentences_embedded: int = 0  # sentence and sentence-in-context vectors encoded (`index.sentences`)
    metadata_updated: int = 0  # chunks whose Chroma metadata was rewritten in place, vectors kept
    # Added or updated articles that joined a story other articles already held: {"article_id",
    # "story", "representative"} each.
    joined: list[dict] = field(default_factory=list)
    stories: int = 0  # stories in the index after the rebuild
    stories_signed: int = 0  # articles whose story signature was computed (new, changed, or all after an upgrade)
    stories_seconds: float = 0.0  # of seconds: signing, lookups and the story file's writes
    seconds: float = 0.0
    full: bool = False
    reason: str = ""  # why everything was re-embedded, when it was

    def to_dict(self) -> dict:
        """The summary as one JSON-ready object."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "removed": len(self.removed),
            "unchanged": len(self.unchanged),
            "skipped": len(self.skipped),
            "chunks_embedded": self.chunks_embedded,
            "chunks_total": self.chunks_total,
            "vectors_restored": self.vectors_restored,
            "sentences_embedded": self.sentences_embedded,
            "metadata_updated": self.metadata_updated,
            "stories": self.stories,
            "stories_signed": self.stories_signed,
            "stories_seconds": round(self.stories_seconds, 3),
            "joined": self.joined,
            "seconds": round(self.seconds, 3),
            "full": self.full,
            "reason": self.reason,
            "articles": {
                "added": self.added,
                "updated": self.updated,
                "removed": self.removed,
                "unchanged": self.unchanged,
            },
            "notices": self.notices,
        }


@dataclass
class GarbageReport:
    """What `depeche index gc` dropped, kept and left alone."""

    deployment: str
    current: str
    dropped: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)  # named like ours, no label: left alone
    dry_run: bool = False
    generations: list[str] = field(default_factory=list)  # published generations removed (a writer of a server)

    def to_dict(self) -> dict:
        """The `--json` contract."""
        return asdict(self)
