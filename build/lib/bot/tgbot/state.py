"""The bot's durable state: each chat's data, and every update until it is answered, in `data_dir/bot.sqlite3`.

- `SQLitePersistence` is PTB's `BasePersistence` over that file: WAL, one transaction per write, JSON
  payloads with a schema version. Nothing is pickled, so renaming a core class cannot stop the bot.
- `RecordingBot.get_updates` records each update before returning it: PTB confirms an update to
  Telegram (the next poll's `offset`) as soon as it is queued, so it must be on disk by then.
- `BotState.answered_handler`, the last handler of every update, commits "answered" together with
  the chat's data, right after the reply went out.
- `BotState.recover`, at start-up, queues what was recorded but never answered. An update already
  recorded is never handled a second time, whoever delivers it again.

An old `telegram.pickle` (PTB's `PicklePersistence`) is migrated once and renamed aside. A state file
that cannot be read is moved aside with a warning, and the bot starts with empty state.
"""

from __future__ import annotations

import json
import logging
import pickle
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, BasePersistence, ContextTypes, ExtBot, PersistenceInput

from index.conversation import Conversation
from index.errors import DepecheError
from index.models import Source

logger = logging.getLogger(__name__)

STATE_FILE = "bot.sqlite3"
LEGACY_PICKLE = "telegram.pickle"
SCHEMA_VERSION = 1  # of the tables and of every JSON payload; bump it with a migration in `_create_schema`
# Telegram keeps an unconfirmed update for 24 hours: an answered one is remembered twice as long, so a
# late re-delivery is still recognised.
KEEP_ANSWERED = 48 * 3600.0
# An update recovered this many times without ever being answered is what kills the bot (a poison
# message): it is given up rather than crashing every restart.
MAX_ATTEMPTS = 3
# After every other handler group: "answered" means the handlers of that update have all finished.
ANSWERED_GROUP = 1_000_000


class StateUnreadable(Exception):
    """The state file is damaged or not a state file at all."""


# --- chat data as JSON ---------------------------------------------------------------------------


def _encode_cited(cited: dict) -> dict:
    return {key: {"language": language, "sources": [s.to_dict() for s in sources]}
            for key, (language, sources) in cited.items()}


def _decode_cited(cited: dict) -> dict:
    return {key: (entry["language"], [Source.from_dict(s) for s in entry["sources"]]) for key, entry in cited.items()}


# chat_data keys holding core objects, with their (to JSON, from JSON). Any other key must hold plain JSON data.
CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "conversation": (Conversation.to_dict, Conversation.from_dict),
    "cited": (_encode_cited, _decode_cited),  # answer key -> (language, sources its buttons point to)
}


def encode_chat_data(data: dict) -> str:
    """One chat's `chat_data` as a versioned JSON document."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in CODECS:
            out[key] = CODECS[key][0](value)
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            logger.warning("chat_data[%r] holds %s, which is not JSON data: it is not kept", key, type(value).__name__)
            continue
        out[key] = value
    return json.dumps({"v": SCHEMA_VERSION, "data": out}, ensure_ascii=False)


def decode_chat_data(payload: str) -> dict:
    """The inverse of `encode_chat_data`; ValueError (or KeyError, TypeError) for a document it cannot use."""
    document = json.loads(payload)
    if document.get("v") != SCHEMA_VERSION:
        raise ValueError(f"schema version {document.get('v')!r}, expected {SCHEMA_VERSION}")
    return {key: CODECS[key][1](value) if key in CODECS else value for key, value in document["data"].items()}


# --- the legacy pickle ---------------------------------------------------------------------------


class _LegacyUnpickler(pickle.Unpickler):
    """Reads PTB's `telegram.pickle`, restoring only the classes chat data ever held."""

    ALLOWED = {
        ("index.conversation", "Conversation"),
        ("index.conversation", "Turn"),
        ("index.models", "Answer"),
        ("index.models", "Source"),
        ("copyreg", "_reconstructor"),
        ("builtins", "object"),
        ("collections", "defaultdict"),
        ("collections", "deque"),
    }

    def find_class(self, module: str, name: str) -> Any:
        """Only our own plain data classes: a state file must never be able to run code."""
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not something the bot's state holds")

    def persistent_load(self, pid: Any) -> None:
        """PTB writes the Bot as a persistent id; chat data never needs it back."""
        return None


