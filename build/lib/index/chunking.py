"""Sentence-aware French chunking: whole sentences packed into overlapping chunks with exact offsets."""

from __future__ import annotations

from index.models import Article, Chunk
from index.text import WORD, count_words, split_sentences

__all__ = ["chunk_article", "count_words", "split_sentences"]


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
        words = [(m.start(), m.end()) for m in WORD.finditer(body, start, end)]
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


