"""How sources and dates read to a person: one helper for the CLI, the chat, the bot and the LLM prompt."""

from __future__ import annotations

from datetime import date, timedelta

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


# Between two passages of one cited article, where the text between them is left out.
PASSAGE_GAP = "[…]"


def passages_text(source: Source) -> str:
    """A source's cited passages as one text, in citation order, « […] » between two of them."""
    return f"\n{PASSAGE_GAP}\n".join(source.all_passages)


def answer_byline(outlet: str | None, date: str | None, precision: str, language: Language) -> str:
    """The byline an answer puts before a sentence when its sources differ: `AA, 4 février 2026`,
    the outlet alone for an undated article (`Wikipédia`: the sources list says it is undated)."""
    if not date and outlet:
        return outlet
    return byline(outlet, date, precision, language)


def source_line(source: Source, language: Language) -> str:
    """`[1] AA, 4 février 2026 — Title (article-id) (aussi : Le Figaro, Ouest-France)`: one cited
    source on one plain-text line; its URL, when it has one, on the next, and each copy's after it."""
    line = f"[{source.n}] {byline(source.outlet, source.date, source.date_precision, language)} — {source.title} ({source.article_id})"
    if source.also_in:
        line += f" ({also_label(language)} {', '.join(outlet_name(a.outlet, language) for a in source.also_in)})"
    urls = [u for u in [source.url] + [a.url for a in source.also_in] if u]
    return "\n".join([line] + [f"    {u}" for u in urls])


def also_label(language: Language) -> str:
    """What introduces the other outlets that carried a cited story."""
    return "aussi :" if language == "fr" else "also in:"


def period_text(start: date, end: date, language: Language) -> str:
    """A period as words: `le 4 février 2026`, `février 2026`, `2023`, `du 30 novembre au 6 décembre 2026`."""
    day = lambda d: format_date(d.isoformat(), "day", language)  # noqa: E731
    if start == end:
        return f"le {day(start)}" if language == "fr" else day(start)
    if start.day == 1 and start.month == 1 and end.month == 12 and end.day == 31 and start.year == end.year:
        return str(start.year)
    if start.day == 1 and start.year == end.year and start.month == end.month and (end + timedelta(days=1)).day == 1:
        return format_date(start.isoformat()[:7], "month", language)
    first = day(start)
    if start.year == end.year:
        first = first.rsplit(" ", 1)[0]  # "du 30 novembre au 6 décembre 2026"
    return f"du {first} au {day(end)}" if language == "fr" else f"{first} – {day(end)}"


_NOTHING = {
    "fr": "Aucun article indexé ne date {what} ({period}) ; le plus récent : {newest}.",
    "en": "No indexed article dates from {what} ({period}); the most recent: {newest}.",
}
_NOTHING_AT_ALL = {
    "fr": "Aucun article indexé ne date {what} ({period}), et aucun article indexé n'est daté.",
    "en": "No indexed article dates from {what} ({period}), and no indexed article is dated.",
}


def nothing_in_period(time, newest: dict | None, language: Language) -> str:
    """« Aucun article indexé ne date de cette semaine (…) ; le plus récent : RFI, 10 mars 2026. »

    time: the `AskedTime` asked; newest: the most recent dated article entry of the index, or None.
    """
    period = period_text(time.start, time.end, language)
    what = _of_phrase(time.phrase, language) if time.phrase else ("de la période demandée" if language == "fr" else "the period asked")
    if newest is None:
        return _NOTHING_AT_ALL[language].format(what=what, period=period)
    when = byline(newest.get("outlet"), newest.get("date"), newest.get("date_precision", "unknown"), language)
    return _NOTHING[language].format(what=what, period=period, newest=when)


def _of_phrase(words: str, language: Language) -> str:
    """`cette semaine` → `de cette semaine`, `le 4 février` → `du 4 février`, `en 2023` → `de 2023`."""
    words = words.strip()
    if language == "en":
        return words[3:] if words.lower().startswith(("in ", "on ")) else words
    lowered = words.lower()
    for prefix, replacement in (("le ", "du "), ("les ", "des "), ("en ", "de "), ("au ", "du ")):
        if lowered.startswith(prefix):
            return replacement + words[len(prefix):]
    if lowered[:1] in "aeiouhéè":
        return f"d'{words}"
    return f"de {words}"


_SUPERSEDED = {"fr": "Auparavant, valeur remplacée depuis ({when})", "en": "Earlier, since superseded ({when})"}


def superseded_intro(when: str, language: Language) -> str:
    """What introduces a sentence whose value a newer source replaced: `Auparavant, valeur remplacée depuis (AA, 4 février 2026)`."""
    return _SUPERSEDED[language].format(when=when)


def how_old(day: date, today: date, language: Language) -> str:
    """`il y a 3 jours`, `aujourd'hui` (`3 days ago`, `today`)."""
    days = (today - day).days
    if days <= 0:
        return "aujourd'hui" if language == "fr" else "today"
    if days == 1:
        return "hier" if language == "fr" else "yesterday"
    return f"il y a {days} jours" if language == "fr" else f"{days} days ago"
