"""Extractive answers: the sentences of the retrieved passages that state the fact asked for, cited."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from index.chunking import split_sentences
from index.language import Language, detect_language, phrase
from index.lexical import tokenize
from index.models import Answer, Hit, Source

MONTHS_FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
MONTHS_EN = "January February March April May June July August September October November December".split()

_DATE = re.compile(
    r"\b(\d{1,2}(er)?\s+(%s)|(%s)\s+\d{4}|\d{4}|\d{1,2}/\d{1,2}/\d{2,4}|(premier|second|1er|2e)\s+semestre|"
    r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche))\b" % ("|".join(MONTHS_FR), "|".join(MONTHS_FR)),
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+")
_NAME = re.compile(r"(?<![.!?«\"]\s)(?<!^)\b[A-ZÉÈÀÂ][\w’'-]{2,}")

WHEN = re.compile(r"\b(quand|jusqu|date|quel jour|quel mois|en quelle année|when|until|what date|which day)\b", re.I)
HOW_MUCH = re.compile(r"\b(combien|quel montant|quel volume|quelle durée|how much|how many|how long|what volume|amount)\b", re.I)
WHO = re.compile(r"\b(qui|quel dirigeant|quel conseiller|quelle chaîne|who|which channel|whom)\b", re.I)
WHERE = re.compile(r"\b(où|dans quelle ville|quel pays|where|which city)\b", re.I)


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with how well it answers."""

    hit: Hit
    text: str
    score: float
    coverage: float
    terms: frozenset[str]


@dataclass(frozen=True)
class Evidence:
    """How strongly the retrieved passages support any answer (what abstention decides on)."""

    coverage: float  # share of the question's term weight found in the best passage
    dense: float  # best cosine between the question and a passage


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


def _states_new(pattern: re.Pattern, text: str, asked: str) -> bool:
    """Whether `text` holds a match of `pattern` that the (lower-cased) question does not."""
    return any(m.group(0).lower() not in asked for m in pattern.finditer(text))


class Extractor:
    """Picks and cites the sentences that answer; `idf` weighs question terms by corpus rarity."""

    def __init__(self, df: dict[str, int], n_docs: int, max_sentences: int = 3) -> None:
        self.df = df
        self.n_docs = max(n_docs, 1)
        self.max_sentences = max_sentences

    def idf(self, term: str) -> float:
        """BM25's idf; a term the corpus never uses weighs the most."""
        df = self.df.get(term, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def evidence(self, query: str, hits: list[Hit], dense: float) -> Evidence:
        """How much of the question the best passage covers.

        An English question's own words never occur in French articles, so counting them would
        make every English question look off-topic: only the terms the corpus knows (names,
        numbers, shared words) are weighed, and a question it knows none of covers nothing.
        """
        terms = set(tokenize(query))
        if detect_language(query) == "en":
            terms = {t for t in terms if self.df.get(t, 0) > 0}
        total = sum(self.idf(t) for t in terms)
        if not hits or total == 0:
            return Evidence(0.0, dense)
        best = max(sum(self.idf(t) for t in terms & set(tokenize(hit.text))) for hit in hits)
        return Evidence(best / total, dense)

    def candidates(self, query: str, hits: list[Hit], focus: str = "") -> list[Candidate]:
        """Every sentence of the hits, scored: shared rare terms, the kind of fact asked, passage rank.

        `focus` is the question as asked: in a rewritten follow-up its own words matter most.
        """
        terms = set(tokenize(query))
        total = sum(self.idf(t) for t in terms) or 1.0
        focus_terms = set(tokenize(focus)) & terms if focus else set()
        focus_total = sum(self.idf(t) for t in focus_terms) or 1.0
        wants_date, wants_number = bool(WHEN.search(query)), bool(HOW_MUCH.search(query))
        wants_name, wants_place = bool(WHO.search(query)), bool(WHERE.search(query))
        # A date, number or name the question already states is not an answer to it.
        asked = query.lower()
        asked_words = set(re.findall(r"\w+", asked))
        out: list[Candidate] = []
        for hit in hits:
            for start, end in split_sentences(hit.text):
                text = hit.text[start:end]
                sentence_terms = frozenset(tokenize(text))
                matched = terms & sentence_terms
                coverage = sum(self.idf(t) for t in matched) / total
                score = coverage
                if focus_terms and focus_terms != terms:
                    score += 0.5 * sum(self.idf(t) for t in focus_terms & sentence_terms) / focus_total
                if wants_date and _states_new(_DATE, text, asked):
                    score += 0.35
                if wants_number and any(n not in asked_words for n in _NUMBER.findall(text)):
                    score += 0.3
                if (wants_name or wants_place) and any(m.lower() not in asked_words for m in _NAME.findall(text)):
                    score += 0.15
                score += 0.1 / hit.rank
                if len(text.split()) < 5:
                    score -= 0.3  # headings and fragments answer nothing
                out.append(Candidate(hit, text, score, coverage, sentence_terms & terms))
        return sorted(out, key=lambda c: -c.score)

    @staticmethod
    def rerank(candidates: list[Candidate], similarity: np.ndarray, weight: float) -> list[Candidate]:
        """Add `weight` × the question–sentence cosine to the first len(similarity) candidates."""
        head = [replace(c, score=c.score + weight * float(sim)) for c, sim in zip(candidates, similarity)]
        return sorted(head, key=lambda c: -c.score) + candidates[len(head):]

    def select(self, candidates: list[Candidate]) -> list[Candidate]:
        """The best sentence, plus up to two more that score nearly as well.

        A runner-up is not required to add question terms: the words of an answer are by
        definition not the question's, so the sentence that holds it often repeats the terms
        the best one already matched (on tests/eval this finds the facts of two more questions).
        """
        if not candidates:
            return []
        chosen = [candidates[0]]
        for cand in candidates[1:]:
            if len(chosen) == self.max_sentences or cand.score < 0.7 * candidates[0].score:
                break
            if all(cand.text != c.text for c in chosen):
                chosen.append(cand)
        return chosen


def compose(question: str, chosen: list[Candidate], language: Language, standalone: str) -> Answer:
    """Quote the chosen sentences with [n]; show dates when the cited articles differ in date."""
    sources: list[Source] = []
    numbers: dict[str, int] = {}
    for cand in chosen:
        key = f"{cand.hit.article_id}:{cand.hit.start}"
        if key not in numbers:
            numbers[key] = len(sources) + 1
            hit = cand.hit
            sources.append(
                Source(numbers[key], hit.article_id, hit.title, hit.date, hit.outlet, hit.text,
                       hit.start, hit.end, hit.date_precision)
            )
    dates = {(c.hit.date, c.hit.date_precision) for c in chosen}
    show_dates = len(dates) > 1 or any(d is None for d, _ in dates)
    lines = []
    for cand in chosen:
        n = numbers[f"{cand.hit.article_id}:{cand.hit.start}"]
        line = f"« {cand.text.strip()} » [{n}]"
        if show_dates:
            when = format_date(cand.hit.date, cand.hit.date_precision, language)
            outlet = cand.hit.outlet or phrase("unknown_outlet", language)
            line = f"{outlet}, {when} : {line}" if language == "fr" else f"{outlet}, {when}: {line}"
        lines.append(line)
    return Answer(question, "\n".join(lines), sources, False, language, standalone)


def abstain(question: str, language: Language, standalone: str) -> Answer:
    """The plain "the articles don't say" answer, citing nothing."""
    return Answer(question, phrase("abstain", language), [], True, language, standalone)
