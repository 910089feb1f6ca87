"""What time a question asks about: a period ("le 4 février 2026", "cette semaine"), what holds now
("les dernières nouvelles", "jusqu'à quand … peuvent-ils"), a digest of the news ("Quoi de neuf ?"),
or nothing. Read once by `questions.prepare`; retrieval and answers use the result.

Relative expressions are resolved against the clock (`now`), in the bot's time zone. The date
phrases themselves are found by `index.dates.find_dates` (shared with ingestion); a question keeps
only the phrases that name a period by themselves: a year, a day or month with its year, or a
phrase relative to now ("hier", "lundi dernier", "la semaine dernière"). A bare "mardi" or "en
septembre" in a question mostly retells the article ("les diplomates réunis mardi à Pékin"), so it
restricts nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from index.dates import find_dates, span_of
from index.language import Language
from index.text import fold

TimeKind = Literal["none", "period", "recent", "digest"]
DIGEST_DAYS = 7  # "Quoi de neuf ?" without a period: the last week before now

# "Quoi de neuf ?", "Qu'y a-t-il de nouveau ?", "What's new?", "Any news?"
_DIGEST = re.compile(
    r"\bquoi de (?:neuf|nouveau)\b|\bqu['’]y a-t-il de (?:neuf|nouveau)\b|\bqu['’]est-ce qu['’]il y a de (?:neuf|nouveau)\b"
    r"|\bquelles? nouvelles\s*\?|\bwhat['’]?s new\b|\bwhat is new\b|\bany news\b|\bwhat['’]?s the news\b"
    r"|\bquoi de nouveau\b|\bles nouvelles du jour\b|\bnews today\b",
    re.IGNORECASE,
)
# "Qu'est-ce qui s'est passé cette semaine ?", "Qu'est-ce qui a changé depuis septembre ?": with a
# period and no topic, a digest of that period.
_HAPPENED = re.compile(
    r"\b(?:que s['’]est-il passé|qu['’]est-ce qui s['’]est passé|quoi de neuf|what happened|what['’]?s happened"
    r"|qu['’]est-ce qui a changé|qu['’]est-ce qui change|qu['’]a-t-il changé|what (?:has |have )?changed"
    r"|what['’]s changed)\b",
    re.IGNORECASE,
)
# « Quel choix fait aujourd'hui encore débat ? » asks what holds now, not what happened today: a recency cue
# (`_RECENT`), words of time (`_RECENCY_WORDS`), and no date phrase (`_spans`).
_STILL_TODAY_WORDS = r"\baujourd['’]hui\s+encore\b|\bencore\s+aujourd['’]hui\b"
# What holds now: the newest relevant passage answers. "Jusqu'à quand … peuvent-ils" in the present
# asks about the rules in force; "jusqu'à quand a-t-il duré" does not.
_RECENT = re.compile(
    r"\bderni(?:ères?|ers?) (?:nouvelles|développements|informations|news|évolutions)\b|\ble plus récent\b"
    rf"|\bla plus récente\b|\bles plus récent(?:e)?s\b|\brécemment\b|\bactuellement\b|{_STILL_TODAY_WORDS}"
    r"|\boù en (?:est|sont)\b|\btoujours\b|\bdésormais\b|\bmaintenant\b|\ben ce moment\b|\bà ce jour\b"
    r"|\bà présent\b|\bencore en vigueur\b|\bjusqu['’]à quand\b[^?]*?\b(?:peu[tx]|peuvent|pourront|est|sont|reste|restent"
    r"|court|courent|dure|s['’]applique|vaut|valent)\b"
    r"|\bla dernière fois\b|\bdernièrement\b"
    # "When did they last meet?", "the last summit": the adverb or adjective, not the verb ("How
    # long did it last (in 2023)?"); "last week" is a period, read before this.
    r"|\blast (?!(?:in|on|at|for|from|until|till|through|about|over|since|before|after|between|during|long|longer)\b)[a-z]+"
    r"|\blatest\b|\bmost recent\b|\brecently\b|\bcurrently\b|\bstill\b|\bnow\b|\bnowadays\b|\bthese days\b"
    r"|\bas of today\b|\buntil when (?:can|is|are|does|do|will)\b|\bhow long (?:can|is|are|does|do)\b",
    re.IGNORECASE,
)
# A phrase that names a period by itself (see the module docstring): with a year, or relative to
# now. « le 17 mars » alone, like « mardi », mostly retells the article in the eval's questions.
_SELF_STANDING = re.compile(
    r"\b(?:19|20)\d{2}\b|\d{1,2}/\d{1,2}/\d{2,4}|\b(?:hier|avant-hier|aujourd['’]hui|semaine|mois|an|année|dernier"
    r"|dernière|passée?|prochaine?|depuis|il y a|yesterday|today|week|month|year|last|since|ago)\b",
    re.IGNORECASE,
)
# "Et la semaine d'avant ?": a follow-up that moves the previous question's period back.
_BEFORE = re.compile(
    r"\b(?:la semaine|le mois|l['’]année|l['’]an|le jour|la veille) (?:d['’]avant|précédente?|précédent)\b|\bla veille\b"
    r"|\bthe (?:week|month|year|day) before\b|\bthe previous (?:week|month|year|day)\b",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"\b(?:la semaine|le mois|l['’]année|l['’]an|le jour) (?:d['’]après|suivante?)\b|\ble lendemain\b"
    r"|\bthe (?:week|month|year|day) after\b|\bthe following (?:week|month|year|day)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AskedTime:
    """The time a question asks about.

    kind: "none"; "period" (only passages of [start, end] answer); "recent" (what holds now: the
    newest relevant passages first); "digest" (the newest stories of [start, end], or the newest).
    start, end: the period, `end` inclusive (None for "none" and "recent").
    phrase: the question's words naming the period ("cette semaine"), for "nothing in that period".
    """

    kind: TimeKind = "none"
    start: date | None = None
    end: date | None = None
    phrase: str = ""

    @property
    def dated(self) -> bool:
        """True when only a period's passages may answer."""
        return self.kind == "period" and self.start is not None

    def to_dict(self) -> dict:
        """The JSON contract: `{"kind", "from", "to"}`, ISO days, `to` inclusive."""
        return {
            "kind": self.kind,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }

    def to_state(self) -> dict:
        """`to_dict` with the period's words: what an `Answer` keeps for the follow-ups."""
        return {**self.to_dict(), "phrase": self.phrase}

    @classmethod
    def from_dict(cls, data: dict | None) -> AskedTime:
        """The inverse of `to_dict` (a conversation keeps the period of its last question)."""
        if not data or data.get("kind") not in ("period", "recent", "digest"):
            return cls()
        day = lambda key: date.fromisoformat(data[key]) if data.get(key) else None  # noqa: E731
        return cls(data["kind"], day("from"), day("to"), data.get("phrase", ""))