def read_legacy_pickle(path: Path) -> dict[int, dict]:
    """The chat data of a `PicklePersistence` file (single-file layout)."""
    with path.open("rb") as handle:
        data = _LegacyUnpickler(handle).load()
    chats = data.get("chat_data") if isinstance(data, dict) else None
    if not isinstance(chats, dict):
        raise StateUnreadable("no chat_data in it")
    return {int(chat_id): dict(chat) for chat_id, chat in chats.items()}


def move_aside(path: Path, why: str) -> Path:
    """Rename `path` (and SQLite's -wal/-shm files beside it) out of the way, keeping it for inspection."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{why}-{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    return target


# --- the store -----------------------------------------------------------------------------------


class BotState:
    """`data_dir/bot.sqlite3`: chat data, and the updates this bot has fetched and answered."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / STATE_FILE
        self._lock = threading.Lock()
        # Updates queued in this process and not answered yet: update id -> chat id.
        self._claimed: dict[int, int | None] = {}
        self._db: sqlite3.Connection | None = None
        self._db = self._open()
        self._migrate_pickle(Path(data_dir) / LEGACY_PICKLE)

    # -- opening

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.OperationalError:
            raise  # locked, read-only, disk full: the file is fine, moving it would lose it
        except (sqlite3.DatabaseError, StateUnreadable) as exc:
            aside = move_aside(self.path, "unreadable")
            logger.warning("Bot state %s could not be read (%s): moved to %s; starting with empty state",
                           self.path.name, exc, aside.name)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: transactions are opened explicitly, one per write (`_write`).
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA busy_timeout = 5000")
            if db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise StateUnreadable("cannot switch to WAL")
            # FULL: a commit is on disk when it returns, so "recorded" and "answered" survive a power cut too.
            db.execute("PRAGMA synchronous = FULL")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise StateUnreadable(f"integrity check: {check}")
            self._create_schema(db)
        except BaseException:
            db.close()
            raise
        return db

    def _create_schema(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else SCHEMA_VERSION
            if version > SCHEMA_VERSION:
                # Written by a newer Dépêche: refuse rather than discard what it holds.
                raise DepecheError(
                    f"{self.path} was written by a newer version of Dépêche (state schema {version}, "
                    f"this one reads {SCHEMA_VERSION}): upgrade, or move the file away to start afresh."
                )
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            db.execute("CREATE TABLE IF NOT EXISTS chat_data ("
                       "chat_id INTEGER PRIMARY KEY, payload TEXT NOT NULL, updated_at REAL NOT NULL)")
            # payload: the update as JSON, to handle it again after a crash; answered_at NULL: not answered yet.
            db.execute("CREATE TABLE IF NOT EXISTS updates ("
                       "update_id INTEGER PRIMARY KEY, chat_id INTEGER, payload TEXT NOT NULL, "
                       "received_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, answered_at REAL)")
            db.execute("DELETE FROM updates WHERE answered_at < ?", (time.time() - KEEP_ANSWERED,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _migrate_pickle(self, legacy: Path) -> None:
        """Copy the chats of an old `telegram.pickle` once, then rename it aside."""
        if not legacy.exists():
            return
        try:
            chats = read_legacy_pickle(legacy)
            payloads = [(chat_id, encode_chat_data(data)) for chat_id, data in chats.items()]
        except Exception as exc:  # whatever a truncated or foreign pickle raises
            aside = move_aside(legacy, "unreadable")
            logger.warning("Old bot state %s could not be read (%s: %s): moved to %s; its chats start afresh",
                           legacy.name, type(exc).__name__, exc, aside.name)
            return
        with self._write() as db:
            # OR IGNORE: a chat already in bot.sqlite3 is newer (a crash after this commit, before the rename).
            db.executemany("INSERT OR IGNORE INTO chat_data VALUES (?, ?, ?)",
                           [(chat_id, payload, time.time()) for chat_id, payload in payloads])
        aside = legacy.rename(legacy.with_name(legacy.name + ".migrated"))
        logger.info("Migrated %d chats from %s to %s; the old file is now %s",
                    len(payloads), legacy.name, self.path.name, aside.name)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed (on disk) when the block ends, rolled back if it raises."""
        with self._lock:
            if self._db is None:  # used again after close(): reopen
                self._db = self._connect()
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        """Close the file (everything is already committed)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- chat data

    def load_chats(self) -> dict[int, dict]:
        """Every chat's data; a chat whose row cannot be decoded starts empty (with a warning)."""
        with self._write() as db:
            rows = db.execute("SELECT chat_id, payload FROM chat_data").fetchall()
        chats: dict[int, dict] = {}
        for chat_id, payload in rows:
            try:
                chats[chat_id] = decode_chat_data(payload)
            except (ValueError, KeyError, TypeError) as exc:
                logger.warning("Stored data of chat %s could not be read (%s: %s): that chat starts afresh",
                               chat_id, type(exc).__name__, exc)
        return chats

    def save_chat(self, chat_id: int, data: dict) -> None:
        """Write one chat's data, unless an update of that chat is still being answered.

        Its answer's commit writes it then: a conversation must never hold an answer that was not sent.
        """
        if chat_id in self._claimed.values():
            return
        payload = encode_chat_data(data)
        with self._write() as db:
            _upsert_chat(db, chat_id, payload)

    def drop_chat(self, chat_id: int) -> None:
        """Forget one chat."""
        with self._write() as db:
            db.execute("DELETE FROM chat_data WHERE chat_id = ?", (chat_id,))

    # -- updates

    def record(self, updates: list[Update]) -> list[Update]:
        """Record fetched updates (one transaction); returns those to handle now.

        Dropped: updates already answered, and updates already queued in this process (a recovered one
        that Telegram delivers again because its confirmation was lost with the old process).
        """
        if not updates:
            return []
        fresh: list[Update] = []
        with self._write() as db:
            for update in updates:
                chat_id = update.effective_chat.id if update.effective_chat else None
                inserted = db.execute(
                    "INSERT OR IGNORE INTO updates (update_id, chat_id, payload, received_at) VALUES (?, ?, ?, ?)",
                    (update.update_id, chat_id, update.to_json(), time.time()),
                ).rowcount
                if not inserted:
                    answered = db.execute("SELECT answered_at FROM updates WHERE update_id = ?",
                                          (update.update_id,)).fetchone()[0]
                    if answered is not None or update.update_id in self._claimed:
                        logger.info("Update %s delivered again: already %s, dropped", update.update_id,
                                    "answered" if answered is not None else "being answered")
                        continue
                fresh.append(update)
        for update in fresh:
            self._claimed[update.update_id] = update.effective_chat.id if update.effective_chat else None
        return fresh

    def mark_answered(self, update: Update, chat_data: dict | None) -> None:
        """Commit "answered" for `update`, with its chat's data, in one transaction."""
        chat_id = update.effective_chat.id if update.effective_chat else None
        payload = encode_chat_data(chat_data) if chat_id is not None and chat_data is not None else None
        with self._write() as db:
            if payload is not None:
                _upsert_chat(db, chat_id, payload)
            # The upsert also covers updates that never went through `record` (webhook mode): their id is
            # remembered as answered, with no payload to replay.
            db.execute(
                "INSERT INTO updates (update_id, chat_id, payload, received_at, answered_at) VALUES (?, ?, '{}', ?, ?)"
                " ON CONFLICT (update_id) DO UPDATE SET answered_at = excluded.answered_at",
                (update.update_id, chat_id, time.time(), time.time()),
            )
        self._claimed.pop(update.update_id, None)

    def take_pending(self) -> list[dict]:
        """The updates recorded but never answered, oldest first, counting this attempt; gives up poison ones."""
        with self._write() as db:
            db.execute("UPDATE updates SET attempts = attempts + 1 WHERE answered_at IS NULL")
            for (update_id,) in db.execute("SELECT update_id FROM updates WHERE answered_at IS NULL AND attempts > ?",
                                           (MAX_ATTEMPTS,)).fetchall():
                logger.warning("Update %s was recovered %d times and never answered: given up", update_id, MAX_ATTEMPTS)
            db.execute("UPDATE updates SET answered_at = ? WHERE answered_at IS NULL AND attempts > ?",
                       (time.time(), MAX_ATTEMPTS))
            rows = db.execute("SELECT update_id, payload FROM updates WHERE answered_at IS NULL "
                              "ORDER BY update_id").fetchall()
        pending = []
        for update_id, payload in rows:
            try:
                pending.append(json.loads(payload))
            except ValueError:
                logger.warning("Recorded update %s could not be read: skipped", update_id)
        return pending

    async def recover(self, application: Application) -> int:
        """Queue, before polling starts, what was recorded but not answered; returns how many."""
        pending = self.take_pending()
        for data in pending:
            update = Update.de_json(data, application.bot)
            self._claimed[update.update_id] = update.effective_chat.id if update.effective_chat else None
            await application.update_queue.put(update)
        if pending:
            logger.info("Answering %d updates received before the last stop and never answered", len(pending))
        return len(pending)

    async def answered_handler(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The last handler of every update: its handlers are done (reply sent, or error apologised for)."""
        if not isinstance(update, Update):
            return
        try:
            self.mark_answered(update, context.chat_data)
        except sqlite3.Error:
            # Not the user's problem (they have their answer): no apology. Left unanswered, the update is
            # answered again after a restart, which is the lesser harm.
            logger.error("Could not record update %s as answered in %s", update.update_id, self.path.name,
                         exc_info=True)


def _upsert_chat(db: sqlite3.Connection, chat_id: int, payload: str) -> None:
    db.execute("INSERT INTO chat_data VALUES (?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
               "payload = excluded.payload, updated_at = excluded.updated_at", (chat_id, payload, time.time()))


# --- PTB glue --------------------------------------------------------------------------------------


class SQLitePersistence(BasePersistence):
    """PTB persistence over `BotState`: chat data only (bot_data holds live objects, the rest is unused)."""

    def __init__(self, state: BotState, update_interval: float) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.state = state

    async def get_chat_data(self) -> dict[int, dict]:
        """Every chat's data, as last committed."""
        return self.state.load_chats()

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Write one chat's data (PTB calls this on its timer and at shutdown)."""
        self.state.save_chat(chat_id, data)

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget one chat."""
        self.state.drop_chat(chat_id)

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Nothing: this process is the only writer."""

    async def flush(self) -> None:
        """Everything is committed as it happens; close the file."""
        self.state.close()

    # Not stored (see `store_data`); PTB still requires these.
    async def get_user_data(self) -> dict[int, dict]:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict:
        return {}

    async def update_conversation(self, name: str, key: tuple, new_state: object) -> None:
        """Unused."""

    async def update_user_data(self, user_id: int, data: dict) -> None:
        """Unused."""

    async def update_bot_data(self, data: dict) -> None:
        """Unused."""

    async def update_callback_data(self, data: object) -> None:
        """Unused."""

    async def drop_user_data(self, user_id: int) -> None:
        """Unused."""

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Unused."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Unused."""


class RecordingBot(ExtBot):
    """The bot whose `get_updates` records every update in `BotState` before PTB queues (and confirms) it."""

    def __init__(self, *args: Any, state: BotState, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._state = state
        self._next_offset = 0

    async def get_updates(self, offset: int | None = None, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """Fetch, record durably, and return the updates to handle now."""
        # Every update fetched before is recorded, dropped ones included: polling from past them confirms
        # them, which PTB's own offset (from the updates it was given) would not do for dropped ones.
        offset = max(offset or 0, self._next_offset) or None
        updates = await super().get_updates(offset, *args, **kwargs)
        fresh = self._state.record(list(updates))
        if updates:  # only once recorded: a failed write leaves them unconfirmed, so Telegram sends them again
            self._next_offset = max(u.update_id for u in updates) + 1
        return tuple(fresh)
