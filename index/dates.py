"""Date phrases in French and English text, resolved to calendar spans.

One parser for the two places time is read: the sentences of an article at ingestion (resolved
against the article's publication day) and a question (resolved against "now"). Phrases are found
with our own patterns and resolved with our own code, never with `dateparser.search`: it reads
« Je » as jeudi, « sa » as samedi and « 3,2 milliards » as a date, and costs milliseconds a
sentence. Here a sentence costs tens of microseconds and importing this module costs nothing.

What is recognised, how each phrase is resolved and where the results are stored: docs/dates.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from index.text import MONTHS_EN, MONTHS_FR, WEEKDAYS_EN, WEEKDAYS_FR, fold

Precision = Literal["day", "month", "year"]
_RANK = {"day": 0, "month": 1, "year": 2}


@dataclass(frozen=True)
class DateSpan:
    """A calendar period, both ends inclusive, and how precisely the text named it."""

    start: date
    end: date  # inclusive
    precision: Precision

    def overlaps(self, lo: date, hi: date) -> bool:
        """Whether this span shares at least one day with [lo, hi] (both inclusive)."""
        return self.start <= hi and lo <= self.end

    def iso(self) -> str:
        """"2026-02-04", "2025-09", "2023"; a period of several units as an ISO 8601 interval
        ("2026-02-02/2026-02-08", "2025-10/2025-12", "2020/2023")."""
        one = _unit_iso(self.start, self.precision)
        other = _unit_iso(self.end, self.precision)
        if one == other and self == _whole(self.start, self.precision):
            return one
        return f"{one}/{other}"


def _unit_iso(day: date, precision: Precision) -> str:
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _month_end(year: int, month: int) -> date:
    # Not calendar.monthrange: importing calendar costs more than this module (one-shot CLI commands).
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _whole(day: date, precision: Precision) -> DateSpan:
    """The day, month or year holding `day`, as a span."""
    if precision == "year":
        return DateSpan(date(day.year, 1, 1), date(day.year, 12, 31), "year")
    if precision == "month":
        return DateSpan(date(day.year, day.month, 1), _month_end(day.year, day.month), "month")
    return DateSpan(day, day, "day")


@lru_cache(maxsize=4096)  # a corpus repeats its publication dates: ten thousand articles, a few hundred days
def span_of(iso: str) -> DateSpan | None:
    """The span an ISO date names ("2026-02-04", "2025-09", "2023"), or None when it is not one."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", iso.strip())
    if not m:
        return None
    try:
        if m.group(3):
            return _whole(date(int(m.group(1)), int(m.group(2)), int(m.group(3))), "day")
        if m.group(2):
            return _whole(date(int(m.group(1)), int(m.group(2)), 1), "month")
        return _whole(date(int(m.group(1)), 1, 1), "year")
    except ValueError:
        return None


# --- vocabulary ----------------------------------------------------------------------------------

_AP = r"['’]"
_MONTH_FR = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
    r"|janv\.|f[ée]vr\.|avr\.|juil\.|sept\.|oct\.|nov\.|d[ée]c\."
)
_MONTH_EN = "|".join(MONTHS_EN) + r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?(?=\s|$)"
_MONTH = f"(?:{_MONTH_FR}|{_MONTH_EN})"
_WEEKDAY = "(?:" + "|".join(WEEKDAYS_FR + WEEKDAYS_EN) + ")"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_DAY = r"(?:[0-3]?\d)(?:er|ᵉʳ|st|nd|rd|th)?"
_PART = r"(?:d[ée]but|fin|mi-|mi\s|courant|early|late|mid-|mid\s)"
_COUNT_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
}  # "six" is both
_COUNT = r"(?:\d{1,3}|" + "|".join(sorted(_COUNT_WORDS, key=len, reverse=True)) + ")"
_PAST_WORDS = r"dernier|derni[eè]re|pass[ée]e?|pr[ée]c[ée]dente?|last|past|previous"
_NEXT_WORDS = r"prochaine?|suivante?|next|coming"


def _month_number(word: str) -> int:
    w = fold(word).rstrip(".")
    if w.startswith("ju"):
        return 6 if w[2:4] in ("in", "n", "ne") else 7  # juin, jun(e) / juillet, juil, jul(y)
    return _MONTH_PREFIXES[w[:3]]


