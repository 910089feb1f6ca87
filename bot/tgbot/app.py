"""Wiring: `build_application(settings, engine)` builds the PTB Application; `run(settings, engine)` runs it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.tgbot import handlers, sources
from bot.tgbot.state import ANSWERED_GROUP, BotState, RecordingBot, SQLitePersistence
from bot.tgbot.texts import COMMANDS
from config.settings import Settings
from index.errors import DepecheError

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
RATE_LIMIT_RETRIES = 3  # 429s retried by AIORateLimiter, each after the server's retry_after
MAX_CONCURRENT_UPDATES = 32
# Seconds between PTB's own writes of chat data; each answer already commits its chat's data.
PERSISTENCE_INTERVAL = 60.0
# Bot API calls: connect fast, allow a slow answer. getUpdates adds the long-poll timeout to its read timeout.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
WRITE_TIMEOUT = 20.0
POOL_TIMEOUT = 10.0
GET_UPDATES_READ_MARGIN = 10.0
API_CONNECTIONS = 256  # PTB's own default pool sizes: many concurrent sends, one long poll
POLL_CONNECTIONS = 1


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat run in order.

    In order, so a follow-up question sees the answer before it in the chat's `Conversation`.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's previous updates (before taking a slot, so one busy chat cannot starve the rest)."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await super().process_update(update, coroutine)
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] = self._users.get(chat.id, 0) + 1
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:
                del self._users[chat.id]
                del self._locks[chat.id]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers."""
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class RedactToken(logging.Filter):
    """Replace the bot token in log records: PTB logs its API URL (token included) at DEBUG."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RedactToken) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message (and any traceback) with the token masked; never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours to raise
            return True
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def redact_token_in_logs(token: str) -> None:
    """Mask the token in every record of the loggers the bot's libraries log through."""
    # Logger filters only see records created on that very logger, so each existing one gets it;
    # PTB, httpx and tornado create theirs at import time, before this runs.
    redactor = RedactToken(token)
    for name in [""] + list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("", "telegram", "httpx", "httpcore", "tornado", "bot", "asyncio"):
            logging.getLogger(name).addFilter(redactor)


async def on_start(application: Application) -> None:
    """Before polling: queue what was received and never answered before the last stop, then publish the commands."""
    await application.bot_data["bot_state"].recover(application)
    await set_commands(application)


async def set_commands(application: Application) -> None:
    """Publish the command menu: French by default, English for English-speaking clients."""
    bot = application.bot
    await bot.set_my_commands([BotCommand(*c) for c in COMMANDS["fr"]])
    await bot.set_my_commands([BotCommand(*c) for c in COMMANDS["en"]], language_code="en")
    logger.info("Bot @%s ready", bot.username)


def build_application(settings: Settings, engine) -> Application:
    """The bot, wired: handlers, HTML defaults, rate limiter, persistence of each chat's conversation."""
    # Request URLs hold the token: keep httpx's per-request INFO lines out of every log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    tg = settings.telegram
    token = tg.token.get_secret_value()
    if not token:
        raise DepecheError(
            "No Telegram bot token: create one with @BotFather and set DEPECHE_TELEGRAM__TOKEN."
        )
    redact_token_in_logs(token)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    state = BotState(settings.data_dir)
    # The bot is built here rather than by the builder: its get_updates records each update (see state.py).
    bot = RecordingBot(
        token,
        base_url=tg.base_url,
        base_file_url=tg.base_file_url,
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=AIORateLimiter(max_retries=RATE_LIMIT_RETRIES),
        request=HTTPXRequest(connection_pool_size=API_CONNECTIONS, connect_timeout=CONNECT_TIMEOUT,
                             read_timeout=READ_TIMEOUT, write_timeout=WRITE_TIMEOUT, pool_timeout=POOL_TIMEOUT),
        get_updates_request=HTTPXRequest(connection_pool_size=POLL_CONNECTIONS, connect_timeout=CONNECT_TIMEOUT,
                                         read_timeout=GET_UPDATES_READ_MARGIN, pool_timeout=POOL_TIMEOUT),
        state=state,
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .persistence(SQLitePersistence(state, PERSISTENCE_INTERVAL))
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(on_start)
        .build()
    )
    application.bot_data.update(
        settings=settings,
        engine=engine,
        question_times={},
        reindex_lock=asyncio.Lock(),
        articles_per_page=handlers.ARTICLES_PER_PAGE,
        bot_state=state,
    )
    # Runs after every other group, also after an error: the update is done, commit it as answered.
    application.add_handler(TypeHandler(Update, state.answered_handler), group=ANSWERED_GROUP)

    new_only = filters.UpdateType.MESSAGE  # an edited command is not run again
    for name, callback in (
        ("start", handlers.start),
        ("help", handlers.help_command),
        ("sources", handlers.sources),
        ("reset", handlers.reset),
        ("articles", handlers.articles),
        ("latest", handlers.latest),
        ("reindex", handlers.reindex),
    ):
        application.add_handler(CommandHandler(name, callback, filters=new_only))
    sources.register(application)  # /add and feed polling; before the catch-all for unknown commands
    application.add_handler(
        MessageHandler(new_only & filters.COMMAND & filters.ChatType.PRIVATE, handlers.help_command)
    )
    # Edited questions are answered again, as a reply to the edited message (see README).
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND, handlers.question))
    application.add_handler(
        MessageHandler(new_only & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.non_text)
    )
    application.add_handler(CallbackQueryHandler(handlers.show_source, pattern=r"^src:"))
    application.add_handler(CallbackQueryHandler(handlers.articles_page, pattern=r"^art:"))
    application.add_error_handler(handlers.on_error)
    return application


def polling_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `Updater.start_polling` / `Application.run_polling`."""
    return {"timeout": settings.telegram.poll_timeout, "allowed_updates": ALLOWED_UPDATES, "bootstrap_retries": 3}


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `Updater.start_webhook` / `Application.run_webhook`: listen locally, Telegram posts to `webhook_url`."""
    tg = settings.telegram
    return {
        "listen": tg.webhook_listen,
        "port": tg.webhook_port,
        "url_path": urlsplit(tg.webhook_url).path.lstrip("/"),
        "webhook_url": tg.webhook_url,
        # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; PTB answers 403 without it.
        "secret_token": tg.webhook_secret.get_secret_value() or None,
        "allowed_updates": ALLOWED_UPDATES,
        "bootstrap_retries": 3,
    }


def run(settings: Settings, engine) -> None:
    """Serve until interrupted: long polling, or a webhook when `telegram.webhook_url` is set."""
    application = build_application(settings, engine)
    tg = settings.telegram
    if tg.webhook_url:
        if not tg.webhook_secret.get_secret_value():
            logger.warning("Webhook without DEPECHE_TELEGRAM__WEBHOOK_SECRET: anyone who finds the URL can post updates")
        # Never log the webhook URL itself: operators often put the token in its path.
        logger.info("Serving the webhook on %s:%s", tg.webhook_listen, tg.webhook_port)
        application.run_webhook(**webhook_options(settings))
    else:
        logger.info("Long polling (timeout %s s)", tg.poll_timeout)
        application.run_polling(**polling_options(settings))
