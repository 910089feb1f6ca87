"""The labelled eval set and its distractor corpus hold together: counts, verbatim golds, facts, no leaks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from index.evals.metrics import load_cases, normalise

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))}
EVAL_DIR = ROOT / "tests" / "eval"
DISTRACTORS = {p.stem: p.read_text(encoding="utf-8") for p in sorted((EVAL_DIR / "distractors").glob("*.txt"))}
CASES = load_cases(EVAL_DIR / "questions.jsonl")
ANSWERABLE = [c for c in CASES if c.answerable]


def test_there_are_five_seeds():
    assert len(SEEDS) == 5


def test_counts_per_language_and_category():
    per_language = Counter(c.language for c in ANSWERABLE)
    categories = Counter(cat for c in CASES for cat in c.categories)
    assert per_language["fr"] >= 60
    assert per_language["en"] >= 10
    assert sum(not c.answerable for c in CASES) >= 10
    assert categories["multi"] >= 5
    assert categories["paraphrase"] >= 8
    assert categories["date-sensitive"] >= 4


def test_every_seed_has_at_least_five_gold_cases():
    per_article = Counter(a for c in ANSWERABLE for a in c.gold_article_ids)
    assert {a: per_article[a] for a in SEEDS if per_article[a] < 5} == {}


def test_ids_are_unique():
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", ANSWERABLE, ids=lambda c: c.id)
def test_gold_passages_are_verbatim_lines_of_their_seed(case):
    for gold in case.gold:
        assert gold.article_id in SEEDS, f"{gold.article_id} is not a seed"
        lines = SEEDS[gold.article_id].splitlines()
        assert any(gold.passage in line for line in lines), f"not on one line of {gold.article_id}: {gold.passage!r}"
        assert 5 <= len(gold.passage.split()) <= 25, gold.passage


@pytest.mark.parametrize("case", ANSWERABLE, ids=lambda c: c.id)
def test_facts_appear_in_a_gold_article(case):
    assert case.facts, "an answerable case names at least one fact"
    gold_texts = [normalise(SEEDS[a]) for a in case.gold_article_ids]
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