_MONTH_PREFIXES = {fold(name)[:3]: n for names in (MONTHS_FR, MONTHS_EN) for n, name in enumerate(names, start=1)}
_MONTH_PREFIXES |= {"fev": 2, "avr": 4, "apr": 4, "mai": 5, "may": 5, "aou": 8, "aug": 8}
_WEEKDAY_NUMBERS = {fold(name): n for names in (WEEKDAYS_FR, WEEKDAYS_EN) for n, name in enumerate(names)}


def _day_number(text: str) -> int:
    return int(re.match(r"\d+", text).group())


def _count(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _COUNT_WORDS[word]


# --- patterns ------------------------------------------------------------------------------------
# Each kind is tried on the whole text; overlapping finds keep the earliest, then the longest.
_I = re.IGNORECASE
# Compiled on first use (~20 ms): commands that never read a date (index status) do not pay it.
@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], list[tuple[str, re.Pattern[str]]]]:
    """The quick test that a text may hold a date at all, and the pattern of each kind."""
    kinds = [
        ("iso", re.compile(rf"(?<![\d/.-])(?P<y>{_YEAR})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\d])")),
        ("numeric", re.compile(rf"(?<![\d/.,])(?P<d>[0-3]?\d)([/.])(?P<m>[01]?\d)\2(?P<y>{_YEAR}|\d\d)(?![\d]|[.,/]\d)")),
        (
            "range_days",
            re.compile(
                rf"\b(?:du|entre(?:\s+le)?|from|between)\s+(?:{_WEEKDAY}\s+)?(?P<d1>{_DAY})(?:\s+(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?)?"
                rf"\s+(?:au|et(?:\s+le)?|to|and|until)\s+(?:{_WEEKDAY}\s+)?(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})(?:\s+(?P<y2>{_YEAR}))?(?!\w)",
                _I,
            ),
        ),
        (
            "range_months",
            re.compile(
                rf"(?:\b(?:entre|between|de|from)\s+|\bd{_AP})(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?"
                rf"\s+(?:et|and|à|to|until)\s+(?P<m2>{_MONTH})(?:\s+(?P<y2>{_YEAR}))?(?!\w)",
                _I,
            ),
        ),
        ("range_years", re.compile(rf"\b(?:entre|between|de|from)\s+(?P<y1>{_YEAR})\s+(?:et|and|à|to)\s+(?P<y2>{_YEAR})(?![\d,.]?\d)", _I)),
        (
            "day",
            re.compile(
                rf"(?:\b(?:(?:ce|le|on)\s+)?(?P<wd>{_WEEKDAY})\s+)?(?<![\d,.])(?P<d>{_DAY})\s+(?P<m>{_MONTH})(?:\s+(?P<y>{_YEAR})(?![\d,.]?\d))?(?!\w)",
                _I,
            ),
        ),
        ("day_en", re.compile(rf"\b(?P<m>{_MONTH_EN})\s+(?P<d>{_DAY})(?:,?\s+(?P<y>{_YEAR}))?(?!\w)")),
        ("month_year", re.compile(rf"\b(?=[jfmasondcel])(?:(?P<part>{_PART})\s*)?\b(?P<m>{_MONTH})\s+(?P<y>{_YEAR})(?![\d,.]?\d)", _I)),
        (
            "month",
            re.compile(
                rf"\b(?:(?P<part>{_PART})|en|in|depuis|since|jusqu{_AP}en|d{_AP}ici|(?:(?:au|le)\s+)?mois\s+(?:de\s+|d{_AP}))\s*"
                rf"(?P<m>{_MONTH})(?:\s+(?P<rel>{_PAST_WORDS}|{_NEXT_WORDS})|\s+de\s+(?P<yrel>l{_AP}ann[ée]e\s+(?:{_PAST_WORDS}|{_NEXT_WORDS})|cette\s+ann[ée]e))?"
                r"(?!\w)(?!\s+\d)",
                _I,
            ),
        ),
        ("month_rel_en", re.compile(rf"\b(?P<rel>last|next|this)\s+(?P<m>{_MONTH_EN})(?!\w)", _I)),
        (
            "year",
            re.compile(
                rf"\b(?:(?P<part>{_PART})|en|in|depuis|since|jusqu{_AP}en|d{_AP}ici|l{_AP}ann[ée]e|l{_AP}an|ann[ée]e|during|by|until)\s*"
                rf"(?P<y>{_YEAR})(?![\d,.]?\d)(?!\s*%)",
                _I,
            ),
        ),
        (
            "relday",
            re.compile(
                rf"\b(?:avant[- ]hier|apr[èe]s[- ]demain|hier|demain|aujourd{_AP}hui|the\s+day\s+before\s+yesterday"
                r"|the\s+day\s+after\s+tomorrow|yesterday|today|tomorrow|tonight|ce\s+matin|ce\s+soir|this\s+morning)\b",
                _I,
            ),
        ),
        (
            "week",
            re.compile(
                rf"\b(?:(?:la\s+)?semaine\s+(?P<rel>{_PAST_WORDS}|{_NEXT_WORDS}|d{_AP}avant|d{_AP}apr[èe]s)|cette\s+semaine"
                rf"|(?P<rel_en>this|last|next|past|previous)\s+week)\b",
                _I,
            ),
        ),
        (
            "weekend",
            re.compile(
                rf"\b(?:(?P<this>ce|this)\s+week-?end|(?:le\s+)?week-?end\s+(?P<rel>{_PAST_WORDS}|{_NEXT_WORDS})"
                rf"|(?P<rel_en>last|next|past)\s+week-?end)\b",
                _I,
            ),
        ),
        (
            "month_rel",
            re.compile(
                rf"\b(?:ce\s+mois(?:-ci)?|le\s+mois\s+(?P<rel>{_PAST_WORDS}|{_NEXT_WORDS})|(?P<rel_en>this|last|next|past|previous)\s+month)\b",
                _I,
            ),
        ),
        (
            "year_rel",
            re.compile(
                rf"\b(?:(?P<part>{_PART}|milieu)\s*(?:de\s+|d{_AP}))?"
                rf"(?:l{_AP}an(?:n[ée]e)?(?:\s+(?P<rel>{_PAST_WORDS}|{_NEXT_WORDS}))?"
                rf"|(?<=d['’])ann[ée]e(?:\s+(?P<rel2>{_PAST_WORDS}|{_NEXT_WORDS}))?|(?P<this>cette)\s+ann[ée]e"
                rf"|(?P<rel_en>this|last|next|past|previous)\s+year)\b(?!\s+\d)",
                _I,
            ),
        ),
        (
            "ago",
            re.compile(
                rf"\b(?:(?P<fr>il\s+y\s+a|dans)\s+(?P<n>{_COUNT})\s+(?P<u>jours?|semaines?|mois|ans|ann[ée]es?|an)"
                rf"|(?:(?P<in>in)\s+)?(?P<n_en>{_COUNT})\s+(?P<u_en>days?|weeks?|months?|years?)(?P<ago>\s+ago)?)\b",
                _I,
            ),
        ),
        (
            "weekday",
            re.compile(
                rf"\b(?:(?P<pre>ce|cette|d[èe]s|depuis|since|on|last|next|this)\s+)?(?P<wd>{_WEEKDAY})"
                rf"(?:\s+(?P<rel>{_PAST_WORDS}|{_NEXT_WORDS}))?(?!\w)",
                _I,
            ),
        ),
    ]
    return _trigger(), kinds
