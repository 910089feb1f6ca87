"""The third stage of a question's route: the sentences of the retrieved passages that state the
fact asked for, quoted and cited — or the decision to abstain."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from config.settings import RetrievalSettings
from index.language import Language, detect_language, phrase
from index.lexical import tokenize
from index.models import Answer, Hit, Source
from index.present import byline
from index.questions import Question
from index.text import MONTHS_FR, split_sentences

if TYPE_CHECKING:
    from index.embeddings import Embedder
    from index.retrieval import Retrieval

log = logging.getLogger(__name__)

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

# The sentence scorer's weights, tuned by hand on tests/eval (`depeche eval`, facts found) with
# all-MiniLM-L6-v2: each moved the share of answers holding the expected fact by a question or
# more. A coming change replaces this scorer, so they are not settings.
FOCUS_WEIGHT = 0.5  # the asked follow-up's own words, against the carried ones
DATE_BONUS = 0.35  # the question asks when, and the sentence states a date it doesn't
NUMBER_BONUS = 0.3  # the question asks how much or many, and the sentence holds a new number
NAME_BONUS = 0.15  # the question asks who or where, and the sentence names someone new
RANK_BONUS = 0.1  # divided by the passage's rank
FRAGMENT_PENALTY = 0.3  # sentences under FRAGMENT_WORDS words: headings answer nothing
FRAGMENT_WORDS = 5
RUNNER_UP_RATIO = 0.7  # a second or third sentence must score this share of the best
MAX_SENTENCES = 3


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


def _states_new(pattern: re.Pattern, text: str, asked: str) -> bool:
    """Whether `text` holds a match of `pattern` that the (lower-cased) question does not."""
    return any(m.group(0).lower() not in asked for m in pattern.finditer(text))


def should_abstain(evidence: Evidence, settings: RetrievalSettings) -> bool:
    """The abstention rule: too little of the question covered, and no passage close in meaning."""
    return evidence.coverage < settings.min_coverage and evidence.dense < settings.min_dense


class Extractor:
    """Picks and cites the sentences that answer; `idf` weighs question terms by corpus rarity."""

    def __init__(
        self, df: dict[str, int], n_docs: int, embedder: Embedder | None = None,
        settings: RetrievalSettings | None = None,
    ) -> None:
        self.df = df
        self.n_docs = max(n_docs, 1)
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self.max_sentences = MAX_SENTENCES

    def answer(self, question: Question, result: Retrieval) -> tuple[Answer, Evidence]:
        """The cited answer to `question` from what retrieval found, and the evidence abstention weighed."""
        hits = result.hits
        standalone = question.standalone
        evidence = self.evidence(standalone, hits, result.dense_best)
        if not hits:
            return abstain(question.text, question.language, standalone), evidence
        if should_abstain(evidence, self.settings):
            log.info("abstaining: coverage %.2f, dense %.2f", evidence.coverage, evidence.dense)
            return abstain(question.text, question.language, standalone), evidence
        candidates = self.candidates(standalone, hits, focus=question.text)
        weight = self.settings.sentence_dense_weight
        if weight > 0 and candidates and self.embedder is not None:
            # Only the lexical front-runners are embedded: encoding every sentence of every hit
            # cost most of an ask's time (about 14 ms a sentence on 2 cores).
            head = candidates[: self.settings.sentence_rerank_depth]
            vectors = self.embedder.encode_sentences([c.text for c in head])
            query_vector = result.query_vector
            if query_vector is None:
                query_vector = self.embedder.encode_query(standalone)
            candidates = self.rerank(candidates, vectors @ query_vector, weight)
        return compose(question.text, self.select(candidates), question.language, standalone), evidence

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
                    score += FOCUS_WEIGHT * sum(self.idf(t) for t in focus_terms & sentence_terms) / focus_total
                if wants_date and _states_new(_DATE, text, asked):
                    score += DATE_BONUS
                if wants_number and any(n not in asked_words for n in _NUMBER.findall(text)):
                    score += NUMBER_BONUS
                if (wants_name or wants_place) and any(m.lower() not in asked_words for m in _NAME.findall(text)):
                    score += NAME_BONUS
                score += RANK_BONUS / hit.rank
                if len(text.split()) < FRAGMENT_WORDS:
                    score -= FRAGMENT_PENALTY
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
            if len(chosen) == self.max_sentences or cand.score < RUNNER_UP_RATIO * candidates[0].score:
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
            when = byline(cand.hit.outlet, cand.hit.date, cand.hit.date_precision, language)
            line = f"{when} : {line}" if language == "fr" else f"{when}: {line}"
        lines.append(line)
    return Answer(question, "\n".join(lines), sources, False, language, standalone)


def abstain(question: str, language: Language, standalone: str) -> Answer:
    """The plain "the articles don't say" answer, citing nothing."""
    return Answer(question, phrase("abstain", language), [], True, language, standalone)
