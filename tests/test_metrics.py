"""The eval metrics on tiny hand-made runs whose values were worked out by hand."""

from __future__ import annotations

import json
import math
import sys
import types
from pathlib import Path

import pytest

from index.evals.metrics import (
    EvalCase,
    GoldPassage,
    abstention_scores,
    article_metrics,
    fact_coverage,
    load_cases,
    passage_hit_at_k,
    quote_correct,
)


def test_relevant_article_at_rank_two():
    scores = article_metrics({"q": {"a": 1}}, {"q": {"x": 0.9, "a": 0.8, "y": 0.1}})
    assert scores["hit@1"] == 0.0
    assert scores["hit@3"] == 1.0
    assert scores["hit@5"] == 1.0
    assert scores["mrr@10"] == pytest.approx(0.5)
    assert scores["ndcg@10"] == pytest.approx(1 / math.log2(3))  # DCG 1/log2(3) over an ideal of 1


def test_ranx_scores_as_plain_python_and_leaves_numba_as_it_was():
    """ranx's kernels run uncompiled (`metrics._interpreted`): the same figures, and numba's switch restored after."""
    import numba

    before = numba.config.DISABLE_JIT
    scores = article_metrics({"q": {"a": 1}, "r": {"b": 1}}, {"q": {"a": 0.9, "x": 0.8}, "r": {"x": 0.9, "y": 0.8, "b": 0.7}})
    assert scores["mrr@10"] == pytest.approx((1 + 1 / 3) / 2) and scores["hit@1"] == 0.5
    assert numba.config.DISABLE_JIT == before
    kernel = sys.modules["ranx.metrics.reciprocal_rank"]._reciprocal_rank  # the one ranx decorates with numba.njit
    assert isinstance(kernel, types.FunctionType), f"{type(kernel).__name__}: ranx was imported with the JIT on"


def test_relevant_article_at_rank_four_misses_hit_at_three():
    scores = article_metrics({"q": {"a": 1}}, {"q": {"w": 4.0, "x": 3.0, "y": 2.0, "a": 1.0}})
    assert (scores["hit@1"], scores["hit@3"], scores["hit@5"]) == (0.0, 0.0, 1.0)
    assert scores["mrr@10"] == pytest.approx(0.25)


def test_ndcg_with_two_relevant_articles():
    # Relevant at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3).
    scores = article_metrics({"q": {"a": 1, "b": 1}}, {"q": {"a": 3.0, "x": 2.0, "b": 1.0}})
    assert scores["ndcg@10"] == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert scores["mrr@10"] == 1.0


def test_query_that_retrieved_nothing_counts_as_zero():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 1}}
    run = {"q1": {"a": 1.0}, "q2": {}}  # q2 empty, q3 missing
    scores = article_metrics(qrels, run)
    assert scores["hit@1"] == pytest.approx(1 / 3)
    assert scores["mrr@10"] == pytest.approx(1 / 3)
    assert scores["ndcg@10"] == pytest.approx(1 / 3)


def test_empty_run_scores_zero():
    assert article_metrics({"q": {"a": 1}}, {}) == {
        "hit@1": 0.0, "hit@3": 0.0, "hit@5": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0
    }


def test_unanswerable_queries_are_left_out_of_ranking_metrics():
    scores = article_metrics({"q": {"a": 1}, "none": {}}, {"q": {"a": 1.0}, "none": {"x": 1.0}})
    assert scores["hit@1"] == 1.0


def test_passage_hit_ignores_case_and_whitespace():
    gold = {"q1": ["valable du 15 septembre 2025"], "q2": ["30 jours"], "q3": ["absent"]}
    retrieved = {
        "q1": ["autre chose", "Un régime sans visa,\nVALABLE du 15  septembre 2025 au 14 septembre 2026."],
        "q2": ["a", "b", "c", "pour une durée de 30 jours"],
        "q3": [],
    }
    assert passage_hit_at_k(gold, retrieved, k=2) == pytest.approx(1 / 3)
    assert passage_hit_at_k(gold, retrieved, k=4) == pytest.approx(2 / 3)
    assert passage_hit_at_k(gold, retrieved, k=1) == 0.0


def test_passage_hit_when_gold_is_in_no_retrieved_text():
    assert passage_hit_at_k({"q": ["introuvable"]}, {"q": ["a", "b"]}, k=5) == 0.0


def test_fact_coverage_folds_accents_case_apostrophes_and_spaces():
    answer = "Xi a évoqué l’Année Chine-Russie de l’éducation et le 14\u00a0septembre  2026."
    assert fact_coverage(answer, ["annee chine-russie de l'education", "14 SEPTEMBRE 2026"])
    assert fact_coverage("Il a parlé de «sans limites».", ['"sans limites"'])
    assert fact_coverage("Des messages de vœux", ["voeux"])
    assert not fact_coverage(answer, ["14 septembre 2026", "220 milliards de dollars"])
    assert fact_coverage("anything", [])