# What an anchor must at least give for a kind to be resolved (None: absolute, no anchor needed).
_NEEDS: dict[str, str | None] = {
    "relday": "day", "week": "day", "weekend": "day", "weekday": "day", "month_rel": "month", "month": "month",
    "month_rel_en": "month", "year_rel": "year", "ago": "day",
}
def _trigger() -> re.Pattern[str]:
    # Most sentences of a question, and a quarter of an article's, hold no date: one search says so.
    return re.compile(
        rf"\d|{_MONTH}|{_WEEKDAY}|hier|demain|aujourd|semaine|mois|\ban\b|ann[ée]e|yesterday|today|tomorrow|tonight"
        r"|week|month|year|jours?\b|days?\b|ans\b|ago\b|ce\s+(?:matin|soir)|this\s+morning",
        _I,
    )

_SINCE_BEFORE = re.compile(r"(?:depuis|since)\s+(?:le\s+|l['’]|the\s+)?$", _I)
_RANGE_OPEN = re.compile(r"(?:\bdu|\bde|\bentre|\bfrom|\bbetween)\s+(?:le\s+)?$", _I)
_RANGE_JOIN = re.compile(r"\s+(?:au|à|et|to|and|until)\s+(?:le\s+)?|\s*[-–]\s*", _I)

