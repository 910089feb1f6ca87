"""The labelled eval set, its distractor corpus and its own test articles hold together: counts, verbatim
golds, facts, quotes, no leaks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from index.articles import read_article
from index.chunking import split_sentences
from index.evals.metrics import load_cases, normalise
from index.lexical import tokenize

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))}
EVAL_DIR = ROOT / "tests" / "eval"
DISTRACTORS = {p.stem: p.read_text(encoding="utf-8") for p in sorted((EVAL_DIR / "distractors").glob("*.txt"))}
# Articles written for the eval (fact-elsewhere and quote cases); indexed with the seeds and distractors.
ARTICLE_PATHS = {p.stem: p for p in sorted((EVAL_DIR / "articles").glob("*.txt"))}
ARTICLES = {stem: p.read_text(encoding="utf-8") for stem, p in ARTICLE_PATHS.items()}
GOLD_TEXTS = SEEDS | ARTICLES
CASES = load_cases(EVAL_DIR / "questions.jsonl")
ANSWERABLE = [c for c in CASES if c.answerable]
QUOTE_CASES = [c for c in CASES if "quote" in c.categories]
ELSEWHERE_CASES = [c for c in CASES if "fact-elsewhere" in c.categories]


def test_there_are_five_seeds():
    assert len(SEEDS) == 5


def test_counts_per_language_and_category():
    per_language = Counter(c.language for c in ANSWERABLE)
    categories = Counter(cat for c in CASES for cat in c.categories)
    assert per_language["fr"] >= 60
    assert per_language["en"] >= 40
    assert sum(not c.answerable for c in CASES) >= 10
    assert categories["multi"] >= 5
    assert categories["paraphrase"] >= 28
    assert categories["date-sensitive"] >= 4
    assert categories["quote"] >= 15
    assert categories["fact-elsewhere"] >= 15


def test_quote_and_fact_elsewhere_cases_come_in_both_languages():
    for cases in (QUOTE_CASES, ELSEWHERE_CASES):
        languages = Counter(c.language for c in cases)
        assert languages["fr"] >= 5 and languages["en"] >= 5, languages


def test_every_seed_has_at_least_five_gold_cases():
    per_article = Counter(a for c in ANSWERABLE for a in c.gold_article_ids)
    assert {a: per_article[a] for a in SEEDS if per_article[a] < 5} == {}


def test_ids_are_unique():
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", ANSWERABLE, ids=lambda c: c.id)
def test_gold_passages_are_verbatim_lines_of_their_article(case):
    for gold in case.gold:
        assert gold.article_id in GOLD_TEXTS, f"{gold.article_id} is neither a seed nor an eval article"
        lines = GOLD_TEXTS[gold.article_id].splitlines()
        assert any(gold.passage in line for line in lines), f"not on one line of {gold.article_id}: {gold.passage!r}"
        assert 5 <= len(gold.passage.split()) <= 25, gold.passage


@pytest.mark.parametrize("case", ANSWERABLE, ids=lambda c: c.id)
def test_facts_appear_in_a_gold_article(case):
    assert case.facts, "an answerable case names at least one fact"
    gold_texts = [normalise(GOLD_TEXTS[a]) for a in case.gold_article_ids]
    for fact in case.facts:
        assert 1 <= len(fact.split()) <= 5, fact
        assert any(normalise(fact) in text for text in gold_texts), f"{fact!r} is in no gold article"


def test_multi_cases_have_two_gold_articles():
    for case in CASES:
        if "multi" in case.categories:
            assert len(case.gold_article_ids) >= 2, case.id


def test_at_least_28_distractors_with_ids_distinct_from_seeds():
    assert len(DISTRACTORS) >= 28
    assert not set(DISTRACTORS) & set(SEEDS)
    for stem in DISTRACTORS:
        assert stem[0] == "d" and stem[1:3].isdigit() and stem[3] == "_", stem


@pytest.mark.parametrize("stem", sorted(DISTRACTORS))
def test_distractor_is_press_length(stem):
    assert 150 <= len(DISTRACTORS[stem].split()) <= 450


def test_eval_articles_have_their_own_ids():
    assert len(ARTICLES) >= 3
    assert not set(ARTICLES) & (set(SEEDS) | set(DISTRACTORS))
    for stem in ARTICLES:
        assert stem[0] == "a" and stem[1:3].isdigit() and stem[3] == "_", stem


@pytest.mark.parametrize(
    ("stem", "date", "outlet", "title"),
    [
        # Front matter: every field given by the operator.
        ("a01_pont-amour-heihe", "2022-06-10", "AFP",
         "Un premier pont routier entre la Russie et la Chine ouvre aux camions sur l'Amour"),
        # " date YYYY-MM-DD <title>" on the first line.
        ("a02_centrale-lunaire", "2024-03-05", None, "La Russie et la Chine envisagent une centrale nucléaire sur la Lune"),
        # A headline, "La rédaction avec", a "16:46 4/02/2026, mercredi" line and the agency.
        ("a03_tigre-amour-chine", "2026-02-04", "AA",
         "Russie-Chine : un tigre de l'Amour relâché en Russie s'installe en Chine"),
    ],
)  # fmt: skip
def test_eval_articles_parse_in_their_header_format(stem, date, outlet, title):
    article, notes = read_article(ARTICLE_PATHS[stem])
    assert (article.date, article.date_precision, article.outlet, article.title) == (date, "day", outlet, title)
    assert notes == []
    assert "16:46" not in article.body and "rédaction avec" not in article.body and "#" not in article.body
    assert 150 <= len(article.body.split()) <= 450


@pytest.mark.parametrize("case", ELSEWHERE_CASES, ids=lambda c: c.id)
def test_fact_elsewhere_sentence_shares_no_content_word_with_the_question(case):
    """The point of the category: matching the question's words cannot find the fact's sentence."""
    for gold in case.gold:
        body = _body(gold.article_id)
        sentences = [body[a:b] for a, b in split_sentences(body) if gold.passage in body[a:b]]
        assert len(sentences) == 1, f"{gold.passage!r} is not inside one sentence"
        shared = set(tokenize(case.question)) & set(tokenize(sentences[0]))
        assert shared == set(), f"{case.id} shares {sorted(shared)} with {sentences[0]!r}"


@pytest.mark.parametrize("case", QUOTE_CASES, ids=lambda c: c.id)
def test_quote_cases_are_verbatim_and_winnable(case):
    assert case.speaker and case.quote
    gold_lines = [line for a in case.gold_article_ids for line in GOLD_TEXTS[a].splitlines()]
    assert any(case.quote in line for line in gold_lines), f"quote not on one line of a gold article: {case.quote!r}"
    assert any(normalise(case.speaker) in normalise(GOLD_TEXTS[a]) for a in case.gold_article_ids), case.speaker
    assert 3 <= len(case.quote.split()) <= 40, case.quote
    all_lines = [line for text in GOLD_TEXTS.values() for line in text.splitlines()]
    for other in case.other_quotes:
        assert any(other in line for line in all_lines), f"other quote is in no article: {other!r}"
    # An answer quotes whole sentences: if another speaker's words shared the gold quote's sentence,
    # no answer could be right.
    for a in case.gold_article_ids:
        body = _body(a)
        for start, end in split_sentences(body):
            sentence = normalise(body[start:end])
            if normalise(case.quote) in sentence:
                assert not [o for o in case.other_quotes if normalise(o) in sentence], sentence


def test_quote_cases_name_other_speakers_where_the_articles_quote_them():
    assert sum(1 for c in QUOTE_CASES if c.other_quotes) >= 15


def test_paraphrases_keep_the_gold_of_the_question_they_reword():
    by_id = {c.id: c for c in CASES}
    rewordings = [c for c in CASES if "-p" in c.id and c.id.rsplit("-p", 1)[0] in by_id]
    assert len(rewordings) >= 20
    for case in rewordings:
        original = by_id[case.id.rsplit("-p", 1)[0]]
        assert "paraphrase" in case.categories
        assert set(original.categories) - {"paraphrase"} <= set(case.categories), case.id
        assert set(case.gold_article_ids) == set(original.gold_article_ids), case.id
        assert {normalise(f) for f in case.facts} == {normalise(f) for f in original.facts}, case.id
        assert normalise(case.question) != normalise(original.question)


def _body(article_id: str) -> str:
    path = ARTICLE_PATHS.get(article_id) or ROOT / "seeds" / f"{article_id}.txt"
    return read_article(path)[0].body


def test_no_gold_passage_appears_in_a_distractor():
    texts = {stem: normalise(text) for stem, text in DISTRACTORS.items()}
    leaks = [
        (case.id, stem)
        for case in ANSWERABLE
        for gold in case.gold
        for stem, text in texts.items()
        if normalise(gold.passage) in text
    ]
    assert leaks == []