def test_abstention_scores():
    cases = [(True, False), (True, True), (False, True), (False, True), (False, False)]
    scores = abstention_scores(cases)
    assert scores["abstain_precision"] == pytest.approx(2 / 3)
    assert scores["abstain_recall"] == pytest.approx(2 / 3)
    assert scores["false_abstentions"] == 1
    assert scores["answered_unanswerable"] == 1


def _case(**overrides) -> dict:
    case = {
        "id": "c1", "question": "Q ?", "language": "fr", "categories": ["date"], "answerable": True,
        "gold": [{"article_id": "a", "passage": "un passage de cinq mots"}], "facts": ["cinq"],
    }
    case.update(overrides)
    return case


def test_load_cases_reads_dataclasses(tmp_path: Path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(_case()) + "\n\n", encoding="utf-8")
    assert load_cases(path) == [
        EvalCase("c1", "Q ?", "fr", ("date",), True, (GoldPassage("a", "un passage de cinq mots"),), ("cinq",))
    ]


@pytest.mark.parametrize(
    "bad_line",
    [
        "{not json",
        json.dumps(_case(language="de")),
        json.dumps(_case(categories=["weather"])),
        json.dumps(_case(gold=[])),
        json.dumps(_case(answerable=False)),  # unanswerable but has gold and facts
        json.dumps(_case(categories=["multi"])),  # multi needs two articles
        json.dumps({k: v for k, v in _case().items() if k != "facts"}),
        json.dumps(_case(id="c0")),  # duplicate of line 1 after the fix below
        json.dumps(_case(categories=["quote"])),  # a quote case without speaker, quote, other_quotes
        json.dumps(_case(speaker="Poutine", quote="a b c", other_quotes=[])),  # quote fields off a quote case
        json.dumps(_case(categories=["quote"], speaker="", quote="a b c", other_quotes=[])),
        json.dumps(_case(categories=["quote"], speaker="X", quote="a b c", other_quotes="d e f")),
        # Another speaker's words inside the gold quote: no answer could be right.
        json.dumps(_case(categories=["quote"], speaker="X", quote="nous sommes prêts", other_quotes=["prêts"])),
    ],
)
def test_load_cases_names_the_bad_line(tmp_path: Path, bad_line: str):
    path = tmp_path / "q.jsonl"
    first = _case(id="c0")
    path.write_text(json.dumps(first) + "\n" + bad_line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"q\.jsonl:2:"):
        load_cases(path)


# --- who said what --------------------------------------------------------------------------------


def _quote_case(tmp_path: Path) -> EvalCase:
    path = tmp_path / "q.jsonl"
    case = _case(
        categories=["quote"],
        speaker="Vladimir Poutine",
        quote="l'alliance entre Moscou et Pékin reste un important facteur stabilisant",
        other_quotes=["Je suis prêt à échanger avec vous", "Il est important de saisir cette opportunité historique"],
    )
    path.write_text(json.dumps(case, ensure_ascii=False) + "\n", encoding="utf-8")
    return load_cases(path)[0]


def test_load_cases_reads_quote_fields(tmp_path: Path):
    case = _quote_case(tmp_path)
    assert case.speaker == "Vladimir Poutine"
    assert case.quote.startswith("l'alliance")
    assert case.other_quotes == (
        "Je suis prêt à échanger avec vous",
        "Il est important de saisir cette opportunité historique",
    )


def test_quote_correct_needs_the_gold_words_and_no_one_elses(tmp_path: Path):
    case = _quote_case(tmp_path)
    right = (
        "Poutine (AFP, 4 février 2026) : « Dans le contexte de turbulences croissantes, "
        "l’alliance entre Moscou et Pekin reste un important facteur  stabilisant » [1]"
    )
    assert quote_correct(right, case)  # typographic apostrophe, missing accent, doubled space
    mixed = right + " « Je suis prêt à échanger avec vous sur les grandes questions stratégiques » [2]"
    assert not quote_correct(mixed, case)
    assert not quote_correct("« Il est important de saisir cette opportunité historique », a insisté Xi.", case)
    assert not quote_correct("Les articles ne disent pas ce qu'a dit Poutine.", case)


def test_quote_correct_refuses_a_case_without_a_quote():
    case = EvalCase("c1", "Q ?", "fr", ("date",), True, (GoldPassage("a", "un passage de cinq mots"),), ("cinq",))
    with pytest.raises(ValueError, match="no gold quote"):
        quote_correct("anything", case)