# Tense cues: the nearest one to a phrase says whether it points back or forward.
_FUTURE = re.compile(
    r"\b(?i:va|vont|vais|allons|allez|doit|doivent|devra|devront|devrait|devraient|pr[ée]vue?s?|pr[ée]voit"
    r"|prochainement|will|shall|going\s+to|expected\s+to|due\s+to|scheduled|plans?\s+to)\b"
    r"|'ll\b|\b[a-zàâçéèêëîïôûùüÿ]+(?:ra|ront)\b"  # futur simple; capitalised words are names (Ankara)
)
_NOT_FUTURE = frozenset("front affront caméra camera opéra opera extra contra ultra mantra cobra tiara ra".split())
_PAST = re.compile(
    r"\b(?:a|ont|avait|avaient|était|étaient|eut|fut|furent)\b"
    r"|\b(?i:had|has|have|was|were|did|said|told|met)\b"
    r"|\b(?:est|sont)\s+(?:[a-zéèêàâîôûç]+(?:é|ée|és|ées|u|ue|us|ues|i|ie|is|ies))\b"
    r"|\b[a-zàâçéèêëîïôûùüÿ]{2,}(?:ait|aient|èrent)\b|\b[a-z]{3,}ed\b"
)
_AIMED_AT = re.compile(r"\b(?:pour|d['’]ici|jusqu['’](?:au|à|en)|until|by)\s+(?:le\s+|la\s+|l['’])?$", _I)
_SENTENCE_EDGE = re.compile(r"[.!?\n;]")
_TENSE_REACH = 150  # characters looked at on each side of a phrase, at most


def find_dates(
    text: str, anchor: date | None, *, anchor_precision: str = "day", language: str = "fr"
) -> list[tuple[int, int, DateSpan]]:
    """Every date phrase of `text`: (start, end, span), offsets into `text`, in text order.

    `anchor` is the day relative phrases are resolved against (an article's publication day, or
    today for a question); `anchor_precision` how much of it is known ("month": the article is only
    dated to its month, so « hier » cannot be resolved but « le mois dernier » can). With no anchor
    only phrases that name their year are kept. `language` decides day/month order in numeric
    dates ("4/02/2026" is 4 February in French; in English too unless the day cannot be a month).
    """
    if not text:
        return []
    trigger, kinds = _patterns()
    if not trigger.search(text):
        return []
    rank = _RANK.get(anchor_precision, 0) if anchor is not None else None
    found: list[tuple[int, int, str, re.Match[str]]] = []
    for kind, pattern in kinds:
        need = _NEEDS.get(kind)
        if need is not None and (rank is None or rank > _RANK[need]):
            continue
        for m in pattern.finditer(text):
            found.append((m.start(), m.end(), kind, m))
    found.sort(key=lambda f: (f[0], f[0] - f[1]))
    out: list[tuple[int, int, DateSpan]] = []
    taken_to = -1
    for start, end, kind, m in found:
        if start < taken_to:
            continue
        try:
            span = _RESOLVE[kind](m, text, anchor, rank, language)
        except (ValueError, KeyError, OverflowError):
            taken_to = end  # « le 32 mars 2026 », « 30/02/2026 »: not a date, nor is a part of it
            continue
        if span is None:
            continue
        since = _SINCE_BEFORE.search(text, max(0, start - 12), start)
        if since or re.match(r"(?:depuis|since)\b", m.group(0), _I):
            if since:
                start = since.start()
            if anchor is not None and span.start <= anchor:
                span = DateSpan(span.start, max(anchor, span.end), span.precision)
        out.append((start, end, span))
        taken_to = end
    return _join_ranges(text, out)


