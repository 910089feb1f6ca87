"""Handlers: read the update, call the engine in a thread, format with `bot.formatting`, reply.

Shared objects (settings, engine, rate-limit windows) come from `context.bot_data`; each chat's
`Conversation` and the sources its answer buttons point to live in `context.chat_data`, which
`bot.tgbot.state` keeps across restarts (committed with each answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from html import escape
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.tgbot import formatting
from bot.tgbot.texts import text
from config.settings import Settings
from index.conversation import Conversation
from index.errors import BadQuestion, IndexNotBuilt
from index.language import Language, normalize_language
from index.rebuild import RebuildInProgress

logger = logging.getLogger(__name__)

T = TypeVar("T")

TYPING_EVERY = 4.0  # Telegram shows "typing…" for about 5 s
SEND_ATTEMPTS = 3
SEND_BACKOFF = 0.5  # seconds, doubled after each failed attempt
KEPT_ANSWERS = 20  # answers per chat whose source buttons still work
ARTICLES_PER_PAGE = 8
RATE_WINDOW = 60.0  # seconds: `questions_per_minute` counts questions in this sliding window


# --- small helpers -----------------------------------------------------------------------------


def ui_language(update: object) -> Language:
    """The language for UI strings: the Telegram client's language, French unless it is English."""
    user = update.effective_user if isinstance(update, Update) else None
    return normalize_language(user.language_code if user else None)


def chat_allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether this chat may use the bot (`allowed_chat_ids` empty means every chat may)."""
    allowed = context.bot_data["settings"].telegram.allowed_chat_ids
    chat = update.effective_chat
    return not allowed or (chat is not None and chat.id in allowed)


def conversation_of(context: ContextTypes.DEFAULT_TYPE) -> Conversation:
    """This chat's conversation, created on first use."""
    settings: Settings = context.bot_data["settings"]
    conversation = context.chat_data.get("conversation")
    if conversation is None:
        conversation = context.chat_data["conversation"] = Conversation(max_turns=settings.conversation.history_turns)
    return conversation


def remember_sources(chat_data: dict, answer) -> str:
    """Keep an answer's sources for its buttons; returns the key its callback data uses."""
    seq = chat_data.get("answer_seq", 0) + 1
    chat_data["answer_seq"] = seq
    cited = chat_data.setdefault("cited", {})
    cited[str(seq)] = (answer.language, list(answer.sources))
    for old in sorted(cited, key=int)[:-KEPT_ANSWERS]:
        del cited[old]
    return str(seq)


def rate_limit_wait(windows: dict[int, deque], user_id: int, limit: int, now: float) -> float:
    """Seconds this user must wait before asking again (0: go ahead, and the question is counted)."""
    if limit <= 0:
        return 0.0
    window = windows.setdefault(user_id, deque())
    while window and now - window[0] >= RATE_WINDOW:
        window.popleft()
    if len(window) >= limit:
        return RATE_WINDOW - (now - window[0])
    window.append(now)
    if len(windows) > 10_000:  # forget users who have been quiet for a minute
        for uid in [uid for uid, w in windows.items() if not w or now - w[-1] >= RATE_WINDOW]:
            del windows[uid]
    return 0.0


async def rate_limited(update: Update, context: ContextTypes.DEFAULT_TYPE, language: str) -> bool:
    """Tell a user over `telegram.questions_per_minute` how long to wait; True when they must."""
    settings: Settings = context.bot_data["settings"]
    user = update.effective_user
    user_id = user.id if user else update.effective_chat.id
    wait = rate_limit_wait(
        context.bot_data["question_times"], user_id, settings.telegram.questions_per_minute, time.monotonic()
    )
    if wait:
        await reply(update, context, text("rate_limited", language, seconds=max(1, round(wait))))
    return bool(wait)


def addressed(message: Message, bot_id: int, username: str, trigger: str) -> bool:
    """In a group: whether the message is for the bot (mention, reply to the bot, or `always`)."""
    if trigger == "always":
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    return formatting.mentions(message.text or message.caption or "", username)


async def with_retries(call: Callable[[], Awaitable[T]]) -> T:
    """Run a Bot API call, retrying transient network errors and 5xx with backoff.

    RetryAfter (429) is the rate limiter's business; BadRequest will not get better by retrying.
    """
    delay = SEND_BACKOFF
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except BadRequest:
            raise
        except NetworkError as exc:  # includes TimedOut and 5xx responses
            if attempt == SEND_ATTEMPTS:
                raise
            logger.warning("Bot API call failed (%s); retry %d in %.1f s", type(exc).__name__, attempt, delay)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


