"""Sentence-aware French chunking: whole sentences packed into overlapping chunks with exact offsets."""

from __future__ import annotations

import re

from index.models import Article, Chunk

__all__ = ["chunk_article", "count_words", "split_sentences"]

_WORD = re.compile(r"\S+")
# A blank line (possibly holding spaces) separates paragraphs; a paragraph always ends a sentence.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")

_TERMINATORS = ".!?…"
# Characters that may trail a terminator and still belong to the sentence it ends.
_CLOSERS = "»\"”)]’'"
_OPENERS = "«\"“([—–-¿¡"

# Tokens that end with a dot without ending the sentence (compared without the dot, case-sensitive
# for titles like "M." so that a sentence ending on the word "m." is not affected).
_ABBREVIATIONS = frozenset(
    """
    M MM Mme Mmes Mlle Mlles Mgr Me Dr Pr Sr Jr St Ste Sts Stes Gal Gén Col Cdt Lt Cne Adj Sgt
    Cie Ets Bd bd av apr Av boul ch chap Chap art Art fig Fig vol Vol p pp ex cf Cf env
    min max hab no No nos Nos tél Tél réf Réf éd Éd coll suiv vs resp janv févr avr juill sept oct nov déc
    """.split()
)
_INITIALS = re.compile(r"^(?:[A-ZÀ-Ý]\.?-?)+$")  # "J", "J.-C", "U.S.A"


def count_words(text: str) -> int:
    """Number of whitespace-separated words in `text` (the unit of the chunk size limit)."""
    return sum(1 for _ in _WORD.finditer(text))


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


def chunk_article(article: Article, *, max_words: int = 100, overlap_sentences: int = 1) -> list[Chunk]:
    """Pack the sentences of `article.body` into chunks of at most `max_words` words.

    Consecutive chunks share `overlap_sentences` sentences when they fit; a sentence longer than
    `max_words` is cut at word boundaries. Every chunk's text is `article.body[start:end]`.
    """
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}")
    if overlap_sentences < 0:
        raise ValueError(f"overlap_sentences cannot be negative, got {overlap_sentences}")
    body = article.body
    units = _units(body, max_words)
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and _words_between(body, units, i, j + 1) <= max_words:
            j += 1
        start, end = units[i][0], units[j][1]
        chunks.append(Chunk(article.id, len(chunks), body[start:end], start, end))
        if j == len(units) - 1:
            break
        new = j + 1
        # Back up by the overlap, but never so far that the next chunk could not take a new unit.
        k = max(i + 1, new - overlap_sentences)
        while k < new and _words_between(body, units, k, new) > max_words:
            k += 1
        i = k
    return chunks


def _words_between(body: str, units: list[tuple[int, int]], first: int, last: int) -> int:
    return count_words(body[units[first][0] : units[last][1]])


def _units(body: str, max_words: int) -> list[tuple[int, int]]:
    """Sentences, with any sentence over `max_words` cut into near-equal word-boundary pieces."""
    units: list[tuple[int, int]] = []
    for start, end in split_sentences(body):
        words = [(m.start(), m.end()) for m in _WORD.finditer(body, start, end)]
        if len(words) <= max_words:
            units.append((start, end))
            continue
        # Equal pieces rather than max-size ones, so the last piece is not a stub without context.
        pieces = -(-len(words) // max_words)
        size = -(-len(words) // pieces)
        for p in range(0, len(words), size):
            group = words[p : p + size]
            units.append((group[0][0], group[-1][1]))
    return units


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
    if token in _ABBREVIATIONS:
        return True
    if len(token) == 1 and token.isupper():
        return True  # an initial ("J."); a lowercase "a." ("il y en a.") does end sentences
    return bool(_INITIALS.match(token)) and "." in token