def _join_ranges(text: str, found: list[tuple[int, int, DateSpan]]) -> list[tuple[int, int, DateSpan]]:
    """« du 15 septembre 2025 au 14 septembre 2026 », « entre 2020 et fin 2023 »: one period."""
    out: list[tuple[int, int, DateSpan]] = []
    for item in found:
        if out:
            start, end, first = out[-1]
            opener = _RANGE_OPEN.search(text, max(0, start - 12), start)
            if (
                opener
                and _RANGE_JOIN.fullmatch(text, end, item[0])
                and first.start <= item[2].end
            ):
                coarse = max(first.precision, item[2].precision, key=_RANK.__getitem__)
                out[-1] = (opener.start(), item[1], DateSpan(first.start, item[2].end, coarse))
                continue
        out.append(item)
    return out


# --- resolution ----------------------------------------------------------------------------------


def _tense(text: str, start: int, end: int, language: str = "fr") -> str | None:
    """"future" or "past": the tense cue nearest the phrase in its clause, or None without one."""
    if _AIMED_AT.search(text, max(0, start - 20), start):
        return "future"  # « annoncée pour le mois de mai », « prolongé jusqu'au 31 décembre »
    lo = max(0, start - _TENSE_REACH)
    edges = [e.end() for e in _SENTENCE_EDGE.finditer(text, lo, start)]
    lo = edges[-1] if edges else lo
    hi = min(len(text), end + _TENSE_REACH)
    edge = _SENTENCE_EDGE.search(text, end, hi)
    hi = edge.start() if edge else hi
    best: tuple[int, str] | None = None
    for pattern, tense in ((_FUTURE, "future"), (_PAST, "past")):
        for cue in pattern.finditer(text, lo, hi):
            if language == "en" and cue.group() == "a":
                continue
            if cue.start() >= start and cue.end() <= end:
                continue  # inside the phrase itself ("dans trois jours")
            if tense == "future" and cue.group().lower() in _NOT_FUTURE:
                continue
            distance = start - cue.end() if cue.end() <= start else cue.start() - end
            if best is None or distance < best[0] or (distance == best[0] and tense == "future"):
                best = (distance, tense)
    return best[1] if best else None


def _direction(m: re.Match[str], text: str, rel: str | None, language: str = "fr") -> str:
    """Which way a phrase without its year points: "last" and "next" say it; otherwise the tense."""
    if rel:
        r = fold(rel).replace("’", "'")
        if re.fullmatch(_PAST_WORDS, r, _I) or r.startswith("d'avant"):
            return "before"
        return "after"
    tense = _tense(text, m.start(), m.end(), language)
    return {"future": "onafter", "past": "onbefore"}.get(tense, "nearest")


def _pick(candidates: list[DateSpan], anchor: date, direction: str, unit: Precision) -> DateSpan | None:
    """The candidate in the given direction from the anchor's unit (its day, or its month)."""
    own = _whole(anchor, unit)
    if direction == "before":
        ok = [c for c in candidates if c.end < own.start]
        return max(ok, key=lambda c: c.start) if ok else None
    if direction == "after":
        ok = [c for c in candidates if c.start > own.end]
        return min(ok, key=lambda c: c.start) if ok else None
    if direction == "onbefore":
        ok = [c for c in candidates if c.start <= own.end]
        return max(ok, key=lambda c: c.start) if ok else None
    if direction == "onafter":
        ok = [c for c in candidates if c.end >= own.start]
        return min(ok, key=lambda c: c.start) if ok else None
    # Nearest; a tie goes to the past (press copy reports more than it announces).
    return min(candidates, key=lambda c: (0 if c.overlaps(own.start, own.end) else min(abs((c.start - anchor).days), abs((c.end - anchor).days)), c.start > anchor))


def _year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text)
    return y if y >= 100 else (2000 + y if y < 70 else 1900 + y)


def _part_of_month(part: str | None, year: int, month: int) -> DateSpan:
    last = _month_end(year, month).day
    p = fold(part or "").strip(" -")
    if p in ("debut", "early"):
        return DateSpan(date(year, month, 1), date(year, month, 10), "day")
    if p in ("mi", "mid"):
        return DateSpan(date(year, month, 11), date(year, month, 20), "day")
    if p in ("fin", "late"):
        return DateSpan(date(year, month, 21), date(year, month, last), "day")
    return DateSpan(date(year, month, 1), date(year, month, last), "month")


