"""Pure functions that turn answers, sources and index facts into Telegram HTML messages and keyboards.

Every piece of user or article text goes through `html.escape` here and only here. Messages are
assembled from blocks that are each valid HTML on their own, so splitting at Telegram's limit can
only ever happen between blocks, never inside a tag or an entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.tgbot.texts import text
from index.language import Language, phrase
from index.models import AlsoIn, Answer, ArticleInfo, IndexStatus, Source
from index.present import also_label, byline, format_date, outlet_name, passages_text

MAX_MESSAGE = 4096  # Telegram's limit for a message's text, in UTF-16 code units
MAX_TITLE = 200
MAX_OUTLET = 100  # an outlet is a name: anything longer is a parsing accident, and must not outgrow a message
MAX_BUTTON = 48
MAX_QUOTED_QUESTION = 300

SOURCE_PREFIX = "src"
ARTICLES_PREFIX = "art"

def tg_len(s: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); tags make this an upper bound of the visible length."""
    return len(s.encode("utf-16-le")) // 2


def shorten(raw: str, limit: int) -> str:
    """`raw` on one line, cut to at most `limit` characters with an ellipsis."""
    flat = " ".join(raw.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def text_blocks(raw: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Escape plain text into blocks of at most `limit`: one per paragraph, cut at lines, then words, then characters."""
    raw = raw.replace("\r\n", "\n").strip()
    if not raw:
        return []
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", raw) if p.strip()]
    blocks: list[str] = []
    for paragraph in paragraphs:
        blocks.extend(_fit(paragraph, limit, ("\n", " ")))
    return blocks


def _fit(raw: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    """Escaped pieces of `raw`, each within `limit`, cut at the first separator that makes them fit."""
    if tg_len(escape(raw)) <= limit:
        return [escape(raw)]
    if not separators:
        return _hard_cut(raw, limit)
    sep, finer = separators[0], separators[1:]
    pieces: list[str] = []
    current = ""
    for part in raw.split(sep):
        candidate = f"{current}{sep}{part}" if current else part
        if tg_len(escape(candidate)) <= limit:
            current = candidate
            continue
        if current.strip():
            pieces.append(escape(current.strip()))
        current = ""
        if tg_len(escape(part)) <= limit:
            current = part
        else:
            pieces.extend(_fit(part, limit, finer))
    if current.strip():
        pieces.append(escape(current.strip()))
    return pieces


def _hard_cut(raw: str, limit: int) -> list[str]:
    """Last resort for a single over-long word: cut between characters, never inside an entity."""
    pieces: list[str] = []
    current = ""
    for char in raw:
        if current and tg_len(escape(current + char)) > limit:
            pieces.append(escape(current))
            current = ""
        current += char
    if current:
        pieces.append(escape(current))
    return pieces


def pack(blocks: Iterable[str], limit: int = MAX_MESSAGE, sep: str = "\n\n") -> list[str]:
    """Join valid-HTML blocks with `sep` into as few messages as fit within `limit` each."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if tg_len(block) > limit:
            raise ValueError("a block is longer than a message; build it with text_blocks()")
        candidate = f"{current}{sep}{block}" if current else block
        if tg_len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def source_label(source: Source, language: Language) -> str:
    """Escaped "outlet, date" of a source."""
    outlet = shorten(source.outlet, MAX_OUTLET) if source.outlet else None
    return escape(byline(outlet, source.date, source.date_precision, language))


def source_line(source: Source, language: Language) -> str:
    """One line of the sources block: number, outlet, date, title (a link to the article when it
    has a URL), and the other outlets that carried the story, each a link to its copy."""
    title = escape(shorten(source.title, MAX_TITLE)) if source.title else ""
    if title and source.url:
        title = f'<a href="{escape(source.url, quote=True)}">{title}</a>'
    line = f"<b>[{source.n}]</b> {source_label(source, language)}"
    line = f"{line} — <i>{title}</i>" if title else line
    if source.also_in:
        line += f" ({escape(also_label(language))} {', '.join(_outlet_link(a, language) for a in source.also_in)})"
    return line


def _outlet_link(copy: AlsoIn, language: Language) -> str:
    name = escape(shorten(outlet_name(copy.outlet, language), MAX_OUTLET))
    return f'<a href="{escape(copy.url, quote=True)}">{name}</a>' if copy.url else name


def answer_messages(answer: Answer, limit: int = MAX_MESSAGE) -> list[str]:
    """The answer as HTML messages: its text with [n] citations, then the sources block (in the answer's language)."""
    blocks = text_blocks(answer.text, limit)
    if answer.sources and not answer.abstained:
        lines = [f"<b>{escape(phrase('sources', answer.language))}</b>"]
        lines += [source_line(source, answer.language) for source in answer.sources]
        blocks += pack(lines, limit, sep="\n")
    return pack(blocks, limit) or [escape(phrase("abstain", answer.language))]


def source_keyboard(answer: Answer, key: str) -> InlineKeyboardMarkup | None:
    """One button per source; its callback data names the answer (`key`) and the source number."""
    if answer.abstained or not answer.sources:
        return None
    buttons = []
    for source in answer.sources:
        label = shorten(f"[{source.n}] {outlet_name(source.outlet, answer.language)} — {source.title}", MAX_BUTTON)
        buttons.append([InlineKeyboardButton(label, callback_data=f"{SOURCE_PREFIX}:{key}:{source.n}")])
    return InlineKeyboardMarkup(buttons)


def passage_blocks(source: Source, language: Language, limit: int = MAX_MESSAGE) -> list[str]:
    """A cited passage in full: a header (number, outlet, date, title), then its text."""
    header = f"<b>[{source.n}] {source_label(source, language)}</b>"
    if source.title:
        title = escape(shorten(source.title, MAX_TITLE))
        header += f'\n<i><a href="{escape(source.url, quote=True)}">{title}</a></i>' if source.url else f"\n<i>{title}</i>"
    if source.also_in:
        header += f"\n{escape(also_label(language))} {', '.join(_outlet_link(a, language) for a in source.also_in)}"
    return [header, *text_blocks(passages_text(source), limit)]


def passage_messages(source: Source, language: Language, limit: int = MAX_MESSAGE) -> list[str]:
    """One source's passage as HTML messages (what a source button shows)."""
    return pack(passage_blocks(source, language, limit), limit)


def sources_messages(answer: Answer, language: Language, limit: int = MAX_MESSAGE) -> list[str]:
    """`/sources`: the question, then every cited passage in full, split across messages as needed."""
    question = escape(shorten(answer.question, MAX_QUOTED_QUESTION))
    blocks = [text("sources_header", language, question=question)]
    for source in answer.sources:
        blocks += passage_blocks(source, language, limit)
    return pack(blocks, limit)


def parse_source_callback(data: str) -> tuple[str, int] | None:
    """(answer key, source number) from a source button's callback data, or None if it is not one."""
    match = re.fullmatch(rf"{SOURCE_PREFIX}:([\w-]+):(\d+)", data or "")
    return (match.group(1), int(match.group(2))) if match else None


def parse_articles_callback(data: str) -> int | None:
    """The page number from an `/articles` navigation button, or None if it is not one."""
    match = re.fullmatch(rf"{ARTICLES_PREFIX}:(\d+)", data or "")
    return int(match.group(1)) if match else None


def articles_page(
    articles: Sequence[ArticleInfo], page: int, per_page: int, language: Language
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the article list (page numbers from 0, clamped) and its previous/next buttons."""
    if not articles:
        return text("articles_empty", language), None
    pages = max(1, -(-len(articles) // per_page))
    page = min(max(page, 0), pages - 1)
    first = page * per_page
    lines = [text("articles_header", language, total=len(articles), page=page + 1, pages=pages)]
    for number, info in enumerate(articles[first : first + per_page], start=first + 1):
        outlet = escape(outlet_name(shorten(info.outlet, MAX_OUTLET) if info.outlet else None, language))
        date = escape(format_date(info.date, info.date_precision, language))
        title = escape(shorten(info.title or info.id, MAX_TITLE))
        copies = ""
        if info.outlets > 1:  # a story carried by several outlets is listed once
            copies = f" ({info.outlets} {'médias' if language == 'fr' else 'outlets'})"
        lines.append(f"{number}. <b>{outlet}</b>, {date} — {title}{copies}")
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text("previous", language), callback_data=f"{ARTICLES_PREFIX}:{page - 1}"))
    if page < pages - 1:
        row.append(InlineKeyboardButton(text("next", language), callback_data=f"{ARTICLES_PREFIX}:{page + 1}"))
    # A page of 8 short lines is far below the limit; pack() guards against pathological titles anyway.
    return pack(lines, sep="\n")[0], InlineKeyboardMarkup([row]) if row else None


def _date_in_sentence(date: str, language: Language, alone: bool) -> str:
    """A date as it reads after "published…": "le 4 février 2026", "mars 2023", "on 4 February 2026"."""
    words = escape(format_date(date, "unknown", language))
    day = date.count("-") == 2
    if language == "fr":
        return f"le {words}" if day else (f"en {words}" if alone else words)
    return (f"on {words}" if day else f"in {words}") if alone else words


def status_text(status: IndexStatus, language: Language) -> str:
    """`/start`: what the bot can answer — how many articles, and their date range."""
    if not status.articles:
        return text("start_empty", language)
    start, end = status.date_min, status.date_max
    if start and end and start != end:
        span = text("range", language, start=_date_in_sentence(start, language, False),
                    end=_date_in_sentence(end, language, False))
    elif start or end:
        span = _date_in_sentence(start or end or "", language, True)
    else:
        span = text("range_unknown", language)
    if status.undated and (start or end):
        span += text("range_undated", language, undated=status.undated)
    return text("start", language, articles=status.articles, chunks=status.chunks, range=span)


def reindex_text(summary: dict, language: Language) -> str:
    """The admin's report after `/reindex`, from `RebuildReport.to_dict()`."""
    values = {k: summary.get(k, 0) for k in ("added", "updated", "removed", "unchanged", "skipped", "chunks_embedded")}
    seconds = summary.get("seconds", 0)
    shown = f"{seconds:.1f}".replace(".", ",") if language == "fr" else f"{seconds:.1f}"
    return text("reindex_done", language, seconds=shown, **values)


def strip_mention(raw: str, username: str) -> str:
    """The question without `@username` (any case) and the punctuation left hanging after it."""
    if not username:
        return raw.strip()
    cleaned = re.sub(rf"@{re.escape(username)}\b", " ", raw, flags=re.IGNORECASE)
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip().lstrip(",:;").strip()


def mentions(raw: str, username: str) -> bool:
    """Whether `raw` mentions `@username` (Telegram usernames are case-insensitive)."""
    return bool(username) and re.search(rf"@{re.escape(username)}\b", raw, flags=re.IGNORECASE) is not None
