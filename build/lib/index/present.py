"""How sources and dates read to a person: one helper for the CLI, the chat, the bot and the LLM prompt."""

from __future__ import annotations

from index.language import Language, phrase
from index.models import Source
from index.text import MONTHS_EN, MONTHS_FR


def format_date(date: str | None, precision: str, language: Language) -> str:
    """`2026-02-04` → `4 février 2026` (`4 February 2026`), `2023-09` → `septembre 2023`; undated stays visible."""
    if not date:
        return phrase("undated", language)
    parts = date.split("-")
    if precision == "unknown":  # infer it from the ISO string
        precision = {1: "year", 2: "month"}.get(len(parts), "day")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 0
        day = int(parts[2][:2]) if len(parts) > 2 else 0
    except ValueError:
        return date
    if precision == "year" or not 1 <= month <= 12:
        return str(year)
    month_name = (MONTHS_FR if language == "fr" else MONTHS_EN)[month - 1]
    if precision == "month" or not day:
        return f"{month_name} {year}"
    if language == "fr":
        return f"{'1er' if day == 1 else day} {month_name} {year}"
    return f"{day} {month_name} {year}"


def outlet_name(outlet: str | None, language: Language) -> str:
    """The outlet, or "source non précisée" when the article names none."""
    return outlet or phrase("unknown_outlet", language)


def byline(outlet: str | None, date: str | None, precision: str, language: Language) -> str:
    """`AA, 4 février 2026`: who published a passage, and when."""
    if not outlet and not date:
        return phrase("unknown_outlet_and_date", language)  # not "source non précisée, non daté"
    return f"{outlet_name(outlet, language)}, {format_date(date, precision, language)}"


def source_line(source: Source, language: Language) -> str:
    """`[1] AA, 4 février 2026 — Title (article-id)`: one cited source on one plain-text line."""
    return f"[{source.n}] {byline(source.outlet, source.date, source.date_precision, language)} — {source.title} ({source.article_id})"