async def send_html(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    messages: Sequence[str],
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> Message | None:
    """Send HTML messages in order; the keyboard goes on the last one, the reply link on the first."""
    sent = None
    for i, html in enumerate(messages):
        last = i == len(messages) - 1
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and i == 0 else None
        sent = await with_retries(
            lambda html=html, last=last, reply=reply: context.bot.send_message(
                chat_id, html, reply_markup=reply_markup if last else None, reply_parameters=reply
            )
        )
    return sent


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, html: str, **kwargs) -> Message | None:
    """Send one HTML message to the update's chat."""
    return await send_html(context, update.effective_chat.id, [html], **kwargs)


async def _keep_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """Renew the "typing…" indicator until cancelled; a failure here must never stop the answer."""
    while True:
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            logger.debug("typing indicator failed: %s", type(exc).__name__)
        await asyncio.sleep(TYPING_EVERY)


@contextlib.asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat for as long as the block runs."""
    task = asyncio.create_task(_keep_typing(context, chat_id))
    await asyncio.sleep(0)  # let the first "typing" go out before the work starts
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def refused(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Politely turn away a chat that is not allowed; True when it was turned away."""
    if chat_allowed(update, context):
        return False
    language = ui_language(update)
    chat = update.effective_chat
    logger.info("Refused chat %s (not in allowed_chat_ids)", chat.id if chat else None)
    if update.callback_query is not None:
        await with_retries(lambda: update.callback_query.answer(text("not_allowed", language), show_alert=True))
    else:
        await reply(update, context, text("not_allowed", language))
    return True