def now(clock: str, timezone: str) -> datetime:
    """The current time in `timezone`: the pinned `clock` (an ISO date or date-time) or the system's."""
    zone = ZoneInfo(timezone)
    if not clock:
        return datetime.now(zone)
    pinned = datetime.fromisoformat(clock)
    return pinned.replace(tzinfo=zone) if pinned.tzinfo is None else pinned.astimezone(zone)


def understand_time(
    text: str, language: Language, today: date, previous: AskedTime | None = None, follow_up: bool = False
) -> AskedTime:
    """The time `text` asks about, relative dates resolved against `today`.

    previous: the time of the question this one follows; a follow-up without a period of its own
    keeps it ("Et pour les citoyens chinois ?"), and "Et la semaine d'avant ?" moves it back.
    """
    if previous is not None and previous.start is not None and previous.end is not None:
        moved = _BEFORE.search(text) or _AFTER.search(text)
        if moved:
            shift = _shift_span(previous.start, previous.end) * (-1 if _BEFORE.search(text) else 1)
            return AskedTime(previous.kind, previous.start + shift, previous.end + shift, moved.group(0))
    period = _period(text, language, today)
    digest = bool(_DIGEST.search(text))
    if period is not None:
        start, end, places = period
        words = " ".join(text[a:b] for a, b in places)
        if digest or (_HAPPENED.search(text) and not topic_words(text, places)):
            return AskedTime("digest", start, end, words)
        return AskedTime("period", start, end, words)
    if digest:
        return digest_window(today)
    if _RECENT.search(text):
        return AskedTime("recent")
    if follow_up and previous is not None and previous.kind in ("period", "recent"):
        return previous
    return AskedTime()


def digest_window(today: date) -> AskedTime:
    """What's new when no period is named: the last `DIGEST_DAYS` days up to `today`."""
    return AskedTime("digest", today - timedelta(days=DIGEST_DAYS - 1), today)


def _shift_span(start: date, end: date) -> timedelta:
    """How far "the week before" moves a period: its own length, a calendar month or year kept whole."""
    days = (end - start).days + 1
    if days in (28, 29, 30, 31) and start.day == 1:
        return timedelta(days=(start - (start.replace(day=1) - timedelta(days=1)).replace(day=1)).days)
    return timedelta(days=days)


