"""Unit tests of the core's pure pieces: analysis, fusion, merging, follow-ups, citations, dates."""

import pytest

from index.errors import BadQuestion
from index.language import detect_language, normalize_language
from index.lexical import BM25Index, tokenize
from index.llm import renumber
from index.models import Source
from index.present import format_date
from index.questions import carry_terms, check_question
from index.retrieval import _extend, weighted_rrf
from index.snapshot import ChunkRecord
from index.text import fold


def test_french_analysis_stems_folds_and_drops_stop_words():
    assert "regim" in tokenize("Le régime") and "regim" in tokenize("les regimes")
    assert tokenize("Pékin") == tokenize("pekin")
    assert "le" not in tokenize("le président") and "the" not in tokenize("the president")
    # "aller" is a light verb like "être": "Quand Poutine ira-t-il en Chine ?" asks about Poutine and Chine.
    assert tokenize("Quand Poutine ira-t-il en Chine ?") == tokenize("Poutine Chine")
    # Elisions split off: l'invasion and invasion meet.
    assert tokenize("l’invasion") == tokenize("invasion")
    # Names and numbers survive.
    assert {"ouchakov", "24", "2026"} <= set(tokenize("Ouchakov, Rossiya-24, 14 septembre 2026"))
    assert fold("Œuvre ÉTÉ") == "oeuvre ete"


def test_bm25_finds_names_and_skips_queries_sharing_no_term():
    index = BM25Index.build(["a", "b"], ["Iouri Ouchakov, conseiller du Kremlin", "Abou Dhabi accueille des pourparlers"])
    assert [cid for cid, _ in index.search("Qui est Ouchakov ?", 5)] == ["a"]
    assert index.search("recette de la tartiflette", 5) == []


def test_weighted_rrf_weights_and_orders():
    fused = weighted_rrf([(["x", "y"], 0.5), (["y", "z"], 1.0)], k=60)
    assert [item for item, _ in fused] == ["y", "z", "x"]
    assert fused[0][1] == pytest.approx(0.5 / 62 + 1.0 / 61)


def test_overlapping_chunks_stitch_into_the_exact_body_text():
    body = "Un. Deux trois. Quatre cinq six. Sept."
    first = ChunkRecord("a:0", "a", 0, body[0:15], 0, 15)
    second = ChunkRecord("a:1", "a", 1, body[4:32], 4, 32)
    span = {"article_id": "a", "start": second.start, "end": second.end, "text": second.text, "ids": ["a:1"]}
    _extend(span, first)
    assert span["text"] == body[0:32] and (span["start"], span["end"]) == (0, 32)


@pytest.mark.parametrize(
    ("follow_up", "carried"),
    [
        ("Et pour les citoyens chinois ?", True),
        ("Jusqu'à quand ?", True),
        ("Qu'a-t-il dit ensuite ?", True),
        ("Quel temps fera-t-il à Paris demain ?", False),
        ("Qui est Iouri Ouchakov ?", False),
    ],
)
def test_follow_ups_borrow_the_previous_key_terms(follow_up, carried):
    previous = "Quand le régime sans visa chinois expire-t-il ?"
    rewritten = carry_terms(follow_up, previous)
    assert rewritten.startswith(follow_up)
    assert ("visa" in rewritten.split()) is carried


def test_renumber_keeps_only_cited_sources_in_order():
    sources = [Source(n, f"a{n}", "t", None, None, "p") for n in (1, 2, 3)]
    text, kept = renumber("Un [3]. Deux [1][9].", sources)
    assert text == "Un [1]. Deux [2]."
    assert [(s.n, s.article_id) for s in kept] == [(1, "a3"), (2, "a1")]


def test_dates_keep_their_precision_and_undated_stays_visible():
    assert format_date("2026-02-04", "day", "fr") == "4 février 2026"
    assert format_date("2026-02-01", "day", "fr") == "1er février 2026"
    assert format_date("2023-09", "month", "en") == "September 2023"
    assert format_date(None, "unknown", "fr") == "non daté"


def test_language_detection():
    assert detect_language("Jusqu'à quand le régime sans visa est-il valable ?") == "fr"
    assert detect_language("When does the visa-free regime end?") == "en"
    assert normalize_language("en-GB") == "en" and normalize_language(None) == "fr"


@pytest.mark.parametrize("question", ["", "   ", None])
def test_empty_questions_are_refused_with_a_message(question):
    with pytest.raises(BadQuestion, match="vide|empty"):
        check_question(question, 100)


@pytest.mark.parametrize("question", ["?!", "🙂🙂", "👍 ?"])
def test_questions_without_words_are_asked_in_words(question):
    with pytest.raises(BadQuestion, match="pas de mots|no words"):
        check_question(question, 100)


@pytest.mark.parametrize("question", ["\x00\x01\x02", "Qui\x00 est Ouchakov ?", "abc\x07def", "\x1b[Dpont"])
def test_control_characters_are_refused_naming_the_character(question):
    with pytest.raises(BadQuestion, match=r"contrôle \(U\+00"):
        check_question(question, 100)


def test_long_questions_are_refused_and_control_characters_cleaned():
    with pytest.raises(BadQuestion, match="10000"):
        check_question("a" * 10_000, 100)
    # Tabs and line ends are spaces; invisible format characters are dropped.
    assert check_question("Qui est\u200b\tOuchakov ?\r\n", 100) == "Qui est Ouchakov ?"


def test_a_source_without_outlet_or_date_reads_as_one_phrase():
    from index.present import byline

    assert byline(None, None, "unknown", "fr") == "source et date non précisées"
    assert byline(None, None, "unknown", "en") == "outlet and date not stated"
    assert byline("AA", None, "unknown", "fr") == "AA, non daté"
    assert byline(None, "2026-02-04", "day", "fr") == "source non précisée, 4 février 2026"
