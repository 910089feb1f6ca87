"""French text helpers shared by ingestion, chunking, BM25, answers, the LLM client and the eval.

One home for each: sentence splitting (one abbreviation list), accent folding, elisions,
typographic marks, month names.
"""

from __future__ import annotations

import re
import unicodedata

MONTHS_FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
MONTHS_EN = "January February March April May June July August September October November December".split()
# Month names as press copy writes them, accents sometimes dropped: name -> number.
MONTH_NUMBERS = {name: n for n, name in enumerate(MONTHS_FR, start=1)} | {"fevrier": 2, "aout": 8, "decembre": 12}
WEEKDAYS_FR = "lundi mardi mercredi jeudi vendredi samedi dimanche".split()
WEEKDAYS_EN = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

# Typographic marks that French press copy mixes freely with their ASCII forms.
TYPOGRAPHY = str.maketrans(
    {
        "\u2019": "'",  # ’
        "\u2018": "'",  # ‘
        "\u02bc": "'",  # ʼ
        "\u00b4": "'",  # ´
        "`": "'",
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u2013": "-",  # –
        "\u2014": "-",  # —
        "\u2011": "-",  # non-breaking hyphen
        "\u0153": "oe",  # œ: "vœux" and "voeux" are both in the seeds
        "\u0152": "OE",
    }
)


def strip_accents(text: str) -> str:
    """`Pékin` → `Pekin`: compatibility-decompose, then drop the combining marks."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case and strip accents, so `Pékin` and `pekin` meet."""
    return strip_accents(text.lower()).replace("œ", "oe")


def split_elisions(text: str) -> str:
    """Typographic apostrophes made plain, so `l’accord` splits into `l` and `accord` like `l'accord`."""
    return text.replace("’", "'")


# --- sentences -----------------------------------------------------------------------------------

WORD = re.compile(r"\S+")
# A blank line (possibly holding spaces) separates paragraphs; a paragraph always ends a sentence.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")

_TERMINATORS = ".!?…"
# Characters that may trail a terminator and still belong to the sentence it ends.
_CLOSERS = "»\"”)]’'"
_OPENERS = "«\"“([—–-¿¡"

# Tokens that end with a dot without ending the sentence (compared without the dot, case-sensitive
# for titles like "M." so that a sentence ending on the word "m." is not affected).
ABBREVIATIONS = frozenset(
    """
    M MM Mme Mmes Mlle Mlles Mgr Me Dr Pr Sr Jr St Ste Sts Stes Gal Gén Col Cdt Lt Cne Adj Sgt
    Cie Ets Bd bd av apr Av boul ch chap Chap art Art fig Fig vol Vol p pp ex cf Cf env
    min max hab no No nos Nos tél Tél réf Réf éd Éd coll suiv vs resp janv févr avr juill sept oct nov déc
    Mr Mrs Ms Prof prof Inc Ltd Corp Dept Univ approx fév juil Jan Feb Apr Jun Jul Aug Dec al nº ed gen
    """.split()
)
# Abbreviations that are ordinary words in lower case ("Ils étaient sept.", "Il me."): where case
# tells nothing (text a model wrote), only their capitalised form is taken for an abbreviation.
AMBIGUOUS_ABBREVIATIONS = frozenset("me no nos sept min max art vol col ch ex p".split())
CASELESS_ABBREVIATIONS = frozenset(a.lower() for a in ABBREVIATIONS) - AMBIGUOUS_ABBREVIATIONS

_INITIALS = re.compile(r"^(?:[A-ZÀ-Ý]\.?-?)+$")  # "J", "J.-C", "U.S.A"