# --- commands ----------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot can answer: how many articles, over which dates."""
    if await refused(update, context):
        return
    status = await asyncio.to_thread(context.bot_data["engine"].status)
    await reply(update, context, formatting.status_text(status, ui_language(update)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask and list the commands."""
    if await refused(update, context):
        return
    mention = escape(f"@{context.bot.username}")
    await reply(update, context, text("help", ui_language(update), mention=mention))


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget this chat's conversation."""
    if await refused(update, context):
        return
    conversation_of(context).reset()
    await reply(update, context, text("reset", ui_language(update)))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the full passages cited by the last answer."""
    if await refused(update, context):
        return
    language = ui_language(update)
    answer = conversation_of(context).last_answer
    if answer is None:
        await reply(update, context, text("no_last_answer", language))
    elif answer.abstained or not answer.sources:
        await reply(update, context, text("no_sources", language))
    else:
        await send_html(context, update.effective_chat.id, formatting.sources_messages(answer, language))


async def articles(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the indexed articles with outlet and date, a page at a time."""
    if await refused(update, context):
        return
    infos = await asyncio.to_thread(context.bot_data["engine"].articles)
    per_page = context.bot_data.get("articles_per_page", ARTICLES_PER_PAGE)
    html, markup = formatting.articles_page(infos, 0, per_page, ui_language(update))
    await reply(update, context, html, reply_markup=markup)


async def articles_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn a page of the `/articles` list by editing that message."""
    if await refused(update, context):
        return
    query = update.callback_query
    page = formatting.parse_articles_callback(query.data) or 0
    infos = await asyncio.to_thread(context.bot_data["engine"].articles)
    per_page = context.bot_data.get("articles_per_page", ARTICLES_PER_PAGE)
    html, markup = formatting.articles_page(infos, page, per_page, ui_language(update))
    await with_retries(query.answer)
    try:
        await with_retries(lambda: query.edit_message_text(html, reply_markup=markup))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # a double tap: the page is already shown
            raise


async def not_admin(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> bool:
    """Refuse (and say so) when the user is not one of `telegram.admin_user_ids`."""
    settings: Settings = context.bot_data["settings"]
    user = update.effective_user
    if user is not None and user.id in settings.telegram.admin_user_ids:
        return False
    logger.info("Refused %s from non-admin user %s", command, user.id if user else None)
    await reply(update, context, text("not_admin", ui_language(update), command=command))
    return True


async def reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rebuild the index from the seeds (administrators only) and report what changed."""
    if await refused(update, context):
        return
    language = ui_language(update)
    if await not_admin(update, context, "/reindex"):
        return
    lock: asyncio.Lock = context.bot_data["reindex_lock"]
    if lock.locked():
        await reply(update, context, text("reindex_running", language))
        return
    async with lock:
        await reply(update, context, text("reindex_started", language))
        try:
            async with typing(context, update.effective_chat.id):
                report = await asyncio.to_thread(context.bot_data["engine"].rebuild)
        except RebuildInProgress:  # another process (`depeche index rebuild`) holds the index's lock
            logger.info("/reindex by admin %s: another rebuild is running", update.effective_user.id)
            await reply(update, context, text("reindex_running", language))
            return
        logger.info("Re-index by admin %s: %s", update.effective_user.id, report.to_dict())
        await reply(update, context, formatting.reindex_text(report.to_dict(), language))


# --- messages ----------------------------------------------------------------------------------


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text question (new or edited) with a cited answer from the indexed articles."""
    message = update.effective_message
    chat = update.effective_chat
    settings: Settings = context.bot_data["settings"]
    in_group = chat.type != ChatType.PRIVATE
    raw = message.text or ""
    if in_group:
        if not addressed(message, context.bot.id, context.bot.username, settings.telegram.group_trigger):
            return
        raw = formatting.strip_mention(raw, context.bot.username)
    if await refused(update, context):
        return
    language = ui_language(update)
    if await rate_limited(update, context, language):
        return
    # Quote the question where several could be pending: groups, and edits of an earlier message.
    reply_to = message.message_id if in_group or update.edited_message is not None else None
    conversation = conversation_of(context)
    async with typing(context, chat.id):
        try:
            answer = await asyncio.to_thread(context.bot_data["engine"].ask, raw, conversation)
        except BadQuestion as exc:
            await reply(update, context, escape(str(exc)), reply_to=reply_to)
            return
    conversation.add(answer)
    key = remember_sources(context.chat_data, answer)
    await send_html(
        context,
        chat.id,
        formatting.answer_messages(answer),
        reply_markup=formatting.source_keyboard(answer, key),
        reply_to=reply_to,
    )


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What's new: the newest stories of the last days, on the topic written after /latest if any."""
    if await refused(update, context):
        return
    chat = update.effective_chat
    language = ui_language(update)
    if await rate_limited(update, context, language):
        return
    topic = " ".join(context.args or [])
    async with typing(context, chat.id):
        try:
            answer = await asyncio.to_thread(context.bot_data["engine"].latest, topic, language)
        except BadQuestion as exc:
            await reply(update, context, escape(str(exc)))
            return
    key = remember_sources(context.chat_data, answer)
    await send_html(context, chat.id, formatting.answer_messages(answer), reply_markup=formatting.source_keyboard(answer, key))


async def show_source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A source button was tapped: send that source's full passage under the answer."""
    if await refused(update, context):
        return
    query = update.callback_query
    parsed = formatting.parse_source_callback(query.data)
    language, cited = context.chat_data.get("cited", {}).get(parsed[0] if parsed else "", (None, []))
    source = next((s for s in cited if parsed and s.n == parsed[1]), None)
    if source is None:
        await with_retries(lambda: query.answer(text("source_gone", ui_language(update)), show_alert=True))
        return
    await with_retries(query.answer)
    answer_message = query.message.message_id if query.message else None
    await send_html(
        context, update.effective_chat.id, formatting.passage_messages(source, language), reply_to=answer_message
    )


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes…: say that only written questions are understood."""
    message = update.effective_message
    chat = update.effective_chat
    # In groups, only when it is meant for the bot, even with group_trigger="always": a photo
    # shared between members is not a question.
    if chat.type != ChatType.PRIVATE and not addressed(message, context.bot.id, context.bot.username, "mention"):
        return
    if await refused(update, context):
        return
    await reply(update, context, text("text_only", ui_language(update)), reply_to=message.message_id)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an unexpected error with its traceback and apologise to the user in their language."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # The details (paths, hosts) are for the operator's log, not for the chat.
    key = "not_indexed" if isinstance(context.error, IndexNotBuilt) else "error"
    message = text(key, ui_language(update))
    try:
        await reply(update, context, message)
    except TelegramError as exc:
        logger.warning("Could not apologise in chat %s: %s", update.effective_chat.id, type(exc).__name__)
