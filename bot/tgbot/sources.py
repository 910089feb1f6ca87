"""Articles from the web in Telegram: `/add URL` for administrators, and feeds polled on a schedule.

Fetching, extraction and the rebuild block, so they run in a thread; the rebuild shares the
`/reindex` lock, so two rebuilds never run at once.
"""

from __future__ import annotations

import asyncio
import logging
from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.tgbot.handlers import not_admin, refused, reply, typing, ui_language
from bot.tgbot.texts import text
from config.settings import Settings
from index.present import format_date
from index.language import Language
from index.web.add import AddResult, add_urls, update_feeds

__all__ = ["add", "added_text", "poll_feeds", "register"]

logger = logging.getLogger(__name__)

MAX_URLS = 10  # per /add message: one admin command should not become a crawl
MAX_LINES = 15  # result lines shown; a feed of 50 items is summed up, not listed (4,096-character limit)
FIRST_POLL_SECONDS = 60.0  # let the bot come up before the first poll


def added_text(results: list[AddResult], language: Language) -> str:
    """The admin's report after `/add`: a line per page with title, outlet and date, or the reason it failed."""
    if not results:
        return text("add_nothing", language)
    lines = []
    for result in results[:MAX_LINES]:
        status = text(f"add_{result.status}", language)
        label = f"<b>{status}</b>" + (" : " if language == "fr" else ": ")
        if result.status == "failed":
            lines.append(label + escape(result.error or result.url, quote=False))
            continue
        outlet = escape(result.outlet or text("add_unknown_outlet", language), quote=False)
        when = escape(format_date(result.date, "unknown", language), quote=False)
        lines.append(f"{label}{escape(result.title or result.url, quote=False)} — {outlet}, {when}")
    if len(results) > MAX_LINES:
        lines.append(text("add_more", language, n=len(results) - MAX_LINES))
    return "\n".join(lines)


async def _rebuild_if_new(context: ContextTypes.DEFAULT_TYPE, results: list[AddResult]):
    """The incremental rebuild, when something was added or changed; None otherwise."""
    if not any(r.status in ("added", "updated") for r in results):
        return None
    async with context.bot_data["reindex_lock"]:  # wait for a running /reindex rather than refuse
        return await asyncio.to_thread(context.bot_data["engine"].rebuild)


async def add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Fetch the pages or feeds given (administrators only), index them, and say what came in."""
    if await refused(update, context):
        return
    language = ui_language(update)
    settings: Settings = context.bot_data["settings"]
    if await not_admin(update, context, "/add"):
        return
    urls = list(context.args or [])
    if not urls or len(urls) > MAX_URLS:
        await reply(update, context, text("add_usage", language, n=MAX_URLS))
        return
    async with typing(context, update.effective_chat.id):
        results = await asyncio.to_thread(add_urls, settings, urls)
        report = await _rebuild_if_new(context, results)
    logger.info(
        "/add by admin %s: %s; rebuild: %s",
        update.effective_user.id, [(r.status, r.article_id or r.url) for r in results], report.to_dict() if report else "not needed",
    )
    await reply(update, context, added_text(results, language))


async def poll_feeds(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: fetch `sources.feeds`, add what is new, rebuild incrementally, log what came in."""
    settings: Settings = context.bot_data["settings"]
    try:
        results = await asyncio.to_thread(update_feeds, settings)
        report = await _rebuild_if_new(context, results)
    except Exception:  # the next poll must still run
        logger.exception("Polling the feeds failed")
        return
    for result in results:
        if result.status in ("added", "updated"):
            logger.info("Feed %s: %s %s (%s, %s)", result.feed, result.status, result.article_id, result.outlet, result.date)
        elif result.status == "failed":
            logger.warning("Feed %s: %s", result.feed or result.url, result.error)
    counts = {s: sum(r.status == s for r in results) for s in ("added", "updated", "unchanged", "duplicate", "failed")}
    logger.info("Polled %d feed(s): %s; rebuild: %s", len(settings.sources.feeds), counts,
                report.to_dict() if report else "not needed")  # fmt: skip


def register(application: Application) -> None:
    """Add `/add` and, when feeds and `sources.poll_minutes` are set, the polling job."""
    settings: Settings = application.bot_data["settings"]
    application.add_handler(CommandHandler("add", add, filters=filters.UpdateType.MESSAGE))
    minutes = settings.sources.poll_minutes
    if minutes <= 0 or not settings.sources.feeds:
        return
    if settings.index.role == "reader":  # issue 20: only the writer adds articles; a reader would be refused
        logger.info("Feeds are polled by the writer: this machine is a reader (DEPECHE_INDEX__ROLE=reader)")
        return
    if application.job_queue is None:
        logger.warning("Feeds are set but PTB's job queue is missing: install python-telegram-bot[job-queue]")
        return
    application.job_queue.run_repeating(poll_feeds, interval=minutes * 60, first=FIRST_POLL_SECONDS, name="poll_feeds")
    logger.info("Polling %d feed(s) every %d min", len(settings.sources.feeds), minutes)