def _part_of_year(part: str | None, year: int) -> DateSpan:
    p = fold(part or "").strip(" -")
    if p in ("debut", "early"):
        return DateSpan(date(year, 1, 1), date(year, 3, 31), "month")
    if p in ("mi", "mid"):
        return DateSpan(date(year, 5, 1), date(year, 8, 31), "month")
    if p in ("fin", "late"):
        return DateSpan(date(year, 10, 1), date(year, 12, 31), "month")
    return DateSpan(date(year, 1, 1), date(year, 12, 31), "year")


def _month_day(day: int, month: int, year: int | None, anchor: date | None, direction: str) -> DateSpan | None:
    if year is not None:
        return _whole(date(year, month, day), "day")
    if anchor is None:
        return None
    candidates = []
    for y in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidates.append(_whole(date(y, month, day), "day"))
        except ValueError:  # 29 février
            pass
    return _pick(candidates, anchor, direction, "day") if candidates else None


def _resolve_iso(m, text, anchor, rank, language):
    return _whole(date(int(m["y"]), int(m["m"]), int(m["d"])), "day")


def _resolve_numeric(m, text, anchor, rank, language):
    d, mo = int(m["d"]), int(m["m"])
    if language == "en" and d <= 12 < mo:
        d, mo = mo, d  # 2/14/2026
    return _whole(date(_year(m["y"]), mo, d), "day")


def _resolve_range_days(m, text, anchor, rank, language):
    d1, d2 = _day_number(m["d1"]), _day_number(m["d2"])
    m2 = _month_number(m["m2"])
    m1 = _month_number(m["m1"]) if m["m1"] else m2
    y2 = _year(m["y2"])
    if y2 is None:
        if anchor is None or rank > _RANK["month"]:
            return None
        end = _month_day(d2, m2, None, anchor, _direction(m, text, None, language))
        if end is None:
            return None
        y2 = end.start.year
    y1 = _year(m["y1"]) or (y2 if (m1, d1) <= (m2, d2) else y2 - 1)
    first, last = date(y1, m1, d1), date(y2, m2, d2)
    return DateSpan(first, last, "day") if first <= last else None


def _resolve_range_months(m, text, anchor, rank, language):
    m1, m2 = _month_number(m["m1"]), _month_number(m["m2"])
    y2 = _year(m["y2"])
    if y2 is None:
        if anchor is None or rank > _RANK["month"]:
            return None
        candidates = [_whole(date(y, m2, 1), "month") for y in (anchor.year - 1, anchor.year, anchor.year + 1)]
        y2 = _pick(candidates, anchor, _direction(m, text, None, language), "month").start.year
    y1 = _year(m["y1"]) or (y2 if m1 <= m2 else y2 - 1)
    first, last = date(y1, m1, 1), _month_end(y2, m2)
    return DateSpan(first, last, "month") if first <= last else None


def _resolve_range_years(m, text, anchor, rank, language):
    y1, y2 = int(m["y1"]), int(m["y2"])
    return DateSpan(date(y1, 1, 1), date(y2, 12, 31), "year") if y1 <= y2 else None


def _resolve_day(m, text, anchor, rank, language):
    year = _year(m["y"])
    if year is None and (rank is None or rank > _RANK["month"]):
        return None
    span = _month_day(_day_number(m["d"]), _month_number(m["m"]), year, anchor, _direction(m, text, None, language) if year is None else "")
    weekday = m.groupdict().get("wd")
    if span is not None and weekday and year is None and anchor is not None:
        # « mercredi 4 février »: the weekday settles the year when the tense could not.
        wd = _WEEKDAY_NUMBERS[fold(weekday)]
        for y in (anchor.year, anchor.year - 1, anchor.year + 1):
            try:
                day = date(y, _month_number(m["m"]), _day_number(m["d"]))
            except ValueError:
                continue
            if day.weekday() == wd and abs((day - anchor).days) < 200:
                return _whole(day, "day")
    return span