# The words of a question that ask for recency (« les dernières nouvelles », "latest") say when,
# not what: left among its terms they match « septembre dernier » in an old sentence, and « pour la dernière
# fois » made « vus pour la dernière fois en septembre » outscore the day's video call.
_RECENCY_WORDS = re.compile(
    r"\b(?:pour\s+)?la\s+dernière\s+fois\b|\b(?:for\s+)?the\s+last\s+time\b|\bderni(?:ère|er)s?(?: (?:nouvelles|développements|informations|news|évolutions))?\b|\bplus récente?s?\b"
    rf"|\brécente?s?\b|\brécemment\b|\bactuellement\b|{_STILL_TODAY_WORDS}|\btoujours\b|\bdésormais\b"
    r"|\bmaintenant\b|\ben ce moment\b|\bà ce jour\b|\bà présent\b|\bnouvelles du jour\b"
    r"|\blatest\b|\bmost recent\b|\brecent(?:ly)?\b|\bcurrently\b|\bstill\b|\bnow\b|\bnowadays\b"
    r"|\bthese days\b|\bas of today\b|\bnews\b",
    re.IGNORECASE,
)


def time_words(text: str, language: Language, today: date) -> list[tuple[int, int]]:
    """Where a question's words ask about time rather than name its topic: its self-standing date
    phrases (the period is `AskedTime`'s to apply: in-period sentences gain in the answer stage,
    and a date's words among the terms would count it twice, for a sentence that restates the
    date and not for a report of the period that does not) and its recency cues.
    `questions.prepare` leaves them out of the question's terms."""
    return date_places(text, language, today) + [m.span() for m in _RECENCY_WORDS.finditer(text)]


def date_places(text: str, language: Language, today: date) -> list[tuple[int, int]]:
    """Where the self-standing date phrases of a question sit (a digest's topic is the rest)."""
    return [(start, end) for start, end, _ in _spans(text, language, today)]


_STILL_TODAY = re.compile(_STILL_TODAY_WORDS, re.IGNORECASE)


def _spans(text: str, language: Language, today: date) -> list:
    still = [m.span() for m in _STILL_TODAY.finditer(text)]
    return [
        (start, end, span)
        for start, end, span in find_dates(text, today, language=language)
        if _SELF_STANDING.search(text[start:end]) and not any(a <= start and end <= b for a, b in still)
    ]


def _period(text: str, language: Language, today: date) -> tuple[date, date, list[tuple[int, int]]] | None:
    """The union of the self-standing date phrases of a question, and where they sit in it."""
    spans = _spans(text, language, today)
    if not spans:
        return None
    return min(s.start for _, _, s in spans), max(s.end for _, _, s in spans), [(a, b) for a, b, _ in spans]


_CUE_WORDS = frozenset(
    fold(w)
    for w in "quoi neuf nouveau nouvelles nouvelle news new what whats s passe passé est-ce qui que il y a-t-il "
    "what's happened happen latest dernieres derniers sur about on les la le de des du on in".split()
)


def topic_words(text: str, places: list[tuple[int, int]] = ()) -> list[str]:
    """The words of a digest question that name a topic ("Quoi de neuf sur les visas ?" → visas),
    its date phrases (at `places`) left out."""
    from index.lexical import content_words

    for start, end in places:
        text = text[:start] + " " * (end - start) + text[end:]
    rest = _DIGEST.sub(" ", _HAPPENED.sub(" ", text))
    return [w for w in content_words(rest) if fold(w.lower()) not in _CUE_WORDS and not w.isdigit()]


def published_span(iso: str | None) -> tuple[date, date] | None:
    """An article's ISO date ("2026-02-04", "2023-09", "2023") as the days it covers, or None."""
    span = span_of(iso or "")
    return (span.start, span.end) if span is not None else None


def published_in(iso: str | None, start: date, end: date) -> bool:
    """Whether an article's ISO date ("2026-02-04", "2023-09", "2023") shares a day with [start, end]."""
    span = span_of(iso or "")
    return span is not None and span.overlaps(start, end)


MONTH_NAMES_DAYS = 92  # a period this long or shorter is also named by its months


def period_words(start: date, end: date) -> set[str]:
    """The words that name a period in a text whose dates cannot be resolved (an undated article):
    its years, and the folded French and English names of its months when it is short."""
    from index.text import MONTHS_EN, MONTHS_FR

    found = {str(year) for year in range(start.year, end.year + 1)}
    if (end - start).days <= MONTH_NAMES_DAYS:
        month = (start.year, start.month)
        while month <= (end.year, end.month):
            found |= {fold(MONTHS_FR[month[1] - 1]), MONTHS_EN[month[1] - 1].lower()}
            month = (month[0] + month[1] // 12, month[1] % 12 + 1)
    return found