def count_words(text: str) -> int:
    """Number of whitespace-separated words in `text` (the unit of the chunk size limit)."""
    return sum(1 for _ in WORD.finditer(text))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans `(start, end)` in `text`, stripped of surrounding whitespace, French-aware."""
    spans: list[tuple[int, int]] = []
    for start, end in _paragraph_spans(text):
        sentences = _split_paragraph(text, start, end, track_quotes=True)
        if sentences is None:
            # An unbalanced quote would swallow the rest of the paragraph: split it as if unquoted.
            sentences = _split_paragraph(text, start, end, track_quotes=False)
        spans.extend(sentences)
    return spans


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return spans


def _strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_paragraph(text: str, start: int, end: int, *, track_quotes: bool) -> list[tuple[int, int]] | None:
    """Sentences of one paragraph, or None when quotes are unbalanced and tracking them would mislead."""
    sentences: list[tuple[int, int]] = []
    sent_start = start
    guillemets = 0
    curly = 0
    straight_open = False
    i = start
    while i < end:
        ch = text[i]
        if track_quotes:
            if ch == "«":
                guillemets += 1
            elif ch == "»":
                guillemets = max(0, guillemets - 1)
            elif ch == "“":
                curly += 1
            elif ch == "”":
                curly = max(0, curly - 1)
            elif ch == '"':
                straight_open = not straight_open
        quoted = guillemets > 0 or curly > 0 or straight_open
        stop = None
        if ch in _TERMINATORS and not quoted:
            stop = _sentence_end(text, i, end, track_quotes)
        elif track_quotes and ch in "»”\"" and not quoted and _ends_after_quote(text, sent_start, i):
            # A quoted sentence closes the sentence only if what follows starts a new one.
            after = _after_closers(text, i, end)
            stop = after if _starts_sentence(text, after, end) else None
        if stop is not None:
            span = _strip_span(text, sent_start, stop)
            if span:
                sentences.append(span)
            sent_start = stop
            i = stop
            continue
        i += 1
    if track_quotes and (guillemets or curly or straight_open):
        return None
    span = _strip_span(text, sent_start, end)
    if span:
        sentences.append(span)
    return sentences


def _ends_after_quote(text: str, sent_start: int, quote: int) -> bool:
    """True when the closing quote at `quote` directly follows a terminator (`…prêts."`)."""
    k = quote - 1
    while k >= sent_start and text[k] in " \u00a0\u202f":
        k -= 1
    return k >= sent_start and text[k] in _TERMINATORS


def _after_closers(text: str, i: int, end: int) -> int:
    j = i + 1
    while j < end and text[j] in _CLOSERS:
        j += 1
    return j


def _sentence_end(text: str, i: int, end: int, track_quotes: bool) -> int | None:
    """Where the sentence ends if the terminator at `i` ends one, else None."""
    j = i + 1
    while j < end and text[j] in _TERMINATORS:
        j += 1
    if text[i] == "." and j == i + 1 and _is_abbreviation(text, i):
        return None
    # A straight quote right after the terminator closes a quote only if one is open; here none is,
    # so it would open the next sentence: leave it out of this one.
    while j < end and text[j] in _CLOSERS and not (track_quotes and text[j] == '"'):
        j += 1
    if not _starts_sentence(text, j, end):
        return None
    return j


def _starts_sentence(text: str, j: int, end: int) -> bool:
    """True at the end of the paragraph, or after whitespace followed by a plausible sentence start."""
    if j >= end:
        return True
    if not text[j].isspace():
        return False
    k = j
    while k < end and text[k].isspace():
        k += 1
    if k >= end:
        return True
    nxt = text[k]
    return nxt.isupper() or nxt.isdigit() or nxt in _OPENERS


def _is_abbreviation(text: str, dot: int) -> bool:
    k = dot
    while k > 0 and not text[k - 1].isspace() and text[k - 1] not in "«\"“([":
        k -= 1
    token = text[k:dot]
    if not token:
        return False
    if token in ABBREVIATIONS:
        return True
    if len(token) == 1 and token.isupper():
        return True  # an initial ("J."); a lowercase "a." ("il y en a.") does end sentences
    return bool(_INITIALS.match(token)) and "." in token