_PROPER_MONTH_BEFORE = re.compile(r"(?:^|[.!?:«\"(]\s*|\b(?:en|de|depuis|du|le|au|in|of|since|d['’]))\s*$", _I)


def _resolve_month_year(m, text, anchor, rank, language):
    word = m["m"]
    if not m["part"] and word[0].isupper() and not word.startswith(tuple(MONTHS_EN)):
        # « la mission Mars 2020 »: a capitalised French month mid-sentence is a name.
        if not _PROPER_MONTH_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            return None
    return _part_of_month(m["part"], int(m["y"]), _month_number(m["m"]))


def _resolve_month(m, text, anchor, rank, language):
    month = _month_number(m["m"])
    if m["yrel"]:  # « en février de l'année dernière »
        words = fold(m["yrel"]).split()
        year = anchor.year + (0 if words[0] == "cette" else _step(words[-1], None))
        return _part_of_month(m["part"], year, month)
    direction = _direction(m, text, m["rel"], language)
    candidates = [_part_of_month(m["part"], y, month) for y in (anchor.year - 1, anchor.year, anchor.year + 1)]
    return _pick(candidates, anchor, direction, "month")


def _resolve_month_rel_en(m, text, anchor, rank, language):
    rel = m["rel"].lower()
    direction = {"last": "before", "next": "after"}.get(rel) or _direction(m, text, None, language)
    candidates = [_whole(date(y, _month_number(m["m"]), 1), "month") for y in (anchor.year - 1, anchor.year, anchor.year + 1)]
    return _pick(candidates, anchor, direction, "month")


def _resolve_year(m, text, anchor, rank, language):
    return _part_of_year(m["part"], int(m["y"]))


def _resolve_relday(m, text, anchor, rank, language):
    word = fold(m.group(0)).replace(" ", "").replace("-", "").replace("’", "'")
    if word in ("avanthier", "thedaybeforeyesterday"):
        offset = -2
    elif word in ("aprèsdemain", "apresdemain", "thedayaftertomorrow"):
        offset = 2
    elif word in ("hier", "yesterday"):
        offset = -1
    elif word in ("demain", "tomorrow"):
        offset = 1
    else:
        offset = 0
    return _whole(anchor + timedelta(days=offset), "day")


def _week_of(day: date) -> DateSpan:
    monday = day - timedelta(days=day.weekday())
    return DateSpan(monday, monday + timedelta(days=6), "day")


def _step(rel: str | None, rel_en: str | None) -> int:
    """-1 for last/previous, +1 for next, 0 for this."""
    word = fold(rel or rel_en or "").replace("’", "'")
    if not word or word == "this":
        return 0
    if re.fullmatch(_PAST_WORDS, word, _I) or word.startswith("d'avant"):
        return -1
    return 1


def _resolve_week(m, text, anchor, rank, language):
    return _week_of(anchor + timedelta(weeks=_step(m["rel"], m["rel_en"])))


def _resolve_weekend(m, text, anchor, rank, language):
    step = _step(m["rel"], m["rel_en"])
    saturday = anchor + timedelta(days=5 - anchor.weekday())  # the Saturday of the anchor's week
    if step == 0:
        # « ce week-end »: the one just past in a report of Monday to Friday, unless the verb is future.
        past = anchor.weekday() < 5 and _tense(text, m.start(), m.end(), language) == "past"
        step = -1 if past else 0
    elif step == 1 and anchor.weekday() < 5:
        step = 0  # « le week-end prochain » on a Wednesday: the coming one
    saturday += timedelta(weeks=step)
    return DateSpan(saturday, saturday + timedelta(days=1), "day")


def _shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _resolve_month_rel(m, text, anchor, rank, language):
    return _whole(_shift_month(anchor, _step(m["rel"], m["rel_en"])), "month")


def _resolve_year_rel(m, text, anchor, rank, language):
    rel = m["rel"] or m["rel2"]
    if not (m["part"] or rel or m["this"] or m["rel_en"]):
        return None  # a bare « l'année » is not a date; « fin d'année », « l'an dernier » are
    part = "mi" if (m["part"] or "").lower() == "milieu" else m["part"]
    return _part_of_year(part, anchor.year + _step(rel, m["rel_en"]))


def _resolve_ago(m, text, anchor, rank, language):
    if m["n_en"] is not None and not (m["ago"] or m["in"]):
        return None  # "three days" alone is a duration, not a date
    n = _count(m["n"] or m["n_en"])
    sign = -1 if (m["fr"] or "").lower().startswith("il") or m["ago"] else 1
    unit = fold(m["u"] or m["u_en"])
    if unit.startswith(("jour", "day")):
        return _whole(anchor + timedelta(days=sign * n), "day")
    if unit.startswith(("semaine", "week")):
        return _whole(anchor + timedelta(weeks=sign * n), "day")
    if unit.startswith(("mois", "month")):
        return _whole(_shift_month(anchor, sign * n), "month")
    return _whole(date(anchor.year + sign * n, 1, 1), "year")


_PAIR_BEFORE = re.compile(rf"\b(?P<pre>)(?P<wd>{_WEEKDAY})(?P<rel>)\s+(?:et|ou|and|or)\s+$", _I)


def _resolve_weekday(m, text, anchor, rank, language):
    wd = _WEEKDAY_NUMBERS[fold(m["wd"])]
    pre = (m["pre"] or "").lower()
    rel = m["rel"] or {"last": "last", "next": "next"}.get(pre)
    pair = _PAIR_BEFORE.search(text, max(0, m.start() - 24), m.start())
    if pair and not rel:
        # « mercredi et jeudi »: the second day follows the first, whichever way the first points.
        first = _resolve_weekday(pair, text, anchor, rank, language).start
        return _whole(first + timedelta(days=(wd - first.weekday()) % 7 or 7), "day")
    direction = _direction(m, text, rel, language)
    if direction == "nearest":
        direction = "onbefore"  # a bare weekday in a report is the one just past (or today)
    if pre in ("depuis", "since"):
        direction = "onbefore"
    back = (anchor.weekday() - wd) % 7
    if direction == "onbefore":
        day = anchor - timedelta(days=back)
    elif direction == "before":
        day = anchor - timedelta(days=back or 7)
    elif direction == "onafter":
        day = anchor + timedelta(days=(wd - anchor.weekday()) % 7)
    else:
        day = anchor + timedelta(days=(wd - anchor.weekday()) % 7 or 7)
    return _whole(day, "day")


_RESOLVE = {
    "iso": _resolve_iso,
    "numeric": _resolve_numeric,
    "range_days": _resolve_range_days,
    "range_months": _resolve_range_months,
    "range_years": _resolve_range_years,
    "day": _resolve_day,
    "day_en": _resolve_day,
    "month_year": _resolve_month_year,
    "month": _resolve_month,
    "month_rel_en": _resolve_month_rel_en,
    "year": _resolve_year,
    "relday": _resolve_relday,
    "week": _resolve_week,
    "weekend": _resolve_weekend,
    "month_rel": _resolve_month_rel,
    "year_rel": _resolve_year_rel,
    "ago": _resolve_ago,
    "weekday": _resolve_weekday,
}


def sentence_dates(
    body: str, sentences: list[tuple[int, int]], published: str | None, precision: str = "unknown"
) -> list[tuple[int, int, str, str, str]]:
    """The dates an article's sentences speak of, resolved against its publication date:
    (sentence start, sentence end, first day, last day inclusive, precision), days in ISO.

    `published` is the article's ISO date ("2026-02-04", "2023-09", "2023") and `precision` its
    precision; an undated article ("unknown") resolves only dates that name their year.
    """
    span = span_of(published) if published else None
    anchor = span.start if span is not None and precision in _RANK else None
    out: list[tuple[int, int, str, str, str]] = []
    for start, end in sentences:
        seen = set()
        for _, _, found in find_dates(body[start:end], anchor, anchor_precision=precision if anchor else "day"):
            row = (start, end, found.start.isoformat(), found.end.isoformat(), found.precision)
            if row not in seen:
                seen.add(row)
                out.append(row)
    return out


def ymd(day: date) -> int:
    """20260204 for 4 February 2026: how dates are stored as Chroma metadata (scalar ints)."""
    return day.year * 10000 + day.month * 100 + day.day
